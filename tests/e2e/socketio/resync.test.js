// Recovery past the replay window (docs/contract.md §7): walcastd keeps only 10 events here, so a
// client that missed 100 changes cannot recover. It gets a new session (`socket.recovered` not
// true) and a `resync` {reason, oldestId} before any change, then live changes again. The same for
// a new client asking for auth {from: <an id that has left the window>}.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { Client, TcpProxy, Workload, kEventId, psqlAsync, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('sio_resync');
const daemon = new Daemon(db, ['--replay-max-events', '10']);
await daemon.start();

describe('Socket.IO recovery older than the replay window', () => {
  let proxy;
  let watcher;  // connected directly, never cut: says when walcastd has seen every change
  const clients = [];
  const workload = new Workload();
  const commit = (sql) => psqlAsync(db.conninfo, sql);
  let firstId;

  before(async () => {
    proxy = await new TcpProxy(() => daemon.port).start();
    watcher = new Client(daemon.url, { transports: ['websocket'] });
    for (const version of ['4.8', '4.7']) {
      for (const transports of [['websocket', 'polling'], ['polling']]) clients.push(new Client(proxy.url, { version, transports }));
    }
    await Promise.all([watcher, ...clients].map((client) => client.connected()));
  });

  after(async () => {
    for (const client of [watcher, ...clients]) client?.close();
    await proxy?.close();
    await stopDaemon(daemon);
  });

  test('100 changes missed with a 10-event window: recovered is not true and resync comes first', async () => {
    await commit(workload.insert(1, 1));
    await Promise.all([watcher, ...clients].map((client) => client.received('order 1')));
    firstId = watcher.globalChanges()[0].payload.id;

    proxy.cut();
    await eventually(() => {
      for (const client of clients) assert.equal(client.disconnects.length, 1, `${client.label} has not noticed`);
    });
    // One transaction each, so the window cannot hold the one after the clients' offset.
    let sql = '';
    for (let id = 2; id <= 101; id += 1) sql += workload.insert(id, id);
    await commit(sql);
    await watcher.received('order 101');
    proxy.restore();

    await Promise.all(clients.map((client) => client.connected()));
    await commit(workload.insert(102, 102));
    await Promise.all(clients.map((client) => client.received('order 102')));
    for (const client of clients) {
      assert.equal(client.connects.length, 2, client.label);
      assert.notEqual(client.connects[1].recovered, true, `${client.label} cannot have recovered`);
      const cut = client.disconnects[0].at;
      const resyncs = client.named('resync', cut);
      assert.equal(resyncs.length, 1, `${client.label}: one resync`);
      const [notice] = resyncs[0].args;
      assert.equal(typeof notice.reason, 'string', client.label);
      assert.match(notice.oldestId ?? '', kEventId, `${client.label}: oldestId`);
      assert.ok(notice.oldestId > firstId, `${client.label}: oldestId ${notice.oldestId} is past the offset`);
      // Before any change received after the reconnect, and the live change after it.
      const since = client.events.slice(cut);
      const resyncAt = since.findIndex((event) => event.name === 'resync');
      const firstChange = since.findIndex((event) => event.name.startsWith('orders:'));
      assert.ok(resyncAt < firstChange, `${client.label}: resync before the changes`);
      assert.equal(client.globalChanges(cut).slice(-1)[0].payload.data.customer_name, 'order 102', client.label);
    }
  });

  test('a new client with auth {from: <an id older than the window>} gets resync, then live changes', async () => {
    for (const version of ['4.8', '4.7']) {
      const late = new Client(daemon.url, { version, transports: ['websocket'], auth: { from: firstId } });
      try {
        await late.connected();
        await eventually(() => assert.equal(late.named('resync').length, 1, late.label));
        const customer = `live for ${version}`;
        await commit(workload.insert(200 + Number(version === '4.7'), 200 + Number(version === '4.7'), undefined, () => customer));
        await late.received(customer);
        const resyncAt = late.events.findIndex((event) => event.name === 'resync');
        const firstChange = late.events.findIndex((event) => event.name.startsWith('orders:'));
        assert.ok(resyncAt < firstChange, `${late.label}: resync before the changes`);
      } finally {
        late.close();
      }
    }
  });
});
