// The web UI against a walcastd that requires tokens (--api-token, --stream-token): opened as
// /#token=<token> it streams and writes, and the token leaves the address bar; opened without it,
// reads still work, the stream stays down and a write shows the server's refusal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, openPage, pageOrders, takeProblems } from '../lib/browser.js';
import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { eventually } from '../lib/wait.js';

const kToken = 's3cret token/+=';  // characters that must survive the fragment and the query
const db = createOrdersDatabase('web_token');
const daemon = new Daemon(db, ['--api-token', kToken, '--stream-token', kToken]);
await daemon.start();

// The browser's own lines for a refused WebSocket upgrade and a 401 response.
const kRefused = [/WebSocket connection to .* failed/, /status of 401/];

function customers() {
  return psql(db.conninfo, 'SELECT customer_name FROM orders ORDER BY id').map(([name]) => name);
}

async function createOrder(page, customer) {
  await page.fill('#customer_name', customer);
  await page.fill('#product_name', 'Key');
  await page.click('#create-submit');
}

describe('web UI with tokens', () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await daemon.stop();
  });

  test('opened with #token=…, the page streams and writes, and the token leaves the address bar', async () => {
    const handle = await openPage(browser, `${daemon.url}/#token=${encodeURIComponent(kToken)}`);
    const { page } = handle;
    await eventually(async () => assert.equal(await page.getAttribute('#connection', 'data-state'), 'connected'));
    assert.equal(page.url(), `${daemon.url}/`);
    await createOrder(page, 'With Token');
    await eventually(async () => assert.ok(customers().includes('With Token')));
    // Seen through the stream, which needed the token too.
    await page.locator('#activity .op-insert', { hasText: 'With Token' }).waitFor();
    // A reload of the tab keeps it (sessionStorage).
    await page.reload();
    await eventually(async () => assert.equal(await page.getAttribute('#connection', 'data-state'), 'connected'));
    assert.deepEqual(takeProblems(handle), []);
    await handle.context.close();
  });

  test('without the token, reads work, the stream stays down and a write shows the refusal', async () => {
    const handle = await openPage(browser, daemon.url);
    const { page } = handle;
    assert.ok((await pageOrders(page)).some((order) => order.customer === 'With Token'), 'reads are open');
    await createOrder(page, 'No Token');
    await eventually(async () => assert.match(await page.textContent('#form-error'), /Authentication required/));
    assert.ok(!customers().includes('No Token'));
    assert.notEqual(await page.getAttribute('#connection', 'data-state'), 'connected');
    assert.deepEqual(takeProblems(handle, kRefused), []);
    await handle.context.close();
  });
});
