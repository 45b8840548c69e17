// Jobs on a real Ray head (ray[default] from .cache/ray-venv, test/helpers/rayHead.ts), through the
// real daemon and Ray's Jobs REST API: no shared filesystem, the workers' lines come back over the log
// tail. The head runs with token auth (RAY_AUTH_MODE=token), so every request here carries the token
// the target names, and a wrong one is refused. The head is the engine suite's shared one
// (test/helpers/sharedRayHead.ts: a file run alone starts its own); it is stopped by its own pids.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InbandDemux } from '@runlane/protocol';
import { startTestDaemon, waitForJobEnd } from '../../../../test/helpers/daemon.js';
import { freePort } from '../../../../test/helpers/processes.js';
import { processAlive } from '../../../../test/helpers/rayHead.js';
import { sharedRayHead, type SharedRayHead } from '../../../../test/helpers/sharedRayHead.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { DaemonClient } from '../client/daemonClient.js';
import type { Daemon } from '../server/daemon.js';
import { StoreReader } from '../store/index.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');
// A cell job of two workers (the cell's body runs on each; rank 0's last expression is the result).
const TWO_WORKERS = [
  'import os, sys, time, runlane as rl',
  'r = os.environ["RANK"]',
  'for i in range(4):',
  '    rl.log(loss=1.0 / (i + 1), step=i)',
  '    print("rank", r, "of", os.environ["WORLD_SIZE"], "step", i, flush=True)',
  '    time.sleep(0.6)',
  'print("warn", r, os.environ["FROM_TARGET"], os.environ["MASTER_PORT"] != "", file=sys.stderr, flush=True)',
  'print("bar 50%\\rbar 100%", flush=True)',
  'out = os.environ["RUNLANE_OUTPUT_DIR"]',
  'os.makedirs(os.path.join(out, "ckpt"), exist_ok=True)',
  'open(os.path.join(out, "ckpt", "w%s.txt" % r), "w").write("weights " + r)',
  '6 * 7',
].join('\n');
const FAILING = 'import os, sys, time\nif os.environ["RANK"] == "1":\n    print("out of memory", flush=True)\n    sys.exit(3)\ntime.sleep(60)\nprint("done", flush=True)';
// Holds both GPUs, each worker with a child process of its own: what a cancel must end.
const HOLDER = 'import os, subprocess, time\nchild = subprocess.Popen(["sleep", "300"])\nprint(os.getpid(), child.pid, flush=True)\nprint("gpu", os.environ["CUDA_VISIBLE_DEVICES"], file=__import__("sys").stderr, flush=True)\ntime.sleep(300)';
let jobs: Record<'two' | 'failing' | 'nopython' | 'holder', Promise<{ run_id: string }>>;
let tmp: string;
let store: string;
let head: SharedRayHead;
let daemon: Daemon;
let client: DaemonClient;

beforeAll(async () => {
  tmp = makeTempDir('ray');
  store = path.join(tmp, '.runlane');
  // The head: token auth, 6 CPUs, 2 logical GPUs, no spare workers (SHARED_RAY_HEAD). The daemon (in
  // this process) reads the tokens from the variables the targets name.
  head = await sharedRayHead(tmp);
  Object.assign(process.env, { RUNLANE_TEST_RAY_TOKEN: head.token, RUNLANE_TEST_WRONG_TOKEN: 'not-the-token' });
  const closedPort = await freePort(); // nothing listens there
  const target = (name: string, extra: string) => `[targets.${name}]\nkind = "ray"\naddress = "${head.address}"\npython = "${head.python}"\n${extra}`;
  writeFileSync(
    path.join(tmp, 'runlane.toml'),
    [
      target('ray', 'token_env = "RUNLANE_TEST_RAY_TOKEN"\nenv_vars = { FROM_TARGET = "yes" }'),
      target('wrongtoken', 'token_env = "RUNLANE_TEST_WRONG_TOKEN"'),
      target('notoken', ''),
      target('unsetvar', 'token_env = "RUNLANE_TEST_NO_SUCH_VAR"'),
      `[targets.down]\nkind = "ray"\naddress = "http://127.0.0.1:${closedPort}"\npython = "python3"`,
      target('nopython', 'token_env = "RUNLANE_TEST_RAY_TOKEN"').replace(`python = "${head.python}"`, 'python = "/nonexistent/bin/python3"'),
    ].join('\n'),
  );
  await startDaemon();
  // Ray takes seconds to start a job (runtime env, driver, one actor per worker): the jobs of the
  // tests below are submitted together here, each test then waits for its own.
  jobs = {
    // The kernel's own interpreter, which the cluster does not have: a cell job runs the cluster's.
    two: client.submitJob({ target: 'ray', command: ['/local/kernel/python', '-m', 'runlane.worker'], workers: 2, gpusPerWorker: 0, name: 'ray two', input: cellInput(), cell: { notebook: null, cell_id: 'c1', source: TWO_WORKERS } }),
    failing: client.submitJob({ target: 'ray', command: py(FAILING), workers: 2, gpusPerWorker: 0 }),
    nopython: client.submitJob({ target: 'nopython', command: ['true'], workers: 1, gpusPerWorker: 0 }),
    holder: client.submitJob({ target: 'ray', command: py(HOLDER), workers: 2, gpusPerWorker: 1 }),
  };
  for (const job of Object.values(jobs)) job.catch(() => {}); // each test says what went wrong with its own
}, 120_000);

