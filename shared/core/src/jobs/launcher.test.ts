// The manager drives any target kind through the TargetLauncher interface alone. The launcher here
// stands for a target that schedules its own jobs and shares no filesystem (as Ray's Jobs API does):
// its output and exit codes arrive through the launcher, which writes them into the run. The seam is
// the interface; the store, job.json and the run's status are the real ones.
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TargetKind } from '@runlane/protocol';
import { waitForJobEnd } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { StoreReader } from '../store/index.js';
import type { TargetConfig } from '../targets/targetsFile.js';
import { JobManager } from './jobManager.js';
import type { JobPhase, TargetLauncher } from './launcher.js';

/** What the target's API would answer about each job it holds. */
interface RemoteJob {
  phase: JobPhase;
  lines: string[][]; // per rank
  codes: (number | null)[];
}

class FakeCluster {
  readonly jobs = new Map<string, RemoteJob>();
  readonly stopped: string[] = [];
  readonly adopted: string[] = [];

  job(id: string): RemoteJob {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  launcher(): TargetLauncher<{ id: string }> {
    return {
      kind: 'remote',
      localGpus: false,
      pollMs: 0,
      describe: async (t) => ({ name: t.name, kind: t.kind, gpus: [], ok: true, detail: 'a fake cluster' }),
      start: async (job, _target, control) => {
        control.status('queued');
        const id = `sub-${job.runId}`;
        const ranks = Array.from({ length: job.spec.workers }, (_, rank) => rank);
        this.jobs.set(id, { phase: 'queued', lines: ranks.map(() => []), codes: ranks.map(() => null) });
        job.workers = ranks.map((rank) => ({ rank, pid: 0, gpus: [], exitFile: path.join(job.runDir, 'job', `w${rank}.exit`) }));
        await control.save({ remote_job: id });
        control.params({ remote_job: id });
        return { status: 'queued', state: { id } };
      },
      // A real launcher would tail the target's log stream; here each poll brings what is new.
      poll: async (job, state) => {
        const remote = this.job(state.id);
        for (const w of job.workers) {
          const log = path.join(job.runDir, 'logs', `w${w.rank}`, 'stdout.log');
          mkdirSync(path.dirname(log), { recursive: true });
          const have = existsSync(log) ? statSync(log).size : 0;
          appendFileSync(log, (remote.lines[w.rank] ?? []).join('').slice(have));
          const code = remote.codes[w.rank];
          if (code !== null && code !== undefined && !existsSync(w.exitFile)) {
            mkdirSync(path.dirname(w.exitFile), { recursive: true });
            writeFileSync(w.exitFile, String(code));
          }
        }
        return remote.phase;
      },
      stop: async (_job, state) => {
        this.stopped.push(state.id);
        this.job(state.id).phase = 'ended';
      },
      adopt: async (_job, file) => {
        this.adopted.push(String(file.remote_job));
        return { id: String(file.remote_job) };
      },
    };
  }
}

let tmp: string;
let store: string;
let cluster: FakeCluster;
let manager: JobManager;
// 'remote' is no kind of the registry: the test's launcher is the only one that knows it.
const targets: TargetConfig[] = [{ name: 'cluster', kind: 'remote' as TargetKind, gpus: null, options: {} }];

function newManager(): JobManager {
  const launcher = cluster.launcher();
  return new JobManager(() => targets, (kind) => {
    if (kind !== 'remote') throw new Error(`no launcher for ${kind}`);
    return launcher;
  });
}

beforeEach(() => {
  tmp = makeTempDir('launcher');
  store = path.join(tmp, '.runlane');
  mkdirSync(store);
  cluster = new FakeCluster();
  manager = newManager();
});

afterEach(async () => {
  await manager.close();
  removeTempDir(tmp);
});

const status = async (id: string) => (await (await StoreReader.open(store, () => {})).readRun(id)).status;
const log = (id: string, rank: number) => readFileSync(path.join(store, 'runs', id, 'logs', `w${rank}`, 'stdout.log'), 'utf8');
const submit = () => manager.submit(store, { target: 'cluster', command: ['python', 'train.py'], workers: 2, gpusPerWorker: 1 });

describe('a target kind behind the launcher interface', () => {
  it('is queued until the target runs it, brings its output back, and ends with its exit codes; job.json keeps what finds it again', async () => {
    const { run_id, status: submitted } = await submit(); // 2 GPUs asked for: the target's to give, not this machine's
    expect(submitted).toBe('queued');
    expect(await status(run_id)).toBe('queued');
    const remote = cluster.job(`sub-${run_id}`);
    remote.phase = 'running';
    remote.lines[0]?.push('epoch 1\n');
    remote.lines[1]?.push('rank 1 epoch 1\n');
    await expect.poll(() => status(run_id)).toBe('running');
    await expect.poll(() => log(run_id, 1)).toBe('rank 1 epoch 1\n');
    remote.lines[0]?.push('epoch 2\n');
    remote.codes = [0, 0];
    remote.phase = 'ended';
    const run = await waitForJobEnd(store, run_id);
    expect(run).toMatchObject({ status: 'finished', exit_code: 0, params: { target: 'cluster', workers: 2, gpus_per_worker: 1, remote_job: `sub-${run_id}` } });
    expect(log(run_id, 0)).toBe('epoch 1\nepoch 2\n');
    const saved: unknown = JSON.parse(readFileSync(path.join(store, 'runs', run_id, 'job.json'), 'utf8'));
    expect(saved).toMatchObject({ kind: 'remote', remote_job: `sub-${run_id}`, spec: { target: 'cluster', workers: 2 }, workers: [{ rank: 0 }, { rank: 1 }] });
  });

  it('a failing worker stops the job through its launcher, and the run names the first failure', async () => {
    const { run_id } = await submit();
    const remote = cluster.job(`sub-${run_id}`);
    remote.phase = 'running';
    remote.lines[1]?.push('out of memory\n');
    remote.codes = [null, 3];
    const run = await waitForJobEnd(store, run_id);
    expect(cluster.stopped).toEqual([`sub-${run_id}`]);
    expect(run).toMatchObject({ status: 'failed', exit_code: 3 });
    expect(run.error).toMatch(/^Worker w1 exited with code 3\. The other workers were stopped\. Its last lines:\n\[stdout\]\nout of memory/);
  });

  it('a restarted daemon re-adopts the job from job.json through its launcher, and its output is kept once', async () => {
    const { run_id } = await submit();
    const remote = cluster.job(`sub-${run_id}`);
    remote.phase = 'running';
    remote.lines[0]?.push('before\n');
    await expect.poll(() => log(run_id, 0)).toBe('before\n');
    await manager.close(); // the daemon goes; the job runs on at the target
    remote.lines[0]?.push('while away\n');
    manager = newManager();
    await manager.adopt(store);
    expect(cluster.adopted).toEqual([`sub-${run_id}`]);
    remote.codes = [0, 0];
    remote.phase = 'ended';
    expect(await waitForJobEnd(store, run_id)).toMatchObject({ status: 'finished', exit_code: 0 });
    expect(log(run_id, 0)).toBe('before\nwhile away\n');
  });

  it('cancel stops the job at the target; one that never ran ends cancelled', async () => {
    const { run_id } = await submit();
    await manager.cancel(store, run_id);
    expect(cluster.stopped).toEqual([`sub-${run_id}`]);
    expect((await waitForJobEnd(store, run_id)).status).toBe('cancelled');
  });
});
