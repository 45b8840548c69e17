// tfevents parsing: MB/s and scalars/s of Runlane's reader (CRC-checked) on a ~200 MB event file,
// beside TensorBoard's Python EventAccumulator (keep all) on the same file in the same run.
// Targets (issue 3): >= 100 MB/s and >= 10x the Python loader.
// The file (tfevents_gen.mjs) interleaves TFEVENTS_TAGS tags (default 16).
// TensorBoard's Rust data server is measured beside Runlane in tfevents_dataserver.mjs.
// Ours is the median of 3 reads; the Python loader (about a minute) runs once.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TensorBoardLogdir } from '../../shared/core/dist/formats/tfevents/index.js';
import { benchTags, writeEventFile } from './tfevents_gen.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const TARGET_MB = Number(process.env.TFEVENTS_MB ?? 200);
const TAG_COUNT = Number(process.env.TFEVENTS_TAGS ?? 16);
const TAGS = benchTags(TAG_COUNT);

const dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-bench-tfevents-'));
try {
  const run = path.join(dir, 'run');
  const file = path.join(run, 'events.out.tfevents.1700000000.bench.1.0');
  writeEventFile(run, TARGET_MB, TAGS);
  const mb = statSync(file).size / 1e6;

  let ours = null;
  let lastLogdir = null;
  const timings = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const logdir = new TensorBoardLogdir(dir, () => {}, { workers: 1 });
    await logdir.refresh();
    timings.push((performance.now() - t0) / 1000);
    ours = logdir.summary('run');
    lastLogdir = logdir;
  }
  const oursS = timings.sort((a, b) => a - b)[1];
  const oursCount = Object.values(ours.metrics).reduce((n, m) => n + m.count, 0);
  let oursSum = 0;
  for (const tag of Object.keys(ours.metrics)) for (const v of lastLogdir.readSeries('run', tag).values) oursSum += v;

  const python = path.join(root, '.venv-bench', 'bin', 'python');
  // TFEVENTS_ONLY_OURS=1 skips the (minute-long) Python loader while working on the reader.
  const tb = process.env.TFEVENTS_ONLY_OURS
    ? { seconds: NaN, scalars: oursCount, sum: oursSum }
    : JSON.parse(execFileSync(python, [path.join(here, 'tfevents_accumulator.py'), run], { encoding: 'utf8', maxBuffer: 1 << 20 }));

  const rows = [
    { reader: 'runlane (TypeScript, CRC-checked)', seconds: +oursS.toFixed(2), 'MB/s': +(mb / oursS).toFixed(0), 'scalars/s': Math.round(oursCount / oursS), scalars: oursCount },
    { reader: 'TensorBoard EventAccumulator (Python, keep all)', seconds: +tb.seconds.toFixed(2), 'MB/s': +(mb / tb.seconds).toFixed(1), 'scalars/s': Math.round(tb.scalars / tb.seconds), scalars: tb.scalars },
  ];
  console.log(`\nParsing one ${mb.toFixed(0)} MB event file (${oursCount} scalars, ${TAGS.length} tags interleaved)`);
  console.table(rows);
  const ratio = tb.seconds / oursS;
  // Sums differ only by the order of float additions.
  const same = oursCount === tb.scalars && Math.abs(oursSum - tb.sum) <= 1e-9 * Math.abs(tb.sum);
  const pass = mb / oursS >= 100 && ratio >= 10 && same;
  console.log(`same scalars read (count and sum of values): ${same}; ${ratio.toFixed(0)}x the Python loader; targets >= 100 MB/s and >= 10x: ${pass ? 'PASS' : 'FAIL'}`);
  if (process.env.TFEVENTS_ONLY_OURS) process.exit(0); // a partial run is not a result
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'tfevents_parse.json'), JSON.stringify({ mb, tags: TAGS.length, same_values: same, rows, runlane_seconds_all: timings, ratio, pass, date: new Date().toISOString(), node: process.version, note: 'shared, noisy machine: compare ratios; runlane is the median of 3 reads' }, null, 1) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
