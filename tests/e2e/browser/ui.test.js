// The web UI in a real browser (docs/web-ui.md): Debian's chromium, headless, against a real walcastd on
// a real PostgreSQL 15 (the with_cluster server). The tests run in order on one database and
// share two pages, A and B, like two people looking at the same orders.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { launchBrowser, openPage, pageOrders, takeProblems, toastsShown } from '../lib/browser.js';
import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { artifactsDir } from '../lib/paths.js';
import { psql, psqlJson, quoteLiteral } from '../lib/psql.js';
import { eventually } from '../lib/wait.js';

const db = createOrdersDatabase('web_e2e');
psql(db.conninfo, `INSERT INTO orders (customer_name, product_name, status) VALUES
  ('Alice Martin', 'Laptop', 'pending'), ('Bob Chen', 'Phone', 'shipped'),
  ('Carol Diaz', 'Standing desk', 'delivered'), ('Dmitri Ivanov', 'Monitor', 'pending');`);
const daemon = new Daemon(db);
await daemon.start();

// The browser's own console lines while the test has the daemon down are expected.
// A daemon stopping on SIGTERM answers what it can no longer serve with 503 (its database pool
// is stopped first, database/pg_pool.cc), so a stats read the page makes just then logs one; the
// page reads again once it is connected, and the tests check that it converges.
const kWhileDown = [/WebSocket connection to .* failed/, /ERR_CONNECTION_REFUSED/, /ERR_EMPTY_RESPONSE/,
  /ERR_CONNECTION_RESET/, /ERR_INTERNET_DISCONNECTED/, /the server responded with a status of 503/];

