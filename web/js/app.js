// Wiring: REST for state, the WebSocket stream for changes, the store for the list, render for the
// DOM. Change events are queued and applied once per animation frame, so a burst of 1,000 events/s
// costs one list render per frame rather than one per event.
import * as api from './api.js';
import { applyChangeToStats, emptyStats } from './stats.js';
import { OrderStore } from './store.js';
import { OrderStream } from './stream.js';
import * as view from './render.js';
import { setPageStart, showingOrders, startTables } from './tables.js';
import { adoptTokenFromUrl } from './token.js';

adoptTokenFromUrl();  // before the first request

const kPageSize = 50;
const kActivityLimit = 50;
const kStatsRefreshMs = 2000;  // at most one stats refetch per interval (customers need it)
const kFilteredStatsPollMs = 5000;  // a filtered stream misses other orders' changes
const kSearchDebounceMs = 250;
const kFlashBatchLimit = 5;  // bigger batches (a burst) update rows without the highlight

const store = new OrderStore();
let stats = emptyStats();
let queue = [];  // change events not yet applied
let changesReceived = 0;  // ever: a stats read that overlapped a change is not trusted
let frameRequested = false;
let reloading = 0;  // reloads in flight; events wait in the queue meanwhile
let reloadSerial = 0;
let loadingMore = false;
// The list's read gave a streamPosition (replication source): the stream restarts at it after
// every read, so it brings exactly what the read did not see. Without one (NOTIFY source) the
// stream connects first and the list is read after its welcome, as close behind as can be.
let positioned = false;
let expectingWelcome = false;  // a connection this page opened on purpose, not a reconnect
let welcomed = false;  // connected at least once

// The header's connection state and its toasts are the orders stream's while the orders view is
// shown; another table's view (tables.js) shows its own stream's.
const stream = new OrderStream({
  state: (state) => {
    if (!showingOrders()) return;
    view.renderConnection(state);
    if (state === 'reconnecting' && welcomed) view.toast('Connection lost; reconnecting…', 'warn');
  },
  welcome: (data) => {
    if (showingOrders()) view.renderClients(data.totalClients);
    welcomed = true;
    if (expectingWelcome) {
      expectingWelcome = false;
      if (!positioned) reload();
    } else if (showingOrders()) {
      view.toast('Reconnected; catching up from the last event seen', 'success');
    }
  },
  change: (change) => enqueue(change),
  resync: (data) => {
    view.toast(`Resynchronizing (${data.reason || 'history unavailable'})`, 'warn');
    reload();
  },
  clients: (n) => view.renderClients(n),
  notice: (text) => showingOrders() && view.toast(text, 'warn'),
});

// ---- change events, batched per frame ----

function enqueue(change) {
  changesReceived += 1;
  queue.push(change);
  scheduleFlush();
}

function scheduleFlush() {
  if (frameRequested || reloading) return;
  frameRequested = true;
  // Hidden tabs get no animation frames; a timer keeps their queue short.
  if (document.hidden) setTimeout(flush, 250);
  else requestAnimationFrame(flush);
}

function flush() {
  frameRequested = false;
  if (reloading || queue.length === 0) return;
  const batch = queue;
  queue = [];
  let listChanged = false;
  for (const change of batch) {
    if (store.apply(change)) listChanged = true;
    stats = applyChangeToStats(stats, change);
  }
  if (listChanged) {
    view.renderOrders(store.rows(), store.total, { flash: batch.length <= kFlashBatchLimit });
    watchListEnd();
  }
  view.renderStats(stats);
  view.prependActivity(batch, kActivityLimit);
  scheduleStatsRefresh();
}

// ---- REST state ----

async function reload() {
  const serial = ++reloadSerial;
  reloading += 1;
  try {
    const [list, fresh] = await Promise.all([
      api.listOrders({ ...store.filter, limit: kPageSize, offset: 0 }),
      api.fetchStats(),
    ]);
    if (serial !== reloadSerial) return;  // a newer reload (filter change) supersedes this one
    store.reset(list.data, list.pagination?.total ?? list.data.length);
    positioned = typeof list.streamPosition === 'string';
    setPageStart(positioned ? list.streamPosition : null);  // the first read's, for other tables
    if (positioned) {
      // What the old connection delivered is in this read or comes again from its position.
      queue = [];
      expectingWelcome = true;
      stream.restart(list.streamPosition);
    } else if (!stream.started) {
      expectingWelcome = true;
      stream.start();
    }
    stats = fresh;
    // The stats and the list are two snapshots: a change between them is in one only, and the
    // stream (at the list's position) does not bring it again. One more read settles that.
    scheduleStatsRefresh();
    view.renderOrders(store.rows(), store.total);
    watchListEnd();
    view.renderStats(stats);
    if (!document.body.dataset.loaded) performance.mark('walcast:first-render');  // for tools/bench-web
    document.body.dataset.loaded = 'true';
  } catch (error) {
    if (serial === reloadSerial) view.toast(`Could not load orders: ${error.message}`, 'error');
    setPageStart(null);
    if (!stream.started) {
      // The stream's first welcome (or resync) reads again.
      expectingWelcome = true;
      stream.start();
    }
  } finally {
    reloading -= 1;
    scheduleFlush();
  }
}

