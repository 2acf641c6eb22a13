// DOM updates. Text from the database only ever goes through textContent (never innerHTML), so a
// customer named <img src=x onerror=alert(1)> shows literally. No inline styles: state is classes.
import { capitalize, describeChanges, formatCount, formatTime } from './format.js';

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

function setHidden(node, hidden) {
  if (node.hidden !== hidden) node.hidden = hidden;
}

const kConnectionText = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

export function renderConnection(state) {
  const badge = $('connection');
  badge.className = `connection state-${state}`;
  badge.dataset.state = state;
  $('connection-text').textContent = kConnectionText[state] || state;
}

export function renderClients(count) {
  $('clients').textContent = `${formatCount(count)} ${count === 1 ? 'client' : 'clients'} connected`;
}

export function renderStats(stats) {
  for (const node of document.querySelectorAll('[data-stat]')) {
    setText(node, formatCount(stats[node.dataset.stat]));
  }
}

// ---- the order list: one <tr> per order, reused across renders (keyed by id) ----

const rowNodes = new Map();  // id -> {tr, key}

function actionButton(action, label, order) {
  const button = element('button', `action action-${action}`, label);
  button.type = 'button';
  button.dataset.action = action;
  button.dataset.id = String(order.id);
  button.setAttribute('aria-label', `${label} order ${order.id}`);
  return button;
}

// Explicit roles: the rows are laid out as grids (style.css), which some browsers take as a reason
// to stop exposing table semantics.
function cell(label, className, text) {
  const td = element('td', className, text);
  td.setAttribute('role', 'cell');
  td.dataset.label = label;
  return td;
}

function fillRow(tr, order) {
  const status = element('span', `badge badge-${order.status}`, capitalize(order.status));
  const actions = cell('Actions', 'actions');
  if (order.status === 'pending') actions.append(actionButton('ship', 'Ship', order));
  if (order.status === 'shipped') actions.append(actionButton('deliver', 'Deliver', order));
  actions.append(actionButton('delete', 'Delete', order));
  const updated = cell('Updated', 'time');
  const time = element('time', '', formatTime(order.updated_at));
  time.dateTime = order.updated_at;
  updated.append(time);
  const statusCell = cell('Status', 'status');
  statusCell.append(status);
  tr.replaceChildren(
    cell('Order', 'order-id', `#${order.id}`),
    cell('Customer', 'customer', order.customer_name),
    cell('Product', 'product', order.product_name),
    statusCell,
    updated,
    actions,
  );
  tr.dataset.status = order.status;
}

// Shows `rows` (already sorted) in #order-rows, touching only rows that changed or moved. `flash`
// highlights changed rows briefly; the caller turns it off during bursts, where dozens of rows
// animating at once would cost a repaint every frame for nothing anyone can follow.
export function renderOrders(rows, total, { flash = true } = {}) {
  const body = $('order-rows');
  const seen = new Set();
  let cursor = body.firstChild;
  for (const order of rows) {
    seen.add(order.id);
    let entry = rowNodes.get(order.id);
    const key = `${order.updated_at}|${order.status}|${order.customer_name}|${order.product_name}`;
    if (!entry) {
      const tr = element('tr');
      tr.setAttribute('role', 'row');
      tr.dataset.id = String(order.id);
      tr.addEventListener('animationend', () => tr.classList.remove('flash'));
      entry = { tr, key: '' };
      rowNodes.set(order.id, entry);
    }
    if (entry.key !== key) {
      fillRow(entry.tr, order);
      if (entry.key && flash) entry.tr.classList.add('flash');
      entry.key = key;
    }
    if (entry.tr !== cursor) body.insertBefore(entry.tr, cursor);
    else cursor = cursor.nextSibling;
  }
  for (const [id, entry] of rowNodes) {
    if (!seen.has(id)) {
      entry.tr.remove();
      rowNodes.delete(id);
    }
  }
  // Written only when different: every write invalidates layout, and this runs once per frame.
  setText($('orders-count'), rows.length ? `Showing ${formatCount(rows.length)} of ${formatCount(total)}` : '');
  setHidden($('orders-empty'), rows.length > 0);
  setHidden($('load-more'), rows.length >= total);
}

// ---- activity log: newest first, at most `limit` entries ----

function activityItem(change) {
  const item = element('li', `activity-item op-${change.operation}`);
  const row = change.data || {};
  const head = element('div', 'activity-head');
  head.append(element('span', `op op-${change.operation}`, capitalize(change.operation)));
  head.append(element('span', 'activity-order', `#${row.id}`));
  const time = element('time', 'activity-time', formatTime(change.timestamp));
  time.dateTime = change.timestamp || '';
  time.title = `Committed at ${change.timestamp}`;
  head.append(time);
  item.append(head);
  item.append(element('div', 'activity-what', `${row.customer_name} · ${row.product_name}`));
  if (change.operation === 'update') {
    const changes = describeChanges(change);
    if (changes.length) item.append(element('div', 'activity-changed', changes.join(', ')));
  } else if (change.operation === 'insert') {
    item.append(element('div', 'activity-changed', `status: ${row.status}`));
  }
  return item;
}

export function prependActivity(changes, limit) {
  const list = $('activity');
  const fragment = document.createDocumentFragment();
  const fresh = changes.slice(-limit);
  for (let i = fresh.length - 1; i >= 0; i -= 1) fragment.append(activityItem(fresh[i]));
  list.prepend(fragment);
  while (list.childElementCount > limit) list.lastElementChild.remove();
  $('activity-empty').hidden = list.childElementCount > 0;
}

// ---- form errors and toasts ----

// Puts each of the server's details[] beside its field ("Customer must not be empty"); details
// for no field of the form (e.g. "body") and errors without details go above the button.
export function showFormErrors(form, message, details) {
  clearFormErrors(form);
  const elsewhere = [];
  for (const { field, message: text } of details) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(String(field))}"]`);
    const input = form.elements.namedItem(field);
    if (!field || !slot || !input) {
      elsewhere.push(field ? `${field} ${text}` : text);
      continue;
    }
    const label = form.querySelector(`label[for="${CSS.escape(input.id)}"]`)?.textContent || field;
    slot.textContent = /^[a-z]/.test(text) ? `${label} ${text}` : text;
    input.setAttribute('aria-invalid', 'true');
  }
  if (elsewhere.length || details.length === 0) {
    $('form-error').textContent = elsewhere.length ? elsewhere.join('; ') : message;
  }
}

export function clearFormErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

export function toast(text, kind = 'info') {
  const region = $('toasts');
  const node = element('div', `toast toast-${kind}`, text);
  region.append(node);
  while (region.childElementCount > 4) region.firstElementChild.remove();
  setTimeout(() => {
    node.classList.add('leaving');
    setTimeout(() => node.remove(), 300);
  }, kind === 'error' ? 6000 : 3500);
}
