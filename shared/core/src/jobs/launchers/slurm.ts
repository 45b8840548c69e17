// Jobs on a Slurm cluster that shares this filesystem: one sbatch job of N tasks (slurmWorkers.ts)
// whose tasks write the run's log and exit files themselves. Slurm keeps its own queue: the job is
// `queued` until squeue says it runs, and has ended once it has left the queue.
import * as path from 'node:path';
import { envCaptureCommand } from '../envCapture.js';
import { helperPath } from '../helperDir.js';
import { jobEnv } from '../jobSpec.js';
import type { TargetLauncher } from '../launcher.js';
import { cancelSlurmJob, checkSlurm, slurmState, submitSlurmJob } from '../slurmWorkers.js';

interface SlurmState {
  /** The cluster's job id (job.json's `slurm_job`, the run's param `slurm_job`). */
  jobId: string;
}

export const slurmLauncher: TargetLauncher<SlurmState> = {
  kind: 'slurm',
  localGpus: false,
  pollMs: 1000, // squeue asks the controller: once a second per job is plenty

  async describe(t) {
    return { name: t.name, kind: t.kind, gpus: t.gpus ?? [], ...(await checkSlurm()) };
  },

  async start(job, target, control) {
    control.status('queued');
    const jobId = await submitSlurmJob(target, {
      runDir: job.runDir,
      runId: job.runId,
      storeDir: job.store,
      command: job.spec.command,
      workers: job.spec.workers,
      gpusPerWorker: job.spec.gpusPerWorker,
      cwd: job.spec.cwd ?? process.cwd(),
      env: jobEnv(job.spec),
      envCapture: envCaptureCommand(job.spec.command, helperPath()),
    });
    job.workers = Array.from({ length: job.spec.workers }, (_, rank) => ({ rank, pid: 0, gpus: [], exitFile: path.join(job.runDir, 'job', `w${rank}.exit`) }));
    await control.save({ slurm_job: jobId });
    control.params({ slurm_job: jobId });
    return { status: 'queued', state: { jobId } };
  },

  async poll(_job, state) {
    const slurm = await slurmState(state.jobId);
    if (slurm === null) return 'ended';
    return slurm === 'PENDING' ? 'queued' : 'running';
  },

  async stop(_job, state) {
    await cancelSlurmJob(state.jobId);
  },

  async adopt(_job, file) {
    return { jobId: String(file.slurm_job) };
  },
};
