// The Socket.IO tests' tools (docs/contract.md §7): real socket.io-client sockets that record what
// they saw, raw Engine.IO over fetch and `ws` for the bad-input tests, a TCP proxy that can cut
// the network, and a model of the orders table that says which events a workload must produce.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { io as io48 } from 'socket.io-client';
import { io as io47 } from 'socket.io-client-4.7';
import WebSocket from 'ws';

import { eventually } from './wait.js';

// socket.io-client 4.8 (engine.io-client 6.6) and 4.7.5 (engine.io-client 6.5, the engine of the
// socket.io 4.7 browser bundle the original app's page loaded).
export const kVersions = { '4.8': io48, '4.7': io47 };

// docs/contract.md §4: commit LSN and index in the transaction, fixed-width upper-case hex.
export const kEventId = /^[0-9A-F]{16}-[0-9A-F]{8}$/;
const kPayloadKeys = ['changed', 'data', 'id', 'lsn', 'old', 'operation', 'schema', 'serverTime', 'table', 'timestamp', 'type', 'xid'];

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// A socket.io-client socket and everything it saw, in arrival order. Each io() gets its own
// Manager (forceNew), so sockets to the same URL never share a connection; reconnection is
// fast so the tests do not wait on back-off.
export class Client {
  constructor(url, { version = '4.8', label, ...options } = {}) {
    this.version = version;
    this.label = label || `${version} ${(options.transports || ['polling', 'websocket']).join('+')}`;
    this.events = [];       // {name, args}, every event the application would see
    this.connects = [];     // {recovered, id, at}: `at` is events.length when 'connect' fired
    this.disconnects = [];  // {reason, at}
    this.errors = [];       // {message, active} of each connect_error
    this.pings = 0;         // Engine.IO pings from the server
    this.socket = kVersions[version](url, {
      forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 1000, timeout: 20000, ...options,
    });
    this.socket.onAny((name, ...args) => this.events.push({ name, args }));
    this.socket.on('connect', () => {
      this.connects.push({ recovered: this.socket.recovered, id: this.socket.id, at: this.events.length });
    });
    this.socket.on('disconnect', (reason) => this.disconnects.push({ reason, at: this.events.length }));
    this.socket.on('connect_error', (error) => this.errors.push({ message: error.message, active: this.socket.active }));
    this.socket.io.on('ping', () => { this.pings += 1; });
  }

  async connected(timeoutMs = 30000) {
    await eventually(() => assert.ok(this.socket.connected, `${this.label} is not connected`), { timeoutMs });
    return this;
  }

  // Events named `name` from index `from` on.
  named(name, from = 0) {
    return this.events.slice(from).filter((event) => event.name === name);
  }

  // The change events (orders:* and room events) from index `from` on, as {name, payload, offset, argc}.
  changes(from = 0) {
    return this.events.slice(from)
      .filter((event) => /^(orders|order_[^:]+|status_[^:]+):(insert|update|delete|truncate)$/.test(event.name))
      .map(({ name, args }) => ({ name, payload: args[0], offset: args[args.length - 1], argc: args.length }));
  }

  globalChanges(from = 0) {
    return this.changes(from).filter((change) => change.name.startsWith('orders:'));
  }

  // Waits until an insert of an order named `customer` has arrived (a marker committed last).
  async received(customer, { from = 0, timeoutMs = 60000 } = {}) {
    await eventually(() => assert.ok(
      this.globalChanges(from).some(({ payload }) => payload.operation === 'insert' && payload.data?.customer_name === customer),
      `${this.label} has not received ${customer}`), { timeoutMs });
  }

  // The last client count it was told (welcome or clients).
  lastCount() {
    const counts = this.events.filter((event) => event.name === 'welcome' || event.name === 'clients');
    return counts.length ? counts[counts.length - 1].args[0].totalClients : undefined;
  }

  close() {
    this.socket.close();
  }
}

