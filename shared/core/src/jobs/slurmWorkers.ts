// Jobs on a Slurm cluster: one sbatch job with --ntasks workers, each task's output straight into the
// run's log files (srun --output=.../w%t/stdout.log; the cluster shares this filesystem), its exit
// code in job/w<rank>.exit, its torchrun-compatible environment derived from Slurm's. The batch script
// is generated here; every user-given string in it is single-quoted.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { StoreError } from '../store/index.js';
import type { TargetConfig } from '../targets/targetsFile.js';
import { START_ENV_CAPTURE } from './envCapture.js';
import { shellQuote } from './shellQuote.js';

const run = promisify(execFile);

export interface SlurmLaunch {
  runDir: string;
  runId: string;
  storeDir: string;
  command: string[];
  workers: number;
  gpusPerWorker: number;
  cwd: string;
  env: Record<string, string>;
  /** Rank 0 records the run's env.json with this (envCapture.ts). */
  envCapture?: string;
}

// Each task: its rank from Slurm, then the command as "$@" (never re-parsed), then its exit code.
const TASK = [
  'export RANK="$SLURM_PROCID" LOCAL_RANK="$SLURM_LOCALID" WORLD_SIZE="$SLURM_NTASKS" LOCAL_WORLD_SIZE="$SLURM_NTASKS_PER_NODE"',
  'export RUNLANE_WORKER="w$SLURM_PROCID"',
  '[ "$SLURM_PROCID" = 0 ] || unset RUNLANE_ENV_CAPTURE',
  START_ENV_CAPTURE,
  '"$@"; code=$?',
  'printf "%s" "$code" > "$RUNLANE_EXIT_DIR/w$SLURM_PROCID.exit.tmp" && mv "$RUNLANE_EXIT_DIR/w$SLURM_PROCID.exit.tmp" "$RUNLANE_EXIT_DIR/w$SLURM_PROCID.exit"',
  'exit "$code"',
].join('; ');

function option(target: TargetConfig, name: string): string | undefined {
  const value = target.options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new StoreError('bad_query', `Target "${target.name}": ${name} must be a string.`);
  return value;
}

export function batchScript(target: TargetConfig, job: SlurmLaunch): string {
  const exitDir = path.join(job.runDir, 'job');
  const logs = path.join(job.runDir, 'logs');
  const extra = target.options.sbatch_options;
  if (extra !== undefined && !(Array.isArray(extra) && extra.every((o) => typeof o === 'string'))) {
    throw new StoreError('bad_query', `Target "${target.name}": sbatch_options must be a list of strings, like ["--time=01:00:00"].`);
  }
  const directives = [
    `--job-name=runlane-${job.runId}`,
    `--ntasks=${job.workers}`,
    `--output=${path.join(exitDir, 'batch.log')}`,
    ...(job.gpusPerWorker > 0 ? [`--gpus-per-task=${job.gpusPerWorker}`] : []),
    ...(option(target, 'partition') ? [`--partition=${option(target, 'partition')}`] : []),
    ...(option(target, 'account') ? [`--account=${option(target, 'account')}`] : []),
    ...(extra ?? []),
  ];
  // Slurm's nodes share the store's filesystem (a cluster's home or project folder), so workers write
  // their artifacts straight into the run.
  const output = path.join(job.storeDir, 'runs', job.runId, 'artifacts');
  const env = { ...job.env, ...(job.envCapture ? { RUNLANE_ENV_CAPTURE: job.envCapture } : {}), RUNLANE_DIR: job.storeDir, RUNLANE_RUN_ID: job.runId, RUNLANE_EXIT_DIR: exitDir, RUNLANE_OUTPUT_DIR: output, PYTHONUNBUFFERED: '1' };
  return [
    '#!/bin/sh',
    ...directives.map((d) => `#SBATCH ${shellQuote(d)}`),
    `cd ${shellQuote(job.cwd)} || exit 1`,
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    'mkdir -p "$RUNLANE_OUTPUT_DIR"',
    'export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
    'export MASTER_PORT="$((20000 + SLURM_JOB_ID % 20000))"',
    // --kill-on-bad-exit: a task that fails ends the others at once (as torchrun does), rather than
    // leaving them to hang in a collective until the time limit.
    `srun --kill-on-bad-exit=1 --output=${shellQuote(path.join(logs, 'w%t', 'stdout.log'))} --error=${shellQuote(path.join(logs, 'w%t', 'stderr.log'))} \\`,
    `  sh -c ${shellQuote(TASK)} runlane-worker ${job.command.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

/** Submits the job; returns Slurm's job id. */
export async function submitSlurmJob(target: TargetConfig, job: SlurmLaunch): Promise<string> {
  for (let rank = 0; rank < job.workers; rank++) mkdirSync(path.join(job.runDir, 'logs', `w${rank}`), { recursive: true });
  mkdirSync(path.join(job.runDir, 'job'), { recursive: true });
  const script = path.join(job.runDir, 'job', 'submit.sbatch');
  writeFileSync(script, batchScript(target, job), { mode: 0o700 });
  try {
    const { stdout } = await run('sbatch', ['--parsable', script], { timeout: 30_000 });
    return stdout.trim().split(';')[0]!;
  } catch (err) {
    const detail = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
    throw new StoreError('bad_query', `Slurm refused the job on target "${target.name}": ${detail || 'sbatch failed'}`);
  }
}

/** Slurm's state of a job (PENDING, RUNNING, ...), or null once it has left the queue. */
export async function slurmState(jobId: string): Promise<string | null> {
  try {
    const { stdout } = await run('squeue', ['-h', '-j', jobId, '-o', '%T'], { timeout: 15_000 });
    return stdout.trim() || null;
  } catch {
    return null; // squeue fails for job ids it no longer knows
  }
}

export async function cancelSlurmJob(jobId: string): Promise<void> {
  await run('scancel', [jobId], { timeout: 15_000 }).catch(() => undefined);
}

/** For `runlane targets`: can this machine talk to the cluster? */
export async function checkSlurm(): Promise<{ ok: boolean; detail: string }> {
  try {
    const { stdout } = await run('sinfo', ['-h', '-o', '%P %a %D %T %G'], { timeout: 15_000 });
    return { ok: true, detail: `sinfo: ${stdout.trim().split('\n').join('; ') || 'no partitions'}` };
  } catch (err) {
    return { ok: false, detail: `sinfo failed: ${((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0]}` };
  }
}