afterAll(async () => {
  try {
    await daemon?.close();
  } finally {
    await head?.release(); // whatever happened above: no head of this file's own is left running
    removeTempDir(tmp);
  }
}, 120_000);

async function startDaemon(): Promise<void> {
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile: path.join(tmp, 'runlane.toml'), clientStore: store }));
}

function cellInput(): string {
  const input = path.join(tmp, 'cell-input');
  mkdirSync(input, { recursive: true });
  writeFileSync(path.join(input, 'cell.py'), `${TWO_WORKERS}\n`);
  writeFileSync(path.join(input, 'cell.json'), JSON.stringify({ filename: 'Cell In[1]', first_line: 2, source: null }));
  return input;
}

const waitForEnd = (id: string) => waitForJobEnd(store, id, 60_000, 100);
const py = (code: string) => ['python', '-c', code];
const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const log = (id: string, worker: string, stream = 'stdout') => read(path.join(store, 'runs', id, 'logs', worker, `${stream}.log`));
const shown = (text: string) => {
  const demux = new InbandDemux();
  return demux.push(text).text + demux.end();
};
/** Runlane's own lines about the run (the driver's notes, Ray's own lines). */
const notes = (id: string) => {
  const logs = path.join(store, 'runs', id, 'logs');
  return existsSync(logs) ? readdirSync(logs).map((w) => read(path.join(logs, w, 'runlane.log'))).join('') : '';
};
const status = async (id: string) => (await (await StoreReader.open(store, () => {})).readRun(id)).status;

