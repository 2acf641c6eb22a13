// The order list as the page shows it: rows from GET /api/orders plus the live changes of the
// stream, kept sorted like the server sorts (updated_at newest first, ties by id descending).
// Pure (no DOM, no network), so it is unit-tested under node (tests/e2e/unit/).
//
// Applying a change is idempotent and order-tolerant: a change whose row is older than the row we
// hold (updated_at) is ignored. That lets the page buffer events received while a REST reload is in
// flight and apply them afterwards without undoing what the reload already shows.

export const STATUSES = ['pending', 'shipped', 'delivered'];

// Deleted ids remembered to keep stale replays out; the oldest are forgotten past this many.
const kDeletedMemory = 10000;

// Server order: updated_at desc, then id desc. RFC 3339 UTC strings with microseconds compare
// correctly as strings.
export function compareOrders(a, b) {
  if (a.updated_at !== b.updated_at) return a.updated_at < b.updated_at ? 1 : -1;
  return b.id - a.id;
}

// The list's filter: a status (or '' for all) and a case-insensitive customer substring, the same
// meaning as GET /api/orders?status=&customer_name=.
export function matchesFilter(order, filter) {
  if (!order) return false;
  if (filter.status && order.status !== filter.status) return false;
  const search = (filter.customer || '').trim().toLowerCase();
  if (search && !String(order.customer_name).toLowerCase().includes(search)) return false;
  return true;
}

export class OrderStore {
  constructor() {
    this.filter = { status: '', customer: '' };
    this.reset([], 0);
  }

  // Replaces everything with a fresh first page from REST.
  reset(rows, total) {
    this.byId = new Map();
    this.deleted = new Map();  // id -> updated_at of the deleted row: stale upserts stay out
    for (const row of rows) this.byId.set(row.id, row);
    this.total = total;  // rows matching the filter on the server, kept live by events
    this.sorted = null;
  }

  // Adds a further page (load more); rows already known keep the newer version.
  append(rows, total) {
    for (const row of rows) this.upsertIfNewer(row);
    this.total = total;
    this.sorted = null;
  }

  get size() {
    return this.byId.size;
  }

  get hasMore() {
    return this.byId.size < this.total;
  }

  rows() {
    if (!this.sorted) this.sorted = [...this.byId.values()].sort(compareOrders);
    return this.sorted;
  }

  upsertIfNewer(row) {
    const held = this.byId.get(row.id);
    if (held && held.updated_at > row.updated_at) return false;
    const gone = this.deleted.get(row.id);
    if (gone !== undefined && gone >= row.updated_at) return false;
    this.byId.set(row.id, row);
    this.sorted = null;
    return true;
  }

  // Applies one change event's data (docs/contract.md §4). Returns true when the shown list changed.
  // `total` follows the filter's membership (before: old row, after: new row); a change replayed
  // after a reload that already counted it can make it drift by a little until the next reload.
  apply(change) {
    const row = change.data;
    if (!row || typeof row.id !== 'number') return false;
    const held = this.byId.get(row.id);
    if (held && held.updated_at > row.updated_at) return false;  // we already show a newer row
    const isDelete = change.operation === 'delete';
    const gone = this.deleted.get(row.id);
    if (!isDelete && gone !== undefined && gone >= row.updated_at) return false;  // deleted since

    const isIn = !isDelete && matchesFilter(row, this.filter);
    let wasIn;
    if (held) wasIn = true;
    else if (change.operation === 'insert') wasIn = false;
    else if (isDelete) wasIn = matchesFilter(row, this.filter);
    else if (change.old) wasIn = matchesFilter(change.old, this.filter);
    else wasIn = isIn;  // NOTIFY mode has no old row: assume the filter membership did not change

    if (isIn) this.byId.set(row.id, row);
    else if (held) this.byId.delete(row.id);
    if (isDelete) {
      this.deleted.set(row.id, row.updated_at);
      if (this.deleted.size > kDeletedMemory) this.deleted.delete(this.deleted.keys().next().value);
    }
    this.total = Math.max(this.byId.size, this.total + (isIn ? 1 : 0) - (wasIn ? 1 : 0));
    if (!isIn && !held) return false;
    this.sorted = null;
    return true;
  }
}
