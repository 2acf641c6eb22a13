// The Engine.IO options (docs/contract.md §7): --socketio-ping-interval, --socketio-ping-timeout
// (milliseconds) and --socketio-max-payload (bytes). The open packet carries them, the server pings
// on that schedule and closes a session that stops answering, real clients stay connected across
// many pings, and a POST past the limit gets 413 while a client splits its sends to fit it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { Client, RawPolling, RawWs, emitWithAck, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

// Short enough for several pings in a few seconds, long enough for a loaded machine.
const kPingInterval = 1000;
const kPingTimeout = 3000;
const kMaxPayload = 20000;
const db = createOrdersDatabase('sio_engine_options');
const daemon = new Daemon(db, ['--socketio-ping-interval', String(kPingInterval),
  '--socketio-ping-timeout', String(kPingTimeout), '--socketio-max-payload', String(kMaxPayload)]);
await daemon.start();

// An event nobody listens to, `bytes` long as a Socket.IO packet.
const event = (bytes) => `42["nobody-listens","${'x'.repeat(bytes - '42["nobody-listens",""]'.length)}"]`;

describe('Socket.IO Engine.IO options', () => {
  const clients = [];
  const raw = [];

  before(async () => {
    for (const version of ['4.8', '4.7']) {
      for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']]) {
        clients.push(new Client(daemon.url, { version, transports }));
      }
    }
    await Promise.all(clients.map((client) => client.connected()));
  });

  after(async () => {
    for (const client of clients) client.close();
    for (const socket of raw) socket.close();
    await stopDaemon(daemon);
  });

  test('the open packet carries the configured values', async () => {
    const polling = await new RawPolling(daemon.url).open();
    const socket = new RawWs(daemon.url);
    raw.push(socket);
    await socket.handshake();
    for (const open of [polling.handshake, socket.open]) {
      assert.equal(open.pingInterval, kPingInterval);
      assert.equal(open.pingTimeout, kPingTimeout);
      assert.equal(open.maxPayload, kMaxPayload);
    }
    socket.close();
  });

  test('long-polling: pings answered keep the session; unanswered, it is closed', async () => {
    const session = await new RawPolling(daemon.url).open();
    for (let i = 0; i < 3; i += 1) {
      const ping = await session.get();
      assert.deepEqual(ping.packets, ['2'], `ping ${i + 1}`);
      const pong = await session.post('3');
      assert.equal(pong.status, 200);
      assert.equal(pong.body, 'ok');
    }
    // No more pongs: the server gives up after pingTimeout.
    await session.readUntilClosed();
    const later = await session.get();
    assert.equal(later.status, 400);
    assert.equal(later.json?.code, 1, later.body);
  });

  test('WebSocket: pings answered keep the session; unanswered, it is closed', async () => {
    const socket = new RawWs(daemon.url);
    raw.push(socket);
    await socket.handshake();
    for (let i = 0; i < 3; i += 1) {
      assert.equal(await socket.next({ pings: true }), '2', `ping ${i + 1}`);
      socket.send('3');
    }
    assert.ok(await socket.closesWithin(30000), 'closed after the missing pong');
  });

  test('real clients answer every ping and stay connected across many', async () => {
    await eventually(() => {
      for (const client of clients) assert.ok(client.pings >= 5, `${client.label}: ${client.pings} pings`);
    }, { timeoutMs: 60000 });
    psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('After Pings', 'x');");
    await Promise.all(clients.map((client) => client.received('After Pings')));
    for (const client of clients) {
      assert.deepEqual(client.disconnects, [], client.label);
      assert.equal(client.connects.length, 1, client.label);
    }
  });

  test('a POST past maxPayload gets 413; a client splits its sends to fit', async () => {
    const session = await new RawPolling(daemon.url).open();
    assert.equal((await session.post('40')).status, 200);
    const accepted = await session.post(event(kMaxPayload - 1000));
    assert.equal(accepted.status, 200, accepted.body);
    const refused = await session.post(event(kMaxPayload + 100));
    assert.equal(refused.status, 413);

    // Five sends of 6,000 bytes at once: more than maxPayload together, so a polling client
    // that read the limit posts them in several requests; one over the limit would cost it the
    // connection.
    const pollers = clients.filter((client) => client.socket.io.engine.transport.name === 'polling');
    assert.ok(pollers.length >= 2, 'some clients poll');
    for (const client of pollers) {
      for (let i = 0; i < 5; i += 1) client.socket.emit('nobody-listens', 'x'.repeat(6000));
    }
    // Sent after them on the same connection: once answered, a refused POST would have shown.
    await Promise.all(pollers.map((client) => emitWithAck(client, 'ping')));
    psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('After Large Sends', 'x');");
    await Promise.all(clients.map((client) => client.received('After Large Sends')));
    for (const client of clients) assert.deepEqual(client.disconnects, [], client.label);
  });
});
