// The dashboard's data (docs/web-ui.md, "Dashboard"): the samples of GET /metrics/history kept as
// column arrays for the charts (time first, then one array per series), merged as polls bring
// them, and the headline numbers and their formatting. Pure: no DOM, no I/O, no imports (the unit
// tests load it as is).

export const kWindowSeconds = 900;  // what the charts show: the daemon's whole history, 15 minutes

// Every chart: its series, each read from a sample by `path` (× `scale`), and how values read.
// unit: 'rate' (per second), 'ms', 'seconds', 'bytes' or 'count'. headline: 'sum' (the series
// added up, with the breakdown beside it) or 'each' (every series named).
export const kCharts = [
  {
    id: 'events', title: 'Events / s', unit: 'rate', headline: 'sum', totals: true,
    series: [
      { key: 'insert', label: 'insert', path: ['events', 'insert'], color: '#23794b' },
      { key: 'update', label: 'update', path: ['events', 'update'], color: '#2b6cb0' },
      { key: 'delete', label: 'delete', path: ['events', 'delete'], color: '#c53030' },
      { key: 'truncate', label: 'truncate', path: ['events', 'truncate'], color: '#b7791f' },
    ],
  },
  {
    id: 'latency', title: 'Commit → send', unit: 'ms', headline: 'each',
    series: [
      { key: 'p50', label: 'p50', path: ['latency', 'p50'], scale: 1000, color: '#2f5bea' },
      { key: 'p99', label: 'p99', path: ['latency', 'p99'], scale: 1000, color: '#c53030' },
    ],
  },
  {
    id: 'slotLagBytes', title: 'Slot lag', unit: 'bytes', headline: 'sum',
    series: [{ key: 'value', label: 'lag', path: ['slotLagBytes'], color: '#2f5bea' }],
  },
  {
    id: 'slotLagSeconds', title: 'Slot lag (time)', unit: 'seconds', headline: 'sum',
    series: [{ key: 'value', label: 'lag', path: ['slotLagSeconds'], color: '#2f5bea' }],
  },
  {
    id: 'retainedWal', title: 'Retained WAL', unit: 'bytes', headline: 'sum',
    series: [{ key: 'value', label: 'retained', path: ['retainedWalBytes'], color: '#b7791f' }],
  },
  {
    id: 'replayEvents', title: 'Replay window (events)', unit: 'count', headline: 'sum',
    series: [{ key: 'value', label: 'events', path: ['replayWindow', 'events'], color: '#23794b' }],
  },
  {
    id: 'replayBytes', title: 'Replay window (bytes)', unit: 'bytes', headline: 'sum',
    series: [{ key: 'value', label: 'bytes', path: ['replayWindow', 'bytes'], color: '#23794b' }],
  },
  {
    id: 'clients', title: 'Clients', unit: 'count', headline: 'sum',
    series: [
      { key: 'websocket', label: 'WebSocket', path: ['clients', 'websocket'], color: '#2f5bea' },
      { key: 'sse', label: 'SSE', path: ['clients', 'sse'], color: '#23794b' },
      { key: 'socketio', label: 'Socket.IO', path: ['clients', 'socketio'], color: '#b7791f' },
    ],
  },
  {
    id: 'slowDropped', title: 'Slow clients dropped / s', unit: 'rate', headline: 'sum', totals: true,
    series: [{ key: 'value', label: 'dropped', path: ['slowDropped'], color: '#c53030' }],
  },
  {
    id: 'rest', title: 'REST requests / s', unit: 'rate', headline: 'sum', totals: true,
    series: [
      { key: '2xx', label: '2xx', path: ['rest', '2xx'], color: '#23794b' },
      { key: '3xx', label: '3xx', path: ['rest', '3xx'], color: '#2b6cb0' },
      { key: '4xx', label: '4xx', path: ['rest', '4xx'], color: '#b7791f' },
      { key: '5xx', label: '5xx', path: ['rest', '5xx'], color: '#c53030' },
    ],
  },
  {
    id: 'rss', title: 'Memory (RSS)', unit: 'bytes', headline: 'sum',
    series: [{ key: 'value', label: 'RSS', path: ['rssBytes'], color: '#5d6b82' }],
  },
];

const kChartById = new Map(kCharts.map((chart) => [chart.id, chart]));

export function chartById(id) {
  const chart = kChartById.get(id);
  if (!chart) throw new Error(`no chart ${id}`);
  return chart;
}

