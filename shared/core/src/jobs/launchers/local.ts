// Jobs on this machine: each worker in its own process group, writing its output straight into the
// run's log files and its exit code into its exit file (localWorkers.ts), so it outlives the daemon.
// GPUs come from the manager's pool (`localGpus`), one set per rank.
import { processIsAlive } from '../../processAlive.js';
import { detectLocalGpus } from '../../targets/localGpus.js';
import { envCaptureCommand } from '../envCapture.js';
import { helperPath } from '../helperDir.js';
import { jobEnv } from '../jobSpec.js';
import { RunFailed, type TargetLauncher } from '../launcher.js';
import { signalGroup, startLocalWorkers } from '../localWorkers.js';
import { sweepEnvCopy } from '../sweepEnv.js';

/** A stopped worker's grace between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 3000;

export const localLauncher: TargetLauncher<undefined> = {
  kind: 'local',
  localGpus: true,
  pollMs: 0, // a process table lookup: every tick

  async describe(t) {
    const gpus = t.gpus ?? detectLocalGpus();
    return { name: t.name, kind: t.kind, gpus, ok: true, detail: gpus.length ? `this machine, GPUs ${gpus.join(', ')}` : 'this machine, no GPUs' };
  },

  async start(job, _target, control) {
    control.status('running');
    try {
      const cwd = job.spec.cwd ?? process.cwd();
      const capture = envCaptureCommand(job.spec.command, helperPath());
      // A sweep's later trials copy its first trial's env.json instead of capturing it again (sweepEnv.ts).
      const copy = capture === undefined ? null : await sweepEnvCopy({ runDir: job.runDir, env: job.spec.env, cwd, gpusByRank: job.gpusByRank }, capture);
      const started = await startLocalWorkers({
        runDir: job.runDir,
        runId: job.runId,
        storeDir: job.store,
        command: job.spec.command,
        gpusByRank: job.gpusByRank,
        cwd,
        env: jobEnv(job.spec),
        envCapture: copy ? undefined : capture,
      });
      job.workers = started.map((s) => s.record);
      // Exits are noticed at once through the children's events, and by the manager's poll as well: a
      // worker that ends while the others are still starting has exited before any listener exists.
      for (const s of started) {
        if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
        s.child.once('exit', () => control.wake());
      }
      await control.save();
      void copy?.();
    } catch (err) {
      throw new RunFailed(`The job could not start: ${(err as Error).message}`);
    }
    return { status: 'running', state: undefined };
  },

  async poll(job) {
    return job.workers.some((w) => processIsAlive(w.pid)) ? 'running' : 'ended';
  },

  async stop(job) {
    for (const w of job.workers) signalGroup(w.pid, 'SIGTERM');
    setTimeout(() => job.workers.forEach((w) => signalGroup(w.pid, 'SIGKILL')), KILL_GRACE_MS).unref();
  },

  async adopt() {
    return undefined; // the workers' pids and exit files are all in job.json
  },
};
