// Another table's live view (docs/web-ui.md): the table selector fed by GET /api/tables, and the
// view of customers built from its change events (`table=customers` on the stream) as psql commits
// them: inserts appear, updates change the row, deletes remove it, a truncate clears the view, a
// daemon killed and restarted is resumed from. The orders view beside it still works, and a
// walcastd streaming orders alone shows no selector. Debian's chromium against real walcastd and
// PostgreSQL 15, as ui.test.js.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { launchBrowser, openPage, pageOrders, takeProblems } from '../lib/browser.js';
import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { artifactsDir } from '../lib/paths.js';
import { psql, quoteLiteral } from '../lib/psql.js';
import { eventually } from '../lib/wait.js';
import { displayValue, TableRows } from '../../../web/js/table_rows.js';

const db = createOrdersDatabase('web_tables');
// customers keeps REPLICA IDENTITY DEFAULT: its deletes carry the key only, which is enough.
psql(db.conninfo, `CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, country text, tags jsonb);
  CREATE SCHEMA sales;
  CREATE TABLE sales.invoices (id integer PRIMARY KEY, amount numeric(10, 2));
  INSERT INTO customers VALUES (1, 'Before Page', 'PT', NULL);
  INSERT INTO orders (customer_name, product_name) VALUES ('Alice Martin', 'Laptop');`);
const daemon = new Daemon(db, ['--tables', 'orders,customers,sales.invoices']);
await daemon.start();

const kWhileDown = [/WebSocket connection to .* failed/, /ERR_CONNECTION_REFUSED/, /ERR_EMPTY_RESPONSE/,
  /ERR_CONNECTION_RESET/, /the server responded with a status of 503/];

function databaseOrders() {
  return psql(db.conninfo, 'SELECT id, customer_name, product_name, status FROM orders ORDER BY updated_at DESC, id DESC')
    .map(([id, customer, product, status]) => ({ id: Number(id), customer, product, status }));
}

// The view's rows top to bottom, each as {column: text}.
function pageRows(page) {
  return page.$$eval('#table-rows tr', (rows) => rows.map((tr) => Object.fromEntries(
    [...tr.querySelectorAll('td')].map((td) => [td.dataset.column, td.textContent]))));
}

const options = (page) => page.$$eval('#table-select option', (nodes) => nodes.map((node) => node.value));
const headings = (page) => page.$$eval('#table-head th', (nodes) => nodes.map((node) => node.textContent));

// The view's rows without a browser (web/js/table_rows.js is pure).
describe('table_rows.js', () => {
  const columns = [{ name: 'id', key: true }, { name: 'name' }, { name: 'country' }];
  const ids = (rows) => rows.rows().map(({ row }) => row.id);

  test('insert, update and delete by key, newest first, at most the limit', () => {
    const rows = new TableRows(columns, 3);
    rows.apply({ operation: 'insert', data: { id: 1, name: 'a', country: 'DE' } });
    rows.apply({ operation: 'insert', data: { id: 2, name: 'b', country: 'FR' } });
    rows.apply({ operation: 'update', data: { id: 1, name: 'a', country: 'ES' }, old: null });
    assert.deepEqual(rows.rows().map(({ row }) => row), [
      { id: 1, name: 'a', country: 'ES' }, { id: 2, name: 'b', country: 'FR' }]);
    // A delete without REPLICA IDENTITY FULL carries the key only.
    assert.equal(rows.apply({ operation: 'delete', data: { id: 2 } }), true);
    assert.equal(rows.apply({ operation: 'delete', data: { id: 2 } }), false, 'already gone');
    for (const id of [3, 4, 5]) rows.apply({ operation: 'insert', data: { id, name: 'n', country: null } });
    assert.deepEqual(ids(rows), [5, 4, 3], 'the least recently changed row left');
    rows.apply({ operation: 'truncate' });
    assert.equal(rows.size, 0);
  });

  test('a key change moves the row; a column missing from an update keeps its value; new columns are added', () => {
    const rows = new TableRows(columns);
    rows.apply({ operation: 'insert', data: { id: 1, name: 'a', country: 'DE' } });
    rows.apply({ operation: 'update', data: { id: 9, country: 'FR' }, old: { id: 1 } });
    assert.deepEqual(rows.rows().map(({ row }) => row), [{ id: 9, name: 'a', country: 'FR' }]);
    rows.apply({ operation: 'insert', data: { id: 10, name: 'b', country: 'PT', added: true } });
    assert.deepEqual(rows.columns, ['id', 'name', 'country', 'added']);
  });

  test('a table without key columns is keyed by all of them', () => {
    const rows = new TableRows([{ name: 'a' }, { name: 'b' }]);
    rows.apply({ operation: 'insert', data: { a: 1, b: 2 } });
    rows.apply({ operation: 'insert', data: { a: 1, b: 3 } });
    assert.equal(rows.size, 2);
    rows.apply({ operation: 'delete', data: { a: 1, b: 2 } });
    assert.deepEqual(rows.rows().map(({ row }) => row), [{ a: 1, b: 3 }]);
    assert.deepEqual([null, { x: 1 }, false, 'text', 12].map(displayValue), ['null', '{"x":1}', 'false', 'text', '12']);
  });
});

