// The web UI's figures (README "Web UI"), printed as a table and as JSON:
//   - page weight: every asset the page loads (HTML, CSS, JS modules, icon), uncompressed bytes;
//   - time to first render with 1,000 orders in the table (navigation start → the list and stats
//     drawn, the page's own `walcast:first-render` mark), and to have all 1,000 rows listed;
//   - frames dropped while 1,000 change events/s arrive for SECONDS seconds (a PL/pgSQL procedure
//     commits one single-row UPDATE per transaction at that pace), with the 1,000 rows shown: frame
//     times from requestAnimationFrame and Chromium's long-animation-frame entries.
// Runs under tests/harness/with_cluster (tools/bench-web does that); RUNS repeats the measurements.
import { readdirSync, readFileSync } from 'node:fs';

import { launchBrowser, openPage, pageOrders } from '../lib/browser.js';
import { Daemon } from '../lib/daemon.js';
import { createOrdersDatabase } from '../lib/orders_database.js';
import { psql } from '../lib/psql.js';
import { eventually } from '../lib/wait.js';

const kOrders = 1000;
const kRate = Number(process.env.RATE || 1000);
const kSeconds = Number(process.env.SECONDS_OF_LOAD || 10);
const kRuns = Number(process.env.RUNS || 3);

const db = createOrdersDatabase('web_bench');
psql(db.conninfo, `INSERT INTO orders (customer_name, product_name, status)
  SELECT 'Customer ' || (i % 350), 'Product ' || (i % 60), (ARRAY['pending','shipped','delivered'])[1 + i % 3]
  FROM generate_series(1, ${kOrders}) i;
CREATE OR REPLACE PROCEDURE bench_updates(total int, per_second int) LANGUAGE plpgsql AS $$
DECLARE
  started timestamptz := clock_timestamp();
  ids int[];
BEGIN
  SELECT array_agg(id ORDER BY id) INTO ids FROM orders;
  FOR i IN 1..total LOOP
    UPDATE orders SET status = CASE status WHEN 'pending' THEN 'shipped' WHEN 'shipped' THEN 'delivered'
                                           ELSE 'pending' END
     WHERE id = ids[1 + (i * 7919) % array_length(ids, 1)];
    COMMIT;
    IF i % 10 = 0 THEN
      PERFORM pg_sleep(greatest(0, extract(epoch FROM started + make_interval(secs => i::float8 / per_second)
                                                   - clock_timestamp())));
    END IF;
  END LOOP;
END $$;`);

const daemon = new Daemon(db);
await daemon.start();
const browser = await launchBrowser();

// CPU seconds (user + system) used so far by this process's descendants whose command line
// matches `pattern`: CPU time, unlike wall-clock figures, does not grow when other work on the
// machine competes for the cores.
function cpuSeconds(pattern) {
  const parent = new Map();
  const info = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(fields[1]));
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      info.set(Number(name), { cmdline, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended meanwhile.
    }
  }
  let ticks = 0;
  for (const [pid, { cmdline, ticks: own }] of info) {
    if (!pattern.test(cmdline)) continue;
    for (let up = parent.get(pid); up; up = parent.get(up)) {
      if (up === process.pid) {
        ticks += own;
        break;
      }
    }
  }
  return ticks / 100;  // USER_HZ is 100 on Linux
}

// TRACE=1: where the renderer's main thread spent the load (Chromium's timeline events, self
// time excluded: nested events count in their parents too), top entries by total duration.
function printTrace(trace) {
  const events = trace.traceEvents || trace;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const totals = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !main || e.pid !== main.pid || e.tid !== main.tid) continue;
    totals.set(e.name, (totals.get(e.name) || 0) + e.dur / 1000);
  }
  const top = [...totals].sort((x, y) => y[1] - x[1]).slice(0, 15);
  console.log(`trace (renderer main thread, ms): ${top.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')}`);
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

async function pageWeight() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const assets = [];
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/api/') || url.pathname === '/health') return;
    assets.push(response.body().then((body) => ({ path: url.pathname, bytes: body.length })));
  });
  await page.goto(daemon.url);
  await page.locator('body[data-loaded="true"]').waitFor();
  // Each distinct file once (the icon is both the tab's icon and the header's image).
  const loaded = [...new Map((await Promise.all(assets)).map((asset) => [asset.path, asset])).values()];
  await context.close();
  return { bytes: loaded.reduce((sum, asset) => sum + asset.bytes, 0), files: loaded.length, assets: loaded };
}

