// `runlane sweep --on TARGET --trials N --parallel P --metric KEY --mode min|max --param "lr=loguniform(1e-4,1e-1)"
// ... [--json] -- python train.py --lr {lr}`: a hyperparameter sweep (docs/sweeps.md). The space is
// checked by the Python that will run the sweep (`python -m runlane.sweep.check`: one parser and one
// set of sentences with `%%runlane sweep`), then the controller is submitted as a job of the daemon
// (`python -m runlane.sweep.controller`), which submits each trial as a job. `{name}` in the command
// is filled per trial inside one argument: no shell ever sees a value.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FINAL_STATUSES, type RunSummary } from '@runlane/protocol';
import { DaemonClient } from '../client/daemonClient.js';
import { helperPath } from '../jobs/helperDir.js';
import { findStoreDir } from '../store/index.js';
import { callerEnvironment, exitCodeOf } from './jobs.js';
import { followRun } from './logs.js';
import { namedPaths } from './stageFiles.js';
import { AmbiguousRunId, storeRunId } from './runIds.js';

const USAGE = 'runlane sweep [--on TARGET] --trials N [--parallel P] --metric KEY [--mode min|max] --param "NAME=RANGE"... [--sampler tpe|random|grid] [--pruner median|hyperband|none] [--warmup STEP] [--seed N] [--gpus G] [--json] -- COMMAND...';

export class SweepUsageError extends Error {}

