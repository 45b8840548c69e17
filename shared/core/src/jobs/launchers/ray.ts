// Jobs on a Ray cluster through its Jobs REST API (the dashboard): no Python Ray client in the daemon,
// no shared filesystem. A job of N workers is one Ray job whose entrypoint, the helper's driver
// (runlane/ray_driver.py), places the N workers with their CPUs and GPUs and frames their output on its
// own stdout; the daemon uploads the package (ray/rayPackage.ts), submits, follows the log over the
// tail WebSocket into logs/w<rank>/ (ray/rayTail.ts) and maps Ray's statuses: PENDING -> queued,
// RUNNING -> running (queued while the driver waits for resources), SUCCEEDED / FAILED -> the workers'
// exit codes (or Ray's reason when none ran), STOPPED -> cancelled. A cancel is Ray's stop: SIGTERM to
// the driver, which kills every worker's process group.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../../store/index.js';
import { findHelperDir } from '../helperDir.js';
import type { JobControl, TargetLauncher } from '../launcher.js';
import { shellQuote } from '../shellQuote.js';
import { exitCodes } from '../workerExits.js';
import { rayCluster, rayJob, stopRayJob, submitRayJob, uploadPackage, type RayJobInfo } from '../ray/rayApi.js';
import { buildRayPackage } from '../ray/rayPackage.js';
import { RayTail } from '../ray/rayTail.js';
import { rayTarget, type RayTarget } from '../ray/rayTarget.js';

/** The most a job's workers send back as files (artifacts, the result), in all (docs/jobs.md). */
export const RAY_OUTPUT_LIMIT_BYTES = 100 * 1024 * 1024;
/** After Ray says the job ended, how long the last lines may take to arrive before the job is closed. */
const TAIL_GRACE_MS = 5000;

interface RayState {
  target: RayTarget;
  submissionId: string;
  tail?: RayTail;
  control?: JobControl;
  /** When Ray was first seen saying the job ended. */
  endedAt?: number;
  ended?: RayJobInfo;
  /** The head did not answer a poll: said once in the run's notes, not each poll. */
  unreachable?: boolean;
}