async function firstRender() {
  const handle = await openPage(browser, daemon.url, { recordFrames: false, viewport: { width: 1366, height: 900 } });
  const { page } = handle;
  const timing = await page.evaluate(() => ({
    firstRender: performance.getEntriesByName('walcast:first-render')[0].startTime,
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
  }));
  // Then every row, through the page's own "load more" (20 pages of 50).
  const started = await page.evaluate(() => performance.now());
  for (;;) {
    const count = await page.$$eval('#order-rows tr', (rows) => rows.length);
    if (count >= kOrders) break;
    // The end of the list coming into view may load the next page first and hide the button.
    await page.click('#load-more', { timeout: 2000 }).catch(() => {});
    await page.waitForFunction((n) => document.querySelectorAll('#order-rows tr').length > n, count);
  }
  const allRows = (await page.evaluate(() => performance.now())) - started;
  const rows = (await pageOrders(page)).length;
  return { ...timing, allRows, rows, handle };
}

async function framesUnderLoad(handle) {
  const { page } = handle;
  // Frame timestamps and long animation frames, recorded by the page while the load runs.
  await page.evaluate(() => {
    window.benchFrames = [];
    window.benchLongFrames = [];
    window.benchRecording = true;
    const tick = (now) => {
      window.benchFrames.push(now);
      if (window.benchRecording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.benchLongFrames.push(entry.duration);
      }).observe({ type: 'long-animation-frame', buffered: false });
    } catch {
      window.benchLongFrames = null;  // not supported by this Chromium
    }
  });
  // Chromium's own accounting of the renderer's main thread (seconds busy in script, layout, style).
  const cdp = await handle.context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics
    .map(({ name, value }) => [name, value]));
  const metricsBefore = await metrics();
  // The display's frame interval, from one idle second before the load.
  const idleFrames = await page.evaluate(() => new Promise((resolve) => {
    const times = [];
    const tick = (now) => {
      times.push(now);
      if (times.length < 61) requestAnimationFrame(tick);
      else resolve(times);
    };
    requestAnimationFrame(tick);
  }));
  const cpuBefore = { renderer: cpuSeconds(/chromium.*--type=renderer/), chromium: cpuSeconds(/chromium/),
                      walcastd: cpuSeconds(/walcastd/) };
  if (process.env.TRACE) await browser.startTracing(page, { categories: ['devtools.timeline'] });
  const started = Date.now();
  psql(db.conninfo, `CALL bench_updates(${kRate * kSeconds}, ${kRate});`);
  if (process.env.TRACE) printTrace(JSON.parse(await browser.stopTracing()));
  const loadSeconds = (Date.now() - started) / 1000;
  // The page has caught up when its list equals the database.
  const expected = psql(db.conninfo, 'SELECT id, status FROM orders ORDER BY updated_at DESC, id DESC')
    .map(([id, status]) => `${id}:${status}`);
  await eventually(async () => {
    const shown = (await pageOrders(page)).map((row) => `${row.id}:${row.status}`);
    if (shown.join() !== expected.join()) throw new Error('the page has not caught up');
  }, { timeoutMs: 60000 });
  const caughtUpAfter = (Date.now() - started) / 1000 - loadSeconds;
  const cpu = (name, pattern) => (cpuSeconds(pattern) - cpuBefore[name]) / ((Date.now() - started) / 1000);
  const cpuPerSecond = { renderer: cpu('renderer', /chromium.*--type=renderer/), chromium: cpu('chromium', /chromium/),
                         walcastd: cpu('walcastd', /walcastd/) };
  const metricsAfter = await metrics();
  const busy = (name) => metricsAfter[name] - metricsBefore[name];
  const wall = metricsAfter.Timestamp - metricsBefore.Timestamp;
  const { frames, longFrames } = await page.evaluate(() => {
    window.benchRecording = false;
    return { frames: window.benchFrames, longFrames: window.benchLongFrames };
  });
  // A gap of k display intervals (16.7 ms at 60 Hz, measured while idle) drops k-1 frames.
  const gaps = frames.slice(1).map((time, i) => time - frames[i]);
  const interval = median(idleFrames.slice(1).map((time, i) => time - idleFrames[i]));
  const dropped = gaps.reduce((sum, gap) => sum + Math.max(0, Math.round(gap / interval) - 1), 0);
  const span = frames[frames.length - 1] - frames[0];
  return {
    events: kRate * kSeconds, loadSeconds, caughtUpAfter, frames: frames.length, expectedFrames: Math.round(span / interval),
    dropped, droppedPercent: (100 * dropped) / Math.max(1, Math.round(span / interval)),
    frameIntervalMs: interval, longestFrameMs: Math.max(...gaps),
    p99FrameMs: [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length * 0.99)],
    longAnimationFrames: longFrames ? longFrames.length : null,
    mainThreadBusyPercent: (100 * busy('TaskDuration')) / wall,
    scriptPercent: (100 * busy('ScriptDuration')) / wall,
    layoutAndStylePercent: (100 * (busy('LayoutDuration') + busy('RecalcStyleDuration'))) / wall,
    medianFrameMs: median(gaps),
    rendererCpuPercent: 100 * cpuPerSecond.renderer, chromiumCpuPercent: 100 * cpuPerSecond.chromium,
    walcastdCpuPercent: 100 * cpuPerSecond.walcastd,
  };
}

