// Unit tests of the dashboard's data (web/js/dashboard_series.js): merging polled samples of
// GET /metrics/history into column arrays, daemon restarts, the 15-minute window, the headline
// numbers and their formatting.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { importWebModule } from './web_module.js';

const {
  DashboardSeries, chartById, formatBytes, formatRate, formatSeconds, formatValue, kCharts, readValue,
} = await importWebModule('dashboard_series.js');

const kT0 = 1733500000;

// A sample as the feed sends it; `more` overrides fields.
function sample(seq, time = kT0 + seq, more = {}) {
  return {
    seq, time,
    events: { insert: 0, update: 0, delete: 0, truncate: 0 },
    latency: null,
    slotLagBytes: 1000, slotLagSeconds: 0.002, retainedWalBytes: 50000,
    replayWindow: { events: 10, bytes: 4000 },
    clients: { websocket: 1, sse: 0, socketio: 0 },
    slowDropped: 0,
    rest: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    rssBytes: 12345678,
    ...more,
  };
}

const feed = (samples, latest = samples.length ? samples.at(-1).seq : null) =>
  ({ interval: 1, capacity: 900, latest, samples });

const seqs = (series) => series.seq.slice();

test('every chart has its series read from the feed, and data() is [time, ...series]', () => {
  const series = new DashboardSeries();
  series.ingest(feed([sample(1, kT0 + 1, {
    events: { insert: 3, update: 1, delete: 0.5, truncate: 0 },
    latency: { p50: 0.0012, p99: 0.004 },
    clients: { websocket: 2, sse: 0, socketio: 1 },
    rest: { '2xx': 1, '3xx': 0, '4xx': 2, '5xx': 0 },
  })]));
  assert.equal(kCharts.length, 11);
  for (const chart of kCharts) {
    const data = series.data(chart.id);
    assert.equal(data.length, 1 + chart.series.length, chart.id);
    assert.deepEqual(data[0], [kT0 + 1]);
  }
  assert.deepEqual(series.current('events'), { insert: 3, update: 1, delete: 0.5, truncate: 0 });
  assert.deepEqual(series.current('latency'), { p50: 1.2, p99: 4 }, 'latency in milliseconds');
  assert.deepEqual(series.current('clients'), { websocket: 2, sse: 0, socketio: 1 });
  assert.deepEqual(series.current('rest'), { '2xx': 1, '3xx': 0, '4xx': 2, '5xx': 0 });
  assert.deepEqual(series.current('slotLagBytes'), { value: 1000 });
  assert.deepEqual(series.current('slotLagSeconds'), { value: 0.002 });
  assert.deepEqual(series.current('retainedWal'), { value: 50000 });
  assert.deepEqual(series.current('replayEvents'), { value: 10 });
  assert.deepEqual(series.current('replayBytes'), { value: 4000 });
  assert.deepEqual(series.current('slowDropped'), { value: 0 });
  assert.deepEqual(series.current('rss'), { value: 12345678 });
});

test('null, absent and junk values are gaps (null), never 0', () => {
  const series = new DashboardSeries();
  series.ingest(feed([sample(1, kT0 + 1, {
    latency: null, slotLagBytes: null, retainedWalBytes: 'x', rssBytes: undefined, replayWindow: null,
  })]));
  assert.deepEqual(series.current('latency'), { p50: null, p99: null });
  assert.deepEqual(series.current('slotLagBytes'), { value: null });
  assert.deepEqual(series.current('retainedWal'), { value: null });
  assert.deepEqual(series.current('rss'), { value: null });
  assert.deepEqual(series.current('replayEvents'), { value: null });
  assert.equal(readValue({ a: { b: Infinity } }, ['a', 'b']), null);
  assert.equal(readValue({ a: { b: 2 } }, ['a', 'b'], 1000), 2000);
  assert.equal(readValue({ a: 3 }, ['a', 'b']), null);
});

