// The run a job is tracked as: created before any worker starts, with what the user ran as its name,
// source and params, its notebook cell's link, and its own copy of the job's input folder; and the
// spec a started job runs again with.
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '@runlane/protocol';
import { StoreError, validateRunId, type StoreWriter } from '../store/index.js';
import { checkCell, userParams } from './jobSpec.js';
import type { JobFile } from './launcher.js';
import { readJobScript } from './jobScript.js';
import { shellQuote } from './shellQuote.js';

/** Creates the job's run; returns its id and the spec the job runs with (`input`: the run's copy). */
export async function createJobRun(writer: StoreWriter, store: string, spec: JobSpec, input: string | undefined): Promise<{ runId: string; spec: JobSpec }> {
  const cell = checkCell(spec.cell);
  const script = cell ? null : await readJobScript(spec.command, spec.cwd ?? input ?? process.cwd());
  const runId = await writer.createRun({
    // eslint-disable-next-line no-control-regex -- matching control characters is the point here
    name: spec.name ?? spec.command.join(' ').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 200),
    experiment: spec.experiment ?? 'jobs',
    kind: 'job',
    source: cell?.source ?? script?.source ?? spec.command.map(shellQuote).join(' '),
    script: script?.path,
    notebook: cell?.notebook ?? null,
    cellId: cell?.cell_id ?? null,
    executionCount: cell?.execution_count ?? null,
  });
  writer.appendEvent(runId, { type: 'params', params: userParams(spec, spec.target, spec.workers, spec.gpusPerWorker, cell !== undefined) });
  // With the run's creation, not a PATCH after it: one request less per sweep trial, and no reader sees the run untagged.
  if (spec.tags && Object.keys(spec.tags).length > 0) writer.appendEvent(runId, { type: 'tags', tags: spec.tags });
  // The run keeps its own copy of the input: the submitter may delete its folder, and a re-run needs it.
  const runInput = input === undefined ? undefined : path.join(store, 'runs', runId, 'input');
  if (input !== undefined && runInput !== undefined) await fs.cp(input, runInput, { recursive: true });
  return { runId, spec: { ...spec, input: runInput } };
}

/** The spec a started job runs again with (its job.json's); `params` go to the workers as RUNLANE_PARAMS. */
export function rerunSpec(store: string, runId: string, params?: Record<string, unknown>): JobSpec {
  const file = path.join(path.resolve(store), 'runs', validateRunId(runId), 'job.json');
  if (!existsSync(file)) {
    throw new StoreError(existsSync(path.dirname(file)) ? 'conflict' : 'not_found', `Run ${runId} is not a job that has started, so there is nothing to re-run.`);
  }
  const { spec } = JSON.parse(readFileSync(file, 'utf8')) as JobFile;
  const env = { ...spec.env };
  if (params && Object.keys(params).length > 0) env.RUNLANE_PARAMS = JSON.stringify(params);
  // A re-run is a run of its own, not one more trial of the sweep its first run was tagged with.
  return { ...spec, env, tags: undefined };
}
