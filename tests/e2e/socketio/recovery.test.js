// Connection state recovery (docs/contract.md §7) as socket.io-client ≥ 4.6 does it by itself: it
// keeps the offset of the last event and sends it with its pid when it reconnects. Across a cut
// network (a TCP proxy that drops every connection) and across a walcastd SIGKILL and restart,
// with thousands of changes committed meanwhile, every client must end up with every change exactly
// once, in commit order, `socket.recovered === true` after each reconnect, and, when it had joined
// rooms, its room events still coming (the rooms travel in the offset). A new client may also
// start from an event id or a REST read's position with auth {from}.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import {
  Client, TcpProxy, Workload, assertOffset, assertReceivedWorkload, changeKey, joinRooms, psqlAsync, receivedKey,
  stopDaemon,
} from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('sio_recovery');
const daemon = new Daemon(db);
await daemon.start();

const kRooms = { orderIds: [5, 150, 1500, 3000], statuses: ['shipped'] };
const kCases = [
  { version: '4.8', transports: ['websocket', 'polling'] },
  { version: '4.8', transports: ['polling'], rooms: kRooms },
  { version: '4.8', transports: ['polling', 'websocket'] },
  { version: '4.7', transports: ['websocket', 'polling'], rooms: kRooms },
  { version: '4.7', transports: ['polling'] },
];

const range = (first, last) => Array.from({ length: last - first + 1 }, (_, i) => first + i);

describe('Socket.IO connection state recovery', () => {
  let proxy;
  const clients = [];
  const workload = new Workload();
  const commit = (sql) => psqlAsync(db.conninfo, sql);

  // Each client: every change so far exactly once in order, with its rooms' events, every
  // reconnect recovered, a welcome on each connect and never a resync.
  function assertClients(connects) {
    clients.forEach((client, i) => {
      assertReceivedWorkload(client, workload.expected, { rooms: kCases[i].rooms });
      for (const change of client.changes()) assertOffset(change, { rooms: Boolean(kCases[i].rooms) });
      assert.equal(client.connects.length, connects, `${client.label}: connections`);
      client.connects.slice(1).forEach((connect, k) => assert.equal(connect.recovered, true, `${client.label}: reconnect ${k + 1} recovered`));
      assert.equal(client.named('welcome').length, connects, `${client.label}: a welcome on each connect`);
      assert.equal(client.named('resync').length, 0, `${client.label}: no resync`);
    });
  }

  before(async () => {
    proxy = await new TcpProxy(() => daemon.port).start();
    for (const spec of kCases) {
      const { rooms, ...options } = spec;
      clients.push(new Client(proxy.url, { ...options, label: `${spec.version} ${spec.transports.join('+')}${rooms ? ' in rooms' : ''}` }));
    }
    await Promise.all(clients.map((client) => client.connected()));
    await Promise.all(clients.map((client, i) => kCases[i].rooms && joinRooms(client, kCases[i].rooms)));
  });

  after(async () => {
    for (const client of clients) client.close();
    await proxy?.close();
    await stopDaemon(daemon);
  });

  test('a network cut while 1,000 changes are committed', async () => {
    await commit(workload.insert(1, 200));
    await Promise.all(clients.map((client) => client.received('order 200')));

    proxy.cut();
    await eventually(() => {
      for (const client of clients) assert.equal(client.disconnects.length, 1, `${client.label} has not noticed`);
    });
    await commit(workload.insert(201, 600));
    await commit(workload.update(range(1, 200), 'delivered'));
    await commit(workload.delete(range(201, 400)));
    await commit(workload.insert(601, 800));
    proxy.restore();

    await Promise.all(clients.map((client) => client.connected()));
    await commit(workload.insert(801, 801));  // live, after the reconnect
    await Promise.all(clients.map((client) => client.received('order 801')));
    for (const client of clients) {
      assert.ok(['transport close', 'transport error'].includes(client.disconnects[0].reason), client.disconnects[0].reason);
    }
    await eventually(() => assertClients(2));  // room events may trail their marker
  });

  test('walcastd killed and restarted while 3,500 changes are committed', async () => {
    await commit(workload.insert(1001, 1300));
    await Promise.all(clients.map((client) => client.received('order 1300')));

    await daemon.kill();
    await eventually(() => {
      for (const client of clients) assert.equal(client.disconnects.length, 2, `${client.label} has not noticed`);
    });
    await commit(workload.insert(1301, 2300));
    await commit(workload.update(range(1301, 1800), 'shipped'));
    await commit(workload.delete(range(1801, 2300)));
    await commit(workload.insert(2301, 2800));

    // More commits while walcastd starts and the clients come back. Generated now, in order, so
    // the expectation stays in commit order.
    const during = range(0, 9).map((k) => workload.insert(2801 + k * 100, 2900 + k * 100));
    const committing = (async () => {
      for (const sql of during) {
        await commit(sql);
        await sleep(100);
      }
    })();
    await daemon.start();
    await committing;

    await Promise.all(clients.map((client) => client.connected()));
    await commit(workload.insert(3801, 3801));
    await Promise.all(clients.map((client) => client.received('order 3801', { timeoutMs: 120000 })));
    await eventually(() => assertClients(3));
    assert.ok(workload.expected.length >= 5000, `${workload.expected.length} changes`);
  });

  test('a new client with auth {from: <event id>} gets every later event, then live ones', async () => {
    const [reference] = clients;  // in no room: its offsets are the event ids
    const seen = reference.globalChanges();
    const start = 1000;
    for (const version of ['4.8', '4.7']) {
      const late = new Client(daemon.url, { version, transports: ['websocket', 'polling'], auth: { from: seen[start].payload.id } });
      try {
        await late.connected();
        await late.received('order 3801');
        const want = seen.slice(start + 1);
        const got = late.globalChanges();
        assert.equal(got.length, want.length, `${late.label}: events after the id`);
        assert.deepEqual(got.map(({ payload }) => payload.id), want.map(({ payload }) => payload.id));
        for (const change of got) assertOffset(change, { rooms: false });
        assert.equal(late.named('resync').length, 0);
      } finally {
        late.close();
      }
    }
  });

  test('a new client with auth {from: <a REST read\'s streamPosition>} gets exactly what the read did not see', async () => {
    const read = await (await fetch(`${daemon.url}/api/orders?limit=1000`)).json();
    assert.equal(typeof read.streamPosition, 'string', 'the read has a stream position');
    const before = workload.expected.length;
    await commit(workload.insert(3802, 3804));
    await commit(workload.update([3802], 'delivered'));
    const late = new Client(daemon.url, { transports: ['websocket', 'polling'], auth: { from: read.streamPosition } });
    try {
      await late.connected();
      await late.received('order 3804');
      await commit(workload.insert(3805, 3805));
      await late.received('order 3805');
      // Every change after the read, each once; nothing the read already saw.
      const want = workload.expected.slice(before).map(changeKey);
      await eventually(() => assert.deepEqual(late.globalChanges().map(({ payload }) => receivedKey(payload)), want));
      assert.equal(late.named('resync').length, 0);
    } finally {
      late.close();
    }
  });
});
