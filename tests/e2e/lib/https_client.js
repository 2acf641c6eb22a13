// Clients for walcast behind a TLS proxy (tests/e2e/proxy/): HTTPS requests from a chosen source
// address, Server-Sent Events over HTTP/1.1 and HTTP/2, and /ws, all trusting a test CA given as
// `ca` (global fetch cannot take one). Every connection is fresh (no agent): the source address
// is per connection, and a test must know which connection a request used.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';

import WebSocket from 'ws';

import { eventually } from './wait.js';

// One request; resolves {status, headers, body, json} (json undefined when the body is not JSON).
// options: method, headers, body (an object is sent as JSON), ca, localAddress, timeoutMs.
export function request(url, { method = 'GET', headers = {}, body, ca, localAddress, timeoutMs = 20000 } = {}) {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const payload = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
  const allHeaders = { ...headers };
  if (payload !== undefined && typeof body !== 'string') allHeaders['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = client.request(target, { method, headers: allHeaders, ca, localAddress, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, body: text, json: parseJson(text) });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

// `promise`, or a rejection naming `what` after `timeoutMs` (a buffering proxy may hold even a
// response head). The timer does not hold the process.
function within(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
  });
  const settled = Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  settled.catch(() => {});  // a client closed before it opened is not an unhandled rejection
  return settled;
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// The text/event-stream grammar, fed in arbitrary pieces: events as {id, event, data} (data is
// the parsed JSON walcast sends). Comments (heartbeats) are skipped.
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.pending = '';
  }

  push(text) {
    this.pending += text;
    let end;
    while ((end = this.pending.search(/\r?\n\r?\n/)) >= 0) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end).replace(/^\r?\n\r?\n/, '');
      this.dispatch(block);
    }
  }

  dispatch(block) {
    const event = { id: null, event: 'message', data: [] };
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data.push(value);
      else if (field === 'id' || field === 'event') event[field] = value;
    }
    if (event.data.length) this.onEvent({ ...event, data: parseJson(event.data.join('\n')) });
  }
}

const kOpenTimeoutMs = 10000;

// What a stream client has in common: the events received, waiting for one.
class EventLog {
  constructor(label) {
    this.label = label;
    this.events = [];  // {event, id, data}: for /ws frames, event and data of the JSON frame
  }

  // An SSE event's data is the frame a /ws client gets, {event, data}: keep its data.
  record({ id, event, data }) {
    this.events.push({ id, event, data: data?.data });
  }

  // Waits for an event named `name` whose data satisfies `match`; returns it.
  async waitFor(name, match = () => true, { timeoutMs = 10000 } = {}) {
    return eventually(() => {
      const found = this.events.find((event) => event.event === name && match(event.data));
      assert.ok(found, `${this.label}: no ${name} yet (received: ${this.events.map((event) => event.event).join(', ') || 'nothing'})`);
      return found;
    }, { timeoutMs, intervalMs: 50 });
  }
}

// GET /api/events over HTTP/1.1 (https: through the proxy). `opened` resolves with the response
// head {status, headers}, or rejects after kOpenTimeoutMs.
export class SseClient extends EventLog {
  constructor(url, { ca, localAddress, headers = {}, label = 'SSE' } = {}) {
    super(label);
    const parser = new SseParser((event) => this.record(event));
    const client = new URL(url).protocol === 'https:' ? https : http;
    this.opened = within(new Promise((resolve, reject) => {
      this.req = client.get(url, { ca, localAddress, agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (text) => parser.push(text));
        res.on('error', () => {});  // close() ends it
        resolve({ status: res.statusCode, headers: res.headers });
      });
      this.req.on('error', reject);
    }), kOpenTimeoutMs, label);
  }

  close() {
    this.req.destroy();
  }
}

// GET /api/events over HTTP/2 (as a browser's EventSource goes through an h2 proxy).
export class Http2SseClient extends EventLog {
  constructor(origin, path, { ca, headers = {}, label = 'SSE over HTTP/2' } = {}) {
    super(label);
    const parser = new SseParser((event) => this.record(event));
    this.session = http2.connect(origin, { ca });
    this.session.on('error', () => {});  // close() ends it; a failed connect rejects `opened`
    const stream = this.session.request({ ':path': path, accept: 'text/event-stream', ...headers });
    stream.setEncoding('utf8');
    stream.on('data', (text) => parser.push(text));
    this.opened = within(new Promise((resolve, reject) => {
      stream.on('response', (head) => resolve({ status: head[':status'], headers: head }));
      stream.on('error', reject);
    }), kOpenTimeoutMs, label);
  }

  close() {
    this.session.destroy();
  }
}

// A /ws client (the `ws` package: it takes `ca`, as socket.io-client's engine does in Node).
export class WsClient extends EventLog {
  constructor(url, { ca, label = 'WebSocket' } = {}) {
    super(label);
    this.ws = new WebSocket(url, { ca });
    this.ws.on('error', () => {});  // before the open, `opened` rejects; after it, close() ends it
    this.ws.on('message', (data) => {
      const frame = parseJson(String(data));
      if (frame) this.events.push({ event: frame.event, data: frame.data });
    });
    this.opened = within(new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    }), kOpenTimeoutMs, label);
  }

  close() {
    this.ws.terminate();
  }
}