/** What the run says when Ray ended the job before any worker could say how it went. */
export function rayFailure(t: RayTarget, info: RayJobInfo): string {
  const lines = (info.message ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const last = lines.find((l) => /not found|No such file|Permission denied/.test(l)) ?? lines.filter((l) => !/^(Traceback|File |\^)/.test(l)).pop() ?? lines.pop() ?? 'no reason given';
  if (info.error_type === 'RUNTIME_ENV_SETUP_FAILURE') return `Ray could not set up the job's runtime environment on the cluster: ${last}`;
  if (info.error_type === 'JOB_ENTRYPOINT_COMMAND_ERROR' && (info.driver_exit_code === 127 || info.driver_exit_code === 126)) {
    return `The cluster cannot run ${t.python} (${last}); set python = "..." on target "${t.name}" to an interpreter that exists on the cluster's nodes.`;
  }
  return `The Ray job failed before its workers reported (${info.error_type ?? 'FAILED'}): ${last}`;
}

export const rayLauncher: TargetLauncher<RayState> = {
  kind: 'ray',
  localGpus: false,
  pollMs: 1000, // the head's dashboard is asked once a second per job; the output comes by the tail

  async describe(t) {
    try {
      const target = rayTarget(t);
      const c = await rayCluster(target);
      const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
      const detail = `${target.address}, Ray ${c.rayVersion}, ${plural(c.nodes, 'node')}, ${c.gpus.free} of ${plural(c.gpus.total, 'GPU')} free, ${c.cpus.free} of ${plural(c.cpus.total, 'CPU')} free`;
      return { name: t.name, kind: t.kind, gpus: [], ok: true, detail, python: target.python };
    } catch (err) {
      return { name: t.name, kind: t.kind, gpus: [], ok: false, detail: (err as Error).message };
    }
  },

  async check(target) {
    await rayCluster(rayTarget(target)); // unreachable, or a refused token: said before any run exists
  },

  async start(job, target, control) {
    const t = rayTarget(target);
    const gpus = job.spec.gpusPerWorker > 0 ? job.spec.gpusPerWorker : t.gpus;
    const cluster = await rayCluster(t);
    // A request the cluster can never meet is refused now; one it can meet later waits in Ray, queued.
    for (const [what, each, have] of [['GPU', gpus, cluster.gpus.total], ['CPU', t.cpus, cluster.cpus.total]] as const) {
      if (each * job.spec.workers > have) {
        throw new StoreError('bad_query', `The Ray cluster at ${t.address} has ${have} ${what}s in all; this job asks for ${each * job.spec.workers} (${job.spec.workers} workers x ${each}). Ask for fewer, or add nodes with ${what}s to the cluster.`);
      }
    }
    control.status('queued');
    const env = { ...t.envVars, ...job.spec.env, RUNLANE_RUN_ID: job.runId, RUNLANE_METRICS: 'stdout', PYTHONUNBUFFERED: '1' };
    // A cell job runs the helper's worker on the cell's input; a script job its command, in the
    // folder of the files it named (staged as the input by `runlane launch`), else the package's.
    const [, flag, module] = job.spec.command;
    const cell = job.spec.cell || (flag === '-m' && module === 'runlane.worker') ? { input: 'input' } : null;
    const cwd = !cell && job.spec.input ? 'input' : null;
    const spec = { run_id: job.runId, workers: job.spec.workers, gpus_per_worker: gpus, cpus_per_worker: t.cpus, command: cell ? null : job.spec.command, cell, cwd, env, output_limit_bytes: RAY_OUTPUT_LIMIT_BYTES };
    const pkg = await buildRayPackage(findHelperDir(), spec, readFileSync(path.join(job.runDir, 'meta.json')), job.spec.input);
    await uploadPackage(t, pkg.name, pkg.zip);
    const submissionId = `runlane-${job.runId}`;
    job.workers = Array.from({ length: job.spec.workers }, (_, rank) => ({ rank, pid: 0, gpus: [], exitFile: path.join(job.runDir, 'job', `w${rank}.exit`) }));
    // Saved before the submission: a daemon that stops in between leaves a job the next one finds.
    await control.save({ ray_submission: submissionId, ray_address: t.address });
    control.params({ ray_job: submissionId, ...(gpus !== job.spec.gpusPerWorker ? { gpus_per_worker: gpus } : {}) }); // the target's default GPUs
    await submitRayJob(t, {
      // Ray runs the entrypoint through /bin/sh: the interpreter's path is quoted.
      entrypoint: `${shellQuote(t.python)} -m runlane.ray_driver spec.json`,
      submission_id: submissionId,
      // No dedup (it merges lines that differ in numbers), no colour, no buffering: the workers' lines as printed.
      runtime_env: { working_dir: `gcs://${pkg.name}`, env_vars: { ...t.envVars, RAY_DEDUP_LOGS: '0', RAY_COLOR_PREFIX: '0', PYTHONUNBUFFERED: '1' } },
      metadata: { runlane_run: job.runId },
    });
    return { status: 'queued', state: { target: t, submissionId } };
  },

  follow(job, state, control) {
    state.control = control;
    state.tail = new RayTail(state.target, state.submissionId, job.runDir, job.store, job.runId, { note: (m) => control.note(m), exited: () => control.wake(), placed: () => control.status('running') });
    state.tail.start();
  },

  async poll(_job, state) {
    let info: RayJobInfo | null;
    try {
      info = await rayJob(state.target, state.submissionId);
      state.unreachable = false;
    } catch (err) {
      if (!state.unreachable) state.control?.note(`${(err as Error).message} The job goes on there; Runlane keeps asking.`);
      state.unreachable = true;
      return state.tail?.placed ? 'running' : 'queued';
    }
    if (info === null) info = { status: 'FAILED', error_type: 'UNKNOWN_JOB', message: `The Ray cluster at ${state.target.address} no longer knows job ${state.submissionId} (the cluster restarted, or the job was deleted).` };
    if (info.status === 'PENDING') return 'queued';
    // Running once the driver has placed every worker (it says so, or a worker speaks): until then it waits for resources.
    if (info.status === 'RUNNING') return state.tail?.placed ? 'running' : 'queued';
    state.endedAt ??= Date.now();
    state.ended = info;
    state.tail?.retry();
    if (state.tail && !state.tail.complete && Date.now() - state.endedAt < TAIL_GRACE_MS) return 'running';
    return 'ended';
  },

  async stop(_job, state) {
    await stopRayJob(state.target, state.submissionId);
  },

  async collect(job, state, control) {
    state.tail?.close();
    await state.tail?.settle();
    const info = state.ended;
    const codes = exitCodes(job.workers);
    if (!info) return;
    if (info.status === 'STOPPED' && !codes.some((c) => c !== null && c !== 0)) control.end({ status: 'cancelled' });
    else if (info.status === 'FAILED' && codes.every((c) => c === null)) {
      const tail = state.tail?.rayLines.slice(-5).join('\n');
      control.end({ status: 'failed', error: `${rayFailure(state.target, info)}${tail && info.error_type !== 'RUNTIME_ENV_SETUP_FAILURE' ? `\nRay's last lines:\n${tail}` : ''}` });
    }
  },

  async adopt(_job, file, target) {
    if (target?.kind !== 'ray') {
      throw new Error(`This job's target "${file.spec.target}" is no longer declared, so Ray job ${String(file.ray_submission)} cannot be followed; declare it again in runlane.toml and restart the daemon.`);
    }
    return { target: rayTarget(target), submissionId: String(file.ray_submission) };
  },

  detach(state) {
    state.tail?.close(); // the job runs on; the next daemon resumes its log from the checkpoint
  },
};