// Change events walcastd published since it started (GET /metrics, every operation).
async function eventsPublished(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^walcast_events_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

// After a reload the page lists the first page of orders (50) and loads more on demand: it must
// show the newest rows of the database in order, all of them or at least a page.
async function assertFirstRowsMatch(page, where = 'true') {
  const shown = await pageOrders(page);
  const all = databaseOrders(where);
  assert.ok(shown.length >= Math.min(50, all.length), `${shown.length} rows shown of ${all.length}`);
  assert.deepEqual(shown, all.slice(0, shown.length));
}

// The database's orders as the page lists them (newest updated_at first, ties by id).
function databaseOrders(where = 'true') {
  return psql(db.conninfo, `SELECT id, customer_name, product_name, status FROM orders WHERE ${where}
                            ORDER BY updated_at DESC, id DESC`)
    .map(([id, customer, product, status]) => ({ id: Number(id), customer, product, status }));
}

function databaseStats() {
  return psqlJson(db.conninfo, `SELECT json_build_object('total', count(*),
    'pending', count(*) FILTER (WHERE status = 'pending'), 'shipped', count(*) FILTER (WHERE status = 'shipped'),
    'delivered', count(*) FILTER (WHERE status = 'delivered'), 'customers', count(DISTINCT customer_name)) FROM orders`);
}

async function pageStats(page) {
  const read = async (id) => Number((await page.textContent(`#stat-${id}`)).replace(/[^0-9]/g, ''));
  return { total: await read('total'), pending: await read('pending'), shipped: await read('shipped'),
           delivered: await read('delivered'), customers: await read('customers') };
}

const rowOf = (page, id) => page.locator(`#order-rows tr[data-id="${id}"]`);

describe('web UI', () => {
  let browser;
  let a;
  let b;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    browser = await launchBrowser();
    a = await openPage(browser, daemon.url);
    b = await openPage(browser, daemon.url);
  });

  after(async () => {
    await browser?.close();
    await daemon.stop();
  });

  test('loads the orders, stats and clients count with no console error and no request off the host', async () => {
    for (const { page } of [a, b]) {
      assert.deepEqual(await pageOrders(page), databaseOrders());
      await eventually(async () => assert.deepEqual(await pageStats(page), databaseStats()));
      assert.equal(await page.getAttribute('#connection', 'data-state'), 'connected');
      await eventually(async () => assert.equal(await page.textContent('#clients'), '2 clients connected'));
    }
    // Read, then stream from the read's position (docs/contract.md §9): the list is read once, and
    // the stream's first connection starts at its streamPosition, so the welcome needs no reload.
    for (const { frames, requests } of [a, b]) {
      const lists = requests.filter((url) => new URL(url).pathname === '/api/orders');
      assert.equal(lists.length, 1, `list reads: ${lists.join(' ')}`);
      const welcome = frames.find((frame) => frame.event === 'welcome');
      assert.match(new URL(welcome.url).searchParams.get('from') || '', /^P1_/);
    }
    const response = await fetch(daemon.url);
    assert.match(response.headers.get('content-security-policy'), /script-src 'self'/);
    assert.deepEqual(takeProblems(a), []);
    assert.deepEqual(takeProblems(b), []);
  });

  test('an order created in page A appears in page B', async () => {
    await a.page.fill('#customer_name', 'Erin Okafor');
    await a.page.fill('#product_name', 'Headphones');
    await a.page.selectOption('#status', 'pending');
    await a.page.click('#create-submit');
    await eventually(async () => assert.ok((await toastsShown(a.page)).some((text) => text.includes('created'))));
    const [created] = databaseOrders("customer_name = 'Erin Okafor'");
    assert.ok(created, 'the order is in the database');
    await rowOf(b.page, created.id).waitFor();
    assert.deepEqual((await pageOrders(b.page))[0], created);
    assert.equal(await a.page.inputValue('#customer_name'), '', 'the form is cleared');
    await b.page.locator('#activity .op-insert', { hasText: 'Erin Okafor' }).waitFor();
    assert.deepEqual(takeProblems(a), []);
    assert.deepEqual(takeProblems(b), []);
  });

  test("the server's validation messages show beside the fields", async () => {
    const before = databaseOrders().length;
    await a.page.fill('#customer_name', '   ');
    await a.page.fill('#product_name', 'x'.repeat(300));
    await a.page.click('#create-submit');
    await eventually(async () => {
      assert.notEqual(await a.page.textContent('#customer_name-error'), '');
      assert.notEqual(await a.page.textContent('#product_name-error'), '');
    });
    assert.equal(await a.page.getAttribute('#customer_name', 'aria-invalid'), 'true');
    assert.equal(databaseOrders().length, before, 'nothing was created');
    // Chromium logs every 4xx response on the console by itself.
    assert.deepEqual(takeProblems(a, [/status of 400/]), []);
    await a.page.fill('#customer_name', 'Fatima Zahra');
    await a.page.fill('#product_name', 'Keyboard');
    await a.page.click('#create-submit');
    await a.page.locator('#order-rows .customer', { hasText: 'Fatima Zahra' }).waitFor();
    assert.equal(await a.page.textContent('#customer_name-error'), '', 'errors clear on success');
    assert.equal(await a.page.getAttribute('#customer_name', 'aria-invalid'), null);
  });

  test('Ship, Deliver and Delete in page A update page B', async () => {
    const [alice] = databaseOrders("customer_name = 'Alice Martin'");
    await a.page.click(`#order-rows tr[data-id="${alice.id}"] button[data-action="ship"]`);
    await eventually(async () => assert.equal(await rowOf(b.page, alice.id).getAttribute('data-status'), 'shipped'));
    assert.equal((await pageOrders(b.page))[0].id, alice.id, 'the updated order moves to the top');
    await b.page.locator('#activity .op-update', { hasText: 'status: pending → shipped' }).first().waitFor();

    await a.page.click(`#order-rows tr[data-id="${alice.id}"] button[data-action="deliver"]`);
    await eventually(async () => assert.equal(await rowOf(b.page, alice.id).getAttribute('data-status'), 'delivered'));

    await a.page.click(`#order-rows tr[data-id="${alice.id}"] button[data-action="delete"]`);
    await eventually(async () => assert.equal(await rowOf(b.page, alice.id).count(), 0));
    assert.equal(databaseOrders(`id = ${alice.id}`).length, 0);
    await b.page.locator('#activity .op-delete', { hasText: 'Alice Martin' }).waitFor();
    for (const { page } of [a, b]) {
      assert.deepEqual(await pageOrders(page), databaseOrders());
      await eventually(async () => assert.deepEqual(await pageStats(page), databaseStats()));
    }
    assert.deepEqual(takeProblems(a), []);
    assert.deepEqual(takeProblems(b), []);
  });

  test('an insert made with psql appears in both pages', async () => {
    psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('Gustav Berg', 'Webcam');");
    const [gustav] = databaseOrders("customer_name = 'Gustav Berg'");
    for (const { page } of [a, b]) {
      await rowOf(page, gustav.id).waitFor();
      assert.deepEqual((await pageOrders(page))[0], gustav);
      await eventually(async () => assert.deepEqual(await pageStats(page), databaseStats()));
    }
  });

  test('a stats read that a change overtakes is read again: the counts settle on the database\'s', async () => {
    // The stats cards come from GET /api/orders/stats, another snapshot than the one the events
    // follow. Hold one such read, apply a status change while it is held, then let the read (which
    // missed the change) arrive: the page must not adopt it for good.
    const c = await openPage(browser, daemon.url);
    try {
      await eventually(async () => assert.deepEqual(await pageStats(c.page), databaseStats()));
      const isStats = (url) => new URL(url).pathname === '/api/orders/stats';
      let armed = false;
      let heldOne;
      const held = new Promise((resolve) => { heldOne = resolve; });
      let release;
      const released = new Promise((resolve) => { release = resolve; });
      let readsAfterHeld = 0;
      await c.page.route(isStats, async (route) => {
        if (!armed) return route.continue();
        armed = false;
        const response = await route.fetch();  // the database as it is now
        heldOne();
        await released;
        await route.fulfill({ response });
      });
      armed = true;
      psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('Lena Stats', 'Kettle');");
      await held;  // the insert's arrival asked for a stats read; it is held
      c.page.on('request', (request) => { if (isStats(request.url())) readsAfterHeld += 1; });
      const [lena] = databaseOrders("customer_name = 'Lena Stats'");
      psql(db.conninfo, `UPDATE orders SET status = 'delivered' WHERE id = ${lena.id};`);
      await eventually(async () => assert.equal(await rowOf(c.page, lena.id).getAttribute('data-status'), 'delivered'));
      release();
      await eventually(() => assert.ok(readsAfterHeld >= 1, 'the held read, overtaken by a change, is read again'),
        { timeoutMs: 15000 });
      await eventually(async () => assert.deepEqual(await pageStats(c.page), databaseStats()));
      assert.deepEqual(takeProblems(c), []);
    } finally {
      await c.context.close();
    }
  });

  test('a customer named like markup shows as text', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const product = '<script>alert("product")</script>';
    psql(db.conninfo, `INSERT INTO orders (customer_name, product_name) VALUES (${quoteLiteral(name)}, ${quoteLiteral(product)});`);
    const [order] = databaseOrders(`customer_name = ${quoteLiteral(name)}`);
    await rowOf(b.page, order.id).waitFor();
    assert.equal(await rowOf(b.page, order.id).locator('.customer').textContent(), name);
    assert.equal(await rowOf(b.page, order.id).locator('.product').textContent(), product);
    await b.page.locator('#activity .activity-what', { hasText: name }).first().waitFor();
    assert.equal(await b.page.locator('main img, main script').count(), 0, 'no element was made from the name');
    await sleep(300);  // an onerror handler would have fired by now
    assert.deepEqual(takeProblems(b), [], 'no alert dialog, no error');
  });

  test('kill -9 and restart walcastd while changes are committed: the page catches up with the database', async () => {
    const framesBefore = a.frames.length;
    await daemon.kill();
    await eventually(async () => assert.notEqual(await a.page.getAttribute('#connection', 'data-state'), 'connected'));

    // While it is down: inserts, updates and a delete, in several transactions.
    const [bob] = databaseOrders("customer_name = 'Bob Chen'");
    psql(db.conninfo, `INSERT INTO orders (customer_name, product_name) VALUES ('Hana Sato', 'Tablet'), ('Ivan Petrov', 'Router');
      UPDATE orders SET status = 'delivered' WHERE id = ${bob.id};
      DELETE FROM orders WHERE customer_name = 'Dmitri Ivanov';`);
    // And while it starts again: a writer keeps committing (a fixed number of rows, so the list
    // stays within one page for the tests that follow, however slow the machine).
    const writer = (async () => {
      for (let i = 0; i < 10; i += 1) {
        psql(db.conninfo, `INSERT INTO orders (customer_name, product_name) VALUES ('Restart ${i}', 'Cable');
          UPDATE orders SET status = 'shipped' WHERE customer_name = 'Restart ${Math.floor(i / 2)}';`);
        await sleep(50);
      }
    })();
    await daemon.start();
    await eventually(async () => assert.equal(await a.page.getAttribute('#connection', 'data-state'), 'connected'),
      { timeoutMs: 30000 });
    await writer;
    psql(db.conninfo, "UPDATE orders SET status = 'shipped' WHERE customer_name = 'Hana Sato';");

    await eventually(async () => assert.deepEqual(await pageOrders(a.page), databaseOrders()), { timeoutMs: 30000 });
    await eventually(async () => assert.deepEqual(await pageStats(a.page), databaseStats()));
    // It resumed from its last event id rather than reloading: the reconnect asked with `from`
    // and the server had no reason to answer resync.
    const after = a.frames.slice(framesBefore);
    assert.ok(after.some((frame) => frame.event === 'welcome' && /[?&]from=/.test(frame.url)), 'resumed with from');
    assert.equal(after.filter((frame) => frame.event === 'resync').length, 0, 'no resync');
    assert.deepEqual(takeProblems(a, kWhileDown), []);
    assert.deepEqual(takeProblems(b, kWhileDown), []);
    // Page B, which was open all along too, agrees.
    await eventually(async () => assert.deepEqual(await pageOrders(b.page), databaseOrders()));
  });

  test('a resume older than the replay window gets resync: the page reloads and matches the database', async () => {
    const framesBefore = a.frames.length;
    await daemon.stop();
    await eventually(async () => assert.notEqual(await a.page.getAttribute('#connection', 'data-state'), 'connected'));
    // Page A stays offline until the restarted walcastd has decoded what was committed meanwhile:
    // a reconnect before that would be served those changes live, missing nothing, with no resync.
    await a.context.setOffline(true);
    // 30 single-row transactions while down, and a window of 5 events after the restart: the
    // page's last id is no longer replayable.
    for (let i = 0; i < 30; i += 1) {
      psql(db.conninfo, `INSERT INTO orders (customer_name, product_name) VALUES ('Window ${i}', 'Lamp');`);
    }
    psql(db.conninfo, "DELETE FROM orders WHERE customer_name IN ('Window 3', 'Window 4');");
    daemon.extra = ['--replay-max-events', '5'];
    await daemon.start();
    await eventually(async () => assert.ok(await eventsPublished(daemon.url) >= 32), { timeoutMs: 30000 });
    await a.context.setOffline(false);
    await eventually(async () => assert.ok(a.frames.slice(framesBefore).some((frame) => frame.event === 'resync')),
      { timeoutMs: 30000 });
    await eventually(async () => assertFirstRowsMatch(a.page));
    await eventually(async () => assert.deepEqual(await pageStats(a.page), databaseStats()));
    assert.ok((await toastsShown(a.page)).some((text) => text.includes('Resynchronizing')));
    assert.deepEqual(takeProblems(a, kWhileDown), []);
    assert.deepEqual(takeProblems(b, kWhileDown), []);
    // Back to the default window for the tests that follow; both pages catch up again.
    await daemon.stop();
    daemon.extra = [];
    await daemon.start();
    for (const page of [a.page, b.page]) {
      await eventually(async () => assert.equal(await page.getAttribute('#connection', 'data-state'), 'connected'),
        { timeoutMs: 30000 });
      await eventually(async () => assertFirstRowsMatch(page));
    }
    takeProblems(a, kWhileDown);
    takeProblems(b, kWhileDown);
  });

  test('a status filter narrows the list and the stream; the customer search narrows the list', async () => {
    await b.page.selectOption('#filter-status', 'shipped');
    await eventually(async () => assert.deepEqual(await pageOrders(b.page), databaseOrders("status = 'shipped'")));
    const framesBefore = b.frames.length;
    psql(db.conninfo, `INSERT INTO orders (customer_name, product_name, status) VALUES ('Jonas Pending', 'Mouse', 'pending');
      INSERT INTO orders (customer_name, product_name, status) VALUES ('Kira Shipped', 'Speaker', 'shipped');`);
    const [kira] = databaseOrders("customer_name = 'Kira Shipped'");
    await rowOf(b.page, kira.id).waitFor();
    await rowOf(a.page, kira.id).waitFor();
    await a.page.locator('#order-rows .customer', { hasText: 'Jonas Pending' }).waitFor();  // A is unfiltered
    assert.deepEqual(await pageOrders(b.page), databaseOrders("status = 'shipped'"));
    const received = b.frames.slice(framesBefore).filter((frame) => frame.event?.startsWith('orders:'));
    assert.deepEqual(received.map((frame) => frame.data.data.customer_name), ['Kira Shipped'],
      'the stream itself was narrowed (subscribe), not only the list');

    await b.page.fill('#filter-customer', 'kira');
    await eventually(async () => assert.deepEqual(await pageOrders(b.page),
      databaseOrders("status = 'shipped' AND customer_name ILIKE '%kira%'")));
    await b.page.fill('#filter-customer', '');
    await b.page.selectOption('#filter-status', '');
    await eventually(async () => assertFirstRowsMatch(b.page));
    assert.deepEqual(takeProblems(b), []);
  });

  test('screenshots of the main view (desktop and phone) are saved', async () => {
    // Without the toasts of the earlier tests.
    await eventually(async () => assert.equal(await a.page.locator('.toast').count(), 0), { timeoutMs: 15000 });
    await a.page.screenshot({ path: path.join(artifactsDir, 'main-desktop.png') });
    const phone = await openPage(browser, daemon.url, { viewport: { width: 390, height: 844 } });
    await phone.page.screenshot({ path: path.join(artifactsDir, 'main-phone.png'), fullPage: false });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `nothing is wider than a phone's screen (${overflow} px too wide)`);
    assert.deepEqual(takeProblems(phone), []);
    await phone.context.close();
  });

  test('beyond 50 orders: the first page, then more on demand, then everything', async () => {
    psql(db.conninfo, `INSERT INTO orders (customer_name, product_name, status)
      SELECT 'Bulk ' || i, 'Item ' || i, (ARRAY['pending','shipped','delivered'])[1 + i % 3]
      FROM generate_series(1, 120) i;`);
    // The open page receives the burst (one transaction) live; the activity log keeps the newest 50.
    await eventually(async () => assert.deepEqual(await pageOrders(a.page), databaseOrders()));
    assert.equal(await a.page.locator('#activity li').count(), 50);
    assert.match(await a.page.locator('#activity li').first().textContent(), /Bulk 120 · Item 120/);
    const fresh = await openPage(browser, daemon.url, { viewport: { width: 1366, height: 700 } });
    const all = databaseOrders();
    assert.deepEqual(await pageOrders(fresh.page), all.slice(0, 50));
    assert.match(await fresh.page.textContent('#orders-count'), new RegExp(`Showing 50 of ${all.length}`));
    await fresh.page.click('#load-more');
    await eventually(async () => {
      // The next 50 (and maybe more: the end of the list may come into view and load on its own).
      const shown = await pageOrders(fresh.page);
      assert.ok(shown.length >= 100, `${shown.length} rows shown`);
      assert.deepEqual(shown, all.slice(0, shown.length));
    });
    // Scrolling to the end loads the rest.
    await eventually(async () => {
      await fresh.page.locator('#load-sentinel').scrollIntoViewIfNeeded();
      assert.deepEqual(await pageOrders(fresh.page), all);
    });
    assert.equal(await fresh.page.isHidden('#load-more'), true);
    assert.deepEqual(takeProblems(fresh), []);
    await fresh.context.close();
  });
});
