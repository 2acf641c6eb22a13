// The operator's dashboard (/dashboard, docs/web-ui.md "Dashboard") in a real browser: Debian's
// chromium, headless, against a real walcastd on the with_cluster server. The page polls
// GET /metrics/history every second; the test reads what it charts through window.walcastDashboard
// (the page's documented state for tools) and the data-* attributes of the chart headings.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import WebSocket from 'ws';

import { launchBrowser, recordProblems, takeProblems } from '../lib/browser.js';
import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { artifactsDir } from '../lib/paths.js';
import { psql } from '../lib/psql.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('web_dashboard');
const daemon = new Daemon(db);
await daemon.start();

const kCharts = ['events', 'latency', 'slotLagBytes', 'slotLagSeconds', 'retainedWal', 'replayEvents',
  'replayBytes', 'clients', 'slowDropped', 'rest', 'rss'];
// The browser's own console lines while the test has the daemon down are expected.
const kWhileDown = [/ERR_CONNECTION_REFUSED/, /ERR_EMPTY_RESPONSE/, /ERR_CONNECTION_RESET/, /Failed to fetch/];
const kSlow = { timeoutMs: 60000 };

// The dashboard in a new context, recording what goes wrong (lib/browser.js's openPage is the
// orders page's: it waits for that page's toasts).
async function openDashboard(browser, { viewport = { width: 1366, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const { problems, requests } = recordProblems(page);
  await page.goto(`${daemon.url}/dashboard`);
  await page.locator('body[data-loaded="true"]').waitFor();
  return { page, context, problems, requests };
}

const dashboard = (page, read) => page.evaluate(read);
const pageState = (page) => dashboard(page, () => window.walcastDashboard.state);
const totals = (page, id) => page.evaluate((chart) => window.walcastDashboard.totals(chart), id);
const current = (page, id) => page.evaluate((chart) => window.walcastDashboard.current(chart), id);
const historyPolls = (handle) => handle.requests.filter((url) => new URL(url).pathname === '/metrics/history').length;

// Commits `inserts` rows, then updates `updates` and deletes `deletes` of them, one statement each.
function commitChanges({ inserts, updates, deletes }, tag) {
  const statements = [];
  for (let i = 0; i < inserts; i += 1) {
    statements.push(`INSERT INTO orders (customer_name, product_name) VALUES ('${tag} ${i}', 'Gauge');`);
  }
  for (let i = 0; i < updates; i += 1) {
    statements.push(`UPDATE orders SET status = 'shipped' WHERE customer_name = '${tag} ${i}';`);
  }
  for (let i = 0; i < deletes; i += 1) statements.push(`DELETE FROM orders WHERE customer_name = '${tag} ${i}';`);
  psql(db.conninfo, statements.join('\n'));
}

// The events chart's counts moved by at least what was committed (rate × interval summed over the
// samples: each sample's rate is what happened in its second, so the sum is a count).
async function assertEventsCounted(page, before, { inserts, updates, deletes }) {
  await eventually(async () => {
    const now = await totals(page, 'events');
    assert.ok(now.insert - before.insert >= inserts - 0.5, `inserts counted: ${now.insert - before.insert} of ${inserts}`);
    assert.ok(now.update - before.update >= updates - 0.5, `updates counted: ${now.update - before.update} of ${updates}`);
    assert.ok(now.delete - before.delete >= deletes - 0.5, `deletes counted: ${now.delete - before.delete} of ${deletes}`);
  }, kSlow);
}

describe('dashboard', () => {
  let browser;
  let d;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    browser = await launchBrowser();
    d = await openDashboard(browser);
  });

  after(async () => {
    await browser?.close();
    await daemon.stop();
  });

  test('every chart renders with its current value, with no console error and no request off the host', async () => {
    await eventually(async () => {
      assert.equal(await pageState(d.page), 'live');
      assert.ok(await dashboard(d.page, () => window.walcastDashboard.samples) >= 2);
    }, kSlow);
    assert.deepEqual(await dashboard(d.page, () => window.walcastDashboard.charts), kCharts);
    assert.equal(await d.page.locator('.chart-card').count(), kCharts.length);
    for (const id of kCharts) {
      const card = d.page.locator(`.chart-card[data-chart="${id}"]`);
      const canvas = card.locator('canvas');
      assert.equal(await canvas.count(), 1, `${id}: one canvas`);
      const box = await canvas.boundingBox();
      assert.ok(box && box.width > 0 && box.height > 0, `${id}: the canvas has a size (${JSON.stringify(box)})`);
      assert.ok((await card.locator('h2 .chart-title').textContent()).length > 0, `${id}: a title`);
      assert.ok((await card.locator('h2 .chart-value').textContent()).length > 0, `${id}: a current value`);
      const data = await d.page.evaluate((chart) => window.walcastDashboard.data(chart), id);
      assert.ok(data.every((column) => column.length === data[0].length && column.length >= 2), `${id}: columns`);
    }
    // The gauges of an idle daemon are there: a replay window, a process size, one slot.
    await eventually(async () => assert.ok((await current(d.page, 'rss')).value > 0));
    assert.equal(await d.page.getAttribute('#connection', 'data-state'), 'live');
    assert.equal(await d.page.isHidden('#dashboard-note'), true);
    // Served under the daemon's CSP; linked both ways.
    const response = await fetch(`${daemon.url}/dashboard`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy'), /script-src 'self'/);
    assert.equal(await d.page.locator('header a[href="/"]').count(), 1, 'a link back to the orders page');
    const main = await (await fetch(daemon.url)).text();
    assert.match(main, /<a [^>]*href="\/dashboard"/, 'the orders page links to the dashboard');
    assert.deepEqual(takeProblems(d), []);
  });

  test('inserts, updates and deletes committed with psql move the events chart', async () => {
    const before = await totals(d.page, 'events');
    const change = { inserts: 6, updates: 4, deletes: 2 };
    commitChanges(change, 'Gauge A');
    await assertEventsCounted(d.page, before, change);
    // The chart's own data: some second had inserts; the heading says how many in the window.
    const [, inserts] = await d.page.evaluate(() => window.walcastDashboard.data('events'));
    assert.ok(Math.max(...inserts) > 0);
    assert.match(await d.page.textContent('.chart-card[data-chart="events"] .chart-detail'), /in the last/);
    // Events sent had a commit→send latency in their second.
    const [, p50, p99] = await d.page.evaluate(() => window.walcastDashboard.data('latency'));
    assert.ok(p99.some((value) => value !== null && value >= 0), 'a p99 was charted');
    assert.ok(p50.some((value) => value !== null && value >= 0), 'a p50 was charted');
    assert.deepEqual(takeProblems(d), []);
  });

  test('a /ws client shows in the clients chart', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${daemon.port}/ws`);
    try {
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      await eventually(async () => assert.ok((await current(d.page, 'clients')).websocket >= 1), kSlow);
      const shown = await d.page.getAttribute('.chart-card[data-chart="clients"] h2', 'data-websocket');
      assert.ok(Number(shown) >= 1, `the heading's data-websocket: ${shown}`);
    } finally {
      socket.terminate();
    }
    await eventually(async () => assert.equal((await current(d.page, 'clients')).websocket, 0), kSlow);
    assert.deepEqual(takeProblems(d), []);
  });

  test('screenshots (desktop and phone) are saved; nothing is wider than a phone', async () => {
    // Some seconds of traffic first, so the charts show something: a writer, REST reads and a
    // stream client.
    const socket = new WebSocket(`ws://127.0.0.1:${daemon.port}/ws`);
    socket.on('error', () => {});
    for (let i = 0; i < 12; i += 1) {
      commitChanges({ inserts: 2 + (i % 4) * 3, updates: 1 + (i % 3) * 2, deletes: i % 2 }, `Load ${i}`);
      await Promise.all([fetch(`${daemon.url}/api/orders/stats`), fetch(`${daemon.url}/api/orders?limit=5`)]);
      await sleep(500);
    }
    const seen = await dashboard(d.page, () => window.walcastDashboard.lastSeq);
    await eventually(async () => assert.ok(await dashboard(d.page, () => window.walcastDashboard.lastSeq) >= seen + 2), kSlow);
    socket.terminate();
    await d.page.screenshot({ path: path.join(artifactsDir, 'dashboard-desktop.png'), fullPage: true });
    const phone = await openDashboard(browser, { viewport: { width: 390, height: 844 } });
    try {
      await eventually(async () => assert.ok(await dashboard(phone.page, () => window.walcastDashboard.samples) >= 2), kSlow);
      await phone.page.screenshot({ path: path.join(artifactsDir, 'dashboard-phone.png') });
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `nothing is wider than a phone's screen (${overflow} px too wide)`);
      // One chart per row: every card starts at the same x.
      const lefts = await phone.page.$$eval('.chart-card', (cards) => cards.map((card) => card.getBoundingClientRect().left));
      assert.equal(new Set(lefts).size, 1, `card lefts: ${lefts}`);
      for (const box of await phone.page.$$eval('.chart-card canvas', (canvases) => canvases.map((c) => c.getBoundingClientRect().toJSON()))) {
        assert.ok(box.width > 0 && box.right <= 390, `a canvas within the screen: ${JSON.stringify(box)}`);
      }
      assert.deepEqual(takeProblems(phone), []);
    } finally {
      await phone.context.close();
    }
  });

  test('kill -9: the page says the daemon is unreachable and keeps polling; restarted, it charts again', async () => {
    await daemon.kill();
    await eventually(async () => assert.equal(await pageState(d.page), 'unreachable'), kSlow);
    assert.match(await d.page.textContent('#connection'), /daemon unreachable, retrying/i);
    assert.equal(await d.page.getAttribute('#connection', 'data-state'), 'unreachable');
    assert.equal(await d.page.isVisible('#dashboard-note'), true);
    assert.match(await d.page.textContent('#dashboard-note'), /retrying/);
    // It keeps asking while the daemon is down.
    const asked = historyPolls(d);
    await eventually(() => assert.ok(historyPolls(d) >= asked + 2, 'polls go on while down'), kSlow);
    assert.ok(await dashboard(d.page, () => window.walcastDashboard.samples) > 0, 'what was drawn stays');

    await daemon.start();
    await eventually(async () => assert.equal(await pageState(d.page), 'live'), kSlow);
    assert.equal(await d.page.isHidden('#dashboard-note'), true);
    // The new daemon's history starts again at seq 1: the page started over with it.
    await eventually(async () => assert.equal(await dashboard(d.page, () => window.walcastDashboard.restarts), 1), kSlow);
    const before = await totals(d.page, 'events');
    const change = { inserts: 3, updates: 2, deletes: 1 };
    commitChanges(change, 'Gauge B');
    await assertEventsCounted(d.page, before, change);
    const samples = await dashboard(d.page, () => window.walcastDashboard.samples);
    await eventually(async () => assert.ok(await dashboard(d.page, () => window.walcastDashboard.samples) > samples), kSlow);
    assert.deepEqual(takeProblems(d, kWhileDown), []);
  });
});