describe('web UI: other tables', () => {
  let browser;
  let a;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    browser = await launchBrowser();
    a = await openPage(browser, daemon.url);
  });

  after(async () => {
    await browser?.close();
    await daemon.stop();
  });

  test('the selector lists the streamed tables, orders first, and orders is shown', async () => {
    await eventually(async () => assert.equal(await a.page.isVisible('#table-picker'), true));
    assert.deepEqual(await options(a.page), ['orders', 'customers', 'sales.invoices']);
    assert.equal(await a.page.inputValue('#table-select'), 'orders');
    assert.equal(await a.page.isVisible('#orders-view'), true);
    assert.equal(await a.page.isHidden('#table-view'), true);
    assert.deepEqual(await pageOrders(a.page), databaseOrders());
    assert.deepEqual(takeProblems(a), []);
  });

  test('customers: changes since the page opened, then inserts, updates and deletes as psql commits them', async () => {
    // Committed after the page opened, before the table is chosen: the view starts at the page's read.
    psql(db.conninfo, "INSERT INTO customers VALUES (2, 'Ada Lovelace', 'GB', '{\"vip\": true}');");
    const framesBefore = a.frames.length;
    await a.page.selectOption('#table-select', 'customers');
    assert.equal(await a.page.isHidden('#orders-view'), true);
    assert.equal(await a.page.isVisible('#table-view'), true);
    assert.equal(await a.page.textContent('#tagline-table'), 'customers');
    assert.match(a.page.url(), /[?&]table=customers\b/);
    // Drawn once the selector has read the catalog again (tables.js select()).
    await eventually(async () => assert.match(await a.page.textContent('#table-note'), /since the page opened/));
    await eventually(async () => assert.deepEqual(await headings(a.page), ['id', 'name', 'country', 'tags']));
    await eventually(async () => assert.deepEqual(await pageRows(a.page),
      [{ id: '2', name: 'Ada Lovelace', country: 'GB', tags: '{"vip":true}' }]),
    { timeoutMs: 30000 });
    await eventually(async () => assert.equal(await a.page.getAttribute('#connection', 'data-state'), 'connected'));
    const socket = a.frames.slice(framesBefore).find((frame) => frame.event === 'welcome');
    assert.equal(new URL(socket.url).searchParams.get('table'), 'customers', 'the stream was narrowed to the table');

    psql(db.conninfo, "INSERT INTO customers VALUES (3, 'Bo Chen', 'DE', NULL);");
    await eventually(async () => assert.deepEqual((await pageRows(a.page))[0],
      { id: '3', name: 'Bo Chen', country: 'DE', tags: 'null' }));

    psql(db.conninfo, "UPDATE customers SET country = 'FR' WHERE id = 2;");
    await eventually(async () => assert.deepEqual(await pageRows(a.page), [
      { id: '2', name: 'Ada Lovelace', country: 'FR', tags: '{"vip":true}' },
      { id: '3', name: 'Bo Chen', country: 'DE', tags: 'null' },
    ]), { timeoutMs: 10000 });

    psql(db.conninfo, 'DELETE FROM customers WHERE id = 3;');
    await eventually(async () => assert.deepEqual((await pageRows(a.page)).map((row) => row.id), ['2']));

    // A key that changes moves the row (the update's old key says which).
    psql(db.conninfo, 'UPDATE customers SET id = 20 WHERE id = 2;');
    await eventually(async () => assert.deepEqual((await pageRows(a.page)).map((row) => row.id), ['20']));

    // Only customers' events reached this connection.
    psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('Not Here', 'Pen');");
    psql(db.conninfo, "INSERT INTO customers VALUES (4, 'After Orders', NULL, NULL);");
    await eventually(async () => assert.equal((await pageRows(a.page))[0].id, '4'));
    const tableFrames = a.frames.filter((frame) => frame.url === socket.url && frame.event?.includes(':'));
    assert.deepEqual([...new Set(tableFrames.map((frame) => frame.event.split(':')[0]))], ['customers']);
    assert.deepEqual(takeProblems(a), []);
  });

  test('values show as text, never as markup', async () => {
    const name = '<img src=x onerror=alert(1)>';
    psql(db.conninfo, `INSERT INTO customers VALUES (5, ${quoteLiteral(name)}, '<b>x</b>', NULL);`);
    await eventually(async () => assert.equal((await pageRows(a.page))[0].name, name));
    assert.equal(await a.page.locator('#table-view img, #table-view b, #table-view script').count(), 0);
    await sleep(300);  // an onerror handler would have fired by now
    assert.deepEqual(takeProblems(a), [], 'no alert dialog, no error');
  });

  test('a truncate clears the view', async () => {
    psql(db.conninfo, 'TRUNCATE customers;');
    await eventually(async () => assert.deepEqual(await pageRows(a.page), []));
    assert.equal(await a.page.isVisible('#table-empty'), true);
    psql(db.conninfo, "INSERT INTO customers VALUES (6, 'After Truncate', 'ES', NULL);");
    await eventually(async () => assert.deepEqual((await pageRows(a.page)).map((row) => row.id), ['6']));
  });

  test('kill -9 and restart walcastd: the view resumes from its last event', async () => {
    const framesBefore = a.frames.length;
    await daemon.kill();
    await eventually(async () => assert.notEqual(await a.page.getAttribute('#connection', 'data-state'), 'connected'));
    psql(db.conninfo, `INSERT INTO customers VALUES (7, 'While Down', 'IT', NULL);
      UPDATE customers SET country = 'PT' WHERE id = 6;`);
    await daemon.start();
    await eventually(async () => assert.deepEqual(await pageRows(a.page), [
      { id: '6', name: 'After Truncate', country: 'PT', tags: 'null' },
      { id: '7', name: 'While Down', country: 'IT', tags: 'null' },
    ]), { timeoutMs: 30000 });
    const after = a.frames.slice(framesBefore);
    // The orders view's own stream resumes too; the table view's is the one with table=.
    const resumed = after.find((frame) => frame.event === 'welcome' && /[?&]from=/.test(frame.url) &&
      new URL(frame.url).searchParams.get('table') === 'customers');
    assert.ok(resumed, 'the table view resumed with from');
    assert.equal(after.filter((frame) => frame.event === 'resync').length, 0, 'no resync');
    assert.deepEqual(takeProblems(a, kWhileDown), []);
  });

  test('a page opened with ?table=customers shows the view; sales.invoices has its own columns', async () => {
    const b = await openPage(browser, `${daemon.url}/?table=customers`);
    try {
      await eventually(async () => assert.equal(await b.page.isVisible('#table-view'), true));
      assert.equal(await b.page.inputValue('#table-select'), 'customers');
      psql(db.conninfo, "INSERT INTO customers VALUES (8, 'Second Page', 'NL', NULL);");
      await eventually(async () => assert.equal((await pageRows(b.page))[0]?.name, 'Second Page'));
      await b.page.selectOption('#table-select', 'sales.invoices');
      // The view is drawn once the selector has read the catalog again (tables.js select()).
      await eventually(async () => assert.deepEqual(await headings(b.page), ['id', 'amount']));
      psql(db.conninfo, 'INSERT INTO sales.invoices VALUES (1, 99.50);');
      await eventually(async () => assert.deepEqual(await pageRows(b.page), [{ id: '1', amount: '99.50' }]));
      assert.deepEqual(takeProblems(b), []);
    } finally {
      await b.context.close();
    }
  });

  test('back to orders: the orders view still works', async () => {
    await a.page.selectOption('#table-select', 'orders');
    assert.equal(await a.page.isVisible('#orders-view'), true);
    assert.equal(await a.page.isHidden('#table-view'), true);
    assert.doesNotMatch(a.page.url(), /table=/);
    await eventually(async () => assert.equal(await a.page.getAttribute('#connection', 'data-state'), 'connected'));
    // What was committed while another table was shown is there, and so is what follows.
    await eventually(async () => assert.deepEqual(await pageOrders(a.page), databaseOrders()));
    psql(db.conninfo, "INSERT INTO orders (customer_name, product_name) VALUES ('Back Again', 'Mug');");
    await eventually(async () => assert.deepEqual(await pageOrders(a.page), databaseOrders()));
    await a.page.fill('#customer_name', 'Form Works');
    await a.page.fill('#product_name', 'Desk');
    await a.page.click('#create-submit');
    await a.page.locator('#order-rows .customer', { hasText: 'Form Works' }).waitFor();
    await eventually(async () => assert.deepEqual(await pageOrders(a.page), databaseOrders()));
    assert.deepEqual(takeProblems(a), []);
  });

  test('screenshots of a table view (desktop and phone) are saved', async () => {
    await a.page.selectOption('#table-select', 'customers');
    // A row to show, whatever the tests before left in the view (a truncate empties it).
    psql(db.conninfo, "INSERT INTO customers VALUES (90, 'Screen Shot', 'NL', NULL);");
    await eventually(async () => assert.ok((await pageRows(a.page)).length > 0));
    await a.page.screenshot({ path: path.join(artifactsDir, 'table-desktop.png') });
    const phone = await openPage(browser, `${daemon.url}/?table=customers`, { viewport: { width: 390, height: 844 } });
    // A new page shows the changes since it opened: one more, committed once its view streams.
    await eventually(async () => assert.equal(await phone.page.getAttribute('#connection', 'data-state'), 'connected'));
    psql(db.conninfo, "INSERT INTO customers VALUES (91, 'Phone Screen', 'NL', NULL);");
    await eventually(async () => assert.ok((await pageRows(phone.page)).length > 0));
    await phone.page.screenshot({ path: path.join(artifactsDir, 'table-phone.png') });
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `nothing is wider than a phone's screen (${overflow} px too wide)`);
    assert.deepEqual(takeProblems(phone), []);
    await phone.context.close();
  });
});

describe('web UI: orders alone', () => {
  test('a walcastd streaming orders only shows no table selector', async () => {
    const alone = createOrdersDatabase('web_tables_orders_only');
    const orders = new Daemon(alone);
    await orders.start();
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, orders.url);
      await eventually(() => assert.ok(page.requests.some((url) => new URL(url).pathname === '/api/tables')));
      await sleep(300);  // its answer has been applied
      assert.equal(await page.page.isHidden('#table-picker'), true);
      assert.equal(await page.page.isVisible('#orders-view'), true);
      assert.deepEqual(takeProblems(page), []);
    } finally {
      await browser.close();
      await orders.stop();
    }
  });
});
