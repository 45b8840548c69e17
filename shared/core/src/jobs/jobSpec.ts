// A job spec as it enters the daemon, checked, and what its run records of it.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '@runlane/protocol';
import { StoreError } from '../store/index.js';
import { shellQuote } from './shellQuote.js';

/**
 * What the user ran, as the run's params: the target, the workers (and GPUs each when asked for), the
 * command as they would type it for a script job (a cell job's command is Runlane's worker; the cell
 * is the run's source), and the params the client sent (a cell job's `--with` variables).
 */
export function userParams(spec: JobSpec, target: string, workers: number, gpusPerWorker: number, isCell: boolean): Record<string, unknown> {
  return {
    target,
    workers,
    ...(gpusPerWorker > 0 ? { gpus_per_worker: gpusPerWorker } : {}),
    ...(isCell ? {} : { command: spec.command.map(shellQuote).join(' ') }),
    ...spec.params,
  };
}

/** A job's cell link, checked: text where text is expected, or refused with a sentence. */
export function checkCell(cell: JobSpec['cell']): JobSpec['cell'] {
  if (cell === undefined || cell === null) return undefined;
  const text = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  if (typeof cell !== 'object' || !text(cell.notebook) || !text(cell.cell_id) || !text(cell.source)) {
    throw new StoreError('bad_query', 'cell must be {"notebook": path or null, "cell_id": text or null, "source": text}.');
  }
  if (cell.execution_count !== undefined && cell.execution_count !== null && !Number.isInteger(cell.execution_count)) {
    throw new StoreError('bad_query', 'cell.execution_count must be a whole number.');
  }
  return cell;
}

/** Workers on this machine's filesystem (local, Slurm) read the run's input copy where it is. */
export function jobEnv(spec: JobSpec): Record<string, string> {
  return { ...spec.env, ...(spec.input ? { RUNLANE_INPUT_DIR: spec.input } : {}) };
}

export function checkInput(input: unknown): string {
  if (typeof input !== 'string' || !path.isAbsolute(input)) throw new StoreError('bad_query', 'input must be the absolute path of a folder.');
  let isDir = false;
  try {
    isDir = statSync(input).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new StoreError('bad_query', `The job's input folder ${input} does not exist (or is not a folder).`);
  return input;
}