const results = [];
try {
  console.log(`load average before: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const weight = await pageWeight();
  for (let run = 1; run <= kRuns; run += 1) {
    const render = await firstRender();
    const load = await framesUnderLoad(render.handle);
    await render.handle.context.close();
    const result = {
      run, firstRenderMs: render.firstRender, firstContentfulPaintMs: render.fcp, allRowsMs: render.allRows,
      rows: render.rows, ...load,
    };
    results.push(result);
    console.error(`run ${run}: ${JSON.stringify(result)}`);
  }
  const summary = (key) => {
    const values = results.map((r) => r[key]);
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  const fmt = (s, digits = 0) => `${s.median.toFixed(digits)} [${s.min.toFixed(digits)} .. ${s.max.toFixed(digits)}]`;
  console.log(`page weight: ${weight.bytes} bytes in ${weight.files} files (${weight.assets.map((a) => `${a.path} ${a.bytes}`).join(', ')})`);
  console.log(`first render, ${kOrders} orders in the table (ms from navigation): ${fmt(summary('firstRenderMs'), 1)}`);
  console.log(`first contentful paint (ms): ${fmt(summary('firstContentfulPaintMs'), 1)}`);
  console.log(`all ${kOrders} rows listed via load more (ms): ${fmt(summary('allRowsMs'))}`);
  console.log(`${kRate} events/s for ${kSeconds} s: events committed ${fmt(summary('events'))} in ${fmt(summary('loadSeconds'), 2)} s`);
  console.log(`  frames dropped: ${fmt(summary('dropped'))} of ${fmt(summary('expectedFrames'))} (${fmt(summary('droppedPercent'), 2)} %)`);
  console.log(`  display interval ${fmt(summary('frameIntervalMs'), 1)} ms, median frame ${fmt(summary('medianFrameMs'), 1)} ms, p99 frame ${fmt(summary('p99FrameMs'), 1)} ms, longest ${fmt(summary('longestFrameMs'), 1)} ms`);
  console.log(`  long animation frames (>50 ms): ${fmt(summary('longAnimationFrames'))}`);
  console.log(`  renderer main thread busy ${fmt(summary('mainThreadBusyPercent'))} % (script ${fmt(summary('scriptPercent'))} %, layout+style ${fmt(summary('layoutAndStylePercent'))} %)`);
  console.log(`  CPU (% of one core, from /proc): renderer ${fmt(summary('rendererCpuPercent'))}, all Chromium processes ${fmt(summary('chromiumCpuPercent'))}, walcastd ${fmt(summary('walcastdCpuPercent'))}`);
  console.log(`  page caught up ${fmt(summary('caughtUpAfter'), 2)} s after the last commit`);
  console.log(JSON.stringify({ weight: { bytes: weight.bytes, files: weight.files }, runs: results }));
} finally {
  await browser.close();
  await daemon.stop();
}
