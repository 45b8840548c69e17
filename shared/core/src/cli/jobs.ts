// `runlane launch | attach | cancel | targets`: jobs through the daemon, which owns them (they
// outlive this command, the editor and the kernel).
import { rmSync } from 'node:fs';
import type { RunSummary } from '@runlane/protocol';
import { DaemonClient } from '../client/daemonClient.js';
import { table } from './format.js';
import { followRun } from './logs.js';
import { stageNamedFiles } from './stageFiles.js';

export interface LaunchArgs {
  storeDir: string;
  target: string;
  command: string[];
  workers: number;
  gpus: number;
  name?: string;
  experiment?: string;
  detach: boolean;
}

/** The exit code a job's end maps to: its own exit code, 130 when cancelled. */
export function exitCodeOf(run: RunSummary): number {
  if (run.status === 'finished') return 0;
  if (run.status === 'cancelled' || run.status === 'interrupted') return 130;
  return run.exit_code && run.exit_code > 0 ? run.exit_code : 1;
}

export async function launch(args: LaunchArgs): Promise<number> {
  const client = await DaemonClient.connect({ store: args.storeDir });
  // Local and Slurm workers start in this folder (Slurm's nodes share it); an SSH host or a Ray
  // cluster gets the files the command names, and its workers start in the run's input folder there.
  const kind = (await client.target(args.target))?.kind;
  const remote = kind === 'ssh' || kind === 'ray';
  const input = remote ? stageNamedFiles(args.command, process.cwd()) : null;
  let created;
  try {
    created = await client.submitJob({
      target: args.target,
      command: args.command,
      workers: args.workers,
      gpusPerWorker: args.gpus,
      name: args.name,
      experiment: args.experiment,
      cwd: remote ? undefined : process.cwd(),
      env: remote ? undefined : callerEnvironment(),
      input: input ?? undefined,
    });
  } finally {
    if (input) rmSync(input, { recursive: true, force: true }); // the run keeps its own copy
  }
  if (args.detach) {
    process.stdout.write(`${created.run_id}\n`);
    return 0;
  }
  process.stderr.write(`runlane: job ${created.run_id} ${created.status} on ${args.target} (${args.workers} worker${args.workers > 1 ? 's' : ''}); Ctrl-C cancels it.\n`);
  return finish(await followRun(args.storeDir, created.run_id, { prefix: true }, () => client.cancelJob(created.run_id)));
}

/**
 * What decides which `python` (or other program) a command names: the caller's PATH and active
 * environment. The daemon was started by whoever needed it first (a kernel, an editor) with its own
 * PATH, so `runlane launch -- python train.py` from an activated venv ran the daemon's Python without
 * the venv's packages. Local and Slurm workers get these from the shell that launched them, as if
 * the command ran there; an SSH host keeps its own.
 */
export function callerEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const names = ['PATH', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'CONDA_DEFAULT_ENV', 'PYTHONPATH'];
  return Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]]] : [])));
}

export async function attach(storeDir: string, id: string): Promise<number> {
  const client = await DaemonClient.connect({ store: storeDir });
  return finish(await followRun(storeDir, id, { prefix: true }, () => client.cancelJob(id)));
}

function finish(run: RunSummary): number {
  const code = exitCodeOf(run);
  if (run.status !== 'finished') process.stderr.write(`runlane: job ${run.id} ${run.status}${run.error ? `: ${run.error.split('\n')[0]}` : ''}\n`);
  return code;
}

export async function cancel(storeDir: string, id: string): Promise<number> {
  const client = await DaemonClient.connect({ store: storeDir });
  await client.cancelJob(id);
  process.stdout.write(`Cancelling ${id}: its workers get SIGTERM, then SIGKILL after 3 s.\n`);
  return 0;
}

export async function targets(storeDir: string, json: boolean): Promise<number> {
  const client = await DaemonClient.connect({ store: storeDir });
  const list = await client.targets();
  if (json) process.stdout.write(`${JSON.stringify(list, null, 1)}\n`);
  else process.stdout.write(`${table(['NAME', 'KIND', 'GPUS', 'STATE'], list.map((t) => [t.name, t.kind, t.gpus.join(',') || '-', `${t.ok ? 'ok' : 'unavailable'}: ${t.detail}`]))}\n`);
  return list.every((t) => t.ok) ? 0 : 1;
}
