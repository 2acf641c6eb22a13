// The rows of another table's live view, from its change events alone (there is no REST read of
// tables other than orders): keyed by the table's key columns (every column when it has none),
// the most recently changed first, at most `limit` of them. Pure.
//
// A delete of a table without REPLICA IDENTITY FULL carries the key columns only, and an update
// of one carries `old` (the old key) only when the key changed: both are enough to find the row,
// since rows are keyed by those very columns. An update whose row misses columns (a large value
// left unchanged, which the server does not send again) keeps the values already shown.
export class TableRows {
  // columns: [{name, key}] from GET /api/tables.
  constructor(columns, limit = 200) {
    this.limit = limit;
    this.columns = columns.map((column) => column.name);
    const keys = columns.filter((column) => column.key).map((column) => column.name);
    this.keyColumns = keys.length ? keys : [...this.columns];
    // key -> {key, row}, in the order of their last change (a changed row is deleted and set again)
    this.byKey = new Map();
  }

  keyOf(row) {
    const names = this.keyColumns.length ? this.keyColumns : Object.keys(row || {}).sort();
    return JSON.stringify(names.map((name) => (row && name in row ? row[name] : null)));
  }

  // Applies one change event's data ({operation, data, old}); true when the rows changed.
  apply(change) {
    const row = change.data || {};
    switch (change.operation) {
      case 'insert':
      case 'update': {
        const key = this.keyOf(row);
        let previous = this.byKey.get(key);
        if (change.operation === 'update' && change.old) {
          const oldKey = this.keyOf(change.old);
          if (oldKey !== key) {
            previous = previous || this.byKey.get(oldKey);
            this.byKey.delete(oldKey);
          }
        }
        this.byKey.delete(key);
        this.byKey.set(key, { key, row: { ...(previous?.row || {}), ...row } });
        for (const column of Object.keys(row)) {
          if (!this.columns.includes(column)) this.columns.push(column);  // added since the read
        }
        while (this.byKey.size > this.limit) this.byKey.delete(this.byKey.keys().next().value);
        return true;
      }
      case 'delete':
        return this.byKey.delete(this.keyOf(row));
      case 'truncate':
        return this.clear();
      default:
        return false;
    }
  }

  clear() {
    const had = this.byKey.size > 0;
    this.byKey.clear();
    return had;
  }

  get size() {
    return this.byKey.size;
  }

  // Newest change first: [{key, row}].
  rows() {
    return [...this.byKey.values()].reverse();
  }
}

// A value as the view shows it: text as is, null as "null", JSON values as JSON.
export function displayValue(value) {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
