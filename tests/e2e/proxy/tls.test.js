// walcastd behind nginx configured with deploy/nginx/walcast.conf, over TLS: REST, health,
// metrics and the UI pass through; a committed insert reaches an SSE stream (HTTP/1.1 and HTTP/2)
// without waiting on a buffer, a wss:// /ws client, and socket.io-client over long-polling,
// WebSocket and polling-then-upgrade. Clients trust the test's self-signed certificate through
// `ca` (the `ws` package and socket.io-client take it too; NODE_EXTRA_CA_CERTS would have to exist
// before node starts, and the certificate is made by the test).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { Http2SseClient, SseClient, WsClient, request } from '../lib/https_client.js';
import { Nginx } from '../lib/nginx.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql, quoteLiteral } from '../lib/psql.js';
import { Client, kEventId, stopDaemon } from '../lib/socketio.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('proxy_tls');
const daemon = new Daemon(db, ['--write-event-wait-ms', '20000', '--trusted-proxies', '127.0.0.1/32']);
await daemon.start();
const nginx = await new Nginx(daemon.port).start();
const { ca } = nginx;
const get = (path, options = {}) => request(`${nginx.origin}${path}`, { ca, ...options });

// "Promptly": an event waits on no buffer, so it arrives well within this; a buffering proxy
// would hold it (a few hundred bytes) until kilobytes more came.
const kPrompt = { timeoutMs: 10000 };

describe('walcastd behind nginx over TLS (deploy/nginx/walcast.conf)', { timeout: 60000 }, () => {
  after(async () => {
    await nginx.stop();
    await stopDaemon(daemon);
  });

  test('health, metrics and the UI are served over TLS with HSTS; plain HTTP redirects to HTTPS', async () => {
    const health = await get('/health');
    assert.equal(health.status, 200, health.body);
    assert.equal(health.json.status, 'ok');
    assert.match(health.headers['strict-transport-security'] ?? '', /max-age=\d+/);

    const metrics = await get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^walcast_connections \d+$/m);

    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'], /^text\/html/);

    const plain = await request(`${nginx.httpOrigin}/api/orders?limit=1`);
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.location, 'https://127.0.0.1/api/orders?limit=1');
  });

  test('REST: an order created through the proxy reads back, with the event id of its change', async () => {
    const created = await get('/api/orders', {
      method: 'POST', body: { customer_name: 'Proxy Ada', product_name: 'Lamp' },
    });
    assert.equal(created.status, 201, created.body);
    assert.equal(created.json.success, true);
    assert.match(created.json.eventId ?? '', kEventId);
    const { id } = created.json.data;

    const read = await get(`/api/orders/${id}`);
    assert.equal(read.status, 200, read.body);
    assert.deepEqual(read.json.data, created.json.data);
    assert.ok(read.headers['x-request-id'], "walcastd's own headers pass through");
  });

  test('a committed insert reaches SSE (HTTP/1.1 and HTTP/2), wss:// /ws and Socket.IO on every transport', async () => {
    // An EventSource offers gzip: the stream must come back uncompressed (compression buffers).
    const sse = new SseClient(`${nginx.origin}/api/events`, { ca, headers: { 'accept-encoding': 'gzip' } });
    const sse2 = new Http2SseClient(nginx.origin, '/api/events', { ca, headers: { 'accept-encoding': 'gzip' } });
    const ws = new WsClient(`${nginx.origin.replace(/^https/, 'wss')}/ws`, { ca });
    const sockets = [['polling'], ['websocket'], ['polling', 'websocket']].map((transports) => new Client(nginx.origin, {
      transports, ca, label: `Socket.IO ${transports.join('+')}`,
    }));
    try {
      for (const stream of [sse, sse2]) {
        const head = await stream.opened;
        assert.equal(head.status, 200, stream.label);
        assert.match(head.headers['content-type'], /^text\/event-stream/, stream.label);
        assert.equal(head.headers['content-encoding'], undefined, `${stream.label} is not compressed`);
      }
      await ws.opened;
      // Each stream's welcome must arrive before the insert, or the insert might precede it.
      for (const stream of [sse, sse2, ws]) await stream.waitFor('welcome', () => true, kPrompt);
      await Promise.all(sockets.map((socket) => socket.connected()));
      await eventually(() => {
        for (const socket of sockets) assert.equal(socket.named('welcome').length, 1, socket.label);
      });
      // Polling then upgrade must end on WebSocket, and polling alone stay on polling.
      await eventually(() => {
        for (const socket of sockets) {
          const settled = socket.label.endsWith('websocket') ? 'websocket' : 'polling';
          assert.equal(socket.socket.io.engine.transport.name, settled, socket.label);
        }
      });

      const customer = 'Proxy Stream';
      psql(db.conninfo, `INSERT INTO orders (customer_name, product_name) VALUES (${quoteLiteral(customer)}, 'Lamp');`);
      const isMarker = (data) => data?.operation === 'insert' && data?.data?.customer_name === customer;
      const ids = new Set();
      for (const stream of [sse, sse2, ws]) ids.add((await stream.waitFor('orders:insert', isMarker, kPrompt)).data.id);
      for (const socket of sockets) {
        await socket.received(customer, kPrompt);
        ids.add(socket.globalChanges().find(({ payload }) => isMarker(payload)).payload.id);
      }
      assert.equal(ids.size, 1, `one event id everywhere: ${[...ids].join(', ')}`);
      assert.match([...ids][0], kEventId);
      for (const socket of sockets) {
        assert.deepEqual(socket.errors, [], socket.label);
        assert.deepEqual(socket.disconnects, [], socket.label);
      }
    } finally {
      for (const client of [sse, sse2, ws, ...sockets]) client.close();
    }
  });
});
