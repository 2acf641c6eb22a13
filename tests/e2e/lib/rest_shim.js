// DEVELOPMENT ONLY (WALCAST_E2E_REST_SHIM=1): answers the page's REST calls from psql inside the
// browser (Playwright routes), for working on the UI on a branch where walcastd's REST endpoints
// do not exist yet. The CTest run never uses it: without the real endpoints the suite is skipped.
// It follows CONTRACT.md §3 only as far as the page needs (list, stats, create, update, delete).
import { psqlJson, quoteLiteral } from './psql.js';

const kStatuses = ['pending', 'shipped', 'delivered'];
const kRow = `json_build_object('id', id, 'customer_name', customer_name, 'product_name', product_name,
  'status', status, 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))`;

function validate(body, partial) {
  const details = [];
  for (const field of ['customer_name', 'product_name']) {
    const value = body[field];
    if (value === undefined && partial) continue;
    if (typeof value !== 'string' || !value.trim()) details.push({ field, message: `${field} is required` });
    else if (value.trim().length > 255) details.push({ field, message: `${field} must be at most 255 characters` });
  }
  if (body.status !== undefined && !kStatuses.includes(body.status)) {
    details.push({ field: 'status', message: 'status must be one of pending, shipped, delivered' });
  }
  return details;
}

export async function installRestShim(context, conninfo) {
  await context.route(/\/api\/orders/, async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    const json = (status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    const id = Number(url.pathname.split('/')[3]);
    if (request.method() === 'GET' && url.pathname === '/api/orders/stats') {
      const data = psqlJson(conninfo, `SELECT json_build_object('total_orders', count(*),
        'pending_orders', count(*) FILTER (WHERE status = 'pending'),
        'shipped_orders', count(*) FILTER (WHERE status = 'shipped'),
        'delivered_orders', count(*) FILTER (WHERE status = 'delivered'),
        'unique_customers', count(DISTINCT customer_name), 'last_updated', max(updated_at)) FROM orders`);
      return json(200, { success: true, data });
    }
    if (request.method() === 'GET' && url.pathname === '/api/orders') {
      const where = ['true'];
      const status = url.searchParams.get('status');
      if (status) where.push(`status = ${quoteLiteral(status)}`);
      const customer = url.searchParams.get('customer_name');
      if (customer) where.push(`strpos(lower(customer_name), lower(${quoteLiteral(customer)})) > 0`);
      const limit = Number(url.searchParams.get('limit') || 50);
      const offset = Number(url.searchParams.get('offset') || 0);
      const result = psqlJson(conninfo, `SELECT json_build_object('rows', coalesce((SELECT json_agg(r) FROM
        (SELECT ${kRow} AS r FROM orders WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id DESC
         LIMIT ${limit} OFFSET ${offset}) page), '[]'), 'total', (SELECT count(*) FROM orders WHERE ${where.join(' AND ')}))`);
      return json(200, { success: true, data: result.rows, count: result.rows.length,
                         pagination: { limit, offset, total: result.total } });
    }
    if (request.method() === 'POST' && url.pathname === '/api/orders') {
      const body = request.postDataJSON();
      const details = validate(body, false);
      if (details.length) return json(400, { success: false, error: 'Validation failed', details });
      const data = psqlJson(conninfo, `INSERT INTO orders (customer_name, product_name, status) VALUES
        (${quoteLiteral(body.customer_name.trim())}, ${quoteLiteral(body.product_name.trim())},
         ${quoteLiteral(body.status || 'pending')}) RETURNING ${kRow}`);
      return json(201, { success: true, data, message: 'Order created successfully', eventId: null });
    }
    if (request.method() === 'PUT' && id > 0) {
      const body = request.postDataJSON();
      const details = validate(body, true);
      if (details.length) return json(400, { success: false, error: 'Validation failed', details });
      const sets = Object.entries(body).map(([key, value]) => `${key} = ${quoteLiteral(String(value).trim())}`);
      const data = psqlJson(conninfo, `UPDATE orders SET ${sets.join(', ')} WHERE id = ${id} RETURNING ${kRow}`);
      if (!data) return json(404, { success: false, error: 'Order not found' });
      return json(200, { success: true, data, message: 'Order updated successfully', eventId: null });
    }
    if (request.method() === 'DELETE' && id > 0) {
      const data = psqlJson(conninfo, `DELETE FROM orders WHERE id = ${id} RETURNING ${kRow}`);
      if (!data) return json(404, { success: false, error: 'Order not found' });
      return json(200, { success: true, data, message: 'Order deleted successfully', eventId: null });
    }
    return json(404, { success: false, error: 'Endpoint not found' });
  });
}
