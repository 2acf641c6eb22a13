// Slow Socket.IO clients follow /ws's rules (docs/contract.md §4 "Slow clients", §7): a client that
// stops reading costs a bounded queue, is fed from the replay window while it can be, and once what
// it needs has left the window it gets an `error` after what is queued and is closed, while the
// others get everything. The heartbeat
// is set far off here, so it is the slow-client rule that closes the stalled socket, not a ping
// timeout.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { Client, RawWs, psqlAsync, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('sio_slow');
const daemon = new Daemon(db, [
  '--replay-max-events', '2000', '--max-client-queue-messages', '64',
  '--socketio-ping-interval', '120000', '--socketio-ping-timeout', '120000',
]);
await daemon.start();

async function slowClientsDropped() {
  const text = await (await fetch(`${daemon.url}/metrics`)).text();
  const match = text.match(/^walcast_slow_clients_dropped_total (\d+)/m);
  return match ? Number(match[1]) : 0;
}

describe('a Socket.IO client that stops reading', () => {
  let healthy;
  let stalled;

  before(async () => {
    healthy = await new Client(daemon.url, { transports: ['websocket'] }).connected();
    stalled = await new RawWs(daemon.url).handshake({ connect: true });
  });

  after(async () => {
    healthy?.close();
    stalled?.close();
    await stopDaemon(daemon);
  });

  test('is closed once its events leave the window; the others get every change', async () => {
    const droppedBefore = await slowClientsDropped();
    // Nothing more is read from the socket: the kernel's buffers fill, then walcastd's.
    stalled.ws._socket.pause();
    // 100 transactions of 200 rows of ~0.7 KB: ~14 MB, far past what socket buffers hold, and 10
    // times the 2,000-event window. Each waits until the healthy client has the previous one, so
    // it is never behind by more than a transaction however slow this machine is.
    const padding = 'x'.repeat(250);
    for (let i = 0; i < 100; i += 1) {
      await psqlAsync(db.conninfo,
        `INSERT INTO orders (customer_name, product_name) SELECT 'bulk ${i}', '${padding}' FROM generate_series(1, 200);`);
      await eventually(() => assert.ok(healthy.events.length >= (i + 1) * 200, 'the healthy client lags'),
        { timeoutMs: 60000, intervalMs: 20 });
    }
    await psqlAsync(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('After The Flood', 'x');");

    await eventually(async () => assert.ok(await slowClientsDropped() > droppedBefore, 'not counted'),
      { timeoutMs: 60000 });
    // Reading again, it gets what was queued, the `error` last, and the transport closes: the
    // client library would reconnect and recover from its offset, or get `resync`.
    stalled.ws._socket.resume();
    assert.ok(await stalled.closesWithin(60000), 'the stalled socket was not closed');
    const last = stalled.messages.filter((message) => typeof message === 'string' && message !== '2').pop();
    assert.match(last, /^42\["error",\{"message":"slow consumer/, last);
    await healthy.received('After The Flood');
    const inserts = healthy.globalChanges().filter(({ payload }) => payload.operation === 'insert');
    assert.equal(inserts.length, 100 * 200 + 1);
    assert.deepEqual(healthy.disconnects, []);
    assert.equal((await fetch(`${daemon.url}/health`)).status, 200);
  });
});
