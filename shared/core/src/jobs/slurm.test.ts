// Jobs on a real single-node Slurm cluster with fake GPUs (test/engines/slurm, from Debian's slurm-wlm,
// installed by scripts/setup.sh), through the real daemon.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd } from '../../../../test/helpers/daemon.js';
import { startSlurm, stopSlurm } from '../../../../test/helpers/slurmCluster.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { DaemonClient } from '../client/daemonClient.js';
import { processIsAlive } from '../processAlive.js';
import type { Daemon } from '../server/daemon.js';

let tmp: string;
let slurmDir: string;
let store: string;
let daemon: Daemon;
let client: DaemonClient;

beforeAll(async () => {
  tmp = makeTempDir('slurm');
  chmodSync(tmp, 0o755); // munged runs as the munge user and must reach its folder inside
  slurmDir = path.join(tmp, 'slurm');
  store = path.join(tmp, '.runlane');
  await startSlurm(slurmDir, { SLURM_FAKE_GPUS: '2' });
  process.env.SLURM_CONF = path.join(slurmDir, 'etc', 'slurm.conf');
  const targetsFile = path.join(tmp, 'runlane.toml');
  writeFileSync(targetsFile, '[targets.cluster]\nkind = "slurm"\npartition = "debug"\n');
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile, clientStore: store }));
}, 180_000);

afterAll(async () => {
  await daemon?.close();
  try {
    await stopSlurm(slurmDir);
  } finally {
    delete process.env.SLURM_CONF;
    removeTempDir(tmp);
  }
}, 90_000);

const waitForEnd = (id: string) => waitForJobEnd(store, id, 60_000, 100);

const log = (id: string, worker: string, stream = 'stdout') => readFileSync(path.join(store, 'runs', id, 'logs', worker, `${stream}.log`), 'utf8');
const node = (code: string) => [process.execPath, '-e', code];

describe('Slurm target', () => {
  it('is listed as reachable by runlane targets', async () => {
    const [, cluster] = await client.targets();
    expect(cluster).toMatchObject({ name: 'cluster', kind: 'slurm', ok: true });
    expect(cluster!.detail).toMatch(/debug/);
  });

  it('runs two tasks with a GPU each, each writing its own log, with torchrun-style ranks', async () => {
    const code = 'console.log(JSON.stringify({r: process.env.RANK, w: process.env.WORLD_SIZE, g: process.env.CUDA_VISIBLE_DEVICES, a: process.env.MASTER_ADDR, args: process.argv.slice(1)}))';
    const { run_id, status } = await client.submitJob({ target: 'cluster', command: [...node(code), "it's $HOME"], workers: 2, gpusPerWorker: 1, name: 'slurm two' });
    expect(status).toBe('queued');
    const run = await waitForEnd(run_id);
    expect(run).toMatchObject({ status: 'finished', exit_code: 0, kind: 'job' });
    expect(run.params.slurm_job).toMatch(/^\d+$/);
    const seen = [0, 1].map((r) => JSON.parse(log(run_id, `w${r}`)) as { r: string; w: string; g?: string; a: string; args: string[] });
    expect(seen.map((s) => [s.r, s.w])).toEqual([['0', '2'], ['1', '2']]);
    expect(seen.every((s) => s.g !== undefined && s.a && s.args[0] === "it's $HOME")).toBe(true);
  }, 90_000);

  it('fails with the failing task\'s exit code', async () => {
    const { run_id } = await client.submitJob({ target: 'cluster', command: node('if (process.env.RANK === "1") process.exit(4)'), workers: 2, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('failed');
    expect(run.exit_code).toBe(4);
    expect(run.error).toMatch(/Worker w1 exited with code 4/);
  }, 90_000);

  it('a failing task stops the other at once (srun --kill-on-bad-exit), and the run names the failure', async () => {
    const code = 'if (process.env.RANK === "1") process.exit(3); setTimeout(() => console.log("done"), 60000)';
    const started = Date.now();
    const { run_id } = await client.submitJob({ target: 'cluster', command: node(code), workers: 2, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    expect([run.status, run.exit_code]).toEqual(['failed', 3]);
    expect(run.error).toMatch(/^Worker w1 exited with code 3/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(log(run_id, 'w0')).not.toContain('done');
  }, 90_000);

  it('rank 0 of a Python job records the run\'s environment on the node', async () => {
    const { run_id } = await client.submitJob({ target: 'cluster', command: ['python3', '-c', 'print("hi")'], workers: 2, gpusPerWorker: 0 });
    expect((await waitForEnd(run_id)).status).toBe('finished');
    const envFile = path.join(store, 'runs', run_id, 'env.json');
    await expect.poll(() => existsSync(envFile), { timeout: 15_000 }).toBe(true);
    expect(JSON.parse(readFileSync(envFile, 'utf8'))).toMatchObject({ workers: 2, python: expect.stringMatching(/^3\./) });
    expect(log(run_id, 'w0')).toBe('hi\n');
  }, 90_000);

  it('each task samples its processes and the GPU Slurm gave it: system metrics per rank', async () => {
    // A fake nvidia-smi on the node (GPU 0 11% busy, GPU 1 22%); the helper from the project's Python.
    const bin = path.join(tmp, 'fake-gpu');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\necho "0, GPU-0, 11, 1100, 61.0"\necho "1, GPU-1, 22, 2200, 62.0"\n', { mode: 0o755 });
    const python = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../.venv/bin/python');
    const code = [
      'import os, time',
      `os.environ.update(RUNLANE_SYSTEM_METRICS="1", RUNLANE_SYSTEM_INTERVAL="1", PATH=${JSON.stringify(bin)} + ":" + os.environ["PATH"])`,
      'import runlane as rl',
      'print(os.environ["CUDA_VISIBLE_DEVICES"], flush=True)',
      'rl.log(loss=1.0, step=0)',
      'end = time.time() + 2.5',
      'while time.time() < end:',
      '    pass',
    ].join('\n');
    const { run_id } = await client.submitJob({ target: 'cluster', command: [python, '-c', code], workers: 2, gpusPerWorker: 1 });
    expect(await waitForEnd(run_id)).toMatchObject({ status: 'finished' });
    for (const rank of [0, 1]) {
      const gpu = Number(log(run_id, `w${rank}`).trim()); // the GPU Slurm bound this task to
      const util = await client.series(run_id, 'system/gpu0/util', { rank });
      expect(util.values.length).toBeGreaterThanOrEqual(1);
      expect(new Set(util.values)).toEqual(new Set([11 * (gpu + 1)]));
      expect((await client.series(run_id, 'system/cpu_percent', { rank })).values.length).toBeGreaterThanOrEqual(1);
    }
  }, 90_000);

  it('cancel runs scancel: the job ends cancelled and its task processes are gone', async () => {
    const { run_id } = await client.submitJob({ target: 'cluster', command: node('console.log(process.pid); setTimeout(() => {}, 120000)'), workers: 2, gpusPerWorker: 0 });
    const pids = () => [0, 1].flatMap((r) => { try { return log(run_id, `w${r}`).trim().split('\n').filter(Boolean).map(Number); } catch { return []; } });
    await expect.poll(() => pids().length, { timeout: 60_000, interval: 200 }).toBe(2);
    await client.cancelJob(run_id);
    expect((await waitForEnd(run_id)).status).toBe('cancelled');
    await expect.poll(() => pids().filter(processIsAlive), { timeout: 20_000 }).toEqual([]);
  }, 120_000);
});