/** Runs `runlane sweep` with its own arguments (after the word `sweep`); returns the exit code (2: usage). */
export async function sweepCommand(argv: string[]): Promise<number> {
  try {
    return await sweep(argv);
  } catch (err) {
    process.stderr.write(`runlane: ${(err as Error).message}\n`);
    return err instanceof SweepUsageError || err instanceof AmbiguousRunId || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

function whole(raw: string | undefined, name: string, fallback: number | null): number | null {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) throw new SweepUsageError(`--${name} takes a whole number, not "${raw}".`);
  return n;
}

/** The Python that runs the controller and the checks: $RUNLANE_PYTHON, else python3 on the caller's PATH. */
function python(): string {
  return process.env.RUNLANE_PYTHON || 'python3';
}

/** The caller's environment for the controller, with the daemon's copy of the helper importable. */
function controllerEnv(): Record<string, string> {
  const env = callerEnvironment();
  const helper = helperPath();
  if (helper) env.PYTHONPATH = env.PYTHONPATH ? `${helper}${path.delimiter}${env.PYTHONPATH}` : helper;
  return env;
}

function checkSpace(request: unknown, env: Record<string, string>): Record<string, unknown> {
  const done = spawnSync(python(), ['-m', 'runlane.sweep.check'], { input: JSON.stringify(request), env: { ...process.env, ...env }, encoding: 'utf8' });
  if (done.error) throw new SweepUsageError(`Sweeps run with Python (${python()}), which could not be started: ${done.error.message}. Put python3 on PATH or set RUNLANE_PYTHON.`);
  if (done.status === 2) throw new SweepUsageError(done.stderr.trim());
  if (done.status !== 0) throw new Error(`The sweep's checks failed: ${done.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  return JSON.parse(done.stdout) as Record<string, unknown>;
}

async function sweep(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      on: { type: 'string' }, trials: { type: 'string' }, parallel: { type: 'string' }, metric: { type: 'string' },
      mode: { type: 'string' }, param: { type: 'string', multiple: true }, sampler: { type: 'string' },
      pruner: { type: 'string' }, warmup: { type: 'string' }, seed: { type: 'string' }, gpus: { type: 'string' }, workers: { type: 'string' },
      name: { type: 'string' }, experiment: { type: 'string' }, json: { type: 'boolean' }, detach: { type: 'boolean' },
      dir: { type: 'string' }, resume: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return process.stdout.write(`Usage: ${USAGE}\n       runlane sweep --resume SWEEP [--json]\n`), 0;
  if (values.resume !== undefined) {
    const storeDir = values.dir ?? findStoreDir(process.cwd());
    return resume(storeDir, await storeRunId(storeDir, values.resume), values.json ?? false); // a short id too (runIds.ts)
  }
  values.on ??= 'local'; // as `%%runlane sweep` and docs/sweeps.md: trials run on this machine unless told
  if (positionals.length === 0) throw new SweepUsageError(`Missing the command each trial runs, after --: ${USAGE}`);
  const settings = {
    trials: whole(values.trials, 'trials', 10),
    parallel: whole(values.parallel, 'parallel', 1),
    metric: values.metric ?? null,
    mode: values.mode ?? 'min',
    sampler: values.sampler ?? 'tpe',
    pruner: values.pruner ?? 'median',
    warmup: whole(values.warmup, 'warmup', 1),
    seed: whole(values.seed, 'seed', null),
  };
  const env = controllerEnv();
  const space = checkSpace({ params: values.param ?? [], command: positionals, settings }, env);
  const storeDir = values.dir ?? findStoreDir(process.cwd());
  const client = await DaemonClient.connect({ store: storeDir });
  const kind = (await client.target(values.on))?.kind;
  if (kind === undefined) throw new SweepUsageError(`No target "${values.on}" (see \`runlane targets\`).`);
  const remote = kind === 'ssh' || kind === 'ray';
  const name = values.name ?? `sweep: ${positionals.slice(0, 2).map((a) => path.basename(a)).join(' ')}`;
  // The sweep's input folder holds its spec and, for a remote target, the files the command names
  // (as `runlane launch` takes them): every trial gets a copy, and starts in it on the host.
  const input = mkdtempSync(path.join(os.tmpdir(), 'runlane-sweep-'));
  let created;
  try {
    if (remote) stageInto(input, positionals, process.cwd());
    const trial = {
      command: positionals, fill_command: true, workers: whole(values.workers, 'workers', 1), gpus: whole(values.gpus, 'gpus', 0),
      cwd: remote ? undefined : process.cwd(), env: remote ? undefined : callerEnvironment(), use_sweep_input: remote,
      target: values.on, experiment: values.experiment,
    };
    writeFileSync(path.join(input, 'sweep.json'), JSON.stringify({ ...settings, name, space, trial }));
    created = await client.submitJob({
      target: 'local', command: [python(), '-m', 'runlane.sweep.controller'], workers: 1, gpusPerWorker: 0, name,
      experiment: values.experiment, cwd: process.cwd(), env, input, params: { 'sweep.target': values.on, 'sweep.trials': settings.trials },
    });
  } finally {
    rmSync(input, { recursive: true, force: true }); // the sweep run keeps its own copy
  }
  const id = created.run_id;
  await client.request(`/runs/${encodeURIComponent(id)}`, {}, { tags: { [ROLE_TAG]: 'sweep' } }, 'PATCH');
  if (values.detach) return process.stdout.write(`${id}\n`), 0;
  process.stderr.write(`runlane: sweep ${id}: ${settings.trials} trials, ${settings.parallel} at once, on ${values.on}; Ctrl-C cancels it and every trial.\n`);
  return follow(client, storeDir, id, values.json ?? false);
}

const ROLE_TAG = 'runlane.sweep.role';

/**
 * `--resume SWEEP`: a sweep that did not finish goes on in a new sweep run, the daemon's re-run of
 * its job (same spec, same input) told which study to continue (runlane/sweep/resume.py does the same
 * for `%runlane resume`): finished trials are not run again.
 */
async function resume(storeDir: string, sweepId: string, json: boolean): Promise<number> {
  const client = await DaemonClient.connect({ store: storeDir });
  const run = await client.request<RunSummary>(`/runs/${encodeURIComponent(sweepId)}`);
  if (run.tags[ROLE_TAG] !== 'sweep') throw new SweepUsageError(`Run ${sweepId} is not a sweep (sweeps have the tag ${ROLE_TAG}).`);
  if (run.status === 'queued' || run.status === 'running') throw new SweepUsageError(`Sweep ${sweepId} is still running: follow it with runlane attach ${sweepId}.`);
  if (run.status === 'finished') throw new SweepUsageError(`Sweep ${sweepId} finished: every trial is done, there is nothing to resume.`);
  const root = typeof run.params['sweep.resume_of'] === 'string' ? run.params['sweep.resume_of'] : sweepId;
  const created = await client.request<{ run_id: string }>(`/runs/${encodeURIComponent(sweepId)}/rerun`, {}, { params: { 'sweep.resume_of': root, 'sweep.resumed_from': sweepId } });
  await client.request(`/runs/${encodeURIComponent(created.run_id)}`, {}, { tags: { [ROLE_TAG]: 'sweep' } }, 'PATCH');
  process.stderr.write(`runlane: sweep ${created.run_id} resumes sweep ${sweepId}; Ctrl-C cancels it and every trial.\n`);
  return follow(client, storeDir, created.run_id, json);
}

async function follow(client: DaemonClient, storeDir: string, id: string, json: boolean): Promise<number> {
  const end = json ? await waitQuietly(client, id, () => client.cancelJob(id)) : await followRun(storeDir, id, { prefix: false }, () => client.cancelJob(id));
  if (json) process.stdout.write(`${readFileSafe(path.join(storeDir, 'runs', id, 'sweep', 'result.json')) ?? JSON.stringify({ sweep: id, trials: [], best: null })}\n`);
  if (end.status !== 'finished') process.stderr.write(`runlane: sweep ${id} ${end.status}${end.error ? `: ${end.error.split('\n')[0]}` : ''}\n`);
  return exitCodeOf(end);
}

function stageInto(dir: string, argv: string[], cwd: string): void {
  for (const rel of namedPaths(argv, cwd)) {
    const to = path.join(dir, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(path.join(cwd, rel), to, { recursive: statSync(path.join(cwd, rel)).isDirectory(), dereference: true });
  }
}

function readFileSafe(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** --json: stdout is for the result alone, so the sweep's lines are not printed; Ctrl-C still cancels. */
async function waitQuietly(client: DaemonClient, id: string, cancel: () => Promise<void>): Promise<RunSummary> {
  const onInt = (): void => void cancel().catch(() => undefined);
  process.on('SIGINT', onInt);
  try {
    for (;;) {
      const run = await client.request<RunSummary>(`/runs/${encodeURIComponent(id)}`);
      if (FINAL_STATUSES.includes(run.status)) return run;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    process.off('SIGINT', onInt);
  }
}
