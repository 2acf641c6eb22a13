// Per-user tokens (JWT, api/guard/jwt_verifier.h and api/guard/access_tokens.h) against a real
// walcastd, straight over plain HTTP (no proxy): the REST statuses of refused tokens and scopes,
// and the row restriction on REST; a customer or orderIds restriction on /ws, SSE and Socket.IO
// (an update moving a row out arrives as the delete of the old row, one moving a row in as the
// insert of the new row, the other customer's data never appears); expiry (an `error`, then the
// stream ends, WebSocket close 4001); refresh on an open /ws and Socket.IO connection, and the
// refreshes it refuses (another `sub`, wider rows); refused tokens at the handshake. Last, a
// daemon verifying ES256 with the public key of tests/fixtures/jwt/.
//
// walcastd runs with --jwt-secret (HS256), --api-token and --stream-token: the static tokens keep
// working next to the per-user ones. Tokens that expire live about 5 s; the tests wait on events
// and closes with generous timeouts and assert no speed.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import WebSocket from 'ws';

import { Daemon } from '../lib/daemon.js';
import { SseParser, request } from '../lib/https_client.js';
import {
  Hs256Issuer, claims, fixtureKey, fixturePath, nowSeconds, signJwt, unsignedJwt,
} from '../lib/jwt.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { Client, emitWithAck, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const kSecret = 'walcast-e2e-jwt-secret-0123456789abcdef';  // ≥ 32 bytes
const kApiToken = 'e2e-static-api-token';
const kStreamToken = 'e2e-static-stream-token';
const kShortTtl = 5;  // seconds: the tokens that expire during a test (exp rounds: 4 to 5 s)
const kWait = { timeoutMs: 30000 };

const issuer = new Hs256Issuer(kSecret);
const forger = new Hs256Issuer('another-secret-of-at-least-32-bytes!!');

const db = createOrdersDatabase('proxy_jwt');
const daemon = new Daemon(db, ['--jwt-secret', kSecret, '--api-token', kApiToken, '--stream-token', kStreamToken]);
await daemon.start();

const bearer = (token) => ({ authorization: `Bearer ${token}` });
const api = (path, { token, ...options } = {}) =>
  request(`${daemon.url}${path}`, { ...options, headers: token ? bearer(token) : {} });

// --- Stream clients that keep every frame as received -----------------------------------------

class FrameLog {
  constructor(label) {
    this.label = label;
    this.frames = [];  // {event, data, text}: `text` the frame as sent (for "never mentions X")
  }

  async waitFor(event, match = () => true, { timeoutMs = 30000 } = {}) {
    return eventually(() => {
      const found = this.frames.find((frame) => frame.event === event && match(frame.data));
      assert.ok(found, `${this.label}: no matching ${event} (received: ${this.frames.map((f) => f.event).join(', ') || 'nothing'})`);
      return found;
    }, { timeoutMs, intervalMs: 50 });
  }

  named(event) {
    return this.frames.filter((frame) => frame.event === event);
  }

  // The change events as "operation id customer" (e.g. "delete 1001 Ann"), in arrival order.
  changes() {
    return this.frames.filter((frame) => frame.event?.startsWith('orders:')).map((frame) => changeLine(frame.event, frame.data));
  }
}

function changeLine(event, payload) {
  assert.equal(event, `orders:${payload.operation}`, `event name ${event} and operation ${payload.operation}`);
  return `${payload.operation} ${payload.data?.id} ${payload.data?.customer_name}`;
}

