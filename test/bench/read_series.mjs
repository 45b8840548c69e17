// The daemon reading a run of 10 million points: full-resolution decode, the JSON-ready series,
// a chart's downsampled request (in-process and over HTTP), and the run summary the index builds.
// Target (issue 2): >= 5 million points per second, memory reported.
import { mkdtempSync, mkdirSync, rmSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon, DaemonClient, LiveRun, METRIC_HEADER, RECORD_SIZE, StoreReader, StoreWriter, readSeriesColumns } from '../../shared/core/dist/index.js';

const POINTS = Number(process.env.POINTS ?? 10_000_000);
const results = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

function mib(bytes) {
  return Math.round(bytes / 1048576);
}

async function timed(label, fn, rows, target = true) {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  const value = await fn();
  const ms = performance.now() - t0;
  const { rss: rss1, heapUsed, arrayBuffers } = process.memoryUsage();
  const mpts = +(POINTS / ms / 1000).toFixed(1);
  rows.push({
    label, ms: Math.round(ms), mpts_per_s: mpts, rss_mib: mib(rss1), rss_delta_mib: mib(rss1 - rss0),
    heap_delta_mib: mib(heapUsed + arrayBuffers - heap0), target: target ? (mpts >= 5 ? 'PASS' : 'FAIL') : '-',
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
  for (let start = 0; start < POINTS; start += chunk) {
    const n = Math.min(chunk, POINTS - start);
    const buf = Buffer.allocUnsafe(n * RECORD_SIZE);
    for (let i = 0; i < n; i++) {
      const step = start + i;
      buf.writeBigInt64LE(BigInt(step), i * 24);
      buf.writeDoubleLE(1.7e9 + step * 0.01, i * 24 + 8);
      buf.writeDoubleLE(Math.exp(-step / POINTS) + 0.01 * Math.sin(step), i * 24 + 16);
    }
    writeSync(fd, buf);
  }
  closeSync(fd);

  const rows = [];
  const reader = await StoreReader.open(dir);
  const runDir = path.join(dir, 'runs', id);
  await readSeriesColumns(runDir, 'loss'); // warm-up: JIT and page cache, as for a file just written
  await timed('decode, full resolution (typed columns)', () => readSeriesColumns(runDir, 'loss'), rows);
  await timed('readSeries, downsampled to 1,000 points', () => reader.readSeries(id, 'loss', { points: 1000 }), rows);
  await timed('run summary (count/last/min/max), as the daemon index', async () => new LiveRun(dir, id, () => {}).refresh(), rows);
  await timed('readSeries, full resolution (JSON-ready arrays)', () => reader.readSeries(id, 'loss'), rows);

  const daemon = new Daemon({ defaultStore: dir, runtimeDir: path.join(dir, 'rt'), idleTimeout: 0 });
  await daemon.start();
  const client = await DaemonClient.connect({ runtimeDir: path.join(dir, 'rt'), start: false, store: dir });
  const series = await timed('daemon HTTP, downsampled to 1,000 points', () => client.series(id, 'loss', { points: 1000 }), rows);
  await daemon.close();

  console.log(`\nReading one run of ${POINTS.toLocaleString('en')} points (${mib(POINTS * 24)} MiB on disk)`);
  console.table(rows);
  const pass = rows.every((r) => r.target !== 'FAIL');
  console.log(`HTTP answer: ${series.steps.length} points of ${series.total}.`);
  console.log(`target >= 5 M points/s (every row marked PASS/FAIL): ${pass ? 'PASS' : 'FAIL'}`);
  console.log('memory: rss_delta is the process RSS change over the step; heap_delta the JS heap plus ArrayBuffers (after a GC before the step).');
  console.log('Anchors (documented, not measured here): TensorBoard keeps 1,000 sampled points per series by default; the MLflow UI asks for 320 points per run; W&B advises < 100,000 points per metric.');
  mkdirSync(results, { recursive: true });
  writeFileSync(path.join(results, 'read_series.json'), JSON.stringify({
    points: POINTS, rows, target_ge_5m_points_per_s: pass,
    machine: {
      date: new Date().toISOString(), node: process.version, platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
      note: 'shared, noisy machine: compare ratios measured in the same run',
    },
  }, null, 1) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
