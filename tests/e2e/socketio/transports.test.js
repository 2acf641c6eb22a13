// Socket.IO on walcastd (docs/contract.md §7) with the real socket.io-client, 4.8 and the 4.7.5 of
// the original app's page, over each transport setting: WebSocket only, long-polling only,
// polling then the upgrade, and the app's own ['websocket', 'polling']. All clients watch the same
// changes: each must get every operation once, with the §4 payload and its offset, its room events
// while subscribed and none after, and answers to `ping`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import {
  Client, assertOffset, assertOrderedAndUnique, assertPayload, emitWithAck, joinRooms, kEventId, leaveRooms, stopDaemon,
} from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('sio_transports');
// Writes answer with their event id (the expectation below); a slow machine gets time for it.
const daemon = new Daemon(db, ['--write-event-wait-ms', '20000']);
await daemon.start();

const kCases = [];
for (const version of ['4.8', '4.7']) {
  kCases.push({ version, transports: ['websocket'], settles: 'websocket' });
  kCases.push({ version, transports: ['polling'], settles: 'polling' });
  kCases.push({ version, transports: ['polling', 'websocket'], settles: 'websocket' });  // the upgrade
  kCases.push({ version, transports: ['websocket', 'polling'], settles: 'websocket' });  // the app's setting
}