async function loadMore() {
  if (loadingMore || reloading || !store.hasMore) return;
  loadingMore = true;
  const serial = reloadSerial;
  try {
    const page = await api.listOrders({ ...store.filter, limit: kPageSize, offset: store.size });
    if (serial !== reloadSerial) return;
    store.append(page.data, page.pagination?.total ?? store.total);
    view.renderOrders(store.rows(), store.total);
    watchListEnd();
  } catch (error) {
    view.toast(`Could not load more orders: ${error.message}`, 'error');
  } finally {
    loadingMore = false;
  }
}

// The stats read is another snapshot than the one the events follow: a change that arrives while
// it is in flight may or may not be in it. Such a read is dropped (the event-derived counts stay)
// and the stats are read again, until one read overlaps no change; a change the read already
// counted but that arrives after it schedules a read of its own. Either way the counts settle on
// the database's as soon as the changes pause.
let statsTimer = 0;
let statsDueAt = 0;
function scheduleStatsRefresh() {
  if (statsTimer) return;
  const wait = Math.max(0, statsDueAt - Date.now());
  statsTimer = setTimeout(async () => {
    statsDueAt = Date.now() + kStatsRefreshMs;
    const receivedBefore = changesReceived;
    let again = false;
    try {
      const fresh = await api.fetchStats();
      if (changesReceived !== receivedBefore) again = true;
      else if (queue.length === 0 && !reloading) {
        stats = fresh;
        view.renderStats(stats);
      }
    } catch {
      // The next change or poll tries again; the counts shown stay the event-derived ones.
    } finally {
      statsTimer = 0;
      if (again) scheduleStatsRefresh();
    }
  }, wait);
}

// ---- user actions ----

const form = document.getElementById('create-form');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const submit = document.getElementById('create-submit');
  const fields = {
    customer_name: form.elements.customer_name.value,
    product_name: form.elements.product_name.value,
    status: form.elements.status.value,
  };
  submit.disabled = true;
  try {
    const created = await api.createOrder(fields);
    view.clearFormErrors(form);
    form.reset();
    form.elements.customer_name.focus();
    store.apply({ operation: 'insert', data: created.data, old: null });
    view.renderOrders(store.rows(), store.total);
    watchListEnd();
    view.toast(`Order #${created.data.id} created`, 'success');
  } catch (error) {
    view.showFormErrors(form, error.message, error.details || []);
  } finally {
    submit.disabled = false;
  }
});

const kActions = {
  ship: (id) => api.updateOrder(id, { status: 'shipped' }),
  deliver: (id) => api.updateOrder(id, { status: 'delivered' }),
  delete: (id) => api.deleteOrder(id),
};

document.getElementById('order-rows').addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = Number(button.dataset.id);
  const action = button.dataset.action;
  button.disabled = true;
  try {
    const result = await kActions[action](id);
    // Show our own write at once; the stream's event for it is then a no-op for the list.
    const operation = action === 'delete' ? 'delete' : 'update';
    store.apply({ operation, data: result.data, old: null });
    view.renderOrders(store.rows(), store.total);
    watchListEnd();
  } catch (error) {
    view.toast(`Order #${id}: ${error.message}`, 'error');
    button.disabled = false;
  }
});

// ---- filters ----

const filters = document.getElementById('filters');
let searchTimer = 0;
function applyFilters() {
  const status = filters.elements.status.value;
  const customer = filters.elements.customer.value;
  if (status === store.filter.status && customer === store.filter.customer) return;
  store.filter = { status, customer };
  stream.setStatuses(status ? [status] : []);
  reload();
}
filters.addEventListener('submit', (event) => event.preventDefault());
filters.elements.status.addEventListener('change', applyFilters);
filters.elements.customer.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(applyFilters, kSearchDebounceMs);
});
setInterval(() => {
  if (store.filter.status) scheduleStatsRefresh();
}, kFilteredStatsPollMs);

// ---- more rows: the button, and automatically when the end of the list scrolls into view ----

document.getElementById('load-more').addEventListener('click', loadMore);
// Observed only while there is more to load: an observer recomputes its intersection after every
// layout, which during a burst of events is a cost for nothing (8% of the main thread).
const sentinel = document.getElementById('load-sentinel');
const endObserver = new IntersectionObserver((entries) => {
  if (entries.some((entry) => entry.isIntersecting)) loadMore();
});
let observingEnd = false;
// Called after every reload and page of rows. Observing again delivers the sentinel's state at
// once: an observer reports only changes, so a sentinel that stayed in view while a reload
// refused to load more (or was reloaded into view) would otherwise never load the next page.
function watchListEnd() {
  if (observingEnd) endObserver.unobserve(sentinel);
  observingEnd = store.hasMore;
  if (observingEnd) endObserver.observe(sentinel);
}

// ---- start ----

view.renderConnection('connecting');
reload();  // then the stream, at the read's position
startTables(stream);
