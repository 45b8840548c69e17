// The daemon reading a run of 10 million points: full-resolution decode, the JSON-ready series,
// a chart's downsampled request (in-process and over HTTP), and the run summary the index builds.
// Targets: issue 2, >= 5 million points per second for whole reads; issue 12, a chart's read through
// the metric summary (docs/store-format.md "Metric summaries") in <= 50 ms, printed beside today's
// read of every point, and a zoom to 1% of the range.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, mkdirSync, rmSync, rmdirSync, openSync, writeSync, closeSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, DaemonClient, LiveRun, METRIC_HEADER, RECORD_SIZE, StoreReader, StoreWriter, readSeriesColumns } from '../../shared/core/dist/index.js';

const POINTS = Number(process.env.POINTS ?? 10_000_000);
const results = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

/**
 * The run's metric folder made unwritable (a read-only folder, another user's store): no write
 * permission, and for root (which ignores it) the immutable attribute, or a folder in the summary's
 * place where the file system has no attributes. Returns the undo.
 */
function makeUnwritable(folder, summary) {
  chmodSync(folder, 0o555);
  const undoMode = () => chmodSync(folder, 0o755);
  if (process.getuid?.() !== 0) return undoMode;
  try {
    execFileSync('chattr', ['+i', folder], { stdio: 'pipe' });
    return () => (execFileSync('chattr', ['-i', folder], { stdio: 'pipe' }), undoMode());
  } catch {
    undoMode();
    mkdirSync(summary);
    return () => rmdirSync(summary);
  }
}

/** `n` records continuing the series from step `start`. */
function records(start, n) {
  const buf = Buffer.allocUnsafe(n * RECORD_SIZE);
  for (let i = 0; i < n; i++) {
    const step = start + i;
    buf.writeBigInt64LE(BigInt(step), i * 24);
    buf.writeDoubleLE(1.7e9 + step * 0.01, i * 24 + 8);
    buf.writeDoubleLE(Math.exp(-step / POINTS) + 0.01 * Math.sin(step), i * 24 + 16);
  }
  return buf;
}

function mib(bytes) {
  return Math.round(bytes / 1048576);
}

/**
 * target: 'mpts' (>= 5 M points/s), 'ms50' (<= 50 ms) or null (reported only). Reads that take
 * milliseconds run `repeat` times and report the median, as one sample on a shared machine is noise.
 */
