// The WebSocket change stream (docs/contract.md §4) with reconnect and resume: the last event id seen is
// sent as `from` on every reconnect, so nothing committed meanwhile is missed (the server answers
// `resync` when it can no longer replay that far back). `restart(position)` starts over at a REST
// read's streamPosition (§9): the stream then brings exactly what the read did not see, and until
// it is past what the read may have seen the server's `cursor` frames say where to resume. Backoff doubles from 0.5 s to 10 s with
// jitter and resets once a connection is welcomed.
//
// States reported: connecting (first attempt), connected, reconnecting (lost, retrying),
// disconnected (several attempts failed in a row; it keeps retrying at the slowest pace).
//
// OrderStream is the orders view's: no `table=`, so it receives every streamed table's events;
// it hands on orders' and resumes after the last event of any table (one id space across tables).
// TableStream is another table's live view: `table=<qualified>` narrows the connection to it.

import { accessToken } from './token.js';

const kFirstDelayMs = 500;
const kMaxDelayMs = 10000;
const kAttemptsBeforeDisconnected = 4;
const kPingEveryMs = 20000;
const kSilenceLimitMs = 45000;  // no frame at all for this long: the connection is half-open

const kOperations = new Set(['insert', 'update', 'delete', 'truncate']);

// "customers:insert", "sales.invoices:truncate": the events of every table's changes.
export function isChangeEvent(event) {
  if (typeof event !== 'string') return false;
  const colon = event.lastIndexOf(':');
  return colon > 0 && kOperations.has(event.slice(colon + 1));
}

export class OrderStream {
  // handlers: {state(name), welcome(data), change(data), resync(data), clients(n), notice(text)}
  constructor(handlers) {
    this.handlers = handlers;
    this.lastEventId = null;
    this.statuses = [];
    this.socket = null;
    this.failures = 0;
    this.retryTimer = 0;
    this.pingTimer = 0;
    this.lastFrameAt = 0;
    this.state = '';
    this.started = false;
    this.refused = false;  // the server refused the URL's parameters: no retry (TableStream)
  }

  start() {
    this.started = true;
    this.setState('connecting');
    this.connect();
  }

  // Starts over at `from` (a REST read's streamPosition): the connection in use, if any, is
  // dropped without a retry, and nothing it still delivers is handed on.
  restart(from) {
    this.lastEventId = from;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const previous = this.socket;
    this.socket = null;
    if (previous) previous.close();
    if (!this.started) this.setState('connecting');
    this.started = true;
    this.connect();
  }

  // Narrows the stream to orders in `statuses` (empty: everything) on the live connection; a
  // reconnect asks for the same in its URL.
  setStatuses(statuses) {
    const before = this.statuses;
    this.statuses = [...statuses];
    if (!this.isOpen()) return;
    if (before.length) this.send('unsubscribe', { statuses: before });
    if (this.statuses.length) this.send('subscribe', { statuses: this.statuses });
  }

  isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  url() {
    const query = new URLSearchParams();
    if (this.lastEventId) query.set('from', this.lastEventId);
    if (this.statuses.length) query.set('status', this.statuses.join(','));
    this.addQuery(query);
    if (accessToken()) query.set('access_token', accessToken());
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const suffix = query.toString() ? `?${query}` : '';
    return `${scheme}//${location.host}/ws${suffix}`;
  }

  addQuery() {}  // the orders view's stream asks for every table

  connect() {
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener('message', (message) => {
      if (socket === this.socket) this.onFrame(message.data);
    });
    socket.addEventListener('close', () => this.onClose(socket));
    // 'error' is always followed by 'close', where the retry is scheduled.
  }

  onFrame(text) {
    this.lastFrameAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;  // never sent by walcast; ignoring it keeps the page alive
    }
    const data = frame.data || {};
    switch (frame.event) {
      case 'welcome':
        this.failures = 0;
        if (!this.lastEventId && data.lastEventId) this.lastEventId = data.lastEventId;
        this.setState('connected');
        this.startPings();
        this.handlers.welcome(data);
        break;
      case 'cursor':
        // After an event sent from a read's position: resume here, not at the event's id.
        if (data.from) this.lastEventId = data.from;
        break;
      case 'resync':
        this.handlers.resync(data);
        break;
      case 'clients':
        this.handlers.clients(data.totalClients);
        break;
      case 'server_shutdown':
        this.handlers.notice('The server is restarting; reconnecting…');
        break;
      case 'error':
        this.onError(data.message || 'error');
        break;
      default:
        // Change events are "<table>:<operation>"; pong and future events are ignored.
        if (isChangeEvent(frame.event)) {
          if (data.id) this.lastEventId = data.id;
          this.onChange(frame.event, data);
        }
        break;
    }
  }

  // A change event of any table: the orders view takes orders' own, and reloads on a truncate.
  onChange(event, data) {
    if (event === 'orders:truncate') this.handlers.resync({ reason: 'table truncated' });
    else if (event.startsWith('orders:')) this.handlers.change(data);
  }

  onError(message) {
    this.handlers.notice(`Stream: ${message}`);
  }

  onClose(socket) {
    if (socket !== this.socket) return;
    this.socket = null;
    clearInterval(this.pingTimer);
    if (this.refused) {
      this.setState('disconnected');
      return;
    }
    this.failures += 1;
    this.setState(this.failures > kAttemptsBeforeDisconnected ? 'disconnected' : 'reconnecting');
    const base = Math.min(kMaxDelayMs, kFirstDelayMs * 2 ** (this.failures - 1));
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  startPings() {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > kSilenceLimitMs) {
        this.socket?.close();  // 'close' schedules the reconnect
        return;
      }
      this.send('ping', { timestamp: new Date().toISOString() });
    }, kPingEveryMs);
  }

  send(event, data) {
    if (this.isOpen()) this.socket.send(JSON.stringify({ event, data }));
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.handlers.state(state);
  }
}

// The stream of one table other than orders (its qualified name, "customers" or "sales.invoices"):
// `table=` in every URL, so the server sends that table's events only. handlers as OrderStream's,
// with change(event data) for inserts, updates and deletes and truncate(event data).
export class TableStream extends OrderStream {
  constructor(table, handlers) {
    super(handlers);
    this.table = table;
  }

  addQuery(query) {
    query.set('table', this.table);
  }

  // Closes the connection for good (the view moved to another table): no retry.
  stop() {
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  onChange(event, data) {
    if (event === `${this.table}:truncate`) this.handlers.truncate(data);
    else if (event.startsWith(`${this.table}:`)) this.handlers.change(data);
  }

  // The server refuses a stream parameter (the table is no longer streamed) with an error and a
  // close: retrying the same URL cannot help, so the view says so and stops (handlers.refused).
  onError(message) {
    if (!message.startsWith('invalid stream')) {
      super.onError(message);
      return;
    }
    this.refused = true;
    this.handlers.refused(message);
  }
}