test('polls append in seq order; duplicates and older samples are dropped', () => {
  const series = new DashboardSeries();
  assert.equal(series.requestPath(), '/metrics/history', 'the first poll asks for everything');
  series.ingest(feed([1, 2, 3].map((seq) => sample(seq))));
  assert.equal(series.requestPath(), '/metrics/history?after=3');
  // The same samples again (a retry), an older one, and new ones.
  const result = series.ingest(feed([sample(2), sample(3), sample(4), sample(5)]));
  assert.deepEqual(result, { added: 2, restarted: false });
  series.ingest(feed([sample(1)], 5));
  assert.deepEqual(seqs(series), [1, 2, 3, 4, 5]);
  assert.deepEqual(series.time, [1, 2, 3, 4, 5].map((seq) => kT0 + seq));
  assert.equal(series.requestPath(), '/metrics/history?after=5');
  // Nothing new: the cursor stays.
  assert.deepEqual(series.ingest(feed([], 5)), { added: 0, restarted: false });
  assert.equal(series.requestPath(), '/metrics/history?after=5');
  assert.equal(series.restarts, 0);
});

test('samples without a seq or time are skipped', () => {
  const series = new DashboardSeries();
  series.ingest(feed([sample(1), { seq: 'x', time: kT0 }, { seq: 2 }, null, sample(3)], 3));
  assert.deepEqual(seqs(series), [1, 3]);
});

test('a failed poll asks for the whole history next, and merging it again changes nothing', () => {
  const series = new DashboardSeries();
  series.ingest(feed([1, 2, 3].map((seq) => sample(seq))));
  series.failed();
  assert.equal(series.requestPath(), '/metrics/history');
  series.ingest(feed([1, 2, 3, 4].map((seq) => sample(seq))));
  assert.deepEqual(seqs(series), [1, 2, 3, 4]);
  assert.equal(series.restarts, 0);
  assert.equal(series.requestPath(), '/metrics/history?after=4');
});

test('a junk body counts as a failed poll', () => {
  const series = new DashboardSeries();
  series.ingest(feed([sample(1)]));
  series.ingest({ error: 'nope' });
  series.ingest(null);
  assert.equal(series.requestPath(), '/metrics/history');
  assert.deepEqual(seqs(series), [1]);
});

test('a daemon restart (seq lower, time later) starts the history over', () => {
  const series = new DashboardSeries();
  series.ingest(feed([10, 11, 12].map((seq) => sample(seq))));
  // The restarted daemon's history: seq from 1 again, later times.
  const result = series.ingest(feed([sample(1, kT0 + 20), sample(2, kT0 + 21)]));
  assert.deepEqual(result, { added: 2, restarted: true });
  assert.deepEqual(seqs(series), [1, 2]);
  assert.deepEqual(series.time, [kT0 + 20, kT0 + 21]);
  assert.equal(series.restarts, 1);
  assert.equal(series.requestPath(), '/metrics/history?after=2');
  for (const chart of kCharts) {
    for (const column of series.data(chart.id)) assert.equal(column.length, 2, chart.id);
  }
});

test('a feed whose latest is below our last seq (a young restarted daemon) makes the next poll ask for everything', () => {
  const series = new DashboardSeries();
  series.ingest(feed([10, 11, 12].map((seq) => sample(seq))));
  // after=12 filtered out the new daemon's samples 1..3; only `latest` tells.
  series.ingest(feed([], 3));
  assert.equal(series.requestPath(), '/metrics/history');
  assert.deepEqual(seqs(series), [10, 11, 12], 'nothing dropped before the new samples arrive');
  // A daemon with no sample yet says latest: null.
  series.ingest(feed([], null));
  assert.equal(series.requestPath(), '/metrics/history');
  series.ingest(feed([1, 2, 3].map((seq) => sample(seq, kT0 + 30 + seq))));
  assert.deepEqual(seqs(series), [1, 2, 3]);
  assert.equal(series.restarts, 1);
  assert.equal(series.requestPath(), '/metrics/history?after=3');
});

test('a clock step back (seq higher, time earlier) starts over so time only grows', () => {
  const series = new DashboardSeries();
  series.ingest(feed([1, 2, 3].map((seq) => sample(seq))));
  series.ingest(feed([sample(4, kT0 - 100), sample(5, kT0 - 99)]));
  assert.deepEqual(seqs(series), [4, 5]);
  assert.deepEqual(series.time, [kT0 - 100, kT0 - 99]);
});

