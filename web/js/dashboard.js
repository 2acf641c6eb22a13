// The operator's dashboard (/dashboard, docs/web-ui.md "Dashboard"): polls GET /metrics/history
// every second with `after=<last seq>`, keeps the samples in DashboardSeries (pure) and draws one
// uPlot chart per figure, its current value in the heading. The daemon unreachable: a clear state,
// and the polls go on. uPlot is the vendored build (web/vendor/uplot/), loaded before this module.
import { DashboardSeries, chartById, formatTick, kCharts } from './dashboard_series.js';

const kPollMs = 1000;
const kRequestTimeoutMs = 5000;
const kChartHeight = 170;

const series = new DashboardSeries();
const charts = new Map();  // id → {chart, plot, heading, value, detail, card}
const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
let state = 'connecting';
let lastAnswer = null;  // when the daemon last answered a poll
let lastError = '';
let polls = 0;  // successful ones

const $ = (id) => document.getElementById(id);

// ---- charts ----

function buildCharts() {
  const container = $('charts');
  for (const chart of kCharts) {
    const card = document.createElement('section');
    card.className = 'card chart-card';
    card.dataset.chart = chart.id;
    card.setAttribute('aria-labelledby', `chart-${chart.id}-title`);

    const head = document.createElement('div');
    head.className = 'chart-head';
    const heading = document.createElement('h2');
    heading.id = `chart-${chart.id}-title`;
    const title = document.createElement('span');
    title.className = 'chart-title';
    title.textContent = chart.title;
    const value = document.createElement('span');
    value.className = 'chart-value';
    value.textContent = '–';
    heading.append(title, ' ', value);
    const detail = document.createElement('p');
    detail.className = 'chart-detail muted';
    head.append(heading, detail);

    const plot = document.createElement('div');
    plot.className = 'chart-plot';
    card.append(head, plot);
    container.append(card);
    charts.set(chart.id, { chart, card, heading, value, detail, plot, uplot: null });
  }
  for (const entry of charts.values()) {
    entry.uplot = new window.uPlot(plotOptions(entry.chart, plotWidth(entry.plot)), series.data(entry.chart.id), entry.plot);
  }
  // Each chart follows its card's width (one per row on a phone, two or three on a desktop).
  const resize = new ResizeObserver((records) => {
    for (const record of records) {
      const entry = charts.get(record.target.closest('.chart-card').dataset.chart);
      const width = plotWidth(entry.plot);
      if (width > 0 && width !== entry.uplot.width) entry.uplot.setSize({ width, height: kChartHeight });
    }
  });
  for (const entry of charts.values()) resize.observe(entry.plot);
}

function plotWidth(element) {
  return Math.max(0, Math.floor(element.clientWidth));
}

// Every figure is zero or more: the y axis starts at 0, and a flat zero line sits at the bottom.
function rangeFromZero(u, min, max) {
  return [0, max > 0 ? max * 1.1 : 1];
}

// A value with gaps on both sides (a latency in a second among idle ones) has no line to draw:
// uPlot draws a point for it instead.
function isolatedPoints(u, seriesIndex, show) {
  if (show) return null;
  const values = u.data[seriesIndex];
  const found = [];
  for (let i = 0; i < values.length; i += 1) {
    if (values[i] != null && values[i - 1] == null && values[i + 1] == null) found.push(i);
  }
  return found.length ? found : null;
}

// The y axis as wide as its longest label ("512 MiB" needs more room than "3").
function axisSize(u, values, axisIndex, cycle) {
  const axis = u.axes[axisIndex];
  if (cycle > 1) return axis._size;
  let size = axis.ticks.size + axis.gap;
  const longest = (values || []).reduce((found, value) => (value.length > found.length ? value : found), '');
  if (longest !== '') {
    u.ctx.font = axis.font[0];
    size += u.ctx.measureText(longest).width / window.devicePixelRatio;
  }
  return Math.ceil(size) + 4;
}