// A REST write and the event id it reports.
async function rest(method, path, body) {
  const response = await fetch(`${daemon.url}${path}`, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body && JSON.stringify(body),
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  assert.match(json.eventId ?? '', kEventId, `${method} ${path} gave no event id`);
  return { row: json.data, id: json.eventId };
}

const create = (customer, status = 'pending') =>
  rest('POST', '/api/orders', { customer_name: customer, product_name: 'Lamp', status });
const setStatus = (id, status) => rest('PUT', `/api/orders/${id}`, { status });
const remove = (id) => rest('DELETE', `/api/orders/${id}`);

// Checks what each client received from event index marks[i] on against `expected`: a list of
// {id, operation, row, oldStatus, rooms: [room event names]} in commit order, with ids known
// (or id null: known only to be after the previous one). Exactly these events, each once.
function assertPhase(clients, marks, expected, { inRooms }) {
  clients.forEach((client, i) => {
    const changes = client.changes(marks[i]);
    const label = client.label;
    assertOrderedAndUnique(changes, label);
    const global = changes.filter((change) => change.name.startsWith('orders:'));
    assert.deepEqual(global.map((change) => change.name), expected.map((want) => `orders:${want.operation}`), label);
    global.forEach((change, k) => {
      const want = expected[k];
      if (want.id) assert.equal(change.payload.id, want.id, `${label}: ${change.name}`);
      assertPayload(change.payload, want.operation, want);
      assertOffset(change, { rooms: inRooms });
      const rooms = changes.filter((other) => !other.name.startsWith('orders:') && other.payload.id === change.payload.id);
      assert.deepEqual(rooms.map((room) => room.name).sort(), [...(want.rooms || [])].sort(), `${label}: rooms of ${change.name}`);
      for (const room of rooms) {
        assert.deepEqual(room.payload, change.payload, `${label}: ${room.name} carries the same payload`);
        assertOffset(room, { rooms: true });
      }
    });
    assert.equal(changes.length, global.length + expected.reduce((sum, want) => sum + (want.rooms || []).length, 0),
      `${label}: no other event`);
  });
}

describe('Socket.IO transports', () => {
  const clients = [];
  let rooms;  // what the clients subscribed to

  before(async () => {
    for (const spec of kCases) clients.push(new Client(daemon.url, spec));
    await Promise.all(clients.map((client) => client.connected()));
  });

  after(async () => {
    for (const client of clients) client.close();
    await stopDaemon(daemon);
  });

  test('every client connects with one welcome and settles on its transport', async () => {
    // The welcome follows the CONNECT answer, so it may be handled just after 'connect'.
    await eventually(() => {
      for (const client of clients) assert.ok(client.named('welcome').length > 0, `${client.label} has no welcome`);
    });
    for (const client of clients) {
      const welcomes = client.named('welcome');
      assert.equal(welcomes.length, 1, client.label);
      const [welcome] = welcomes[0].args;
      assert.equal(typeof welcome.message, 'string');
      assert.ok(welcome.clientId && typeof welcome.clientId === 'string', 'clientId');
      assert.ok(!Number.isNaN(Date.parse(welcome.connectedAt)), `connectedAt ${welcome.connectedAt}`);
      assert.ok(Number.isInteger(welcome.totalClients) && welcome.totalClients >= 1, 'totalClients');
      assert.equal(welcome.lastEventId, null, 'nothing has changed yet');
      assert.notEqual(client.connects[0].recovered, true, 'a first connection recovers nothing');
    }
    // Polling then WebSocket must end upgraded; polling only must stay on polling.
    await eventually(() => {
      for (const client of clients) {
        const spec = kCases[clients.indexOf(client)];
        assert.equal(client.socket.io.engine.transport.name, spec.settles, client.label);
      }
    });
  });

  test('every client learns the client count', async () => {
    await eventually(() => {
      for (const client of clients) assert.equal(client.lastCount(), clients.length, client.label);
    });
  });

  test('insert, update, delete and truncate arrive once each, with the §4 payload and the event id as offset', async () => {
    const marks = clients.map((client) => client.events.length);
    const inserted = await create('Ada Insert');
    const updated = await setStatus(inserted.row.id, 'shipped');
    const deleted = await remove(inserted.row.id);
    psql(db.conninfo, 'TRUNCATE orders;');
    await eventually(() => {
      for (const [i, client] of clients.entries()) {
        assert.ok(client.named('orders:truncate', marks[i]).length > 0, `${client.label} has no truncate`);
      }
    }, { timeoutMs: 60000 });
    await eventually(() => assertPhase(clients, marks, [
      { operation: 'insert', id: inserted.id, row: inserted.row },
      { operation: 'update', id: updated.id, row: updated.row, oldStatus: 'pending' },
      { operation: 'delete', id: deleted.id, row: deleted.row },
      { operation: 'truncate', id: null },
    ], { inRooms: false }));
    // The truncate comes after the delete (ids are ordered as strings in commit order).
    for (const client of clients) assert.ok(client.named('orders:truncate')[0].args[0].id > deleted.id);
  });

  test('after subscribe, room events come besides the global ones, also when an order leaves a status', async () => {
    const a = await create('Room A');  // before the subscription: global event only
    await eventually(() => {
      for (const client of clients) assert.ok(client.globalChanges().some(({ payload }) => payload.id === a.id), client.label);
    });
    rooms = { orderIds: [a.row.id], statuses: ['shipped'] };
    await Promise.all(clients.map((client) => joinRooms(client, rooms)));
    const marks = clients.map((client) => client.events.length);
    const aShipped = await setStatus(a.row.id, 'shipped');   // its order room and the shipped room
    const c = await create('Room C', 'shipped');              // the shipped room
    const cDelivered = await setStatus(c.row.id, 'delivered'); // leaves shipped: still that room
    const d = await create('Room D');                         // no room
    const aDeleted = await remove(a.row.id);                  // its order room, and shipped (its status)
    await eventually(() => {
      for (const [i, client] of clients.entries()) {
        assert.ok(client.globalChanges(marks[i]).some(({ payload }) => payload.id === aDeleted.id), client.label);
      }
    }, { timeoutMs: 60000 });
    // Room events may follow their global event in a later read: wait for all of them.
    await eventually(() => assertPhase(clients, marks, [
      { operation: 'update', id: aShipped.id, row: aShipped.row, oldStatus: 'pending',
        rooms: [`order_${a.row.id}:update`, 'status_shipped:update'] },
      { operation: 'insert', id: c.id, row: c.row, rooms: ['status_shipped:insert'] },
      { operation: 'update', id: cDelivered.id, row: cDelivered.row, oldStatus: 'shipped', rooms: ['status_shipped:update'] },
      { operation: 'insert', id: d.id, row: d.row, rooms: [] },
      { operation: 'delete', id: aDeleted.id, row: aDeleted.row, rooms: [`order_${a.row.id}:delete`, 'status_shipped:delete'] },
    ], { inRooms: true }));
  });

  test('after unsubscribe, no room event comes and the offset is the event id again', async () => {
    await Promise.all(clients.map((client) => leaveRooms(client, rooms)));
    const marks = clients.map((client) => client.events.length);
    const e = await create('After E', 'shipped');
    const eDelivered = await setStatus(e.row.id, 'delivered');
    await eventually(() => {
      for (const [i, client] of clients.entries()) {
        assert.ok(client.globalChanges(marks[i]).some(({ payload }) => payload.id === eDelivered.id), client.label);
      }
    }, { timeoutMs: 60000 });
    await eventually(() => assertPhase(clients, marks, [
      { operation: 'insert', id: e.id, row: e.row, rooms: [] },
      { operation: 'update', id: eDelivered.id, row: eDelivered.row, oldStatus: 'shipped', rooms: [] },
    ], { inRooms: false }));
  });

  test('ping with an acknowledgement is answered {pong: <epoch ms>}', async () => {
    for (const client of clients) {
      for (const args of [[], [{ at: Date.now() }]]) {
        const answer = await emitWithAck(client, 'ping', ...args);
        assert.deepEqual(Object.keys(answer), ['pong'], `${client.label}: ${JSON.stringify(answer)}`);
        assert.ok(Number.isInteger(answer.pong), `${client.label}: pong ${answer.pong}`);
        // Milliseconds since the epoch, not seconds: within an hour of this machine's clock.
        assert.ok(Math.abs(answer.pong - Date.now()) < 3600000, `${client.label}: pong ${answer.pong}`);
      }
    }
  });

  test('a client connecting later is told the last event id, and nobody was disconnected', async () => {
    const last = clients[0].globalChanges().slice(-1)[0].payload.id;
    for (const version of ['4.8', '4.7']) {
      const late = new Client(daemon.url, { version, transports: ['websocket', 'polling'] });
      try {
        await late.connected();
        await eventually(() => assert.equal(late.named('welcome').length, 1));
        assert.equal(late.named('welcome')[0].args[0].lastEventId, last);
      } finally {
        late.close();
      }
    }
    for (const client of clients) {
      // Over the whole run: nothing came twice, nothing out of order (also between the phases).
      assertOrderedAndUnique(client.changes(), client.label);
      assert.deepEqual(client.disconnects, [], client.label);
      assert.deepEqual(client.errors, [], client.label);
      assert.equal(client.connects.length, 1, client.label);
    }
  });
});