// /ws with a query string and headers. `refused` resolves with the HTTP answer to a refused
// handshake ({status, headers, json}); `closed` with the close {code, reason}.
class WsStream extends FrameLog {
  constructor(query = '', { headers = {}, label = '/ws', base = daemon.url } = {}) {
    super(label);
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws${query}`, { headers });
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    this.opened.catch(() => {});  // a refused handshake is awaited through `refused`
    this.refused = new Promise((resolve) => {
      this.ws.on('unexpected-response', (req, res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, headers: res.headers, json: parseJson(body), body });
          req.destroy();
        });
      });
    });
    this.ws.on('message', (data) => {
      const text = String(data);
      const frame = parseJson(text) ?? {};
      this.frames.push({ event: frame.event, data: frame.data, text });
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  get open() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(event, data) {
    this.ws.send(JSON.stringify({ event, data }));
  }

  close() {
    this.ws.terminate();
  }
}

// GET /api/events. `opened` resolves with {status, headers, json} (json: a refusal's body);
// `ended` when the server ends the response.
class SseStream extends FrameLog {
  constructor(query = '', { headers = {}, label = 'SSE' } = {}) {
    super(label);
    const parser = new SseParser(({ event, data }) => {
      this.frames.push({ event, data: data?.data, text: JSON.stringify(data) });
    });
    let ended;
    this.ended = new Promise((resolve) => { ended = resolve; });
    this.opened = new Promise((resolve, reject) => {
      this.req = http.get(`${daemon.url}/api/events${query}`,
        { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
          res.setEncoding('utf8');
          res.on('end', () => ended(true));
          res.on('close', () => ended(true));
          res.on('error', () => {});
          if (!/^text\/event-stream/.test(res.headers['content-type'] ?? '')) {
            let body = '';
            res.on('data', (text) => { body += text; });
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, json: parseJson(body) }));
            return;
          }
          res.on('data', (text) => parser.push(text));
          resolve({ status: res.statusCode, headers: res.headers });
        });
      this.req.on('error', reject);
    });
    this.opened.catch(() => {});
  }

  close() {
    this.req.destroy();
  }
}

// socket.io-client through lib/socketio.js's Client, with the same view of its changes.
function socketChanges(client) {
  return client.globalChanges().map(({ name, payload }) => changeLine(name, payload));
}
function socketText(client) {
  return JSON.stringify(client.events);
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Waits until the clock is past `unixSeconds` (a token's exp) by `margin` seconds.
async function pastTime(unixSeconds, margin = 1) {
  while (Date.now() < (unixSeconds + margin) * 1000) await sleep(100);
}

const sql = (text) => psql(db.conninfo, text);

describe('per-user tokens (JWT, HS256) against walcastd', { timeout: 120000 }, () => {
  after(async () => {
    await stopDaemon(daemon);
  });

  test('REST: 401 without a token, expired, badly signed or unsigned; the static --api-token writes; a read-only token may not', async () => {
    const none = await api('/api/orders');
    assert.equal(none.status, 401, none.body);
    assert.match(none.headers['www-authenticate'] ?? '', /^Bearer/);

    const expired = await api('/api/orders', { token: issuer.token({ ttl: -60 }) });
    assert.equal(expired.status, 401, expired.body);
    assert.equal(expired.json?.error, 'token expired');

    const forged = await api('/api/orders', { token: forger.token() });
    assert.equal(forged.status, 401, forged.body);
    assert.equal(forged.json?.error, 'bad token signature');

    // The valid token's claims with a payload swapped in: the signature no longer holds.
    const [head, , signature] = issuer.token({ rows: { customer: 'Ann' } }).split('.');
    const swapped = `${head}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.${signature}`;
    const tampered = await api('/api/orders', { token: swapped });
    assert.equal(tampered.status, 401, tampered.body);
    assert.equal(tampered.json?.error, 'bad token signature');

    const unsigned = await api('/api/orders', { token: unsignedJwt(claims({ scope: 'read write' })) });
    assert.equal(unsigned.status, 401, unsigned.body);
    assert.equal(unsigned.json?.error, 'token algorithm not accepted');

    const notYet = await api('/api/orders', { token: issuer.token({ nbf: nowSeconds() + 3600 }) });
    assert.equal(notYet.status, 401, notYet.body);
    assert.equal(notYet.json?.error, 'token not yet valid');

    const reader = issuer.token({ scope: 'read' });
    const read = await api('/api/orders', { token: reader });
    assert.equal(read.status, 200, read.body);

    const body = { customer_name: 'Static Writer', product_name: 'Lamp' };
    const staticWrite = await api('/api/orders', { method: 'POST', token: kApiToken, body });
    assert.equal(staticWrite.status, 201, staticWrite.body);

    const readOnlyWrite = await api('/api/orders', { method: 'POST', token: reader, body });
    assert.equal(readOnlyWrite.status, 403, readOnlyWrite.body);
    assert.equal(readOnlyWrite.json?.error, 'token lacks the write scope');

    const writerOnly = issuer.token({ scope: 'write' });
    const writeOnlyRead = await api('/api/orders', { token: writerOnly });
    assert.equal(writeOnlyRead.status, 403, writeOnlyRead.body);
    assert.equal(writeOnlyRead.json?.error, 'token lacks the read scope');

    const written = await api('/api/orders', { method: 'POST', token: issuer.token({ scope: 'read write' }), body });
    assert.equal(written.status, 201, written.body);
  });

  test('REST: a customer-restricted token reads and writes only its own rows', async () => {
    sql(`INSERT INTO orders (id, customer_name, product_name) VALUES
           (4001, 'Ann', 'Lamp'), (4002, 'Bob', 'Desk'), (4003, 'Ann', 'Chair');`);
    const ann = issuer.token({ sub: 'ann', scope: 'read write', rows: { customer: 'Ann' } });

    const list = await api('/api/orders?limit=100', { token: ann });
    assert.equal(list.status, 200, list.body);
    assert.ok(list.json.data.length >= 2, list.body);
    assert.deepEqual([...new Set(list.json.data.map((row) => row.customer_name))], ['Ann'], list.body);
    assert.ok(list.json.data.some((row) => row.id === 4001) && list.json.data.some((row) => row.id === 4003), list.body);
    assert.doesNotMatch(list.body, /Bob/);

    const own = await api('/api/orders/4001', { token: ann });
    assert.equal(own.status, 200, own.body);
    const other = await api('/api/orders/4002', { token: ann });
    const missing = await api('/api/orders/999999', { token: ann });
    assert.equal(other.status, 404, other.body);
    assert.equal(other.body, missing.body, "another customer's order reads as a missing one");

    const outside = await api('/api/orders', { method: 'POST', token: ann, body: { customer_name: 'Bob', product_name: 'Lamp' } });
    assert.equal(outside.status, 403, outside.body);
    const inside = await api('/api/orders', { method: 'POST', token: ann, body: { customer_name: 'Ann', product_name: 'Rug' } });
    assert.equal(inside.status, 201, inside.body);

    const removeOther = await api('/api/orders/4002', { method: 'DELETE', token: ann });
    assert.equal(removeOther.status, 403, removeOther.body);
    assert.deepEqual(sql('SELECT customer_name FROM orders WHERE id = 4002;'), [['Bob']], 'the order is still there');

    // The static token still sees everything.
    const full = await api('/api/orders/4002', { token: kApiToken });
    assert.equal(full.status, 200, full.body);
  });

  test('streams restricted to customer Ann on /ws, SSE and Socket.IO; an unrestricted stream sees plain updates', async () => {
    const ann = issuer.token({ sub: 'ann', scope: 'read', rows: { customer: 'Ann' } });
    const ws = new WsStream(`?access_token=${ann}`, { label: '/ws (Ann, query)' });
    const sse = new SseStream('', { headers: bearer(ann), label: 'SSE (Ann, Bearer)' });
    const socket = new Client(daemon.url, { auth: { token: ann }, label: 'Socket.IO (Ann)' });
    const all = new WsStream('', { headers: bearer(kStreamToken), label: '/ws (stream token)' });
    const allSse = new SseStream(`?access_token=${kStreamToken}`, { label: 'SSE (stream token)' });
    try {
      await ws.opened;
      await all.opened;
      assert.equal((await sse.opened).status, 200);
      assert.equal((await allSse.opened).status, 200);
      await socket.connected();
      for (const stream of [ws, sse, all, allSse]) await stream.waitFor('welcome', undefined, kWait);
      await eventually(() => assert.equal(socket.named('welcome').length, 1), kWait);

      sql(`INSERT INTO orders (id, customer_name, product_name) VALUES (1001, 'Ann', 'Lamp'), (1002, 'Bob', 'Desk');`);
      sql(`UPDATE orders SET customer_name = 'Bob' WHERE id = 1001;`);  // leaves Ann's rows
      sql(`UPDATE orders SET customer_name = 'Ann' WHERE id = 1002;`);  // enters them

      const wantAll = ['insert 1001 Ann', 'insert 1002 Bob', 'update 1001 Bob', 'update 1002 Ann'];
      const wantAnn = ['insert 1001 Ann', 'delete 1001 Ann', 'insert 1002 Ann'];
      for (const stream of [all, allSse]) {
        await eventually(() => assert.deepEqual(stream.changes(), wantAll, stream.label), kWait);
      }
      // The last change is the last any of them gets: nothing else can arrive after it.
      for (const stream of [ws, sse]) {
        await eventually(() => assert.equal(stream.changes().length, 3, `${stream.label}: ${stream.changes()}`), kWait);
        assert.deepEqual(stream.changes(), wantAnn, stream.label);
        for (const frame of stream.frames) assert.doesNotMatch(frame.text, /Bob/, `${stream.label}: ${frame.text}`);
      }
      await eventually(() => assert.equal(socketChanges(socket).length, 3, `${socket.label}: ${socketChanges(socket)}`), kWait);
      assert.deepEqual(socketChanges(socket), wantAnn, socket.label);
      assert.doesNotMatch(socketText(socket), /Bob/, socket.label);

      // The rewritten forms keep the update's event id; the delete carries the old row, the
      // insert the new one, neither the other.
      const updates = all.named('orders:update');
      const annFrames = ws.frames.filter((frame) => frame.event?.startsWith('orders:'));
      assert.equal(annFrames[1].data.id, updates[0].data.id, 'the delete has the id of the update that moved 1001 out');
      assert.equal(annFrames[2].data.id, updates[1].data.id, 'the insert has the id of the update that moved 1002 in');
      assert.equal(annFrames[1].data.data.customer_name, 'Ann');
      assert.equal(annFrames[1].data.old, null);
      assert.equal(annFrames[2].data.data.customer_name, 'Ann');
      assert.equal(annFrames[2].data.data.product_name, 'Desk');
      assert.equal(annFrames[2].data.old, null);
      const sioDelete = socket.globalChanges()[1];
      assert.equal(sioDelete.name, 'orders:delete');
      assert.equal(sioDelete.payload.id, updates[0].data.id);
      assert.equal(sioDelete.payload.data.customer_name, 'Ann');
      assert.equal(sse.named('orders:delete')[0].data.data.customer_name, 'Ann');
      assert.equal(updates[0].data.old.customer_name, 'Ann', 'the unrestricted update carries both rows');
      assert.deepEqual(socket.errors, []);
      assert.deepEqual(socket.disconnects, []);
    } finally {
      for (const client of [ws, sse, socket, all, allSse]) client.close();
    }
  });

  test('a /ws client restricted to orderIds sees those orders only (its token lasts until the year 9999)', async () => {
    // The latest `exp` accepted: past the range of the clock the expiry timer uses (2262).
    const token = issuer.token({ sub: 'ids', rows: { orderIds: [2001, 2003] }, exp: 253402300799 });
    const ws = new WsStream('', { headers: bearer(token), label: '/ws (orderIds 2001, 2003)' });
    try {
      await ws.opened;
      await ws.waitFor('welcome', undefined, kWait);
      sql(`INSERT INTO orders (id, customer_name, product_name) VALUES
             (2001, 'Ids One', 'Lamp'), (2002, 'Ids Two', 'Desk'), (2003, 'Ids Three', 'Chair'), (2004, 'Ids Four', 'Rug');`);
      sql(`UPDATE orders SET status = 'shipped' WHERE id = 2002;`);
      sql(`DELETE FROM orders WHERE id = 2004;`);
      sql(`UPDATE orders SET status = 'shipped' WHERE id = 2003;`);
      const want = ['insert 2001 Ids One', 'insert 2003 Ids Three', 'update 2003 Ids Three'];
      await eventually(() => assert.equal(ws.changes().length, 3, `${ws.changes()}`), kWait);
      assert.deepEqual(ws.changes(), want);
      for (const frame of ws.frames) assert.doesNotMatch(frame.text, /Ids Two|Ids Four|"id":200[24]\b/, frame.text);
    } finally {
      ws.close();
    }
  });

  test('an expiring token: /ws gets an error and close 4001, SSE an error and the end, Socket.IO an error and no reconnect', async () => {
    const token = issuer.token({ sub: 'brief', ttl: kShortTtl });
    const ws = new WsStream(`?access_token=${token}`, { label: '/ws (expiring)' });
    const sse = new SseStream(`?access_token=${token}`, { label: 'SSE (expiring)' });
    const socket = new Client(daemon.url, { auth: { token }, label: 'Socket.IO (expiring)' });
    try {
      await ws.opened;
      assert.equal((await sse.opened).status, 200);
      await socket.connected();

      const isExpiry = (data) => /token expired/.test(data?.message ?? '');
      await ws.waitFor('error', isExpiry, kWait);
      assert.deepEqual(await ws.closed, { code: 4001, reason: 'token expired' });

      await sse.waitFor('error', isExpiry, kWait);
      assert.equal(await sse.ended, true);

      await eventually(() => assert.ok(socket.named('error').some(({ args }) => isExpiry(args[0])),
        `${socket.label}: ${JSON.stringify(socket.events)}`), kWait);
      await eventually(() => assert.ok(socket.disconnects.length >= 1, 'disconnected'), kWait);
      // Its automatic reconnection carries the same, expired, token: refused, and it stops.
      await eventually(() => assert.ok(socket.errors.some(({ message }) => message === 'token expired'),
        `${socket.label} connect_error: ${JSON.stringify(socket.errors)}`), kWait);
      assert.equal(socket.socket.connected, false);
      assert.equal(socket.connects.length, 1, 'never connected again');
    } finally {
      for (const client of [ws, sse, socket]) client.close();
    }
  });

  test('refresh on an open /ws and Socket.IO: accepted with the same sub and rows; another sub or wider rows refused, the old grant kept', async () => {
    const rows = { customer: 'Ann' };
    const first = issuer.issue({ sub: 'ann', ttl: kShortTtl, rows });
    const ws = new WsStream(`?access_token=${first.token}`, { label: '/ws (refreshed)' });
    const wsKept = new WsStream(`?access_token=${first.token}`, { label: '/ws (refresh refused)' });
    const socket = new Client(daemon.url, { auth: { token: first.token }, reconnection: false, label: 'Socket.IO (refreshed)' });
    const socketKept = new Client(daemon.url, { auth: { token: first.token }, reconnection: false, label: 'Socket.IO (refresh refused)' });
    try {
      await ws.opened;
      await wsKept.opened;
      await socket.connected();
      await socketKept.connected();
      for (const stream of [ws, wsKept]) await stream.waitFor('welcome', undefined, kWait);

      const fresh = issuer.issue({ sub: 'ann', ttl: 300, rows });
      const otherSub = issuer.token({ sub: 'bob', ttl: 300, rows });
      const wider = issuer.token({ sub: 'ann', ttl: 300 });
      const otherRows = issuer.token({ sub: 'ann', ttl: 300, rows: { customer: 'Bob' } });
      const forged = forger.token({ sub: 'ann', ttl: 300, rows });

      // /ws: the refresh, then four refusals (each an error frame; the connection stays).
      ws.send('auth', { token: fresh.token });
      const accepted = await ws.waitFor('auth', undefined, kWait);
      assert.deepEqual(accepted.data, { expiresAt: fresh.payload.exp });
      const refusals = [
        [otherSub, /subject/], [wider, /widen/], [otherRows, /widen/], [forged, /bad token signature/],
      ];
      for (const [token, reason] of refusals) {
        const before = ws.named('error').length;
        ws.send('auth', { token });
        await eventually(() => assert.equal(ws.named('error').length, before + 1, `${ws.label}: an error for ${reason}`), kWait);
        assert.match(ws.named('error')[before].data.message, reason);
      }
      wsKept.send('auth', { token: wider });
      await wsKept.waitFor('error', (data) => /widen/.test(data?.message ?? ''), kWait);

      // Socket.IO: the same through emit('auth', {token}, ack).
      assert.deepEqual(await emitWithAck(socket, 'auth', { token: fresh.token }), { expiresAt: fresh.payload.exp });
      for (const [token, reason] of refusals) {
        const answer = await emitWithAck(socket, 'auth', { token });
        assert.match(answer?.error ?? '', reason, JSON.stringify(answer));
      }
      const keptAnswer = await emitWithAck(socketKept, 'auth', { token: wider });
      assert.match(keptAnswer?.error ?? '', /widen/, JSON.stringify(keptAnswer));

      // The refused ones still expire with their first token; the refreshed ones outlive it.
      assert.deepEqual(await wsKept.closed, { code: 4001, reason: 'token expired' });
      await eventually(() => assert.ok(socketKept.named('error').some(({ args }) => /token expired/.test(args[0]?.message ?? '')),
        `${socketKept.label}: ${JSON.stringify(socketKept.events)}`), kWait);
      await eventually(() => assert.equal(socketKept.disconnects.length, 1), kWait);
      await pastTime(first.payload.exp, 1);
      assert.ok(ws.open, `${ws.label} is still open past its first token's expiry`);
      assert.ok(socket.socket.connected, `${socket.label} is still connected past its first token's expiry`);
      assert.deepEqual(socket.disconnects, []);

      // Still streaming, still Ann's rows only (Bob's insert commits first, so it was passed).
      sql(`INSERT INTO orders (id, customer_name, product_name) VALUES (3002, 'Bob', 'Desk');`);
      sql(`INSERT INTO orders (id, customer_name, product_name) VALUES (3001, 'Ann', 'Lamp');`);
      await ws.waitFor('orders:insert', (data) => data?.data?.id === 3001, kWait);
      assert.deepEqual(ws.changes(), ['insert 3001 Ann']);
      for (const frame of ws.frames) assert.doesNotMatch(frame.text, /Bob|3002/, frame.text);
      await socket.received('Ann', kWait);
      assert.deepEqual(socketChanges(socket), ['insert 3001 Ann']);
      assert.ok(ws.named('error').every((frame) => !/token expired/.test(frame.data.message)), 'no expiry on the refreshed /ws');
      assert.ok(socket.named('error').length === 0, `${socket.label}: ${JSON.stringify(socket.named('error'))}`);
    } finally {
      for (const client of [ws, wsKept, socket, socketKept]) client.close();
    }
  });

  test('refused stream tokens: /ws handshake 401 / 403, SSE 401, Socket.IO connect_error with the reason', async () => {
    const cases = [
      ['no token', '', 401, 'Authentication required'],
      ['a badly signed token', `?access_token=${forger.token()}`, 401, 'bad token signature'],
      ['an expired token', `?access_token=${issuer.token({ ttl: -60 })}`, 401, 'token expired'],
      ['an unsigned token', `?access_token=${unsignedJwt(claims())}`, 401, 'token algorithm not accepted'],
      ['a wrong static token', '?access_token=not-the-stream-token', 401, 'Authentication required'],
      ['a write-only token', `?access_token=${issuer.token({ scope: 'write' })}`, 403, 'token lacks the read scope'],
    ];
    for (const [what, query, status, reason] of cases) {
      const ws = new WsStream(query, { label: `/ws with ${what}` });
      try {
        const refused = await Promise.race([ws.refused, ws.opened.then(() => 'opened'), sleep(20000, 'no answer', { ref: false })]);
        assert.equal(typeof refused, 'object', `${ws.label}: ${refused}`);
        assert.equal(refused.status, status, `${ws.label}: ${refused.body}`);
        assert.equal(refused.json?.error, reason, ws.label);
        if (status === 401) assert.match(refused.headers['www-authenticate'] ?? '', /^Bearer/, ws.label);
      } finally {
        ws.close();
      }
      const sse = new SseStream(query, { label: `SSE with ${what}` });
      try {
        const head = await sse.opened;
        assert.equal(head.status, status, sse.label);
        assert.equal(head.json?.error, reason, sse.label);
      } finally {
        sse.close();
      }
    }

    const sockets = [
      ['an expired token', issuer.token({ ttl: -60 }), 'token expired'],
      ['a badly signed token', forger.token(), 'bad token signature'],
      ['no token', undefined, 'Authentication required'],
      ['a write-only token', issuer.token({ scope: 'write' }), 'token lacks the read scope'],
    ];
    const clients = sockets.map(([what, token]) => new Client(daemon.url, {
      auth: token === undefined ? {} : { token }, reconnection: false, label: `Socket.IO with ${what}`,
    }));
    try {
      for (const [i, [, , reason]] of sockets.entries()) {
        const client = clients[i];
        await eventually(() => assert.ok(client.errors.length >= 1, `${client.label}: no connect_error`), kWait);
        assert.equal(client.errors[0].message, reason, client.label);
        assert.equal(client.connects.length, 0, `${client.label} never connected`);
        assert.deepEqual(client.named('welcome'), [], client.label);
      }
    } finally {
      for (const client of clients) client.close();
    }
  });
});