// Connects clients a few at a time (many handshakes at once on 2 cores only slow each other).
export async function connectAll(url, specs, { batch = 50 } = {}) {
  const clients = [];
  for (let i = 0; i < specs.length; i += batch) {
    const some = specs.slice(i, i + batch).map((spec) => new Client(url, spec));
    clients.push(...some);
    await Promise.all(some.map((client) => client.connected(60000)));
  }
  return clients;
}

// An event with an acknowledgement; fails on timeout (the server did not answer).
export function emitWithAck(client, name, ...args) {
  return client.socket.timeout(20000).emitWithAck(name, ...args);
}

// `subscribe` / `unsubscribe` with an ack whose shape the contract leaves open: it must come and
// must not report an error. The ping after it makes sure the server has handled it before the test
// commits anything (one connection's packets are handled in order).
export async function joinRooms(client, rooms, event = 'subscribe') {
  const answer = await emitWithAck(client, event, rooms);
  assert.ok(!(answer && typeof answer === 'object' && 'error' in answer), `${event} answered ${JSON.stringify(answer)}`);
  await emitWithAck(client, 'ping');
}

export const leaveRooms = (client, rooms) => joinRooms(client, rooms, 'unsubscribe');

// A §4 change payload. `row` (optional) is {id, customer_name, product_name, status} of the row
// the event carries in `data`; `oldStatus` the status in `old` for an update.
export function assertPayload(payload, operation, { row, oldStatus } = {}) {
  assert.deepEqual(Object.keys(payload).sort(), kPayloadKeys, `keys of ${JSON.stringify(payload)}`);
  assert.match(payload.id, kEventId);
  assert.equal(payload.type, 'database_change');
  assert.equal(payload.operation, operation);
  assert.equal(payload.table, 'orders');
  assert.equal(payload.schema, 'public');
  assert.ok(!Number.isNaN(Date.parse(payload.timestamp)), `timestamp ${payload.timestamp}`);
  assert.ok(!Number.isNaN(Date.parse(payload.serverTime)), `serverTime ${payload.serverTime}`);
  assert.match(payload.lsn, /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.ok(Number.isInteger(payload.xid) && payload.xid > 0, `xid ${payload.xid}`);
  if (operation === 'truncate') {
    assert.equal(payload.data, null);
    assert.equal(payload.old, null);
    assert.equal(payload.changed, null);
    return;
  }
  if (row) {
    for (const key of ['id', 'customer_name', 'product_name', 'status']) assert.equal(payload.data[key], row[key], key);
  }
  assert.ok(!Number.isNaN(Date.parse(payload.data.created_at)), 'data.created_at');
  if (operation === 'update') {
    assert.equal(payload.old.id, payload.data.id);
    if (oldStatus) assert.equal(payload.old.status, oldStatus);
    assert.ok(Array.isArray(payload.changed), 'changed is a list');
    if (oldStatus && oldStatus !== payload.data.status) assert.ok(payload.changed.includes('status'), 'changed names status');
  } else {
    assert.equal(payload.old, null);
    assert.equal(payload.changed, null);
  }
}

// The offset (the last argument) of a change event: the event id itself on the global event of a
// socket in no room; "<id>;<rooms>" on the global event of a socket in rooms; "<id>;e<k>;<rooms>"
// on the k-th room event.
export function assertOffset(change, { rooms }) {
  assert.equal(change.argc, 2, `${change.name} has ${change.argc} arguments, not (payload, offset)`);
  assert.equal(typeof change.offset, 'string');
  const id = escapeRegExp(change.payload.id);
  if (!change.name.startsWith('orders:')) {
    assert.match(change.offset, new RegExp(`^${id};e[1-9][0-9]*(;.+)?$`), `offset of ${change.name}`);
  } else if (rooms) {
    assert.match(change.offset, new RegExp(`^${id}(;.+)?$`), `offset of ${change.name}`);
  } else {
    assert.equal(change.offset, change.payload.id, `offset of ${change.name}`);
  }
}

// Every change a socket received is in commit order, each event id once per event name, and no
// two events share an offset (an offset that named two events could not resume exactly).
export function assertOrderedAndUnique(changes, label) {
  const offsets = new Set();
  const seen = new Set();
  let last = '';
  for (const { name, payload, offset } of changes) {
    assert.ok(payload.id >= last, `${label}: ${payload.id} (${name}) arrived after ${last}`);
    last = payload.id;
    assert.ok(!seen.has(`${name} ${payload.id}`), `${label}: ${name} ${payload.id} arrived twice`);
    seen.add(`${name} ${payload.id}`);
    assert.ok(!offsets.has(offset), `${label}: offset ${offset} given twice`);
    offsets.add(offset);
  }
}

// Daemon.stop(), with a timer that does not hold the process (Daemon.stop's 10 s timer keeps
// node alive after the last test, 10 s per file). Returns how it ended: {code, signal}, code 0
// for a clean stop; null if it had to be killed or was not running.
export async function stopDaemon(daemon) {
  const { child } = daemon;
  if (!child || child.exitCode !== null || child.signalCode !== null) return null;
  daemon.exitExpected = true;
  child.kill('SIGTERM');
  const stopped = await Promise.race([daemon.exited, sleep(20000, null, { ref: false })]);
  if (!stopped) await daemon.kill();
  return stopped;
}

// psql as a child process that does not block the event loop (the sockets must keep reading
// while a large transaction is committed).
const execFileAsync = promisify(execFile);
export async function psqlAsync(conninfo, sql) {
  const child = execFileAsync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', conninfo],
    { encoding: 'utf8', maxBuffer: 64 << 20 });
  child.child.stdin.end(sql);
  return (await child).stdout;
}