// A finite number at `path` in `sample` (× scale), else null: absent, null and junk all read as
// "no value" (a gap in the chart), never as 0.
export function readValue(sample, path, scale = 1) {
  let value = sample;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return null;
    value = value[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value * scale : null;
}

const isSample = (sample) => sample !== null && typeof sample === 'object'
  && Number.isSafeInteger(sample.seq) && typeof sample.time === 'number' && Number.isFinite(sample.time);

// The history as the charts draw it. `time` and each chart's columns are parallel arrays, oldest
// first; `data(id)` is what uPlot takes: [time, series...].
export class DashboardSeries {
  constructor({ windowSeconds = kWindowSeconds, capacity = 900 } = {}) {
    this.windowSeconds = windowSeconds;
    this.capacity = capacity;
    this.interval = 1;  // seconds per sample, as the feed says
    this.restarts = 0;  // daemon restarts seen (the history started over)
    this.fullNext = true;  // the next request asks for the whole history (no `after`)
    this.clear();
  }

  clear() {
    this.time = [];
    this.seq = [];
    this.columns = new Map(kCharts.map((chart) => [chart.id, chart.series.map(() => [])]));
    this.latest = null;  // the newest sample kept (its seq and time order the merge)
  }

  get size() {
    return this.time.length;
  }

  get lastSeq() {
    return this.latest ? this.latest.seq : null;
  }

  // The path of the next poll: the samples after the last one kept, or the whole history when
  // nothing is kept yet, after a failed poll (the daemon may have restarted meanwhile) or when
  // the feed said it restarted.
  requestPath() {
    if (this.fullNext || this.latest === null) return '/metrics/history';
    return `/metrics/history?after=${this.latest.seq}`;
  }

  // A poll failed (unreachable, an error status, junk): ask for everything next time.
  failed() {
    this.fullNext = true;
  }

  // A response body of the feed. Returns {added, restarted}.
  ingest(body) {
    if (body === null || typeof body !== 'object' || !Array.isArray(body.samples)) {
      this.failed();
      return { added: 0, restarted: false };
    }
    if (typeof body.interval === 'number' && body.interval > 0) this.interval = body.interval;
    const result = this.merge(body.samples);
    // `latest` below the seq we hold (or null while we hold samples): a new daemon whose history
    // is younger than ours. Our `after` filtered all of it out, so ask for everything; the
    // samples then start over (merge) once it has some.
    const latest = Number.isSafeInteger(body.latest) ? body.latest : null;
    this.fullNext = this.latest !== null && (latest === null || latest < this.latest.seq);
    return result;
  }

  // Adds samples in seq order. A seq above the last kept one is appended; a seq at or below it is
  // a duplicate or older and dropped, unless its time is later: then the daemon restarted (its seq
  // starts again) and the history starts over from that sample. A later seq with an earlier time
  // (the daemon's clock stepped back) starts over too, so time only grows along the x axis.
  merge(samples) {
    let added = 0;
    let restarted = false;
    for (const sample of samples) {
      if (!isSample(sample)) continue;
      const last = this.latest;
      if (last !== null) {
        const newer = sample.seq > last.seq;
        const later = sample.time > last.time;
        const earlier = sample.time < last.time;
        if (!newer && !later) continue;  // seen, or older than what we hold
        if (!newer || earlier) {  // a restart (seq again from 1) or a clock step back
          this.clear();
          this.restarts += 1;
          restarted = true;
        }
      }
      this.append(sample);
      added += 1;
    }
    this.trim();
    return { added, restarted };
  }

  append(sample) {
    this.time.push(sample.time);
    this.seq.push(sample.seq);
    for (const chart of kCharts) {
      const columns = this.columns.get(chart.id);
      chart.series.forEach((series, i) => columns[i].push(readValue(sample, series.path, series.scale)));
    }
    this.latest = { seq: sample.seq, time: sample.time };
  }

  // Keeps the samples of the last `windowSeconds` before the newest, at most `capacity`.
  trim() {
    const n = this.time.length;
    if (n === 0) return;
    const oldest = this.time[n - 1] - this.windowSeconds;
    let drop = Math.max(0, n - this.capacity);
    while (drop < n && this.time[drop] <= oldest) drop += 1;
    if (drop === 0) return;
    this.time.splice(0, drop);
    this.seq.splice(0, drop);
    for (const columns of this.columns.values()) {
      for (const column of columns) column.splice(0, drop);
    }
  }

  // uPlot's data for one chart: [time, series...] (the arrays themselves; do not modify them).
  data(id) {
    chartById(id);
    return [this.time, ...this.columns.get(id)];
  }

  // The newest sample's values of a chart, by series key (null: none, or no value then).
  current(id) {
    const chart = chartById(id);
    const columns = this.columns.get(id);
    const last = this.time.length - 1;
    return Object.fromEntries(chart.series.map((series, i) => [series.key, last < 0 ? null : columns[i][last]]));
  }

  // The newest sample before the last one with a value in any series of a chart: {values, age}
  // (age: seconds before the newest sample), or null.
  lastValues(id) {
    const chart = chartById(id);
    const columns = this.columns.get(id);
    const newest = this.time.length - 1;
    for (let i = newest; i >= 0; i -= 1) {
      if (columns.some((column) => column[i] !== null)) {
        return {
          values: Object.fromEntries(chart.series.map((series, s) => [series.key, columns[s][i]])),
          age: this.time[newest] - this.time[i],
        };
      }
    }
    return null;
  }

  // For rate charts: how many over the samples kept (rate × interval, summed), by series key.
  totals(id) {
    const chart = chartById(id);
    const columns = this.columns.get(id);
    return Object.fromEntries(chart.series.map((series, i) => [
      series.key, columns[i].reduce((sum, value) => sum + (value ?? 0), 0) * this.interval]));
  }

  // The seconds of history kept (newest time − oldest time).
  span() {
    return this.time.length < 2 ? 0 : this.time[this.time.length - 1] - this.time[0];
  }

  // The heading of a chart: `value` (its current figure as text), `detail` (the breakdown, or
  // the window's totals) and `values` (the current numbers by series key, for data-* attributes).
  headline(id) {
    const chart = chartById(id);
    const values = this.current(id);
    const present = chart.series.filter((series) => values[series.key] !== null);
    let value;
    let detail = '';
    if (present.length === 0) {
      value = '–';
      if (this.size > 0) detail = chart.unit === 'ms' ? `no event in the last ${formatSpan(this.interval)}` : 'not known';
      const earlier = this.lastValues(id);
      if (earlier) {
        const shown = chart.series.filter((series) => earlier.values[series.key] !== null)
          .map((series) => `${chart.series.length > 1 ? `${series.label} ` : ''}${formatValue(earlier.values[series.key], chart.unit)}`);
        detail += `; ${formatSpan(earlier.age)} before: ${shown.join(' · ')}`;
      }
    } else if (chart.headline === 'each') {
      value = present.map((series) => `${series.label} ${formatValue(values[series.key], chart.unit)}`).join(' · ');
    } else {
      const sum = present.reduce((total, series) => total + values[series.key], 0);
      value = formatValue(sum, chart.unit);
      if (chart.series.length > 1) {
        detail = chart.series.map((series) => `${series.label} ${formatValue(values[series.key], chart.unit, { suffix: false })}`)
          .join(' · ');
      }
    }
    if (chart.totals && this.size > 0) {
      const totals = this.totals(id);
      const total = Object.values(totals).reduce((sum, count) => sum + count, 0);
      const window = `${formatCountValue(Math.round(total))} in the last ${formatSpan(this.span() + this.interval)}`;
      detail = detail ? `${detail} — ${window}` : window;
    }
    return { value, detail, values };
  }
}

// ---- formatting ----

const kBinary = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

// 1536 → "1.5 KiB"; below 1 KiB in bytes; about three significant digits.
export function formatBytes(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return '–';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < kBinary.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const sign = bytes < 0 ? '-' : '';
  if (unit === 0) return `${sign}${Math.round(value)} B`;
  return `${sign}${threeDigits(value)} ${kBinary[unit]}`;
}

// Seconds as "850 µs", "12.5 ms", "3.2 s", "4 min 5 s".
export function formatSeconds(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
  if (seconds === 0) return '0 s';
  const abs = Math.abs(seconds);
  if (abs < 0.001) return `${threeDigits(seconds * 1e6)} µs`;
  if (abs < 1) return `${threeDigits(seconds * 1000)} ms`;
  if (abs < 60) return `${threeDigits(seconds)} s`;
  const minutes = Math.floor(abs / 60);
  return `${seconds < 0 ? '-' : ''}${minutes} min ${Math.round(abs - minutes * 60)} s`;
}

function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  return ms === 0 ? '0 ms' : formatSeconds(ms / 1000);
}

