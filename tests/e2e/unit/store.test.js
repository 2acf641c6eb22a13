// Unit tests of the page's pure list logic (web/js/store.js): no browser, no server.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { importWebModule } from './web_module.js';

const { OrderStore, compareOrders, matchesFilter } = await importWebModule('store.js');

const order = (id, status, updatedAt, customer = `c${id}`) => ({
  id, customer_name: customer, product_name: 'p', status, created_at: updatedAt, updated_at: updatedAt,
});
const t = (second) => `2026-11-24T10:00:${String(second).padStart(2, '0')}.000000Z`;
const ids = (store) => store.rows().map((row) => row.id);

test('rows sort by updated_at newest first, ties by id descending', () => {
  const rows = [order(1, 'pending', t(1)), order(2, 'pending', t(3)), order(3, 'pending', t(1))];
  assert.deepEqual(rows.sort(compareOrders).map((row) => row.id), [2, 3, 1]);
});

test('an insert goes on top and counts', () => {
  const store = new OrderStore();
  store.reset([order(1, 'pending', t(1))], 1);
  assert.equal(store.apply({ operation: 'insert', data: order(2, 'pending', t(2)), old: null }), true);
  assert.deepEqual(ids(store), [2, 1]);
  assert.equal(store.total, 2);
});

test('an update moves the row to its new place', () => {
  const store = new OrderStore();
  store.reset([order(2, 'pending', t(2)), order(1, 'pending', t(1))], 2);
  const old = order(1, 'pending', t(1));
  store.apply({ operation: 'update', data: order(1, 'shipped', t(3)), old });
  assert.deepEqual(ids(store), [1, 2]);
  assert.equal(store.rows()[0].status, 'shipped');
  assert.equal(store.total, 2);
});

test('a change older than the row held is ignored (replayed after a reload)', () => {
  const store = new OrderStore();
  store.reset([order(1, 'delivered', t(5))], 1);
  assert.equal(store.apply({ operation: 'update', data: order(1, 'shipped', t(4)), old: null }), false);
  assert.equal(store.rows()[0].status, 'delivered');
});

test('applying the same change twice is a no-op the second time', () => {
  const store = new OrderStore();
  store.reset([], 0);
  const insert = { operation: 'insert', data: order(7, 'pending', t(1)), old: null };
  store.apply(insert);
  store.apply(insert);
  assert.equal(store.total, 1);
  const remove = { operation: 'delete', data: order(7, 'pending', t(1)), old: null };
  assert.equal(store.apply(remove), true);
  assert.equal(store.apply(remove), false);
  assert.equal(store.total, 0);
});

test('a stale insert after a delete does not bring the row back', () => {
  const store = new OrderStore();
  store.reset([order(3, 'pending', t(2))], 1);
  store.apply({ operation: 'delete', data: order(3, 'pending', t(2)), old: null });
  assert.equal(store.apply({ operation: 'insert', data: order(3, 'pending', t(1)), old: null }), false);
  assert.deepEqual(ids(store), []);
});

test('an order that leaves the status filter leaves the list', () => {
  const store = new OrderStore();
  store.filter = { status: 'pending', customer: '' };
  store.reset([order(1, 'pending', t(1)), order(2, 'pending', t(2))], 2);
  store.apply({ operation: 'update', data: order(1, 'shipped', t(3)), old: order(1, 'pending', t(1)) });
  assert.deepEqual(ids(store), [2]);
  assert.equal(store.total, 1);
  // An insert outside the filter is not shown and not counted.
  assert.equal(store.apply({ operation: 'insert', data: order(9, 'shipped', t(4)), old: null }), false);
  assert.equal(store.total, 1);
});

test('an order that enters the filter joins the list', () => {
  const store = new OrderStore();
  store.filter = { status: 'shipped', customer: '' };
  store.reset([], 0);
  store.apply({ operation: 'update', data: order(4, 'shipped', t(2)), old: order(4, 'pending', t(1)) });
  assert.deepEqual(ids(store), [4]);
  assert.equal(store.total, 1);
});

test('customer search is a case-insensitive substring', () => {
  const filter = { status: '', customer: ' ALI ' };
  assert.equal(matchesFilter(order(1, 'pending', t(1), 'Alice'), filter), true);
  assert.equal(matchesFilter(order(2, 'pending', t(1), 'Bob'), filter), false);
  assert.equal(matchesFilter(order(3, 'pending', t(1), '<img src=x>'), { status: '', customer: '%' }), false);
});

test('load more appends without duplicates and tracks what is left', () => {
  const store = new OrderStore();
  store.reset([order(3, 'pending', t(3)), order(2, 'pending', t(2))], 3);
  assert.equal(store.hasMore, true);
  store.append([order(2, 'pending', t(2)), order(1, 'pending', t(1))], 3);
  assert.deepEqual(ids(store), [3, 2, 1]);
  assert.equal(store.hasMore, false);
});
