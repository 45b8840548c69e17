// Jobs on every target kind, each through its launcher (launcher.ts; launchers/: local, slurm, ssh).
// This file keeps what every kind shares: the checks that need the daemon (the target, its GPUs, the
// input folder), this machine's GPUs with a FIFO queue (a job never oversubscribes GPUs; it waits,
// shown as `queued`), the run's status from the workers' exit codes (a failing worker stops the
// others, as torchrun does), and job.json, which lets a restarted daemon re-adopt workers that
// outlived it.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { JobCreated, JobSpec, RunSummary } from '@runlane/protocol';
import { StoreError, StoreWriter, StoreReader } from '../store/index.js';
import { writeFileAtomic } from '../store/atomicFile.js';
import type { TargetConfig } from '../targets/targetsFile.js';
import { cancelRecorded, recordCancel, sweepCancelled, sweepOf } from './cancelRecord.js';
import { GpuPool } from './gpuPool.js';
import { createJobRun, rerunSpec } from './jobRun.js';
import { checkInput } from './jobSpec.js';
import { RunFailed, type JobControl, type JobFile, type LaunchedJob, type TargetLauncher } from './launcher.js';
import { jobFileKind, launcherFor } from './launchers/index.js';
import { JobsLocks } from './jobsLock.js';
import { closeSharedSsh } from './sshShared.js';
import { endStatus, exitCodes, firstFailure } from './workerExits.js';

const POLL_MS = 200;
/** How often a daemon that only shows a store's jobs tries to take them over (their daemon may have exited). */
const CLAIM_RETRY_MS = 2_000;

interface Job extends LaunchedJob {
  /** The target's name; `launcher` is its kind's. */
  target: string;
  launcher: TargetLauncher;
  /** The launcher's own state, set once `start` or `adopt` has returned (`started`). */
  state: unknown;
  started: boolean;
  gpusByRank: string[][];
  /** This machine's GPUs the job holds (launchers with `localGpus`). */
  gpus: string[];
  cancelled: boolean;
  done: boolean;
  /** Whether `running` was recorded (a job the target holds back starts `queued`). */
  running: boolean;
  /** A worker failed and the others are being stopped: the run fails with the first failure. */
  failing?: boolean;
  /** The index of the worker whose failure was seen first (the one that made the others stop). */
  firstFailed?: number;
  /** How the target says the job ended, when its workers could not (JobControl.end). */
  outcome?: { status: 'failed' | 'cancelled'; error?: string };
  /** A poll (or the job's end) is in progress: the poller must not stack them. */
  busy: boolean;
  lastPoll: number;
}

export class JobManager {
  private readonly jobs = new Map<string, Job>(); // run id -> job (running or queued)
  private readonly queue: Job[] = [];
  private readonly gpus = new GpuPool();
  private readonly writers = new Map<string, Promise<StoreWriter>>();
  private poller: NodeJS.Timeout | null = null;
  /** Which stores' jobs this daemon runs (jobsLock.ts): another daemon may hold a store's. */
  private readonly locks = new JobsLocks();
  /** Stores opened while another daemon held their jobs lock: retried, and adopted once it is free. */
  private readonly refused = new Set<string>();
  private claimTimer: NodeJS.Timeout | null = null;
  /** After close, workers still running are left to the next daemon, which re-adopts them. */
  private closed = false;

  constructor(
    private readonly targetsFor: (store: string, targetsFile?: string) => TargetConfig[],
    /** The launcher of each target kind: the registry (launchers/index.ts); a test may bring its own. */
    private readonly launcherOf: (kind: string) => TargetLauncher = launcherFor,
  ) {}

  /** Jobs running or queued: the daemon does not exit while there are any. */
  get activeCount(): number {
    return this.jobs.size;
  }

