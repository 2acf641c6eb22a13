// Socket.IO from a page on another origin (docs/contract.md §7): long-polling is preflighted and
// answered with the CORS headers as the REST API is (--cors-origins); a handshake, over polling or
// WebSocket, from an Origin outside the list is refused with Engine.IO's code 4 (HTTP 403), so a
// foreign page cannot read the stream.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, test } from 'node:test';

import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { RawWs, stopDaemon } from '../lib/socketio.js';

const kAllowed = 'http://app.example';
const db = createOrdersDatabase('sio_cors');
const daemon = new Daemon(db, ['--cors-origins', kAllowed]);
await daemon.start();

// One request with the headers given (fetch would not let a test set Origin freely).
function request(method, path, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${daemon.url}${path}`, { method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Socket.IO and CORS', () => {
  after(async () => {
    await stopDaemon(daemon);
  });

  test('a preflight from an allowed origin is answered 204 with the CORS headers', async () => {
    const response = await request('OPTIONS', '/socket.io/?EIO=4&transport=polling', {
      Origin: kAllowed, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type',
    });
    assert.equal(response.status, 204, response.body);
    assert.equal(response.headers['access-control-allow-origin'], kAllowed);
    assert.match(response.headers['access-control-allow-methods'], /POST/);
  });

  test('a polling handshake from an allowed origin carries the CORS header', async () => {
    const response = await request('GET', '/socket.io/?EIO=4&transport=polling', { Origin: kAllowed });
    assert.equal(response.status, 200, response.body);
    assert.equal(response.headers['access-control-allow-origin'], kAllowed);
    assert.equal(response.body[0], '0');
  });

  test('a handshake from another origin is refused with code 4, over polling and WebSocket', async () => {
    const polling = await request('GET', '/socket.io/?EIO=4&transport=polling', { Origin: 'http://evil.example' });
    assert.equal(polling.status, 403);
    assert.deepEqual(JSON.parse(polling.body), { code: 4, message: 'Origin not allowed' });
    assert.equal(polling.headers['access-control-allow-origin'], undefined);

    const ws = new RawWs(daemon.url, '?EIO=4&transport=websocket', { headers: { Origin: 'http://evil.example' } });
    const closed = await ws.closed;
    assert.equal(ws.opened, false, 'the upgrade must be refused');
    assert.ok(closed);
    // The page's own origin still gets a session.
    const allowed = await new RawWs(daemon.url, '?EIO=4&transport=websocket', { headers: { Origin: kAllowed } }).handshake();
    assert.ok(allowed.open.sid);
    allowed.close();
  });
});