// The orders table as the tests change it, with explicit ids, so that the exact sequence of
// events is known in advance: `expected` lists every change in commit order as
// {operation, id, status, oldStatus}. Statements are written so that rows change in a known order
// (generate_series for inserts, a loop for updates and deletes). All writes of a database must go
// through one Workload for the expectation to be complete.
export class Workload {
  constructor() {
    this.rows = new Map();  // id → status
    this.expected = [];
  }

  // One transaction inserting ids first..last (status by `statusOf(id)`).
  insert(first, last, statusOf = (id) => (id % 2 ? 'pending' : 'shipped'), name = (id) => `order ${id}`) {
    const values = [];
    for (let id = first; id <= last; id += 1) {
      const status = statusOf(id);
      this.rows.set(id, status);
      this.expected.push({ operation: 'insert', id, status, oldStatus: null, customer: name(id) });
      values.push(`(${id}, '${name(id).replaceAll("'", "''")}', 'Widget', '${status}')`);
    }
    return `INSERT INTO orders (id, customer_name, product_name, status) VALUES ${values.join(', ')};\n`;
  }

  // One transaction setting each id's status in the order given.
  update(ids, status) {
    for (const id of ids) {
      assert.ok(this.rows.has(id), `update of unknown order ${id}`);
      this.expected.push({ operation: 'update', id, status, oldStatus: this.rows.get(id) });
      this.rows.set(id, status);
    }
    return `DO $$ DECLARE i int; BEGIN FOREACH i IN ARRAY ARRAY[${ids.join(',')}]::int[] LOOP
      UPDATE orders SET status = '${status}' WHERE id = i; END LOOP; END $$;\n`;
  }

  // One transaction deleting each id in the order given.
  delete(ids) {
    for (const id of ids) {
      assert.ok(this.rows.has(id), `delete of unknown order ${id}`);
      this.expected.push({ operation: 'delete', id, status: this.rows.get(id), oldStatus: null });
      this.rows.delete(id);
    }
    return `DO $$ DECLARE i int; BEGIN FOREACH i IN ARRAY ARRAY[${ids.join(',')}]::int[] LOOP
      DELETE FROM orders WHERE id = i; END LOOP; END $$;\n`;
  }
}

// What identifies a change in the expectation: "update 7 shipped".
export function changeKey({ operation, id, status }) {
  return operation === 'truncate' ? 'truncate' : `${operation} ${id} ${status}`;
}