  /** Submits a job whose fields have the right shapes (parseJobSpec in jobSpec.ts checks a request's). */
  async submit(store: string, spec: JobSpec): Promise<JobCreated> {
    if (spec.targetsFile !== undefined && !existsSync(spec.targetsFile)) {
      throw new StoreError('bad_query', `The targets file ${spec.targetsFile} does not exist (give an absolute path to a runlane.toml).`);
    }
    const declared = this.targetsFor(store, spec.targetsFile);
    const target = declared.find((t) => t.name === spec.target);
    if (!target) {
      const names = declared.map((t) => t.name).join(', ');
      throw new StoreError('bad_query', `No target "${spec.target}". Targets: ${names} (declare more in runlane.toml).`);
    }
    const launcher = this.launcherOf(target.kind);
    await launcher.check?.(target);
    const workers = spec.workers ?? 1;
    const perWorker = spec.gpusPerWorker ?? 0;
    const pool = launcher.localGpus ? this.gpus.all(target) : [];
    if (launcher.localGpus && workers * perWorker > pool.length) {
      throw new StoreError('bad_query', `Target "${target.name}" has ${pool.length} GPU(s); this job asks for ${workers * perWorker}${workers > 1 ? ` (${workers} workers x ${perWorker})` : ''}.`);
    }
    const input = spec.input === undefined ? undefined : checkInput(spec.input);
    await this.writer(store); // makes the store when it is new, so that its jobs lock can be taken
    await this.own(store); // before the run exists: a refused job leaves nothing behind
    const created = await createJobRun(await this.writer(store), store, { ...spec, workers, gpusPerWorker: perWorker }, input);
    const job = this.record(store, created.runId, created.spec, launcher);
    this.jobs.set(job.runId, job);
    // FIFO per target: a job queued for its GPUs is not overtaken by one that arrives as they free up
    // (a sweep's next trial took the GPU its queued trial was waiting for, and said it had started).
    const waits = launcher.localGpus && (this.queue.some((queued) => queued.target === target.name) || this.gpus.free(target).length < workers * perWorker);
    if (!waits) {
      this.reserve(job, target); // now, with no await between the check and the taking
      if (!launcher.startsInBackground) return { run_id: job.runId, status: await this.start(job, true, target) };
      (await this.writer(store)).appendEvent(job.runId, { type: 'status', status: 'queued' }); // until its start has run
      void this.start(job, false, target).catch((err: unknown) => process.stderr.write(`runlane daemon: starting job ${job.runId}: ${(err as Error).message}\n`));
      return { run_id: job.runId, status: 'queued' };
    }
    (await this.writer(store)).appendEvent(job.runId, { type: 'status', status: 'queued' });
    this.queue.push(job);
    return { run_id: job.runId, status: 'queued' };
  }

  /**
   * Submits a job again with the spec it ran with (from its job.json). `params` reach the workers as
   * the JSON environment variable RUNLANE_PARAMS (`runlane.worker` applies them to the cell's
   * top-level assignments) and are recorded as the new run's params, with the tag `rerun_of`
   * (parseRerunRequest in jobSpec.ts checks a request's).
   */
  async rerun(store: string, runId: string, params?: Record<string, unknown>): Promise<JobCreated> {
    const created = await this.submit(store, rerunSpec(store, runId, params));
    const writer = await this.writer(store);
    if (params && Object.keys(params).length > 0) writer.appendEvent(created.run_id, { type: 'params', params });
    writer.appendEvent(created.run_id, { type: 'tags', tags: { rerun_of: runId } });
    return created;
  }

  /** Whether this daemon runs (or queues) that job. */
  isActive(store: string, runId: string): boolean {
    return this.jobs.get(runId)?.store === path.resolve(store);
  }

