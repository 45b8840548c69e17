// The seam between the job manager and the places jobs run. The manager (jobManager.ts) keeps what
// every kind shares: the spec checks, this machine's GPUs and their FIFO queue, the run's status from
// the workers' exit codes (a failing worker stops the others), and job.json. A launcher knows one
// target kind: how to start workers there, follow their output, ask how the job is doing, stop it,
// and pick it up again after a daemon restart.
import type { JobSpec, TargetInfo } from '@runlane/protocol';
import type { TargetConfig } from '../targets/targetsFile.js';

/** One worker of a job, as job.json keeps it. */
export interface WorkerRecord {
  rank: number;
  /** The worker's process group on this machine; 0 where it runs elsewhere (Slurm, an SSH host). */
  pid: number;
  gpus: string[];
  /** The local file its exit code appears in (job/w<rank>.exit in the run folder). */
  exitFile: string;
}

/** A job as a launcher sees it: the manager's record of it, whose `workers` the launcher fills in. */
export interface LaunchedJob {
  readonly store: string;
  readonly runId: string;
  /** The run's folder: logs/w<rank>/{stdout,stderr}.log, job/, artifacts/ are written here. */
  readonly runDir: string;
  readonly spec: JobSpec;
  /** Each rank's GPUs from this machine's pool (launchers with `localGpus`); empty lists otherwise. */
  readonly gpusByRank: string[][];
  workers: WorkerRecord[];
}

/** What a launcher may ask of the manager while it starts or follows a job. */
export interface JobControl {
  /** Records the run's status: `queued` while the target holds the job back, `running` once it runs. */
  status(status: 'queued' | 'running'): void;
  /**
   * Writes job.json (the manager is its one writer): the spec, `workers` as they are now, and the
   * launcher's own fields, flat beside them (a Slurm job id), which `adopt` reads back.
   */
  save(fields?: Record<string, unknown>): Promise<void>;
  /** Adds to the run's params (what the target calls the job, e.g. `slurm_job`). */
  params(params: Record<string, unknown>): void;
  /** A line of Runlane's own in the run's output (an artifact that could not be copied back). */
  note(message: string): void;
  /** Asks the manager to look at the job now rather than at its next poll (a worker exited). */
  wake(): void;
  /**
   * How the job ended when its workers could not say (no exit codes): the target stopped it
   * (`cancelled`), or failed it before they ran (`failed`, with the target's reason). Used unless the
   * job was cancelled here or a worker's failure already decided it.
   */
  end(outcome: { status: 'failed' | 'cancelled'; error?: string }): void;
}

/** job.json: written by the manager's `save`, read back by `adopt` and by re-runs. */
export interface JobFile {
  spec: JobSpec;
  store: string;
  workers: WorkerRecord[];
  started_at: number;
  /** The target kind (absent in files written before launchers: see launchers/index.ts). */
  kind?: string;
  /** The launchers' own fields (`slurm_job`, `ssh_host`). */
  [field: string]: unknown;
}

/** How a job stands, as its launcher sees it. `ended`: every worker is done (exit codes are in). */
export type JobPhase = 'queued' | 'running' | 'ended';

/**
 * Thrown by `start` when the job could not start for a reason of its own (a missing working folder):
 * the run ends failed with this message, and the submission still succeeds. Any other error also
 * fails the run, and refuses the submission with its message (the target refused the job).
 */
export class RunFailed extends Error {}

/**
 * One target kind. To add a kind (Ray, say): write launchers/<kind>.ts implementing this, with its
 * tests; register it in the map of launchers/index.ts (kind -> launcher), and name the kind in
 * TARGET_KINDS (shared/protocol/src/jobs.ts), which the targets file accepts and the map must cover.
 * The manager, the daemon's target list and job.json reach launchers only through that map and this
 * interface. A target with no shared filesystem (SSH, Ray) brings the output in `follow` (mirrored,
 * or demuxed from a log stream into logs/w<rank>/), writes the exit files as it learns the codes,
 * and saves in job.json whatever finds the job again (a host, a submission id).
 *
 * The contract every launcher keeps, whatever the target:
 * - each worker's output lands in the run's logs/w<rank>/stdout.log and stderr.log (written there by
 *   the workers, mirrored from a host, or demuxed from a stream), and its metrics reach the run
 *   (straight into the store, or in-band on stdout: inbandMetrics.ts);
 * - each worker's exit code appears in its `exitFile` (the manager reads them to fail fast and to
 *   decide the run's status), written atomically, once; none means killed or lost;
 * - `start` and `adopt` leave the job followable with nothing but job.json and the run folder, so a
 *   restarted daemon picks it up (workers outlive daemons).
 *
 * `State` is the launcher's own per-job state (a Slurm job id, an SSH host and its mirror); the
 * manager keeps it and hands it back, never looking inside.
 */
export interface TargetLauncher<State = unknown> {
  readonly kind: string;
  /**
   * Jobs use this machine's GPUs (the target's `gpus`, else the ones detected): the manager gives
   * each rank its own and queues a job that does not fit. False where the target schedules them.
   */
  readonly localGpus: boolean;
  /** The least time between two `poll`s of one job (ms): a cluster's scheduler is asked sparingly. */
  readonly pollMs: number;
  /**
   * The submission is answered (`queued`) once `check` has passed and the run exists, and `start` goes on
   * after it: a start that takes seconds (copies over SSH) then overlaps the next submission's (a sweep's
   * parallel trials). A start that fails fails the run instead of refusing the submission, so `check`
   * must catch what the target refuses outright (a host down, no Python).
   */
  readonly startsInBackground?: boolean;
  /** For `runlane targets` and the editors' target lists: usable or not, and why, as a sentence. */
  describe(target: TargetConfig): Promise<TargetInfo>;
  /** Before any run exists: throws a StoreError sentence when the target cannot take jobs now. */
  check?(target: TargetConfig): Promise<void>;
  /**
   * Starts the job's workers (or hands the job to the target's scheduler): records the status and
   * job.json through `control`, fills in `job.workers`, and resolves with the status reached. On an
   * error the manager fails the run with its message (see RunFailed).
   */
  start(job: LaunchedJob, target: TargetConfig, control: JobControl): Promise<{ status: 'queued' | 'running'; state: State }>;
  /** Starts bringing the workers' output here, after `start` and after `adopt`, if it does not come by itself. */
  follow?(job: LaunchedJob, state: State, control: JobControl): void;
  /** How the job stands now; `codes` are the workers' exit codes read from their exit files. */
  poll(job: LaunchedJob, state: State, codes: (number | null)[]): Promise<JobPhase>;
  /** Stops every worker still running (a cancel, or a worker failed); returns without waiting for them. */
  stop(job: LaunchedJob, state: State): Promise<void>;
  /** After `ended`, before the run's status: the last output and the artifacts come back. */
  collect?(job: LaunchedJob, state: State, control: JobControl): Promise<void>;
  /**
   * A job a previous daemon left running, from its job.json (`target`: its declaration now, if it is
   * still declared). Throws a sentence when it cannot be followed: the run then fails with it.
   */
  adopt(job: LaunchedJob, file: JobFile, target: TargetConfig | undefined): Promise<State>;
  /** The daemon is closing: let go of the job (connections), leaving its workers to the next daemon. */
  detach?(state: State): void;
}