test('the window keeps the last 15 minutes and at most `capacity` samples', () => {
  const series = new DashboardSeries();
  const samples = [];
  for (let seq = 1; seq <= 1000; seq += 1) samples.push(sample(seq));
  series.ingest(feed(samples));
  assert.equal(series.size, 900);
  assert.equal(series.seq[0], 101);
  assert.equal(series.seq.at(-1), 1000);
  for (const chart of kCharts) {
    for (const column of series.data(chart.id)) assert.equal(column.length, 900, chart.id);
  }
  // A gap in time (the page was away): older samples leave by time too.
  series.ingest(feed([sample(1001, kT0 + 1000 + 600)]));
  assert.ok(series.time[0] > kT0 + 1600 - 900);
  assert.equal(series.time.at(-1), kT0 + 1600);

  const small = new DashboardSeries({ capacity: 3, windowSeconds: 100 });
  small.ingest(feed([1, 2, 3, 4, 5].map((seq) => sample(seq))));
  assert.deepEqual(seqs(small), [3, 4, 5]);
});

test('headlines: sums with the breakdown, quantiles named, gaps as a dash', () => {
  const series = new DashboardSeries();
  assert.deepEqual(series.headline('events'),
    { value: '–', detail: '', values: { insert: null, update: null, delete: null, truncate: null } });
  series.ingest(feed([
    sample(1, kT0 + 1, { events: { insert: 2, update: 0, delete: 0, truncate: 0 } }),
    sample(2, kT0 + 2, {
      events: { insert: 3, update: 1, delete: 0, truncate: 0 },
      latency: { p50: 0.0012, p99: 0.0045 },
      rest: { '2xx': 10, '3xx': 0, '4xx': 1, '5xx': 0 },
      clients: { websocket: 2, sse: 1, socketio: 0 },
      slotLagBytes: 1536,
      slotLagSeconds: 0.25,
    }),
  ]));
  const events = series.headline('events');
  assert.equal(events.value, '4/s');
  assert.equal(events.detail, 'insert 3 · update 1 · delete 0 · truncate 0 — 6 in the last 2 s');
  assert.deepEqual(events.values, { insert: 3, update: 1, delete: 0, truncate: 0 });
  assert.deepEqual(series.totals('events'), { insert: 5, update: 1, delete: 0, truncate: 0 });
  assert.equal(series.headline('latency').value, 'p50 1.2 ms · p99 4.5 ms');
  assert.equal(series.headline('rest').value, '11/s');
  assert.equal(series.headline('clients').value, '3');
  assert.equal(series.headline('clients').detail, 'WebSocket 2 · SSE 1 · Socket.IO 0');
  assert.equal(series.headline('slotLagBytes').value, '1.5 KiB');
  assert.equal(series.headline('slotLagSeconds').value, '250 ms');
  assert.equal(series.headline('rss').value, '11.8 MiB');

  // No event in the newest interval: no current value; the last one known is in the detail.
  series.ingest(feed([sample(3, kT0 + 3, { latency: null }), sample(4, kT0 + 4, { latency: null, slotLagBytes: null })]));
  assert.deepEqual(series.headline('latency'),
    { value: '–', detail: 'no event in the last 1 s; 2 s before: p50 1.2 ms · p99 4.5 ms', values: { p50: null, p99: null } });
  assert.deepEqual(series.headline('slotLagBytes'),
    { value: '–', detail: 'not known; 1 s before: 1000 B', values: { value: null } });
  const idle = new DashboardSeries();
  idle.ingest(feed([sample(1)]));
  assert.equal(idle.headline('latency').detail, 'no event in the last 1 s');
});

test('formatting', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1 KiB');
  assert.equal(formatBytes(56789), '55.5 KiB');
  assert.equal(formatBytes(400 * 1024 * 1024), '400 MiB');
  assert.equal(formatBytes(3 * 1024 ** 4), '3 TiB');
  assert.equal(formatBytes(null), '–');
  assert.equal(formatSeconds(0), '0 s');
  assert.equal(formatSeconds(0.00085), '850 µs');
  assert.equal(formatSeconds(0.0125), '12.5 ms');
  assert.equal(formatSeconds(3.25), '3.25 s');
  assert.equal(formatSeconds(245), '4 min 5 s');
  assert.equal(formatRate(0), '0/s');
  assert.equal(formatRate(0.5), '0.5/s');
  assert.equal(formatRate(12.34), '12.3/s');
  assert.equal(formatRate(1250), '1,250/s');
  assert.equal(formatRate(2, { suffix: false }), '2');
  assert.equal(formatValue(1.2, 'ms'), '1.2 ms');
  assert.equal(formatValue(1500, 'count'), '1,500');
  assert.equal(formatValue(null, 'rate'), '–');
  assert.throws(() => chartById('nope'));
});
