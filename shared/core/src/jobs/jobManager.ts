// Jobs on every target: GPU allocation on local ones with a FIFO queue (a job never oversubscribes
// GPUs; it waits, shown as `queued`), the workers' lives (a failing worker stops the others), and the
// run's status from their exit codes. The job state (job.json in the run folder) lets a restarted
// daemon re-adopt workers that outlived it, on this machine, a Slurm cluster or an SSH host.
import { existsSync, readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { JobCreated, JobSpec } from '@runlane/protocol';
import { processIsAlive } from '../processAlive.js';
import { StoreError, StoreWriter, StoreReader, validateRunId } from '../store/index.js';
import { writeFileAtomic } from '../store/atomicFile.js';
import { detectLocalGpus } from '../targets/localGpus.js';
import type { TargetConfig } from '../targets/targetsFile.js';
import { signalGroup, startLocalWorkers, type WorkerRecord } from './localWorkers.js';
import { InbandMetrics } from './inbandMetrics.js';
import { shellQuote } from './shellQuote.js';
import { checkCell, checkInput, jobEnv, userParams } from './jobSpec.js';
import { exitCodes, firstFailure, lastLines } from './workerExits.js';
import { envCaptureCommand } from './envCapture.js';
import { readJobScript } from './jobScript.js';
import { cancelSlurmJob, slurmState, submitSlurmJob } from './slurmWorkers.js';
import { checkSsh, downloadArtifacts, findHelperDir, killSshWorkers, launchSshWorker, SshMirror, sshTarget, uploadHelper, uploadInput, uploadRunMeta, type SshTarget } from './sshWorkers.js';
import { freePort } from './localWorkers.js';

const POLL_MS = 200;
const SLURM_POLL_MS = 1000; // squeue asks the controller: once a second per job is plenty
const KILL_GRACE_MS = 3000;

interface JobFile {
  spec: JobSpec;
  store: string;
  workers: WorkerRecord[];
  started_at: number;
  /** Set for jobs on a Slurm target: the cluster's job id. */
  slurm_job?: string;
  /** Set for jobs on an SSH target: the host its workers run on, detached (a new daemon re-adopts them). */
  ssh_host?: string;
}

interface Job {
  store: string;
  runId: string;
  spec: JobSpec;
  target: string;
  gpus: string[];
  workers: WorkerRecord[];
  cancelled: boolean;
  done: boolean;
  /** A worker failed and the others are being stopped (as torchrun does): the run fails with the first failure. */
  failing?: boolean;
  /** The index of the worker whose failure was seen first (the one that made the others stop). */
  firstFailed?: number;
  slurmJob?: string;
  /** Slurm jobs: whether `running` was recorded (they start `queued` until Slurm runs them). */
  announcedRunning?: boolean;
  /** A Slurm state query is in flight (the poller must not stack them). */
  checking?: boolean;
  lastSlurmCheck?: number;
  /** SSH jobs: the host, and the mirror that brings its run files (logs, exit codes) here. */
  ssh?: { target: SshTarget; mirror: SshMirror; ending?: boolean };
}

export class JobManager {
  private readonly jobs = new Map<string, Job>(); // run id -> job (running or queued)
  private readonly queue: Job[] = [];
  private readonly allocated = new Map<string, Set<string>>(); // target -> GPU ids in use
  private readonly writers = new Map<string, Promise<StoreWriter>>();
  private readonly pools = new Map<string, string[]>();
  private poller: NodeJS.Timeout | null = null;
  /** After close, workers still running are left to the next daemon, which re-adopts them. */
  private closed = false;

  constructor(private readonly targetsFor: (store: string, targetsFile?: string) => TargetConfig[]) {}

  /** Jobs running or queued: the daemon does not exit while there are any. */
  get activeCount(): number {
    return this.jobs.size;
  }

  async submit(store: string, spec: JobSpec): Promise<JobCreated> {
    if (spec.targetsFile !== undefined && (typeof spec.targetsFile !== 'string' || !path.isAbsolute(spec.targetsFile) || !existsSync(spec.targetsFile))) {
      throw new StoreError('bad_query', `The targets file ${String(spec.targetsFile)} does not exist (give an absolute path to a runlane.toml).`);
    }
    const declared = this.targetsFor(store, spec.targetsFile);
    const target = declared.find((t) => t.name === spec.target);
    if (!target) {
      const names = declared.map((t) => t.name).join(', ');
      throw new StoreError('bad_query', `No target "${spec.target}". Targets: ${names} (declare more in runlane.toml).`);
    }
    const ssh = target.kind === 'ssh' ? sshTarget(target) : null;
    if (ssh) await checkSsh(ssh); // a host that is down, a key mismatch, no Python: refused before any run exists
    if (!Array.isArray(spec.command) || spec.command.length === 0 || !spec.command.every((a) => typeof a === 'string')) {
      throw new StoreError('bad_query', 'A job needs a command: a list of strings, like ["python", "train.py"].');
    }
    const workers = spec.workers ?? 1;
    const perWorker = spec.gpusPerWorker ?? 0;
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new StoreError('bad_query', 'workers must be a whole number from 1 to 256.');
    if (!Number.isInteger(perWorker) || perWorker < 0) throw new StoreError('bad_query', 'gpus per worker must be a whole number (0 for none).');
    const pool = target.kind === 'local' ? this.pool(target) : [];
    if (target.kind === 'local' && workers * perWorker > pool.length) {
      throw new StoreError('bad_query', `Target "${target.name}" has ${pool.length} GPU(s); this job asks for ${workers * perWorker} (${workers} workers x ${perWorker}).`);
    }
    const input = spec.input === undefined ? undefined : checkInput(spec.input);
    if (spec.params !== undefined && (typeof spec.params !== 'object' || spec.params === null || Array.isArray(spec.params))) {
      throw new StoreError('bad_query', 'params must be an object of name to value, like {"lr": 0.01}.');
    }
    const writer = await this.writer(store);
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
    writer.appendEvent(runId, { type: 'params', params: userParams(spec, target.name, workers, perWorker, cell !== undefined) });
    // The run keeps its own copy of the input: the submitter may delete its folder, and a re-run needs it.
    const runInput = input === undefined ? undefined : path.join(store, 'runs', runId, 'input');
    if (input !== undefined) await fs.cp(input, runInput!, { recursive: true });
    const job: Job = { store, runId, spec: { ...spec, input: runInput, workers, gpusPerWorker: perWorker }, target: target.name, gpus: [], workers: [], cancelled: false, done: false };
    this.jobs.set(runId, job);
    if (target.kind === 'slurm') {
      await this.startOnSlurm(job, target);
      return { run_id: runId, status: 'queued' };
    }
    if (ssh) {
      await this.startOnSsh(job, target);
      return { run_id: runId, status: 'running' };
    }
    if (this.free(target).length >= workers * perWorker) {
      await this.start(job);
      return { run_id: runId, status: 'running' };
    }
    writer.appendEvent(runId, { type: 'status', status: 'queued' });
    this.queue.push(job);
    return { run_id: runId, status: 'queued' };
  }

  /**
   * Submits a job again with the spec it ran with (from its job.json). `params` reach the workers as
   * the JSON environment variable RUNLANE_PARAMS (`runlane.worker` applies them to the cell's
   * top-level assignments) and are recorded as the new run's params, with the tag `rerun_of`.
   */
  async rerun(store: string, runId: string, params?: Record<string, unknown>): Promise<JobCreated> {
    const file = path.join(path.resolve(store), 'runs', validateRunId(runId), 'job.json');
    if (!existsSync(file)) {
      throw new StoreError(existsSync(path.dirname(file)) ? 'conflict' : 'not_found', `Run ${runId} is not a job that has started, so there is nothing to re-run.`);
    }
    if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
      throw new StoreError('bad_query', 'params must be an object of name to value, like {"lr": 0.01}.');
    }
    const { spec } = JSON.parse(readFileSync(file, 'utf8')) as JobFile;
    const env = { ...spec.env };
    if (params && Object.keys(params).length > 0) env.RUNLANE_PARAMS = JSON.stringify(params);
    const created = await this.submit(store, { ...spec, env });
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
    if (!job || job.store !== path.resolve(store)) throw new StoreError('not_found', `No running or queued job "${runId}" in ${store}.`);
    job.cancelled = true;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      await this.finish(job);
      return;
    }
    await this.stopWorkers(job);
  }

  /** Stops every worker still running: SIGTERM to its process group, SIGKILL after a grace. */
  private async stopWorkers(job: Job): Promise<void> {
    if (job.slurmJob) {
      await cancelSlurmJob(job.slurmJob);
      return;
    }
    if (job.ssh) {
      await killSshWorkers(job.ssh.target, job.runId);
      return;
    }
    for (const w of job.workers) signalGroup(w.pid, 'SIGTERM');
    setTimeout(() => job.workers.forEach((w) => signalGroup(w.pid, 'SIGKILL')), KILL_GRACE_MS).unref();
  }

  /** Re-adopts the jobs of a store that a previous daemon left running (workers outlive daemons). */
  async adopt(store: string): Promise<void> {
    const reader = await StoreReader.open(store, () => {});
    for (const run of await reader.listRuns({ status: ['running', 'queued'] })) {
      if (run.kind !== 'job' || this.jobs.has(run.id)) continue;
      const file = path.join(store, 'runs', run.id, 'job.json');
      if (!existsSync(file)) continue;
      const state = JSON.parse(readFileSync(file, 'utf8')) as JobFile;
      if (state.ssh_host && state.workers.some((w) => !w.exitFile)) {
        // Started by a Runlane whose SSH workers ended with the daemon's connections.
        (await this.writer(store)).appendEvent(run.id, { type: 'status', status: 'failed', error: `The daemon stopped while this job ran on ${state.ssh_host}; its workers were stopped with it.` });
        continue;
      }
      if (state.ssh_host) {
        await this.adoptSsh(store, run.id, state);
        continue;
      }
      const job: Job = { store, runId: run.id, spec: state.spec, target: state.spec.target, gpus: state.workers.flatMap((w) => w.gpus), workers: state.workers, cancelled: false, done: false, slurmJob: state.slurm_job, announcedRunning: run.status === 'running' };
      this.jobs.set(run.id, job);
      if (!job.slurmJob) this.reserve(job.target, job.gpus);
      this.watch();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    for (const job of this.jobs.values()) job.ssh?.mirror.abandon(); // the workers run on; the next daemon resumes
  }

  /** Re-adopts an SSH job: its workers run on the host; the mirror resumes from the local files. */
  private async adoptSsh(store: string, runId: string, state: JobFile): Promise<void> {
    const target = this.targetsFor(store, state.spec.targetsFile).find((t) => t.name === state.spec.target && t.kind === 'ssh');
    if (!target) {
      const error = `This job's target "${state.spec.target}" is no longer declared, so its workers on ${state.ssh_host} cannot be followed; declare it again in runlane.toml and restart the daemon.`;
      (await this.writer(store)).appendEvent(runId, { type: 'status', status: 'failed', error });
      return;
    }
    const job: Job = { store, runId, spec: state.spec, target: state.spec.target, gpus: [], workers: state.workers, cancelled: false, done: false };
    this.jobs.set(runId, job);
    this.followSsh(job, sshTarget(target));
  }

  private pool(target: TargetConfig): string[] {
    let pool = this.pools.get(target.name);
    if (!pool) this.pools.set(target.name, (pool = target.gpus ?? detectLocalGpus()));
    return pool;
  }

  private free(target: TargetConfig): string[] {
    const used = this.allocated.get(target.name) ?? new Set();
    return this.pool(target).filter((g) => !used.has(g));
  }

  private reserve(target: string, gpus: string[]): void {
    const used = this.allocated.get(target) ?? new Set<string>();
    gpus.forEach((g) => used.add(g));
    this.allocated.set(target, used);
  }

  /** The daemon's one writer per store (job statuses, renames, tags): one writer id, one events file per run. */
  writer(store: string): Promise<StoreWriter> {
    store = path.resolve(store);
    let w = this.writers.get(store);
    if (!w) this.writers.set(store, (w = StoreWriter.open(store)));
    return w;
  }

  private async start(job: Job): Promise<void> {
    const target = this.targetsFor(job.store, job.spec.targetsFile).find((t) => t.name === job.target)!;
    const { workers, gpusPerWorker } = job.spec;
    const free = this.free(target);
    const gpusByRank = Array.from({ length: workers }, (_, r) => free.slice(r * gpusPerWorker, (r + 1) * gpusPerWorker));
    job.gpus = gpusByRank.flat();
    this.reserve(job.target, job.gpus);
    const writer = await this.writer(job.store);
    const runDir = path.join(job.store, 'runs', job.runId);
    writer.appendEvent(job.runId, { type: 'status', status: 'running' });
    try {
      const started = await startLocalWorkers({
        runDir,
        runId: job.runId,
        storeDir: job.store,
        command: job.spec.command,
        gpusByRank,
        cwd: job.spec.cwd ?? process.cwd(),
        env: jobEnv(job.spec),
        envCapture: envCaptureCommand(job.spec.command, helperPath()),
      });
      job.workers = started.map((s) => s.record);
      // Exits are noticed at once through the children's events, and by the poller as well: a
      // worker that ends while the others are still starting has exited before any listener exists.
      for (const s of started) {
        if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
        s.child.once('exit', () => void this.check(job));
      }
      this.watch();
      const state: JobFile = { spec: job.spec, store: job.store, workers: job.workers, started_at: Date.now() / 1000 };
      await writeFileAtomic(path.join(runDir, 'job.json'), `${JSON.stringify(state, null, 1)}\n`, writer.writerId);
      void this.check(job);
    } catch (err) {
      writer.appendEvent(job.runId, { type: 'status', status: 'failed', error: `The job could not start: ${(err as Error).message}` });
      await this.release(job);
    }
  }

  /** Submits to Slurm; the poller records `running` when Slurm starts it and the end when it leaves the queue. */
  private async startOnSlurm(job: Job, target: TargetConfig): Promise<void> {
    const writer = await this.writer(job.store);
    writer.appendEvent(job.runId, { type: 'status', status: 'queued' });
    const runDir = path.join(job.store, 'runs', job.runId);
    try {
      job.slurmJob = await submitSlurmJob(target, {
        runDir,
        runId: job.runId,
        storeDir: job.store,
        command: job.spec.command,
        workers: job.spec.workers,
        gpusPerWorker: job.spec.gpusPerWorker,
        cwd: job.spec.cwd ?? process.cwd(),
        env: jobEnv(job.spec),
        envCapture: envCaptureCommand(job.spec.command, helperPath()),
      });
    } catch (err) {
      writer.appendEvent(job.runId, { type: 'status', status: 'failed', error: (err as Error).message });
      await this.release(job);
      throw err;
    }
    job.workers = Array.from({ length: job.spec.workers }, (_, rank) => ({ rank, pid: 0, gpus: [], exitFile: path.join(runDir, 'job', `w${rank}.exit`) }));
    const state: JobFile = { spec: job.spec, store: job.store, workers: job.workers, started_at: Date.now() / 1000, slurm_job: job.slurmJob };
    await writeFileAtomic(path.join(runDir, 'job.json'), `${JSON.stringify(state, null, 1)}\n`, writer.writerId);
    writer.appendEvent(job.runId, { type: 'params', params: { slurm_job: job.slurmJob } });
    this.watch();
  }

  private async startOnSsh(job: Job, target: TargetConfig): Promise<void> {
    const t = sshTarget(target);
    const writer = await this.writer(job.store);
    const runDir = path.join(job.store, 'runs', job.runId);
    const fail = async (err: unknown) => {
      writer.appendEvent(job.runId, { type: 'status', status: 'failed', error: (err as Error).message });
      await this.release(job);
      throw err;
    };
    try {
      await uploadHelper(t, findHelperDir());
      await uploadRunMeta(t, job.runId, readFileSync(path.join(runDir, 'meta.json')));
      if (job.spec.input) await uploadInput(t, job.runId, job.spec.input);
    } catch (err) {
      return fail(err);
    }
    writer.appendEvent(job.runId, { type: 'status', status: 'running' });
    const masterPort = await freePort(); // a guess for the host; torch only needs it free there
    job.workers = Array.from({ length: job.spec.workers }, (_, rank) => ({ rank, pid: 0, gpus: [], exitFile: path.join(runDir, 'job', `w${rank}.exit`) }));
    const state: JobFile = { spec: job.spec, store: job.store, workers: job.workers, started_at: Date.now() / 1000, ssh_host: t.destination };
    await writeFileAtomic(path.join(runDir, 'job.json'), `${JSON.stringify(state, null, 1)}\n`, writer.writerId);
    const launched = await Promise.allSettled(
      job.workers.map((w) =>
        launchSshWorker(t, { runId: job.runId, rank: w.rank, workers: job.spec.workers, masterPort, command: job.spec.command, cwd: job.spec.cwd, env: job.spec.env ?? {}, input: job.spec.input !== undefined, envCapture: w.rank === 0 ? envCaptureCommand(job.spec.command) : undefined }),
      ),
    );
    const refused = launched.find((r) => r.status === 'rejected');
    if (refused) {
      await killSshWorkers(t, job.runId, 0); // the ones that did start
      return fail((refused as PromiseRejectedResult).reason);
    }
    this.followSsh(job, t);
  }

  /** Mirrors the host's run files here; the poller ends the job once every worker's exit code is in. */
  private followSsh(job: Job, t: SshTarget): void {
    const runDir = path.join(job.store, 'runs', job.runId);
    const metrics = new InbandMetrics(job.store, job.runId, (message) => void this.writer(job.store).then((w) => w.appendLog(job.runId, 'runlane', `${message}\n`)));
    const mirror = new SshMirror(t, job.runId, runDir, (rel, bytes) => metrics.take(rel, bytes));
    job.ssh = { target: t, mirror };
    mirror.start();
    this.watch();
  }

  /** The last output is mirrored, then the artifacts copied back, before the job's end is recorded. */
  private async endSshJob(job: Job): Promise<void> {
    const { mirror, target } = job.ssh!;
    job.ssh!.ending = true;
    await mirror.stop();
    const problem = await downloadArtifacts(target, job.runId, path.join(job.store, 'runs', job.runId));
    if (problem) (await this.writer(job.store)).appendLog(job.runId, 'runlane', `${problem}\n`);
    await this.finish(job);
  }

  /** Polls every job's workers: re-adopted ones are not our children, and an exit can predate its listener. */
  private watch(): void {
    this.poller ??= setInterval(() => {
      for (const job of this.jobs.values()) void this.check(job);
    }, POLL_MS);
  }

  private async check(job: Job): Promise<void> {
    if (this.closed || job.done || job.workers.length === 0 || job.checking || job.ssh?.ending) return;
    const codes = exitCodes(job.workers);
    if (!job.cancelled && !job.failing && codes.some((c) => c !== null && c !== 0)) {
      job.failing = true;
      job.firstFailed = firstFailure(job.workers, codes, job.firstFailed); // the others' exit codes that follow are of the stop
      await this.stopWorkers(job);
    }
    if (job.ssh) {
      // Host processes cannot be seen from here: a worker has ended when its exit code is mirrored.
      if (codes.every((c) => c !== null)) await this.endSshJob(job);
      return;
    }
    if (!job.slurmJob) {
      if (!job.workers.some((w) => processIsAlive(w.pid))) await this.finish(job);
      return;
    }
    if (Date.now() - (job.lastSlurmCheck ?? 0) < SLURM_POLL_MS) return;
    job.checking = true;
    job.lastSlurmCheck = Date.now();
    try {
      const state = await slurmState(job.slurmJob);
      if (state === null) await this.finish(job);
      else if (state !== 'PENDING' && !job.announcedRunning) {
        job.announcedRunning = true;
        (await this.writer(job.store)).appendEvent(job.runId, { type: 'status', status: 'running' });
      }
    } finally {
      job.checking = false;
    }
  }

  private async finish(job: Job): Promise<void> {
    if (job.done) return;
    job.done = true;
    const writer = await this.writer(job.store);
    const codes = exitCodes(job.workers);
    const failed = firstFailure(job.workers, codes, job.firstFailed);
    if (job.cancelled || (job.slurmJob && codes.every((c) => c === null) && !job.announcedRunning)) writer.appendEvent(job.runId, { type: 'status', status: 'cancelled' });
    else if (failed < 0) writer.appendEvent(job.runId, { type: 'status', status: 'finished', exit_code: 0 });
    else {
      const code = codes[failed];
      const rank = job.workers[failed]!.rank;
      const tail = await lastLines(path.join(job.store, 'runs', job.runId, 'logs', `w${rank}`));
      const how =
        code === null ? 'ended without an exit code (killed, or lost with its machine)'
        : `exited with code ${code}`;
      const others = job.failing && job.workers.length > 1 ? ' The other workers were stopped.' : '';
      writer.appendEvent(job.runId, { type: 'status', status: 'failed', exit_code: code ?? -1, error: `Worker w${rank} ${how}.${others} Its last lines:\n${tail}` });
    }
    await this.release(job);
  }

  private async release(job: Job): Promise<void> {
    job.done = true;
    this.jobs.delete(job.runId);
    const used = this.allocated.get(job.target);
    job.gpus.forEach((g) => used?.delete(g));
    if (job.slurmJob) return; // Slurm keeps its own queue
    for (const next of [...this.queue]) {
      const target = this.targetsFor(next.store, next.spec.targetsFile).find((t) => t.name === next.target)!;
      if (this.free(target).length < next.spec.workers * next.spec.gpusPerWorker) break; // FIFO: no overtaking
      this.queue.shift();
      await this.start(next);
    }
  }
}

/** Where the daemon's copy of the helper package lives (its parent folder, for PYTHONPATH), if found. */
function helperPath(): string | undefined {
  try {
    return path.dirname(findHelperDir());
  } catch {
    return undefined;
  }
}
