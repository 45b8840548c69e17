// The run a job is tracked as: created before any worker starts, with what the user ran as its name,
// source and params, its notebook cell's link, and its own copy of the job's input folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '@runlane/protocol';
import type { StoreWriter } from '../store/index.js';
import { checkCell, userParams } from './jobSpec.js';
import { readJobScript } from './jobScript.js';
import { shellQuote } from './shellQuote.js';

/** Creates the job's run; returns its id and the spec the job runs with (`input`: the run's copy). */
export async function createJobRun(writer: StoreWriter, store: string, spec: JobSpec, input: string | undefined): Promise<{ runId: string; spec: JobSpec }> {
  const cell = checkCell(spec.cell);
  const script = cell ? null : await readJobScript(spec.command, spec.cwd ?? input ?? process.cwd());
  const runId = await writer.createRun({
    // eslint-disable-next-line no-control-regex
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
  // The run keeps its own copy of the input: the submitter may delete its folder, and a re-run needs it.
  const runInput = input === undefined ? undefined : path.join(store, 'runs', runId, 'input');
  if (input !== undefined && runInput !== undefined) await fs.cp(input, runInput, { recursive: true });
  return { runId, spec: { ...spec, input: runInput } };
}
