// One cold read of a log directory by Runlane's reader, in a fresh process (as a daemon meets it:
// nothing compiled yet), for tfevents_dataserver.mjs. Timed inside, so Node's own start-up is left
// out. Args: DIR WORKERS TAG LAST_STEP RUN...; prints JSON: seconds, CPU seconds of every thread,
// the CPU seconds of the busiest thread (sampled from /proc/self/task every 20 ms: what the read would
// take on idle cores, whatever else the machine runs), and each run's last point of TAG.
import { readdirSync, readFileSync } from 'node:fs';
import { TensorBoardLogdir } from '../../shared/core/dist/formats/tfevents/index.js';

const threadCpu = new Map();
function sampleThreads() {
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threadCpu.set(tid, (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // the thread ended meanwhile: its last sample stands
    }
  }
}
sampleThreads();
const before = new Map(threadCpu);
const sampler = setInterval(sampleThreads, 20);

const [dir, workers, tag, lastStep, ...runs] = process.argv.slice(2);
const t0 = performance.now();
const c0 = process.cpuUsage();
const reader = new TensorBoardLogdir(dir, (w) => console.error(w), { openFiles: null, workers: Number(workers) });
await reader.refresh();
const c = process.cpuUsage(c0);
clearInterval(sampler);
sampleThreads();
const busiest = Math.max(...[...threadCpu].map(([tid, cpu]) => cpu - (before.get(tid) ?? 0)));
const seconds = (performance.now() - t0) / 1000;
const last = runs.map((run) => {
  const s = reader.readSeries(run, tag, { fromStep: Number(lastStep) });
  return [run, { step: s.steps.at(-1), value: s.values.at(-1) }];
});
console.log(JSON.stringify({ seconds, cpu: (c.user + c.system) / 1e6, busiest, last }));
