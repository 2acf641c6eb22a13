// The table selector and the live view of a table other than orders. The selector lists GET
// /api/tables (hidden while orders is the only streamed table); "orders" is the orders view
// (app.js), untouched. Another table has no REST read (the REST API is the orders API), so its
// view is built from its change events alone: a TableStream with `table=<qualified>` that starts
// at the position of the page's first orders read, so it shows that table's changes since the
// page opened (as far back as the server's replay window holds them), then follows live and
// resumes by event id after a reconnect. Events are applied once per animation frame, as in
// app.js.
import * as api from './api.js';
import { formatTime } from './format.js';
import * as view from './render.js';
import { TableStream } from './stream.js';
import { TableRows } from './table_rows.js';
import * as tableView from './table_view.js';

const kOrders = 'orders';
const kRowLimit = 200;
const kFlashBatchLimit = 5;

let tables = [];  // GET /api/tables' data
let current = kOrders;
let ordersStream = null;
let pageStart = null;  // {from, at}: the page's first read's streamPosition and when it was made
let pageStartKnown;  // resolves once pageStart is set
const pageStartPromise = new Promise((resolve) => {
  pageStartKnown = resolve;
});
let stream = null;  // the TableStream of the table shown
let model = null;  // its TableRows
let queue = [];
let frameRequested = false;
let welcomed = false;
let missed = false;  // a resync: some changes since the page opened are not shown

const $ = (id) => document.getElementById(id);

export function showingOrders() {
  return current === kOrders;
}

// orders: the orders view's OrderStream, whose connection state the header shows on that view.
export function startTables(orders) {
  ordersStream = orders;
  $('table-select').addEventListener('change', (event) => select(event.target.value));
  loadTables();
}

// Where another table's view starts: the page's first orders read (its streamPosition, or null
// without one, when the view starts live).
export function setPageStart(from) {
  if (pageStart) return;
  pageStart = { from, at: new Date() };
  pageStartKnown();
}

async function loadTables() {
  try {
    tables = await api.listTables();
  } catch {
    tables = [];  // a daemon without /api/tables, or unreachable: the orders view alone
  }
  renderPicker();
  const wanted = new URLSearchParams(location.search).get('table');
  if (wanted && wanted !== kOrders && tables.some((table) => table.qualifiedName === wanted)) {
    select(wanted);
  }
}

function renderPicker() {
  const names = tables.map((table) => table.qualifiedName).filter((name) => name !== kOrders);
  const select = $('table-select');
  const options = [kOrders, ...names].map((name) => {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = name;
    return option;
  });
  if (!names.includes(current) && current !== kOrders) {
    // The table shown is no longer streamed: keep it selectable until the user moves away.
    const option = document.createElement('option');
    option.value = current;
    option.textContent = `${current} (not streamed)`;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = current;
  $('table-picker').hidden = names.length === 0 && current === kOrders;
}

function leaveTable() {
  stream?.stop();
  stream = null;
  model = null;
  queue = [];
  welcomed = false;
  missed = false;
}

async function select(name) {
  if (name === current) return;
  leaveTable();
  current = name;
  const query = new URLSearchParams(location.search);
  if (name === kOrders) query.delete('table');
  else query.set('table', name);
  const search = query.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
  $('table-select').value = name;
  $('tagline-table').textContent = name;
  document.title = `walcast · live ${name}`;
  document.body.dataset.view = name === kOrders ? 'orders' : 'table';
  $('orders-view').hidden = name !== kOrders;
  $('table-view').hidden = name === kOrders;
  if (name === kOrders) {
    view.renderConnection(ordersStream.state || 'connecting');
    return;
  }
  $('table-title').textContent = name;
  view.renderConnection('connecting');
  // The catalog as it is now (columns added since the page loaded are in it), and where the page
  // started (a table chosen in the URL is selected before the first orders read ends).
  const [fresh] = await Promise.all([api.listTables().catch(() => null), pageStartPromise]);
  if (fresh) tables = fresh;  // else the list the page has; the stream says the rest
  if (current !== name) return;  // moved on meanwhile
  renderPicker();
  const table = tables.find((entry) => entry.qualifiedName === name);
  model = new TableRows(table ? table.columns : [], kRowLimit);
  tableView.renderColumns(model.columns, model.keyColumns);
  tableView.renderRows(model);
  renderNote();
  stream = new TableStream(name, handlersFor(name));
  if (pageStart?.from) stream.restart(pageStart.from);
  else stream.start();
}

function renderNote() {
  const since = pageStart ? formatTime(pageStart.at.toISOString()) : 'now';
  let note = `Changes since the page opened (${since}), the most recent first, up to ${kRowLimit} rows. ` +
    'Rows that did not change since then are not shown: walcast reads only orders through its REST API.';
  if (missed) note += ' Some earlier changes are no longer held by the server and are missing.';
  tableView.renderNote(note);
}

function handlersFor(name) {
  const mine = () => current === name && stream !== null;
  return {
    state: (state) => {
      if (!mine()) return;
      view.renderConnection(state);
      if (state === 'reconnecting' && welcomed) view.toast('Connection lost; reconnecting…', 'warn');
    },
    welcome: (data) => {
      if (!mine()) return;
      view.renderClients(data.totalClients);
      if (welcomed) view.toast('Reconnected; catching up from the last event seen', 'success');
      welcomed = true;
    },
    change: (change) => mine() && enqueue(change),
    truncate: (change) => mine() && enqueue({ ...change, operation: 'truncate' }),
    resync: (data) => {
      if (!mine()) return;
      missed = true;
      renderNote();
      view.toast(`Some changes of ${name} were missed (${data.reason || 'history unavailable'})`, 'warn');
    },
    clients: (n) => mine() && view.renderClients(n),
    notice: (text) => mine() && view.toast(text, 'warn'),
    refused: (message) => mine() && tableView.renderNote(`walcastd does not stream ${name} (${message}).`),
  };
}

function enqueue(change) {
  queue.push(change);
  if (frameRequested) return;
  frameRequested = true;
  // Hidden tabs get no animation frames; a timer keeps their queue short.
  if (document.hidden) setTimeout(flush, 250);
  else requestAnimationFrame(flush);
}

function flush() {
  frameRequested = false;
  if (!model || queue.length === 0) return;
  const batch = queue;
  queue = [];
  let changed = false;
  for (const change of batch) {
    if (model.apply(change)) changed = true;
  }
  if (changed) tableView.renderRows(model, { flash: batch.length <= kFlashBatchLimit });
}
