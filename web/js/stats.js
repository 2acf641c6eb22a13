// The stats cards' numbers (GET /api/orders/stats) kept live by change events. Pure.
//
// Counts by status follow each event at once; `unique_customers` cannot be derived from one event,
// so the page also refetches the stats (throttled) after changes, which corrects any drift.

export function emptyStats() {
  return { total_orders: 0, pending_orders: 0, shipped_orders: 0, delivered_orders: 0,
           unique_customers: 0 };
}

function bump(stats, status, by) {
  const key = `${status}_orders`;
  if (key in stats) stats[key] = Math.max(0, stats[key] + by);
}

// Returns new stats after one change event (docs/contract.md §4); the input is not modified.
export function applyChangeToStats(stats, change) {
  const next = { ...stats };
  const row = change.data;
  if (!row) return next;
  if (change.operation === 'insert') {
    next.total_orders += 1;
    bump(next, row.status, 1);
  } else if (change.operation === 'delete') {
    next.total_orders = Math.max(0, next.total_orders - 1);
    bump(next, row.status, -1);
  } else if (change.operation === 'update' && change.old && change.old.status !== row.status) {
    bump(next, change.old.status, -1);
    bump(next, row.status, 1);
  }
  return next;
}