// Counts: whole numbers with separators; fractions (an average of a few) with one decimal.
export function formatCountValue(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : trimZeros(n.toFixed(1));
}

// A rate per second: "0/s", "0.5/s", "12/s", "1,250/s".
export function formatRate(perSecond, { suffix = true } = {}) {
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond)) return '–';
  const abs = Math.abs(perSecond);
  const text = abs >= 1000 ? Math.round(perSecond).toLocaleString('en-US') : threeDigits(perSecond);
  return suffix ? `${text}/s` : text;
}

// The window's length: "45 s", "15 min".
export function formatSpan(seconds) {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  return `${Math.round(seconds / 60)} min`;
}

export function formatValue(value, unit, { suffix = true } = {}) {
  switch (unit) {
    case 'rate': return formatRate(value, { suffix });
    case 'ms': return formatMs(value);
    case 'seconds': return formatSeconds(value);
    case 'bytes': return formatBytes(value);
    default: return formatCountValue(value);
  }
}

// An axis tick: like formatValue, shorter (no "/s": the title says it).
export function formatTick(value, unit) {
  if (value === null || value === undefined) return '';
  switch (unit) {
    case 'rate': return formatRate(value, { suffix: false });
    case 'ms': return formatMs(value);
    case 'seconds': return formatSeconds(value);
    case 'bytes': return formatBytes(value);
    default: return formatCountValue(value);
  }
}

// About three significant digits, no trailing zeros: 1234 → "1234", 12.345 → "12.3", 1.5 → "1.5".
function threeDigits(value) {
  const abs = Math.abs(value);
  return trimZeros(value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2));
}

function trimZeros(text) {
  return text.includes('.') && !/e/i.test(text) ? text.replace(/\.?0+$/, '') : text;
}
