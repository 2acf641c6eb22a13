// Unit tests of the stats cards' event arithmetic (web/js/stats.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { importWebModule } from './web_module.js';

const { applyChangeToStats, emptyStats } = await importWebModule('stats.js');

const row = (status) => ({ id: 1, customer_name: 'a', product_name: 'b', status });

test('insert, status change and delete move the counts', () => {
  let stats = emptyStats();
  stats = applyChangeToStats(stats, { operation: 'insert', data: row('pending'), old: null });
  assert.equal(stats.total_orders, 1);
  assert.equal(stats.pending_orders, 1);
  stats = applyChangeToStats(stats, { operation: 'update', data: row('shipped'), old: row('pending') });
  assert.equal(stats.pending_orders, 0);
  assert.equal(stats.shipped_orders, 1);
  stats = applyChangeToStats(stats, { operation: 'delete', data: row('shipped'), old: null });
  assert.deepEqual(stats, emptyStats());
});

test('an update without the old row (NOTIFY mode) leaves the counts alone', () => {
  const stats = { ...emptyStats(), total_orders: 1, pending_orders: 1 };
  assert.deepEqual(applyChangeToStats(stats, { operation: 'update', data: row('shipped'), old: null }), stats);
});

test('the input is not modified and counts never go negative', () => {
  const stats = emptyStats();
  const next = applyChangeToStats(stats, { operation: 'delete', data: row('pending'), old: null });
  assert.deepEqual(stats, emptyStats());
  assert.equal(next.total_orders, 0);
  assert.equal(next.pending_orders, 0);
});
