// A store's first open (no index, or many runs changed) reads every run folder: thousands of small
// files whose reads wait on the disk more than on the CPU. Worker threads read runs at once, a
// batch at a time each (runScan.ts, synchronous in each worker: no promise round trip per file), so
// several reads are in flight. 5,000 runs not in the page cache: one thread about 2x the time of four.
//
// Workers run the compiled scanWorker.js, or the bundle of it beside a bundled CLI or extension
// (scripts/bundle-cli.mjs, vscode-ext/build.mjs); where there is none, or a worker fails, the caller
// reads those runs itself: the pool only ever saves time.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RunSummary } from '@runlane/protocol';
import { processIsAlive } from '../processAlive.js';
import { scanRun, type IsAlive, type RunCheck } from './runScan.js';

/** Below this many runs to read, a worker's start (tens of ms) costs more than it saves. */
export const SCAN_POOL_MIN_RUNS = 200;
/** Reads in flight at once: the disk's queue, not the cores, is what they fill. */
const WORKERS = 4;
/** Runs per message: few enough to share the work out evenly, enough to make a message cheap. */
const BATCH = 128;

export interface ScanTask {
  storeDir: string;
  ids: string[];
}

export interface ScanAnswer {
  summary: RunSummary | null;
  check: RunCheck | null;
  warnings: string[];
}

/** processIsAlive, asked once per pid: runs of one kernel share its pid. */
export function aliveCache(): IsAlive {
  const known = new Map<number, boolean>();
  return (pid) => {
    let alive = known.get(pid);
    if (alive === undefined) known.set(pid, (alive = processIsAlive(pid)));
    return alive;
  };
}

/** Reads runs on this thread (what a worker does with each batch). */
export function scanBatch(task: ScanTask, alive: IsAlive = aliveCache()): ScanAnswer[] {
  return task.ids.map((id) => {
    const warnings: string[] = [];
    const { summary, check } = scanRun(`${task.storeDir}/runs/${id}`, id, (w) => warnings.push(w), alive);
    return { summary, check, warnings };
  });
}

/** The file bundled from scanWorker.ts beside the bundled CLI and extension. */
export const BUNDLED_SCAN_WORKER = 'runlane-scan-worker.cjs';

function workerScript(): string | null {
  if (typeof __filename === 'string' && existsSync(path.join(path.dirname(__filename), BUNDLED_SCAN_WORKER))) return path.join(path.dirname(__filename), BUNDLED_SCAN_WORKER);
  let self: string;
  try {
    self = fileURLToPath(import.meta.url); // empty in a CommonJS bundle
  } catch {
    return null;
  }
  const beside = path.join(path.dirname(self), 'scanWorker.js');
  if (existsSync(beside)) return beside;
  // Tests run the TypeScript sources; the compiled worker is at the same place under dist/.
  const built = beside.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`);
  return existsSync(built) ? built : null;
}

/**
 * Reads `ids` in worker threads; answers in the order of `ids`, or null when no worker could run
 * or one failed (the caller then reads them itself).
 */
export async function scanInWorkers(storeDir: string, ids: string[]): Promise<ScanAnswer[] | null> {
  const script = workerScript();
  if (!script) return null;
  const answers = new Array<ScanAnswer>(ids.length);
  const workers: Worker[] = [];
  let next = 0;
  const run = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(script);
      workers.push(worker);
      let at = -1;
      const send = (): void => {
        if (next >= ids.length) {
          void worker.terminate();
          resolve();
          return;
        }
        at = next;
        next += BATCH;
        worker.postMessage({ storeDir, ids: ids.slice(at, at + BATCH) } satisfies ScanTask);
      };
      worker.on('message', (batch: ScanAnswer[]) => {
        for (let i = 0; i < batch.length; i++) answers[at + i] = batch[i]!;
        send();
      });
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('a scan worker exited before it was done')));
      send();
    });
  try {
    await Promise.all(Array.from({ length: Math.min(WORKERS, Math.ceil(ids.length / BATCH)) }, run));
  } catch {
    for (const worker of workers) void worker.terminate();
    return null;
  }
  return answers;
}