function plotOptions(chart, width) {
  const tick = (u, values) => values.map((value) => formatTick(value, chart.unit));
  const axis = { stroke: '#5d6b82', grid: { stroke: '#e3e8f0', width: 1 }, ticks: { stroke: '#e3e8f0', width: 1 } };
  return {
    width: width || 300,
    height: kChartHeight,
    scales: { x: { time: true }, y: { range: rangeFromZero } },
    axes: [
      { ...axis },
      { ...axis, values: tick, size: axisSize },
    ],
    series: [
      {},
      ...chart.series.map((one) => ({
        label: one.label,
        stroke: one.color,
        width: 1.5,
        points: { show: false, size: 5, fill: one.color, filter: isolatedPoints },
        value: (u, value) => formatTick(value, chart.unit) || '–',
      })),
    ],
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
  };
}

function renderCharts() {
  for (const { chart, heading, value, detail, uplot } of charts.values()) {
    uplot.setData(series.data(chart.id));
    const headline = series.headline(chart.id);
    if (value.textContent !== headline.value) value.textContent = headline.value;
    if (detail.textContent !== headline.detail) detail.textContent = headline.detail;
    // The current numbers, for tools reading the page (docs/web-ui.md): data-<series key>.
    for (const [key, number] of Object.entries(headline.values)) {
      const text = number === null ? '' : String(number);
      if (heading.getAttribute(`data-${key.toLowerCase()}`) !== text) heading.setAttribute(`data-${key.toLowerCase()}`, text);
    }
  }
  const last = series.size ? series.time[series.size - 1] : null;
  $('last-sample').textContent = last === null ? 'no sample yet' : `sample of ${timeOfDay.format(new Date(last * 1000))}`;
}

// ---- connection state ----

function setState(next, text) {
  state = next;
  const pill = $('connection');
  pill.className = `connection state-${{ live: 'connected', connecting: 'connecting', unreachable: 'disconnected' }[next]}`;
  pill.dataset.state = next;
  if ($('connection-text').textContent !== text) $('connection-text').textContent = text;
  document.body.classList.toggle('is-unreachable', next === 'unreachable');
  const note = $('dashboard-note');
  if (next === 'unreachable') {
    note.hidden = false;
    const message = lastAnswer
      ? `No answer from the daemon since ${timeOfDay.format(lastAnswer)} (${lastError}); retrying every second. ` +
        'The charts show what was received before.'
      : `The daemon does not answer (${lastError}); retrying every second.`;
    if (note.textContent !== message) note.textContent = message;
  } else {
    note.hidden = true;
  }
}

// ---- polling ----

async function poll() {
  try {
    let body;
    try {
      const response = await fetch(series.requestPath(), { cache: 'no-store', signal: AbortSignal.timeout(kRequestTimeoutMs) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (error) {
      series.failed();
      lastError = error?.name === 'TimeoutError' ? 'no answer in 5 s'
        : error instanceof TypeError ? 'connection failed' : String(error?.message || error);
      setState('unreachable', 'Daemon unreachable, retrying…');
      return;
    }
    // Outside the catch above: a bug here is an error on the console, not "unreachable".
    series.ingest(body);
    polls += 1;
    lastAnswer = new Date();
    renderCharts();
    setState('live', 'Live');
  } finally {
    setTimeout(poll, kPollMs);
  }
}

// The page's state for tools (tests, scripts driving a browser), documented in docs/web-ui.md.
window.walcastDashboard = Object.freeze({
  get state() { return state; },
  get lastSeq() { return series.lastSeq; },
  get samples() { return series.size; },
  get restarts() { return series.restarts; },
  get polls() { return polls; },
  charts: kCharts.map((chart) => chart.id),
  series: (id) => chartById(id).series.map((one) => one.key),
  data: (id) => series.data(id).map((column) => column.slice()),
  current: (id) => series.current(id),
  totals: (id) => series.totals(id),
  headline: (id) => series.headline(id),
});

if (typeof window.uPlot !== 'function') {
  $('dashboard-note').hidden = false;
  $('dashboard-note').textContent = 'The chart library (/vendor/uplot/uPlot.iife.min.js) did not load.';
} else {
  buildCharts();
  renderCharts();
  document.body.dataset.loaded = 'true';
  poll();
}