export function receivedKey(payload) {
  const row = payload.data || {};
  return changeKey({ operation: payload.operation, id: row.id, status: row.status });
}

// The room events (names) one change produces for a socket in `rooms` ({orderIds, statuses}), as
// the contract says: the order's room, the new row's status room, and the old row's status room
// when the update moved the order out of a joined status. A delete carries the deleted row.
export function roomEventsOf({ operation, id, status, oldStatus }, { orderIds = [], statuses = [] }) {
  if (operation === 'truncate') return [];
  const names = [];
  if (orderIds.includes(id)) names.push(`order_${id}:${operation}`);
  if (statuses.includes(status)) names.push(`status_${status}:${operation}`);
  if (oldStatus && oldStatus !== status && statuses.includes(oldStatus)) names.push(`status_${oldStatus}:${operation}`);
  return names;
}

// Checks what a socket received against the workload: the global events exactly the expected
// changes in commit order (no gap, no duplicate), event ids strictly increasing, and for each
// change exactly its room events (the order among one change's events is left open).
export function assertReceivedWorkload(client, expected, { rooms = null, from = 0 } = {}) {
  const changes = client.changes(from);
  const global = changes.filter((change) => change.name.startsWith('orders:'));
  const got = global.map((change) => receivedKey(change.payload));
  const want = expected.map(changeKey);
  if (got.length !== want.length || got.some((key, i) => key !== want[i])) {
    const i = got.findIndex((key, j) => key !== want[j]);
    assert.fail(`${client.label}: ${got.length} changes for ${want.length} expected; first difference at ${i}: ` +
      `got ${got[i]}, expected ${want[i]} (after ${got[i - 1]})`);
  }
  for (let i = 1; i < global.length; i += 1) {
    assert.ok(global[i].payload.id > global[i - 1].payload.id,
      `${client.label}: event ids not increasing: ${global[i - 1].payload.id} then ${global[i].payload.id}`);
  }
  assertOrderedAndUnique(changes, client.label);
  // Room events: grouped by event id, compared as sorted name lists.
  const roomsById = new Map();
  for (const change of changes) {
    if (change.name.startsWith('orders:')) continue;
    const list = roomsById.get(change.payload.id) || [];
    list.push(change.name);
    roomsById.set(change.payload.id, list);
  }
  global.forEach((change, i) => {
    const want = rooms ? roomEventsOf(expected[i], rooms).sort() : [];
    const got = (roomsById.get(change.payload.id) || []).sort();
    roomsById.delete(change.payload.id);
    assert.deepEqual(got, want, `${client.label}: room events of ${receivedKey(change.payload)} (${change.payload.id})`);
  });
  assert.deepEqual([...roomsById.keys()], [], `${client.label}: room events without their global event`);
}