async function timed(label, fn, rows, target = 'mpts', repeat = 1) {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const times = [];
  let value;
  for (let k = 0; k < repeat; k++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(repeat / 2)];
  const { rss: rss1, heapUsed, arrayBuffers } = process.memoryUsage();
  const mpts = +(POINTS / ms / 1000).toFixed(1);
  rows.push({
    label, ms: Math.round(ms), runs: repeat, mpts_per_s: mpts, rss_mib: mib(rss1), rss_delta_mib: mib(rss1 - rss0),
    heap_delta_mib: mib(heapUsed + arrayBuffers - heap0),
    target: target === 'mpts' ? (mpts >= 5 ? 'PASS' : 'FAIL') : target === 'ms50' ? (ms <= 50 ? 'PASS <= 50 ms' : 'FAIL > 50 ms') : '-',
  });
  return value;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-bench-read-'));
try {
  const writer = await StoreWriter.open(dir);
  const id = await writer.createRun({ name: 'ten million', experiment: 'bench', kind: 'script' });
  writer.appendEvent(id, { type: 'status', status: 'finished' });
  const metricDir = path.join(dir, 'runs', id, 'metrics', writer.writerId);
  mkdirSync(metricDir, { recursive: true });
  const fd = openSync(path.join(metricDir, 'loss.rlm'), 'w');
  writeSync(fd, METRIC_HEADER);
  const chunk = 1 << 20;
  for (let start = 0; start < POINTS; start += chunk) writeSync(fd, records(start, Math.min(chunk, POINTS - start)));
  closeSync(fd);

  const rows = [];
  const reader = await StoreReader.open(dir);
  const runDir = path.join(dir, 'runs', id);
  // A chart zoomed to 1% of the steps, asking for 1,000 points of it.
  const zoom = { fromStep: Math.floor(POINTS * 0.42), toStep: Math.floor(POINTS * 0.43) - 1, points: 1000 };
  const today = { summaries: false };
  // Today's zoom on a daemon that has not read the file yet: every point is read to learn the order.
  const zoomCold = await timed('today: zoom to 1%, 1,000 points, first read (every point read)', () => reader.readSeries(id, 'loss', { ...zoom, ...today }), rows, null);
  await readSeriesColumns(runDir, 'loss'); // warm-up: JIT and page cache, as for a file just written
  await timed('decode, full resolution (typed columns)', () => readSeriesColumns(runDir, 'loss'), rows);
  const downToday = await timed('today: readSeries, downsampled to 1,000 points (every point read)', () => reader.readSeries(id, 'loss', { points: 1000, ...today }), rows, 'mpts', 3);
  const zoomWarm = await timed('today: zoom to 1%, 1,000 points, order known (step index)', () => reader.readSeries(id, 'loss', { ...zoom, ...today }), rows, null, 9);
  await timed('summary: first read, builds it (one pass, saved beside the file)', () => reader.readSeries(id, 'loss', { points: 1000 }), rows);
  const summaryBytes = statSync(path.join(metricDir, 'loss.rlm.summary')).size;
  const down = await timed('summary: readSeries, downsampled to 1,000 points', () => reader.readSeries(id, 'loss', { points: 1000 }), rows, 'ms50', 9);
  const zoomed = await timed('summary: zoom to 1%, 1,000 points', () => reader.readSeries(id, 'loss', zoom), rows, 'ms50', 9);
  await timed('zoom to 1% at full resolution (100,000 points of JSON-ready arrays)', () => reader.readSeries(id, 'loss', { fromStep: zoom.fromStep, toStep: zoom.toStep }), rows, null, 9);
  for (const [a, b] of [[down, downToday], [zoomed, zoomCold], [zoomed, zoomWarm]]) {
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('The summarized read differs from the read of every point.');
  }
  // A store that cannot be written: the summary cannot be saved beside the file, so the reader
  // keeps it in memory (built once), and a live run's reads decode only the records appended since.
  const loss = path.join(metricDir, 'loss.rlm');
  rmSync(`${loss}.summary`);
  const undo = makeUnwritable(metricDir, `${loss}.summary`);
  let appended = POINTS;
  try {
    await timed('read-only store: first read, builds the summary in memory (it cannot be saved)', () => reader.readSeries(id, 'loss', { points: 1000 }), rows);
    const readOnly = await timed('read-only store: downsampled to 1,000 points (summary kept in memory)', () => reader.readSeries(id, 'loss', { points: 1000 }), rows, 'ms50', 9);
    if (JSON.stringify(readOnly) !== JSON.stringify(downToday)) throw new Error('The read-only store\'s read differs from the read of every point.');
    const live = () => {
      appendFileSync(loss, records(appended, 1000));
      appended += 1000;
      return reader.readSeries(id, 'loss', { points: 1000 });
    };
    await timed('read-only store, live run: 1,000 points appended, then read at 1,000 points', live, rows, 'ms50', 9);
  } finally {
    undo();
  }
  const liveCheck = await reader.readSeries(id, 'loss', { points: 1000 });
  if (JSON.stringify(liveCheck) !== JSON.stringify(await reader.readSeries(id, 'loss', { points: 1000, summaries: false }))) throw new Error('The live read differs from the read of every point.');
  await timed('run summary (count/last/min/max), as the daemon index', async () => new LiveRun(dir, id, () => {}).refresh(), rows);
  await timed('readSeries, full resolution (JSON-ready arrays)', () => reader.readSeries(id, 'loss'), rows);

  const daemon = new Daemon({ defaultStore: dir, runtimeDir: path.join(dir, 'rt'), idleTimeout: 0 });
  await daemon.start();
  const client = await DaemonClient.connect({ runtimeDir: path.join(dir, 'rt'), start: false, store: dir });
  const series = await timed('daemon HTTP, downsampled to 1,000 points (summary)', () => client.series(id, 'loss', { points: 1000 }), rows, 'ms50', 9);
  await daemon.close();

  console.log(`\nReading one run of ${POINTS.toLocaleString('en')} points (${mib(POINTS * 24)} MiB on disk)`);
  console.table(rows);
  const pass = rows.every((r) => r.target !== 'FAIL');
  const summaryPass = rows.every((r) => !r.target.startsWith('FAIL >'));
  const ms = (label) => rows.find((r) => r.label.startsWith(label)).ms;
  const compare = {
    downsampled_1000: { today_ms: ms('today: readSeries, downsampled'), summary_ms: ms('summary: readSeries, downsampled') },
    zoom_1pct_1000: { today_first_ms: ms('today: zoom to 1%, 1,000 points, first'), today_order_known_ms: ms('today: zoom to 1%, 1,000 points, order known'), summary_ms: ms('summary: zoom') },
    summary_file_bytes: summaryBytes,
    read_only_store: { first_read_ms: ms('read-only store: first read'), downsampled_1000_ms: ms('read-only store: downsampled'), live_append_then_read_ms: ms('read-only store, live run') },
  };
  console.log(`HTTP answer: ${series.steps.length} points of ${series.total}.`);
  console.log(`Downsampled to 1,000 points: today ${compare.downsampled_1000.today_ms} ms (every point read), through the summary ${compare.downsampled_1000.summary_ms} ms.`);
  console.log(`Zoom to 1%: today ${compare.zoom_1pct_1000.today_first_ms} ms on a first read, ${compare.zoom_1pct_1000.today_order_known_ms} ms once the order is known; through the summary ${compare.zoom_1pct_1000.summary_ms} ms.`);
  console.log(`Read-only store (summary kept in memory): first read ${compare.read_only_store.first_read_ms} ms, then ${compare.read_only_store.downsampled_1000_ms} ms; a live run's read after 1,000 points appended ${compare.read_only_store.live_append_then_read_ms} ms (before: every read rebuilt the summary from every point, as the first read does).`);
  console.log(`Summary file: ${(summaryBytes / 1048576).toFixed(2)} MiB beside ${mib(POINTS * 24)} MiB of records (identical answers checked).`);
  console.log(`target >= 5 M points/s (rows marked PASS/FAIL): ${pass ? 'PASS' : 'FAIL'}`);
  console.log(`target <= 50 ms for a chart's read through the summary (rows marked '<= 50 ms'): ${summaryPass ? 'PASS' : 'FAIL'}`);
  console.log('ms: the median of `runs` reads.');
  console.log('memory: rss_delta is the process RSS change over the step; heap_delta the JS heap plus ArrayBuffers (after a GC before the step).');
  console.log('Anchors (documented, not measured here): TensorBoard keeps 1,000 sampled points per series by default; the MLflow UI asks for 320 points per run; W&B advises < 100,000 points per metric.');
  mkdirSync(results, { recursive: true });
  writeFileSync(path.join(results, 'read_series.json'), JSON.stringify({
    points: POINTS, rows, compare, target_ge_5m_points_per_s: pass, target_summary_le_50ms: summaryPass,
    machine: {
      date: new Date().toISOString(), node: process.version, platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
      note: 'shared, noisy machine: compare ratios measured in the same run',
    },
  }, null, 1) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
