// One cold read of a log directory by Runlane's reader, in a fresh process (as a daemon meets it:
// nothing compiled yet), for tfevents_dataserver.mjs. Timed inside, so Node's own start-up is left
// out. Args: DIR WORKERS TAG LAST_STEP RUN...; prints JSON: seconds, CPU seconds of every thread,
// and each run's last point of TAG.
import { TensorBoardLogdir } from '../../shared/core/dist/formats/tfevents/index.js';

const [dir, workers, tag, lastStep, ...runs] = process.argv.slice(2);
const t0 = performance.now();
const c0 = process.cpuUsage();
const reader = new TensorBoardLogdir(dir, (w) => console.error(w), { openFiles: null, workers: Number(workers) });
await reader.refresh();
const c = process.cpuUsage(c0);
const seconds = (performance.now() - t0) / 1000;
const last = runs.map((run) => {
  const s = reader.readSeries(run, tag, { fromStep: Number(lastStep) });
  return [run, { step: s.steps.at(-1), value: s.values.at(-1) }];
});
console.log(JSON.stringify({ seconds, cpu: (c.user + c.system) / 1e6, last }));
