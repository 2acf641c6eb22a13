// A clean stop (SIGTERM) as Socket.IO clients see it (docs/contract.md §7): `server_shutdown`
// {message, timestamp}, then the transport closes without a Socket.IO DISCONNECT, so the client
// reports "transport close" (not "io server disconnect", after which it would give up) and
// reconnects by itself once walcastd is back, recovering what it missed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { Client, RawPolling, Workload, assertReceivedWorkload, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('sio_shutdown');
const daemon = new Daemon(db);
await daemon.start();

const kCases = [];
for (const version of ['4.8', '4.7']) {
  for (const transports of [['websocket'], ['polling'], ['polling', 'websocket'], ['websocket', 'polling']]) {
    kCases.push({ version, transports });
  }
}

describe('Socket.IO and SIGTERM', () => {
  const clients = [];
  const workload = new Workload();

  before(async () => {
    for (const spec of kCases) clients.push(new Client(daemon.url, spec));
    await Promise.all(clients.map((client) => client.connected()));
    // Each client holds an offset before the stop, so it can recover after it.
    psql(db.conninfo, workload.insert(1, 3));
    await Promise.all(clients.map((client) => client.received('order 3')));
  });

  after(async () => {
    for (const client of clients) client.close();
    await stopDaemon(daemon);
  });

  test('server_shutdown, then a disconnect the client recovers from by itself', async () => {
    // An Engine.IO session in no namespace (no stream to tell it) with a GET held: the stop
    // answers it with the close packet, and lets the connection (and the daemon) go.
    const bare = await new RawPolling(daemon.url).open();
    const held = bare.get(20000);
    await sleep(300);
    await stopDaemon(daemon);
    assert.equal((await daemon.exited).code, 0, `walcastd stopped cleanly:\n${daemon.log().slice(-3000)}`);
    const answer = await held;
    assert.equal(answer.status, 200, answer.body);
    assert.ok(answer.packets.includes('1'), `the held GET got ${answer.body}`);
    await eventually(() => {
      for (const client of clients) assert.ok(client.disconnects.length > 0, `${client.label} was not disconnected`);
    });
    for (const client of clients) {
      const shutdowns = client.named('server_shutdown');
      assert.ok(shutdowns.length > 0, `${client.label}: no server_shutdown`);
      const [notice] = shutdowns[0].args;
      assert.equal(typeof notice.message, 'string', client.label);
      assert.ok(notice.message.length > 0, client.label);
      assert.ok(!Number.isNaN(Date.parse(notice.timestamp)), `${client.label}: timestamp ${notice.timestamp}`);
      const index = client.events.findIndex((event) => event.name === 'server_shutdown');
      const [{ reason, at }] = client.disconnects;
      assert.ok(index < at, `${client.label}: server_shutdown before the disconnect`);
      // Not a Socket.IO DISCONNECT packet: the client keeps trying.
      assert.ok(['transport close', 'transport error'].includes(reason), `${client.label}: disconnect reason "${reason}"`);
      assert.equal(client.socket.active, true, `${client.label} will reconnect`);
    }

    // Missed while down, then live after the restart on the same port.
    psql(db.conninfo, workload.update([1, 2], 'delivered'));
    await daemon.start();
    await Promise.all(clients.map((client) => client.connected()));
    psql(db.conninfo, workload.insert(4, 4));
    await Promise.all(clients.map((client) => client.received('order 4')));
    for (const client of clients) {
      // Usually one reconnect; one more if a retry reached walcastd while it was still stopping.
      assert.ok(client.connects.length >= 2, client.label);
      for (const connect of client.connects.slice(1)) assert.equal(connect.recovered, true, `${client.label} recovered its session`);
      assertReceivedWorkload(client, workload.expected);
    }
  });
});
