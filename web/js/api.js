// The REST client (docs/contract.md §3): JSON in, the envelope's payload out, failures as ApiError with
// the server's short message and per-field details for the form.

import { accessToken } from './token.js';

export class ApiError extends Error {
  constructor(status, message, details = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;  // HTTP status, 0 when the server could not be reached
    this.details = details;  // [{field, message}] from a validation error
  }
}

async function request(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, cache: 'no-store' };
  const token = accessToken();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'The server cannot be reached');
  }
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    // Not JSON (a proxy's error page, say): reported below by status.
  }
  if (!response.ok || !envelope || envelope.success === false) {
    const message = envelope?.error || `Request failed (HTTP ${response.status})`;
    if (response.status === 429) {
      const wait = response.headers.get('Retry-After');
      throw new ApiError(429, wait ? `${message}; retry in ${wait} s` : message);
    }
    throw new ApiError(response.status, message, Array.isArray(envelope?.details) ? envelope.details : []);
  }
  return envelope;
}

// GET /api/orders: {data, count, pagination:{limit, offset, total}, streamPosition}.
export function listOrders({ status = '', customer = '', limit = 50, offset = 0 } = {}) {
  const query = new URLSearchParams({ limit: String(limit), offset: String(offset) });
  if (status) query.set('status', status);
  if (customer.trim()) query.set('customer_name', customer.trim());
  return request('GET', `/api/orders?${query}`);
}

export async function fetchStats() {
  return (await request('GET', '/api/orders/stats')).data;
}

export function createOrder(fields) {
  return request('POST', '/api/orders', fields);
}

export function updateOrder(id, fields) {
  return request('PUT', `/api/orders/${encodeURIComponent(id)}`, fields);
}

export function deleteOrder(id) {
  return request('DELETE', `/api/orders/${encodeURIComponent(id)}`);
}

// GET /api/tables: the tables walcastd streams, [{schema, name, qualifiedName, replicaIdentity,
// columns: [{name, type, key, notNull}]}], sorted by qualified name. Read from the database each
// time, so columns added since the page opened are there.
export async function listTables() {
  return (await request('GET', '/api/tables')).data;
}
