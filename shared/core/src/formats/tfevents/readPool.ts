// The first read of many runs spread over every core: this thread and a pool of worker threads, one
// run at a time each (a run's files are read in order by one worker, as a tag's plugin is decided per run), sized
// to os.availableParallelism(). A worker returns each file's new points as columns (moved, not
// copied, back to this thread), where the reader then resumes, and what it warned about, in order.
// Workers run the compiled readWorker.js, or the bundle of it beside the bundled CLI; where there is
// none, or a worker fails, the caller reads those runs itself: the pool only ever saves time.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import { ColumnBuffer } from './columnBuffer.js';
import { EventFileTail } from './eventFileTail.js';
import type { HparamsData } from './hparams.js';
import { TagTable } from './tagTable.js';

export interface ReadTask {
  runId: string;
  files: string[];
  sliceBytes?: number;
  maxRecordBytes?: number;
}

export interface FileColumns {
  tag: string;
  steps: Float64Array<ArrayBuffer>;
  times: Float64Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
}

export interface FileRead {
  file: string;
  position: { offset: number; resyncing: boolean };
  columns: FileColumns[];
  hparams: HparamsData[];
  warnings: string[];
}

export interface RunRead {
  runId: string;
  /** The thread that read it (0: the main thread). */
  thread: number;
  files: FileRead[];
  declarations: [string, boolean][];
}

/** Reads one run's event files from their start: each file's new points, position and warnings. */
export async function readRun(task: ReadTask): Promise<{ read: RunRead; transfer: ArrayBuffer[] }> {
  const series = new Map<string, ColumnBuffer>();
  const tags = new TagTable((text) => {
    const columns = new ColumnBuffer();
    series.set(text, columns);
    return columns;
  });
  const files: FileRead[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const [i, file] of task.files.entries()) {
    const last = i === task.files.length - 1; // its columns are not needed here after it: moved whole, no copy
    const warnings: string[] = [];
    const hparams: HparamsData[] = [];
    const before = new Map([...series].map(([tag, columns]) => [tag, columns.length]));
    const tail = new EventFileTail(file, (w) => warnings.push(w), { tags, sliceBytes: task.sliceBytes, maxRecordBytes: task.maxRecordBytes });
    await tail.read(undefined, (data) => hparams.push(data));
    const columns: FileColumns[] = [];
    for (const [tag, points] of series) {
      const from = before.get(tag) ?? 0;
      if (points.length === from) continue;
      const view = points.view(from);
      const own = (a: Float64Array): Float64Array<ArrayBuffer> => (last ? (a as Float64Array<ArrayBuffer>) : a.slice());
      const col = { tag, steps: own(view.steps), times: own(view.times), values: own(view.values) };
      columns.push(col);
      transfer.push(col.steps.buffer, col.times.buffer, col.values.buffer);
    }
    files.push({ file, position: tail.position, columns, hparams, warnings });
  }
  return { read: { runId: task.runId, thread: threadId, files, declarations: tags.declarations() }, transfer };
}

/** The file bundled from readWorker.ts beside the bundled CLI (scripts/bundle-cli.mjs, vscode-ext/build.mjs). */
export const BUNDLED_WORKER = 'runlane-tfevents-worker.cjs';

/** The compiled worker script, or null where there is none. */
function workerScript(): string | null {
  // The CLI bundled into one CommonJS file (the Python package's, the VS Code extension's).
  if (typeof __filename === 'string' && existsSync(path.join(path.dirname(__filename), BUNDLED_WORKER))) return path.join(path.dirname(__filename), BUNDLED_WORKER);
  let self: string;
  try {
    self = fileURLToPath(import.meta.url); // empty in a CommonJS bundle
  } catch {
    return null;
  }
  const beside = path.join(path.dirname(self), 'readWorker.js');
  if (existsSync(beside)) return beside;
  // Tests run the TypeScript sources; the compiled worker is at the same place under dist/.
  const built = beside.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`);
  return existsSync(built) ? built : null;
}

/**
 * Reads the tasks on `threads` threads: this one (its compiled code already warm in a daemon) and
 * threads - 1 workers. Returns the reads by run id (a run missing from it was not read: the caller
 * reads it). Never throws.
 */
export async function readInWorkers(tasks: ReadTask[], threads: number, thisThreadToo = true): Promise<Map<string, RunRead>> {
  const done = new Map<string, RunRead>();
  const script = workerScript();
  if (!script || tasks.length === 0) return done;
  const queue = [...tasks];
  const here = async (): Promise<void> => {
    for (let task = queue.shift(); task; task = queue.shift()) done.set(task.runId, (await readRun(task)).read);
  };
  const drain = async (): Promise<void> => {
    let worker: Worker;
    try {
      worker = new Worker(script);
    } catch {
      return;
    }
    try {
      for (let task = queue.shift(); task; task = queue.shift()) {
        const read = await new Promise<RunRead>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', () => reject(new Error('the worker exited')));
          worker.postMessage(task);
        });
        worker.removeAllListeners('error').removeAllListeners('exit');
        done.set(read.runId, read);
      }
    } catch {
      // this worker died: the runs it did not return are read by the caller
    } finally {
      await worker.terminate();
    }
  };
  const workers = Math.min(threads, tasks.length) - (thisThreadToo ? 1 : 0);
  await Promise.all([...(thisThreadToo ? [here()] : []), ...Array.from({ length: workers }, drain)]);
  return done;
}
