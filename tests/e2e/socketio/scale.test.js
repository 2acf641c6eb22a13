// 1,000 socket.io-client sockets over WebSocket on one walcastd: every one gets the same 50
// changes, each once, in commit order (docs/contract.md §7). The clients share this process's one
// address, so the per-address stream limit is raised.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { Workload, assertReceivedWorkload, connectAll, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const kClients = 1000;
const db = createOrdersDatabase('sio_scale');
const daemon = new Daemon(db, ['--max-connections-per-ip', '5000']);
await daemon.start();

describe(`${kClients} Socket.IO clients`, () => {
  let clients = [];

  before(async () => {
    const specs = Array.from({ length: kClients }, (_, i) => ({
      version: i % 10 === 0 ? '4.7' : '4.8', transports: ['websocket'], label: `client ${i}`,
    }));
    clients = await connectAll(daemon.url, specs);
  });

  after(async () => {
    for (const client of clients) client.close();
    await stopDaemon(daemon);
  });

  test('all receive the same 50 events in the same order', { timeout: 240000 }, async () => {
    const workload = new Workload();
    // 50 changes in 7 transactions of inserts, updates and deletes.
    const sql = [
      workload.insert(1, 10), workload.insert(11, 20), workload.update([3, 1, 2, 4, 5], 'shipped'),
      workload.insert(21, 30), workload.update([10, 9, 8, 7, 6], 'delivered'), workload.delete([21, 22, 23, 24, 25]),
      workload.update([11, 12, 13, 14, 15], 'delivered'),
    ];
    assert.equal(workload.expected.length, 50);
    for (const statement of sql) psql(db.conninfo, statement);
    await eventually(() => {
      const behind = clients.filter((client) => client.globalChanges().length < 50);
      assert.equal(behind.length, 0, `${behind.length} clients have not received all 50 yet`);
    }, { timeoutMs: 120000, intervalMs: 500 });
    // One more, committed last: once it is in, anything duplicated would have come before it.
    psql(db.conninfo, workload.insert(31, 31));
    await eventually(() => {
      const behind = clients.filter((client) => client.globalChanges().length < 51);
      assert.equal(behind.length, 0, `${behind.length} clients have not received the last one yet`);
    }, { timeoutMs: 120000, intervalMs: 500 });
    const ids = clients[0].globalChanges().map(({ payload }) => payload.id);
    for (const client of clients) {
      assertReceivedWorkload(client, workload.expected);
      assert.deepEqual(client.globalChanges().map(({ payload }) => payload.id), ids, `${client.label}: the same ids`);
      assert.deepEqual(client.disconnects, [], client.label);
      assert.equal(client.connects.length, 1, client.label);
    }
  });
});
