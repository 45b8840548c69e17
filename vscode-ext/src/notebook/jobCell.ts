// The pure parts of running a notebook cell as a job (the Runlane jobs controller): how the worker
// names and numbers the cell in tracebacks (`cell.json`), the one line a cell ends with when its job
// did not finish, and the text of rank 0's result (`job/result.json`), shown as the cell's last output.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '@runlane/protocol';
import { readMagicLine } from '@runlane/ui';
import { errorHead } from '../errorText';

/**
 * Target, workers and GPUs from the cell's %%runlane line, and the body without it. `subcommand`:
 * `sweep` for a `%%runlane sweep ...` cell, which runs as the sweep it declares (sweepCell.ts), never
 * as a job of its body.
 */
export function jobOfCell(
  source: string,
  defaultTarget: string,
): { target: string; workers: number; gpus: number; name: string | null; experiment: string | null; body: string; hasMagic: boolean; subcommand: string | null } {
  const line = readMagicLine(source);
  if (!line) return { target: defaultTarget, workers: 1, gpus: 0, name: null, experiment: null, body: source, hasMagic: false, subcommand: null };
  return { target: line.target ?? defaultTarget, workers: line.workers ?? 1, gpus: line.gpus ?? 0, name: line.name, experiment: line.experiment, body: line.body, hasMagic: true, subcommand: line.subcommand };
}

/**
 * The worker's `cell.json`: IPython's name for the cell ("Cell In[8]", the execution count the editor
 * shows beside it) and the editor's line number of the body's first line (2 under a `%%runlane` line),
 * with the cell as written, so a traceback's line numbers are the ones the editor shows.
 */
export function cellJson(source: string, hasMagic: boolean, executionOrder: number | undefined): { filename: string; first_line: number; source: string } {
  return { filename: typeof executionOrder === 'number' ? `Cell In[${executionOrder}]` : '<cell>', first_line: hasMagic ? 2 : 1, source };
}

/** The line a job cell ends with when its job did not finish; null when it finished. */
export function jobEndMessage(status: RunStatus, error: string | null): string | null {
  if (status === 'finished') return null;
  if (status === 'cancelled') return 'Job cancelled: every worker was stopped.';
  if (status === 'interrupted') return 'Job interrupted.';
  // The cell already shows each worker's output: the error's tail would repeat the traceback.
  const head = error ? errorHead(error) : '';
  return head ? `Job ${status}: ${head.charAt(0).toLowerCase()}${head.slice(1)}` : `Job ${status}.`;
}

/** A cancelled or interrupted cell is not a failure: no red mark (undefined), only its line. */
export function executionSuccess(status: RunStatus | null): boolean | undefined {
  if (status === 'finished') return true;
  return status === 'cancelled' || status === 'interrupted' ? undefined : false;
}

/** The text of rank 0's result (`runs/ID/job/result.json`: {"text/plain": ...}), or null. */
export function readResultText(store: string, runId: string): string | null {
  try {
    const data = JSON.parse(readFileSync(path.join(store, 'runs', runId, 'job', 'result.json'), 'utf8')) as Record<string, unknown>;
    return typeof data['text/plain'] === 'string' ? data['text/plain'] : null;
  } catch {
    return null; // no result (nothing returned, or an older helper that writes only result.pkl)
  }
}
