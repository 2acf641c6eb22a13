// Debian's chromium driven by playwright-core (never a downloaded browser), headless. Every page
// opened here records console errors, uncaught exceptions, dialogs (an XSS payload's alert would
// open one) and any request that leaves 127.0.0.1, for the tests to assert there were none.
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.WALCAST_CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // As root, Chromium's sandbox cannot start; the page under test is our own.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// What a page does wrong, as strings in `problems`: console errors, uncaught exceptions, dialogs
// (dismissed), requests that leave 127.0.0.1; and `requests`, every URL it asked for, in order.
export function recordProblems(page) {
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog opened: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  const requests = [];
  page.on('request', (request) => {
    requests.push(request.url());
    const target = new URL(request.url());
    if (target.protocol === 'data:') return;
    if (target.hostname !== '127.0.0.1') problems.push(`request left the host: ${request.url()}`);
  });
  return { problems, requests };
}

// A page plus what it did wrong: problems is a list of strings, empty when all went well.
export async function openPage(browser, url, { viewport = { width: 1366, height: 900 }, recordFrames = true } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // Toasts leave after a few seconds; a slow machine may look too late. Keep every text shown.
  await page.addInitScript(() => {
    window.walcastToasts = [];
    document.addEventListener('DOMContentLoaded', () => {
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.addedNodes) window.walcastToasts.push(node.textContent);
        }
      }).observe(document.getElementById('toasts'), { childList: true });
    });
  });
  const { problems, requests } = recordProblems(page);
  // Every stream message the page receives, parsed, with the socket's URL (for resume checks).
  const frames = [];
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).hostname !== '127.0.0.1') problems.push(`websocket left the host: ${socket.url()}`);
    if (!recordFrames) return;  // a benchmark keeps CDP traffic out of its measurement
    socket.on('framereceived', (frame) => {
      try {
        frames.push({ url: socket.url(), ...JSON.parse(frame.payload) });
      } catch {
        problems.push(`unparsable stream frame: ${String(frame.payload).slice(0, 80)}`);
      }
    });
  });
  await page.goto(url);
  await page.locator('body[data-loaded="true"]').waitFor();
  return { page, context, problems, frames, requests };
}

// Every toast text the page has shown, oldest first.
export function toastsShown(page) {
  return page.evaluate(() => window.walcastToasts);
}

// The order list as the page shows it: [{id, customer, product, status}] top to bottom.
export function pageOrders(page) {
  return page.$$eval('#order-rows tr', (rows) => rows.map((tr) => ({
    id: Number(tr.dataset.id),
    customer: tr.querySelector('.customer').textContent,
    product: tr.querySelector('.product').textContent,
    status: tr.dataset.status,
  })));
}

// The problems recorded since the last call, less those matching `expected` (e.g. the browser's
// own "WebSocket connection failed" line while the test has the daemon down); clears the list.
export function takeProblems(handle, expected = []) {
  const unexpected = handle.problems.filter((problem) => !expected.some((pattern) => pattern.test(problem)));
  handle.problems.length = 0;
  return unexpected;
}