// A TCP proxy in front of the daemon: the network between a client and walcastd. cut() destroys
// every connection and refuses new ones until restore(); the daemon's port is read at each
// connection, so the proxy follows a restarted daemon.
export class TcpProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;  // () → the daemon's port
    this.sockets = new Set();
    this.refusing = false;
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  accept(socket) {
    if (this.refusing) {
      socket.destroy();
      return;
    }
    const upstream = net.connect(this.targetPort(), '127.0.0.1');
    for (const [one, other] of [[socket, upstream], [upstream, socket]]) {
      this.sockets.add(one);
      one.on('error', () => other.destroy());
      one.on('close', () => {
        this.sockets.delete(one);
        other.destroy();
      });
      one.pipe(other);
    }
  }

  cut() {
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore() {
    this.refusing = false;
  }

  async close() {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// --- Raw Engine.IO, for input no real client sends -------------------------------------------

export function engineUrl(base, query = '') {
  return `${base}/socket.io/?EIO=4&transport=polling${query}`;
}

// Splits a polling body into its packets.
export function packetsOf(body) {
  return body === '' ? [] : body.split('\x1e');
}

// A raw long-polling session: the handshake, then GETs and POSTs with its sid.
export class RawPolling {
  constructor(base) {
    this.base = base;
  }

  async open() {
    const response = await fetch(engineUrl(this.base));
    const body = await response.text();
    assert.equal(response.status, 200, body);
    assert.equal(body[0], '0', body);
    this.handshake = JSON.parse(body.slice(1));
    this.sid = this.handshake.sid;
    return this;
  }

  get url() {
    return engineUrl(this.base, `&sid=${encodeURIComponent(this.sid)}`);
  }

  // A GET; a session that has nothing to send holds it, so it gives up after `timeoutMs`
  // (throwing: a held GET where a closed session was expected is a failure).
  async get(timeoutMs = 15000) {
    const response = await fetch(this.url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return { status: response.status, body, packets: packetsOf(body), json: tryJson(body) };
  }

  async post(body) {
    const response = await fetch(this.url, {
      method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' },
    });
    const text = await response.text();
    return { status: response.status, body: text, json: tryJson(text) };
  }

  // Reads until the session is over: a GET gets the close packet "1" or HTTP 400. Returns the
  // packets read on the way. A GET held for 15 s means the session is still open: that fails.
  async readUntilClosed() {
    const packets = [];
    for (let i = 0; i < 50; i += 1) {
      const response = await this.get();
      if (response.status === 400) return packets;
      assert.equal(response.status, 200, response.body);
      packets.push(...response.packets);
      if (response.packets.includes('1')) return packets;
    }
    assert.fail('the session kept answering');
  }
}

function tryJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// A raw WebSocket to /socket.io/: every message (text as a string, binary as a Buffer) queued
// for next(), and whether it opened and how it closed.
export class RawWs {
  constructor(base, query = '?EIO=4&transport=websocket', options = {}) {
    this.messages = [];
    this.waiting = null;
    this.opened = false;
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/socket.io/${query}`, options);
    this.ws.on('open', () => { this.opened = true; });
    this.ws.on('error', () => {});  // a refused upgrade; `closed` says it
    this.ws.on('message', (data, isBinary) => {
      this.messages.push(isBinary ? data : data.toString());
      this.waiting?.();
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  send(data) {
    this.ws.send(data, () => {});  // a send on a closing socket is not an error here
  }

  // The next message, skipping Engine.IO pings unless asked for them.
  async next({ timeoutMs = 20000, pings = false } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.messages.length) {
        const message = this.messages.shift();
        if (!pings && message === '2') continue;
        return message;
      }
      if (Date.now() > deadline) throw new Error(`no message within ${timeoutMs} ms`);
      const arrived = new Promise((resolve) => { this.waiting = resolve; });
      const closed = this.closed.then(() => 'closed');
      const timeout = sleep(deadline - Date.now(), undefined, { ref: false });  // never holds the process
      if (await Promise.race([arrived, closed, timeout]) === 'closed' && !this.messages.length) {
        throw new Error('the WebSocket closed');
      }
    }
  }

  // Reads messages until one satisfies `match`; returns it.
  async nextMatching(match, options) {
    for (;;) {
      const message = await this.next(options);
      if (typeof message === 'string' && match(message)) return message;
    }
  }

  // The Engine.IO open packet, then (connect: true) the Socket.IO CONNECT to "/" and its answer.
  async handshake({ connect = false, auth } = {}) {
    const open = await this.next();
    assert.equal(open[0], '0', open);
    this.open = JSON.parse(open.slice(1));
    if (connect) {
      this.send(auth ? `40${JSON.stringify(auth)}` : '40');
      const answer = await this.nextMatching((message) => message.startsWith('40') || message.startsWith('44'));
      assert.match(answer, /^40\{/, answer);
      this.connect = JSON.parse(answer.slice(2));
    }
    return this;
  }

  // Whether the server closes the WebSocket within `timeoutMs`.
  async closesWithin(timeoutMs = 20000) {
    return Promise.race([this.closed.then(() => true), sleep(timeoutMs, false, { ref: false })]);
  }

  close() {
    this.ws.terminate();
  }
}