describe('per-user tokens verified with a public key (ES256, tests/fixtures/jwt/)', { timeout: 60000 }, () => {
  let keyed;
  before(async () => {
    keyed = new Daemon(createOrdersDatabase('proxy_jwt_es256'), ['--jwt-public-key', fixturePath('ec_public.pem')]);
    await keyed.start();
  });
  after(async () => {
    await stopDaemon(keyed);
  });

  test('an ES256 token reads and streams; HS256 with the public key as secret, RS256 and another EC key do not', async () => {
    const es256 = (payload, key = fixtureKey('ec_private.pem')) => signJwt(payload, { alg: 'ES256', key });
    const get = (token) => request(`${keyed.url}/api/orders`, { headers: bearer(token) });

    const good = await get(es256(claims({ scope: 'read write' })));
    assert.equal(good.status, 200, good.body);

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const otherKey = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const refusals = [
      ['HS256 keyed with the public PEM', signJwt(claims(), { alg: 'HS256', key: fixtureKey('ec_public.pem') }), 'token algorithm not accepted'],
      ['RS256', signJwt(claims(), { alg: 'RS256', key: fixtureKey('rsa_private.pem') }), 'token algorithm not accepted'],
      ['ES256 from another key', es256(claims(), otherKey), 'bad token signature'],
      ['ES256, expired', es256(claims({ ttl: -60 })), 'token expired'],
    ];
    for (const [what, token, reason] of refusals) {
      const response = await get(token);
      assert.equal(response.status, 401, `${what}: ${response.body}`);
      assert.equal(response.json?.error, reason, what);
    }

    const ws = new WsStream(`?access_token=${es256(claims())}`, { base: keyed.url, label: '/ws (ES256)' });
    try {
      await ws.opened;
      await ws.waitFor('welcome', undefined, kWait);
    } finally {
      ws.close();
    }
  });
});