describe('Ray target', () => {
  it('checks targets: reachable with Ray version, nodes and free GPUs, or the reason (unreachable, wrong or missing token)', async () => {
    const targets = Object.fromEntries((await client.targets()).map((t) => [t.name, t]));
    expect(targets.ray).toMatchObject({ kind: 'ray', ok: true, python: head.python });
    expect(targets.ray?.detail).toMatch(/Ray 2\.60\.0, 1 node, 2 of 2 GPUs free, \d+ of 6 CPUs free$/);
    expect(targets.wrongtoken).toMatchObject({ ok: false, detail: expect.stringMatching(/refused the token in RUNLANE_TEST_WRONG_TOKEN \(HTTP 403\); set RUNLANE_TEST_WRONG_TOKEN to the cluster's token/) });
    expect(targets.notoken).toMatchObject({ ok: false, detail: expect.stringMatching(/asks for a token \(HTTP 401\); set token_env = "NAME" on target "notoken"/) });
    expect(targets.unsetvar?.detail).toMatch(/token_env names RUNLANE_TEST_NO_SUCH_VAR, which is not set/);
    expect(targets.down).toMatchObject({ ok: false, detail: expect.stringMatching(/^Cannot reach the Ray cluster at http:\/\/127\.0\.0\.1:\d+ to say its version \(ECONNREFUSED\); check that the head is up/) });
    // Refused before any run exists: nothing is left "running".
    for (const target of ['down', 'wrongtoken']) await expect(client.submitJob({ target, command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(/Ray cluster/);
    const runs = await (await StoreReader.open(store, () => {})).listRuns();
    expect(runs.filter((r) => r.params.target === 'down' || r.params.target === 'wrongtoken')).toEqual([]);
  }, 30_000);

  it('runs a two-worker cell job: lines live per worker, in order, without Ray noise; metrics, artifacts and rank 0\'s result back', async () => {
    const { run_id } = await jobs.two;
    // Live: a worker's first line is here while the job still runs.
    await expect.poll(() => log(run_id, 'w1').includes('step 0'), { timeout: 90_000 }).toBe(true);
    expect(await status(run_id)).toBe('running');
    const run = await waitForEnd(run_id);
    expect(run).toMatchObject({ status: 'finished', exit_code: 0, kind: 'job', params: { target: 'ray', workers: 2, ray_job: `runlane-${run_id}` } });
    for (const r of [0, 1]) {
      const steps = Array.from({ length: 4 }, (_, i) => `rank ${r} of 2 step ${i}\n`).join('');
      expect(shown(log(run_id, `w${r}`))).toBe(`${steps}bar 50%\rbar 100%\n`);
      expect(log(run_id, `w${r}`, 'stderr')).toBe(`warn ${r} yes True\n`);
    }
    expect(log(run_id, 'w0')).not.toMatch(/pid=|repeated/); // no Ray prefixes or dedup
    expect(log(run_id, 'w0')).not.toContain('\x1b['); // nor Ray's colours
    expect(run.metrics.loss).toMatchObject({ count: 4, last: 0.25 });
    expect(run.ranks).toEqual([0, 1]);
    expect((await client.artifacts(run_id)).map((a) => a.path).sort()).toEqual(['ckpt/w0.txt', 'ckpt/w1.txt']);
    expect((await client.artifact(run_id, 'ckpt/w1.txt')).toString()).toBe('weights 1');
    expect(readdirSync(path.join(store, 'runs', run_id, 'artifacts', 'ckpt')).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(JSON.parse(read(path.join(store, 'runs', run_id, 'job', 'result.json')))).toEqual({ 'text/plain': '42' });
  }, 150_000);

  it('a failing worker fails the run with its exit code and stops the other; a missing python fails it with a sentence', async () => {
    const [failing, nopython] = await Promise.all([jobs.failing, jobs.nopython]);
    const [run, missing] = await Promise.all([waitForEnd(failing.run_id), waitForEnd(nopython.run_id)]);
    expect([run.status, run.exit_code]).toEqual(['failed', 3]);
    expect(run.error).toMatch(/^Worker w1 exited with code 3\. The other workers were stopped\. Its last lines:\n\[stdout\]\nout of memory/);
    expect(log(failing.run_id, 'w0')).not.toContain('done');
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/^The cluster cannot run \/nonexistent\/bin\/python3 \(.*not found\); set python = "\.\.\." on target "nopython"/);
  }, 90_000);

  it('GPUs: a request the cluster can never meet is refused; one it cannot meet now waits queued with the reason; cancel ends every worker process', async () => {
    await expect(client.submitJob({ target: 'ray', command: ['true'], workers: 2, gpusPerWorker: 2 })).rejects.toThrow(
      /has 2 GPUs in all; this job asks for 4 \(2 workers x 2\)\. Ask for fewer, or add nodes with GPUs/,
    );
    const { run_id } = await jobs.holder;
    const pids = () => [0, 1].flatMap((r) => log(run_id, `w${r}`).trim().split(/\s+/).map(Number)).filter((p) => p > 0);
    await expect.poll(() => pids().length, { timeout: 60_000 }).toBe(4);
    expect([0, 1].map((r) => log(run_id, `w${r}`, 'stderr')).sort()).toEqual(['gpu 0\n', 'gpu 1\n']); // one GPU each, as Ray gave them
    expect(pids().every((p) => head.nodePids().includes(p))).toBe(true); // the head is the node: these are its processes
    // A job that must wait, from a terminal: queued, the reason printed there; Ctrl-C cancels it.
    const launch = spawn(process.execPath, [BIN, 'launch', '--dir', store, '--on', 'ray', '--gpus', '1', '--', 'true'], { env: { ...process.env, RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt') } });
    let out = '';
    launch.stdout.on('data', (d: Buffer) => (out += d.toString()));
    launch.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => launch.on('exit', (code) => resolve(code)));
    await expect.poll(() => out, { timeout: 30_000 }).toMatch(/waiting for resources: 1 worker of 1 CPU and 1 GPU each; the cluster has .*0 GPU free of 2/);
    const waiting = /runlane: job (\S+) queued on ray/.exec(out)?.[1] ?? 'none';
    expect(await status(waiting)).toBe('queued');
    expect(notes(waiting)).toMatch(/waiting for resources/); // kept with the run too (runlane logs)
    launch.kill('SIGINT');
    expect(await exited).toBe(130);
    expect((await waitForEnd(waiting)).status).toBe('cancelled');
    await client.cancelJob(run_id);
    expect((await waitForEnd(run_id)).status).toBe('cancelled');
    await expect.poll(() => pids().filter(processAlive), { timeout: 15_000 }).toEqual([]);
  }, 120_000);

  it('runlane launch --detach takes the script to the cluster; a restarted daemon re-adopts the job, and runlane attach shows every line once', async () => {
    const project = path.join(tmp, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'train.py'), 'import os, time\nfor i in range(10):\n    print("w", os.environ["RANK"], "line", i, flush=True)\n    time.sleep(0.5)\n');
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [BIN, ...args, '--dir', store], { cwd: project, env: { ...process.env, RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt') }, encoding: 'utf8', timeout: 60_000 });
    // Not execFileSync: the daemon lives in this test process and must keep answering meanwhile.
    const run_id = (await cli('launch', '--detach', '--on', 'ray', '--workers', '2', '--', 'python', 'train.py')).stdout.trim();
    await expect.poll(() => log(run_id, 'w1').includes('line 1'), { timeout: 45_000 }).toBe(true);
    await daemon.close(); // the daemon goes; the job runs on in the cluster
    await new Promise((r) => setTimeout(r, 1500));
    await startDaemon();
    await client.runs(); // opening the store re-adopts its jobs
    const attached = await cli('attach', run_id);
    const lines = (r: number) => attached.stdout.split('\n').filter((l) => l.startsWith(`[w${r}] `));
    for (const r of [0, 1]) {
      const expected = Array.from({ length: 10 }, (_, i) => `w ${r} line ${i}`);
      expect(lines(r)).toEqual(expected.map((l) => `[w${r}] ${l}`));
      expect(log(run_id, `w${r}`)).toBe(expected.map((l) => `${l}\n`).join(''));
    }
    expect((await waitForEnd(run_id)).status).toBe('finished');
  }, 90_000);
});
