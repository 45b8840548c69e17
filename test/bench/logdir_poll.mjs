// One poll of a log directory of 1,000 TensorBoard runs and 10 DVCLive folders (the daemon polls a
// log directory every second): the time of a steady-state poll (nothing new) and the directory reads
// it makes, with the one shared walk (MixedLogdir.refresh) beside the two walks it replaced (the
// TensorBoard reader and the DVCLive finder each walking the tree: refresh() without a listing),
// measured in the same run on the same folders. Open-file probing is off in both (it is the same
// work either way and would only add noise). Median of 15 polls each, interleaved.
import { copyFileSync, mkdirSync, mkdtempSync, promises as fsp, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MixedLogdir } from '../../shared/core/dist/formats/dvclive/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const RUNS = Number(process.env.LOGDIR_RUNS ?? 1000);
const eventFile = path.join(root, 'test/fixtures/tfevents/pytorch/default/events.out.tfevents.1795345498.vm.546.0');

let reads = 0;
const readdir = fsp.readdir.bind(fsp);
fsp.readdir = (...args) => {
  reads++;
  return readdir(...args);
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'rl-logdir-poll-'));
try {
  for (let i = 0; i < RUNS; i++) {
    const run = path.join(dir, `exp-${i % 10}`, `run-${i}`);
    mkdirSync(run, { recursive: true });
    copyFileSync(eventFile, path.join(run, path.basename(eventFile)));
  }
  for (let i = 0; i < 10; i++) {
    const live = path.join(dir, `project-${i}`, 'dvclive');
    mkdirSync(path.join(live, 'plots', 'metrics'), { recursive: true });
    writeFileSync(path.join(live, 'plots', 'metrics', 'loss.tsv'), 'timestamp\tstep\tloss\n1700000000000\t0\t0.5\n');
    writeFileSync(path.join(live, 'metrics.json'), '{"step": 0, "loss": 0.5}');
  }
  const logdir = new MixedLogdir(dir, () => {}, { openFiles: null });
  await logdir.refresh(); // the first poll reads the past: not what is measured
  const ways = {
    'one shared walk (now)': () => logdir.refresh(),
    'two walks (before: each reader its own)': async () => {
      await logdir.tensorboard.refresh();
      await logdir.dvclive.refresh();
    },
  };
  const times = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
  const counts = {};
  for (let i = 0; i < 15; i++) {
    for (const [name, poll] of Object.entries(ways)) {
      reads = 0;
      const t0 = performance.now();
      await poll();
      times[name].push(performance.now() - t0);
      counts[name] = reads;
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = Object.keys(ways).map((name) => ({ poll: name, 'median ms': +median(times[name]).toFixed(1), 'readdir calls': counts[name] }));
  console.log(`\nOne steady-state poll of a log directory of ${RUNS} TensorBoard runs and 10 DVCLive folders`);
  console.table(rows);
  const [now, before] = rows;
  console.log(`${(before['median ms'] / now['median ms']).toFixed(2)}x faster; ${before['readdir calls'] - now['readdir calls']} fewer directory reads per poll`);
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'logdir_poll.json'), JSON.stringify({ runs: RUNS, dvclive: 10, rows, all_ms: times, date: new Date().toISOString(), node: process.version, note: 'shared, noisy machine; open-file probing off in both' }, null, 1) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