  async cancel(store: string, runId: string): Promise<void> {
    const job = this.jobs.get(runId);
    if (this.refused.has(path.resolve(store))) this.locks.require(path.resolve(store)); // names the daemon that runs it
    if (!job || job.store !== path.resolve(store)) throw new StoreError('not_found', `No running or queued job "${runId}" in ${store}.`);
    const first = !job.cancelled;
    job.cancelled = true;
    // Recorded before anything is stopped: a daemon that dies from here on leaves it to the next one (cancelRecord.ts).
    if (first) await recordCancel(job.runDir, (await this.writer(job.store)).writerId);
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      await this.finish(job);
      return;
    }
    if (job.started) await job.launcher.stop(job, job.state); // else stopped once its start returns
    await this.cancelTrials(job);
  }

  /**
   * A sweep's trials are cancelled with it by the daemon, not only by its controller (which asks too, but
   * may be killed, or find no daemon answering): the sweep's recorded cancel covers them all.
   */
  private async cancelTrials(sweep: Job): Promise<void> {
    const trials = [...this.jobs.values()].filter((j) => j.store === sweep.store && !j.cancelled && sweepOf(j.spec) === sweep.runId);
    for (const trial of trials) {
      await this.cancel(trial.store, trial.runId).catch(() => {}); // it ended meanwhile
    }
  }

  /** A re-adopted job whose cancel a previous daemon decided (or a trial of a cancelled sweep): finished here. */
  private async finishCancel(job: Job): Promise<void> {
    if (!cancelRecorded(job.runDir)) await recordCancel(job.runDir, (await this.writer(job.store)).writerId);
    try {
      await job.launcher.stop(job, job.state);
    } catch {
      // its workers ended with the previous daemon: the exit codes decide, read as cancelled
    }
  }

  /**
   * Re-adopts the jobs of a store that a previous daemon left running (workers outlive daemons).
   * `known`: the store's runs as the daemon just listed them, so a big store is not read twice.
   */
  async adopt(store: string, known?: RunSummary[]): Promise<void> {
    if (this.closed) return;
    const live = known?.filter((run) => run.status === 'running' || run.status === 'queued');
    const jobs = (live ?? (await (await StoreReader.open(store, () => {})).listRuns({ status: ['running', 'queued'] }))).filter((run) => run.kind === 'job');
    // No job to adopt, no lock taken: a store only read (a fixture, a read-only folder) stays as it is.
    if (jobs.length === 0) return;
    if (!this.locks.claim(path.resolve(store))) return this.retryClaim(store);
    for (const run of jobs) {
      if (this.jobs.has(run.id)) continue;
      const file = path.join(store, 'runs', run.id, 'job.json');
      if (!existsSync(file)) continue;
      const saved = JSON.parse(readFileSync(file, 'utf8')) as JobFile;
      let launcher: TargetLauncher;
      try {
        launcher = this.launcherOf(jobFileKind(saved));
      } catch {
        continue; // a kind this daemon does not know: left, untouched, to one that does
      }
      const job = this.record(store, run.id, saved.spec, launcher);
      job.workers = saved.workers;
      job.running = run.status === 'running';
      const target = this.targetsFor(store, saved.spec.targetsFile).find((t) => t.name === saved.spec.target);
      try {
        job.state = await job.launcher.adopt(job, saved, target);
      } catch (err) {
        (await this.writer(store)).appendEvent(run.id, { type: 'status', status: 'failed', error: (err as Error).message });
        continue;
      }
      job.started = true;
      if (job.launcher.localGpus) {
        job.gpus = saved.workers.flatMap((w) => w.gpus);
        this.gpus.hold(job.target, job.gpus);
      }
      // Before the first look at its exit codes: a worker the cancel's SIGTERM ended (143) is no failure.
      job.cancelled = cancelRecorded(job.runDir) || sweepCancelled(store, saved.spec);
      this.jobs.set(run.id, job);
      this.follow(job, await this.writer(store));
      if (job.cancelled) await this.finishCancel(job);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    if (this.claimTimer) clearInterval(this.claimTimer);
    for (const job of this.jobs.values()) if (job.started) job.launcher.detach?.(job.state); // the next daemon resumes
    await closeSharedSsh(); // the SSH masters it started (sshShared.ts): none outlives the daemon
    this.locks.releaseAll(); // after the jobs are let go: another daemon may now adopt them
  }

  /** The daemon's one writer per store (job statuses, renames, tags): one writer id, one events file per run. */
  writer(store: string): Promise<StoreWriter> {
    store = path.resolve(store);
    let w = this.writers.get(store);
    if (!w) this.writers.set(store, (w = StoreWriter.open(store)));
    return w;
  }

  /**
   * Makes this daemon the one that runs the store's jobs, or throws a sentence naming the daemon that
   * does. A store it only showed until now has its running jobs adopted first.
   */
  private async own(store: string): Promise<void> {
    const key = path.resolve(store);
    this.locks.require(key);
    if (this.refused.delete(key)) await this.adopt(store);
  }

  /** Another daemon runs the store's jobs: try again now and then, and adopt them once it has exited. */
  private retryClaim(store: string): void {
    this.refused.add(path.resolve(store));
    this.claimTimer ??= setInterval(() => {
      for (const key of this.refused) {
        if (!this.locks.claim(key)) continue;
        this.refused.delete(key);
        void this.adopt(key).catch((err: unknown) => process.stderr.write(`runlane daemon: adopting the jobs of ${key}: ${(err as Error).message}\n`));
      }
    }, CLAIM_RETRY_MS);
    this.claimTimer.unref();
  }

  private record(store: string, runId: string, spec: JobSpec, launcher: TargetLauncher): Job {
    const runDir = path.join(store, 'runs', runId);
    const job: Job = { store, runId, runDir, spec, target: spec.target, launcher, state: undefined, started: false, gpusByRank: [], gpus: [], workers: [], cancelled: false, done: false, running: false, busy: false, lastPoll: 0 };
    // The launcher's state also reads as job.<kind> (job.ssh.mirror), for tests and a debugger.
    if (!(launcher.kind in job)) Object.defineProperty(job, launcher.kind, { get: () => job.state });
    return job;
  }

  /** What a launcher may do to the job's run: its status, job.json, params, Runlane's own lines, a look now. */
  private control(job: Job, writer: StoreWriter): JobControl {
    return {
      status: (status) => {
        job.running = status === 'running';
        writer.appendEvent(job.runId, { type: 'status', status });
      },
      save: async (fields) => {
        const file: JobFile = { spec: job.spec, store: job.store, workers: job.workers, started_at: Date.now() / 1000, kind: job.launcher.kind, ...fields };
        await writeFileAtomic(path.join(job.runDir, 'job.json'), `${JSON.stringify(file, null, 1)}\n`, writer.writerId);
      },
      params: (params) => writer.appendEvent(job.runId, { type: 'params', params }),
      note: (message) => writer.appendLog(job.runId, 'runlane', `${message}\n`),
      wake: () => void this.check(job),
      end: (outcome) => (job.outcome = outcome),
    };
  }

  /**
   * Starts a job through its launcher, with its GPUs when it takes this machine's. A start that fails
   * fails the run; `refuse`: the error also refuses the submission (see RunFailed).
   */
  private async start(job: Job, refuse: boolean, target?: TargetConfig): Promise<'queued' | 'running'> {
    const writer = await this.writer(job.store);
    target ??= this.targetsFor(job.store, job.spec.targetsFile).find((t) => t.name === job.target);
    let started: { status: 'queued' | 'running'; state: unknown };
    try {
      if (!target) throw new RunFailed(`The target "${job.target}" is no longer declared; declare it again in runlane.toml and re-run the job.`);
      if (!job.gpusByRank.length) this.reserve(job, target);
      started = await job.launcher.start(job, target, this.control(job, writer));
    } catch (err) {
      writer.appendEvent(job.runId, { type: 'status', status: 'failed', error: (err as Error).message });
      await this.release(job);
      if (refuse && !(err instanceof RunFailed)) throw err;
      return 'running';
    }
    job.state = started.state;
    job.started = true;
    this.follow(job, writer);
    if (job.cancelled) await job.launcher.stop(job, job.state); // cancelled while it started
    return started.status;
  }

  /** The job runs (started or adopted): its launcher brings its output if it must, and the poller watches it. */
  private follow(job: Job, writer: StoreWriter): void {
    job.launcher.follow?.(job, job.state, this.control(job, writer));
    this.poller ??= setInterval(() => {
      // Every job is polled: re-adopted workers are not our children, and an exit can predate its listener.
      for (const each of this.jobs.values()) void this.check(each);
    }, POLL_MS);
    void this.check(job);
  }

  private async check(job: Job): Promise<void> {
    if (this.closed || !job.started || job.done || job.workers.length === 0 || job.busy) return;
    const codes = exitCodes(job.workers);
    if (!job.cancelled && !job.failing && codes.some((c) => c !== null && c !== 0)) {
      job.failing = true;
      job.firstFailed = firstFailure(job.workers, codes, job.firstFailed); // the others' exit codes that follow are of the stop
      await job.launcher.stop(job, job.state);
    }
    if (Date.now() - job.lastPoll < job.launcher.pollMs) return;
    job.busy = true;
    job.lastPoll = Date.now();
    try {
      const phase = await job.launcher.poll(job, job.state, codes);
      if (phase === 'running' && !job.running) {
        job.running = true;
        (await this.writer(job.store)).appendEvent(job.runId, { type: 'status', status: 'running' });
      }
      if (phase === 'ended') {
        await job.launcher.collect?.(job, job.state, this.control(job, await this.writer(job.store)));
        await this.finish(job);
      }
    } finally {
      job.busy = false;
    }
  }

  /** Records how the job ended, from its workers' exit codes. */
  private async finish(job: Job): Promise<void> {
    if (job.done) return;
    job.done = true;
    const end = { cancelled: job.cancelled, running: job.running, failing: job.failing === true, firstFailed: job.firstFailed };
    const told = !job.cancelled && !job.failing ? job.outcome : undefined;
    (await this.writer(job.store)).appendEvent(job.runId, told ? { type: 'status', ...told } : await endStatus(job.workers, path.join(job.runDir, 'logs'), end));
    await this.release(job);
  }

  /** The job's GPUs (none for a target without local GPUs), taken from the pool. */
  private reserve(job: Job, target: TargetConfig): void {
    const { workers, gpusPerWorker } = job.spec;
    job.gpusByRank = job.launcher.localGpus ? this.gpus.take(target, workers, gpusPerWorker) : Array.from({ length: workers }, () => []);
    job.gpus = job.gpusByRank.flat();
  }

  /** The job is over here: its GPUs go back, and queued jobs that now fit start, in order. */
  private async release(job: Job): Promise<void> {
    job.done = true;
    this.jobs.delete(job.runId);
    this.gpus.release(job.target, job.gpus);
    for (let next = this.queue[0]; next !== undefined; next = this.queue[0]) {
      const target = this.targetsFor(next.store, next.spec.targetsFile).find((t) => t.name === next?.target);
      if (target && this.gpus.free(target).length < next.spec.workers * next.spec.gpusPerWorker) break; // FIFO: no overtaking
      this.queue.shift();
      if (target) this.reserve(next, target); // before any await: a job submitted meanwhile finds them taken
      await this.start(next, false, target);
    }
  }
}
