// DOM of another table's live view: the column headings, one <tr> per row keyed by the row's key
// (reused across renders), the note and the count. Values only ever go through textContent.
import { displayValue } from './table_rows.js';
import { formatCount } from './format.js';

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

let rowNodes = new Map();  // key -> {tr, text}
let shownColumns = [];

// The headings for `columns` (names, in table order) and a grid of as many columns; rows of an
// earlier table go.
export function renderColumns(columns, keyColumns) {
  shownColumns = [...columns];
  const head = $('table-head');
  head.replaceChildren(...columns.map((name) => {
    const th = element('th', keyColumns.includes(name) ? 'key' : '', name);
    th.scope = 'col';
    th.setAttribute('role', 'columnheader');
    if (keyColumns.includes(name)) th.title = 'Key column';
    return th;
  }));
  $('table-rows').replaceChildren();
  rowNodes = new Map();
}

function fillRow(tr, row) {
  tr.replaceChildren(...shownColumns.map((name) => {
    const value = row[name];
    const td = element('td', value === null ? 'null' : '', displayValue(value));
    td.setAttribute('role', 'cell');
    td.dataset.label = name;
    td.dataset.column = name;
    return td;
  }));
}

// Shows the rows of `model` (a TableRows), newest first, touching only rows that changed or moved.
// A column the catalog did not list (added since it was read) gets a heading and the rows again.
export function renderRows(model, { flash = true } = {}) {
  if (model.columns.length !== shownColumns.length) renderColumns(model.columns, model.keyColumns);
  const rows = model.rows();
  const body = $('table-rows');
  const seen = new Set();
  let cursor = body.firstChild;
  for (const { key, row } of rows) {
    seen.add(key);
    let entry = rowNodes.get(key);
    const text = JSON.stringify(shownColumns.map((name) => row[name]));
    if (!entry) {
      const tr = element('tr');
      tr.setAttribute('role', 'row');
      tr.dataset.key = key;
      tr.addEventListener('animationend', () => tr.classList.remove('flash'));
      entry = { tr, text: '' };
      rowNodes.set(key, entry);
    }
    if (entry.text !== text) {
      fillRow(entry.tr, row);
      if (flash) entry.tr.classList.add('flash');
      entry.text = text;
    }
    if (entry.tr !== cursor) body.insertBefore(entry.tr, cursor);
    else cursor = cursor.nextSibling;
  }
  for (const [key, entry] of rowNodes) {
    if (!seen.has(key)) {
      entry.tr.remove();
      rowNodes.delete(key);
    }
  }
  const count = rows.length ? `${formatCount(rows.length)} ${rows.length === 1 ? 'row' : 'rows'} changed` : '';
  if ($('table-count').textContent !== count) $('table-count').textContent = count;
  $('table-empty').hidden = rows.length > 0;
}

export function renderNote(text) {
  $('table-note').textContent = text;
}
