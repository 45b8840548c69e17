// The run index's folder checks (runScan.ts dirsPrint) for many runs at once, in worker threads, while
// the main thread decodes the indexed summaries: at 100,000 runs the 200,000 stats are the biggest
// part of an open, and they wait on the kernel, not on JavaScript. Synchronous stats in a worker
// cost a fraction of promise-based ones (no promise and thread-pool round trip per call).
//
// The worker's code is a string (eval), not a file: the CLI is bundled into one file for the Python
// package and the VS Code extension, where a second entry file would not be found.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Below this many runs a worker's start (tens of ms) costs more than it saves. */
export const POOL_MIN_RUNS = 4_000;
/** Workers at most: the stats of one store are bounded by the disk and the kernel, not by cores. */
const MAX_WORKERS = 4;

// Must print exactly as runScan.ts printOf/dirsPrint do (statPool.test.ts checks that it does).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const print = (file) => {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? st.size + ':' + st.mtimeMs : '-';
};
const { dirs, prints } = workerData;
const same = new Uint8Array(dirs.length);
for (let i = 0; i < dirs.length; i++) same[i] = print(dirs[i] + '/events') + ' ' + print(dirs[i] + '/metrics') === prints[i] ? 1 : 0;
parentPort.postMessage(same, [same.buffer]);
`;

/**
 * Whether each run folder's dirsPrint still equals `prints[i]`, computed in worker threads; starts
 * them now and resolves when all are done. Rejects when a worker cannot run (the caller then checks
 * on its own thread).
 */
export function checkDirsInWorkers(runDirs: string[], prints: string[]): Promise<Uint8Array> {
  const workers = Math.max(1, Math.min(MAX_WORKERS, availableParallelism() - 1));
  const size = Math.ceil(runDirs.length / workers);
  const parts: Promise<Uint8Array>[] = [];
  for (let from = 0; from < runDirs.length; from += size) {
    const workerData = { dirs: runDirs.slice(from, from + size), prints: prints.slice(from, from + size) };
    parts.push(
      new Promise<Uint8Array>((resolve, reject) => {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
        worker.once('message', (same: Uint8Array) => resolve(same));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the stat worker exited with code ${code} before answering`)));
      }),
    );
  }
  return Promise.all(parts).then((done) => {
    const all = new Uint8Array(runDirs.length);
    let at = 0;
    for (const part of done) {
      all.set(part, at);
      at += part.length;
    }
    return all;
  });
}
