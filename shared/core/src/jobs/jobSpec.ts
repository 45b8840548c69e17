// A job spec as it enters the daemon, checked, and what its run records of it.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec, RerunRequest } from '@runlane/protocol';
import { StoreError, validateParamKey } from '../store/index.js';
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

/** The fields a job spec may have (shared/protocol/src/jobs.ts). */
const FIELDS = ['target', 'command', 'workers', 'gpusPerWorker', 'name', 'experiment', 'cwd', 'env', 'input', 'cell', 'targetsFile', 'params', 'tags'];

const bad = (message: string) => new StoreError('bad_query', message);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A job spec as a request sends it, checked field by field before anything happens: a field of the
 * wrong shape is refused with a sentence naming it and what it may be. Optional fields may be left
 * out or null; `workers` defaults to 1 and `gpusPerWorker` to 0. Whether the target, the input folder
 * and the targets file exist is for the manager to say.
 */
export function parseJobSpec(body: unknown): JobSpec {
  if (!isObject(body)) throw bad('Send the job as a JSON object: {"target": "local", "command": ["python", "train.py"]}.');
  const unknown = Object.keys(body).filter((k) => !FIELDS.includes(k));
  if (unknown.length) throw bad(`A job has no field ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its fields are ${FIELDS.join(', ')}.`);
  const given = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null && v !== undefined));
  const { target, command, workers = 1, gpusPerWorker = 0, name, experiment, cwd, env, input, cell, targetsFile, params } = given;
  if (typeof target !== 'string' || target === '') throw bad('target must be the name of a target, like "local" (`runlane targets` lists them).');
  if (!Array.isArray(command) || command.length === 0 || !command.every((a) => typeof a === 'string')) {
    throw bad('A job needs a command: a list of strings, like ["python", "train.py"].');
  }
  if (!Number.isInteger(workers) || (workers as number) < 1 || (workers as number) > 256) throw bad('workers must be a whole number from 1 to 256.');
  if (!Number.isInteger(gpusPerWorker) || (gpusPerWorker as number) < 0) throw bad('gpusPerWorker (GPUs per worker) must be a whole number, 0 for none.');
  for (const [field, value] of Object.entries({ name, experiment, cwd })) {
    if (value !== undefined && typeof value !== 'string') throw bad(`${field} must be text, not ${JSON.stringify(value)}.`);
  }
  if (env !== undefined) {
    if (!isObject(env)) throw bad('env must be an object of variable name to text, like {"SEED": "1"}.');
    for (const [k, v] of Object.entries(env)) if (typeof v !== 'string') throw bad(`env.${k} must be text, not ${JSON.stringify(v)}.`);
  }
  if (input !== undefined && (typeof input !== 'string' || !path.isAbsolute(input))) throw bad('input must be the absolute path of a folder.');
  if (targetsFile !== undefined && (typeof targetsFile !== 'string' || !path.isAbsolute(targetsFile))) {
    throw bad(`targetsFile must be the absolute path of a runlane.toml, not ${JSON.stringify(targetsFile)}.`);
  }
  if (params !== undefined && !isObject(params)) throw bad('params must be an object of name to value, like {"lr": 0.01}.');
  checkTags(given.tags);
  return { ...(given as Partial<JobSpec>), target, command, workers: workers as number, gpusPerWorker: gpusPerWorker as number, cell: checkCell(cell as JobSpec['cell']) };
}

/** A job's tags: text values only, so the run's first event is already what a PATCH would write. */
function checkTags(tags: unknown): void {
  if (tags === undefined) return;
  if (!isObject(tags)) throw bad('tags must be an object of tag to text, like {"team": "vision"}.');
  for (const [k, v] of Object.entries(tags)) {
    validateParamKey(k, 'tag key');
    if (typeof v !== 'string') throw bad(`tags.${k} must be text, not ${JSON.stringify(v)}.`);
  }
}

/** A re-run request (`{"params"?: {...}}`, or no body), checked as a job spec is. */
export function parseRerunRequest(body: unknown): RerunRequest {
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw bad('Send the re-run as a JSON object: {"params": {"lr": 0.01}}, or no body to re-run it as it was.');
  const unknown = Object.keys(body).filter((k) => k !== 'params');
  if (unknown.length) throw bad(`A re-run takes only "params", not ${unknown.map((k) => JSON.stringify(k)).join(', ')}.`);
  if (body.params !== undefined && body.params !== null && !isObject(body.params)) throw bad('params must be an object of name to value, like {"lr": 0.01}.');
  return body.params ? { params: body.params } : {};
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
