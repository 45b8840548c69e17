// Jobs on a real OpenSSH server on loopback (test/engines/ssh, key-only auth), through the real daemon.
// The host's run folder is not the local store: outputs and metrics come back through the mirror.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBAND_START, InbandDemux } from '@runlane/protocol';
import { startTestDaemon, waitForJobEnd } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { DaemonClient } from '../client/daemonClient.js';
import { processIsAlive } from '../processAlive.js';
import type { Daemon } from '../server/daemon.js';
import { StoreReader } from '../store/index.js';

const engines = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/engines/ssh');
const PORT = '22317';
let tmp: string;
let sshd: string;
let store: string;
let remote: string;
let daemon: Daemon;
let client: DaemonClient;

beforeAll(async () => {
  tmp = makeTempDir('ssh');
  chmodSync(tmp, 0o755); // sshd reads the authorized keys as the target user
  sshd = path.join(tmp, 'sshd');
  store = path.join(tmp, '.runlane');
  remote = path.join(tmp, 'remote-jobs');
  execFileSync('bash', [path.join(engines, 'start-sshd.sh'), sshd], { env: { ...process.env, SSHD_PORT: PORT }, stdio: 'pipe', timeout: 30_000 });
  const config = path.join(sshd, 'ssh_config');
  // A second client config whose known_hosts holds another key: a host key mismatch.
  writeFileSync(path.join(sshd, 'wrong_known_hosts'), `[127.0.0.1]:${PORT} ${readFileSync(path.join(sshd, 'client_ed25519.pub'), 'utf8')}`);
  writeFileSync(path.join(sshd, 'ssh_config_wrong_key'), readFileSync(config, 'utf8').replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${path.join(sshd, 'wrong_known_hosts')}`));
  const targetsFile = path.join(tmp, 'runlane.toml');
  writeFileSync(
    targetsFile,
    [
      `[targets.box]\nkind = "ssh"\nhost = "ci-target"\nssh_config = "${config}"\nworkdir = "${remote}"`,
      `[targets.down]\nkind = "ssh"\nhost = "127.0.0.1"\nport = 1\nssh_config = "${config}"`,
      `[targets.impostor]\nkind = "ssh"\nhost = "ci-target"\nssh_config = "${path.join(sshd, 'ssh_config_wrong_key')}"`,
      `[targets.nopython]\nkind = "ssh"\nhost = "ci-target"\nssh_config = "${config}"\npython = "python9.99"`,
    ].join('\n'),
  );
  await startDaemon();
}, 60_000);

afterAll(async () => {
  await daemon?.close();
  execFileSync('bash', [path.join(engines, 'stop-sshd.sh'), sshd], { stdio: 'pipe' });
  removeTempDir(tmp);
});

/** The daemon (again, after a test closed it) over the test's store, runtime folder and runlane.toml. */
async function startDaemon(): Promise<void> {
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile: path.join(tmp, 'runlane.toml'), clientStore: store }));
}

const waitForEnd = (id: string) => waitForJobEnd(store, id, 60_000, 100);

const log = (id: string, worker: string, stream = 'stdout') => {
  const file = path.join(store, 'runs', id, 'logs', worker, `${stream}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
};
const py = (code: string) => ['python3', '-c', code];
const shown = (text: string) => {
  const demux = new InbandDemux();
  return demux.push(text).text + demux.end();
};

/** The SSH connections the test's sshd has accepted so far (its log, LogLevel INFO). */
const accepted = (): number => {
  const file = path.join(sshd, 'sshd.log');
  return existsSync(file) ? readFileSync(file, 'utf8').split('Accepted publickey').length - 1 : 0;
};

describe('SSH target', () => {
  it('answers jobs submitted together before their starts, which go on together over one shared connection', async () => {
    const before = accepted();
    const jobs = [];
    for (let i = 0; i < 4; i++) jobs.push(await client.submitJob({ target: 'box', command: py(`print("job ${i}", flush=True)`), workers: 1, gpusPerWorker: 0 }));
    // Queued: each answer came once the host was checked, not after its copies and launch (a sweep's next trial starts meanwhile).
    expect(jobs.map((j) => j.status)).toEqual(['queued', 'queued', 'queued', 'queued']);
    for (const [i, { run_id }] of jobs.entries()) {
      expect((await waitForEnd(run_id)).status).toBe('finished');
      expect(shown(log(run_id, 'w0'))).toBe(`job ${i}\n`);
    }
    // Each start's check, copies, launch and follower (about 6 ssh runs a job) rode on one connection, not 24.
    expect(accepted() - before).toBeLessThanOrEqual(1);
  });

  it('runs two workers on the host; their output and metrics come back without a shared filesystem', async () => {
    const code = [
      'import os, runlane as rl',
      'for i in range(3):',
      '    rl.log(loss=1.0 / (i + 1), step=i)',
      '    print("rank", os.environ["RANK"], "of", os.environ["WORLD_SIZE"], "step", i, flush=True)',
      'out = os.environ["RUNLANE_OUTPUT_DIR"]',
      'os.makedirs(os.path.join(out, "ckpt"), exist_ok=True)',
      'open(os.path.join(out, "ckpt", "w%s.txt" % os.environ["RANK"]), "w").write("weights " + os.environ["RANK"])',
      'os.path.lexists(os.path.join(out, "escape")) or os.symlink("/etc/passwd", os.path.join(out, "escape"))',
    ].join('\n');
    const { run_id } = await client.submitJob({ target: 'box', command: [...py(code), "it's $HOME"], workers: 2, gpusPerWorker: 0, name: 'ssh two' });
    const run = await waitForEnd(run_id);
    expect(run).toMatchObject({ status: 'finished', exit_code: 0, kind: 'job' });
    // The stored log keeps everything the worker wrote, in-band metric records included; shown, they are gone.
    expect(log(run_id, 'w0')).toContain(INBAND_START);
    expect(shown(log(run_id, 'w0'))).toBe('rank 0 of 2 step 0\nrank 0 of 2 step 1\nrank 0 of 2 step 2\n');
    expect(shown(log(run_id, 'w1'))).toBe('rank 1 of 2 step 0\nrank 1 of 2 step 1\nrank 1 of 2 step 2\n');
    expect(run.metrics.loss).toMatchObject({ count: 3, last: 1 / 3 }); // rank 0's: each worker's points stay apart
    expect(run.ranks).toEqual([0, 1]);
    expect(existsSync(path.join(remote, 'runs', run_id, 'metrics'))).toBe(false); // in-band: no metric files on the host
    const series = await client.series(run_id, 'loss');
    expect(series.steps.length).toBe(3);
    expect((await client.series(run_id, 'loss', { rank: 1 })).steps.length).toBe(3);
    expect(existsSync(path.join(remote, 'runs', run_id, 'logs', 'w0', 'stdout.log'))).toBe(true); // written on the host
    // Files written under RUNLANE_OUTPUT_DIR on the host came back as the run's artifacts; links did not.
    expect((await client.artifacts(run_id)).map((a) => a.path)).toEqual(['ckpt/w0.txt', 'ckpt/w1.txt']);
    expect((await client.artifact(run_id, 'ckpt/w1.txt')).toString()).toBe('weights 1');
    // Rank 0 recorded the environment on the host, and it came back with the job.
    expect(JSON.parse(readFileSync(path.join(store, 'runs', run_id, 'env.json'), 'utf8'))).toMatchObject({ workers: 2, python: expect.stringMatching(/^3\./) });
  }, 60_000);

  it('each worker on the host samples its own processes and GPU: system metrics come back in-band, per rank', async () => {
    // A fake nvidia-smi in a folder the host's user reads: GPU 0 is 11% busy, GPU 1 22%.
    const bin = path.join(tmp, 'fake-gpu');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'nvidia-smi'), '#!/bin/sh\necho "0, GPU-0, 11, 1100, 61.0"\necho "1, GPU-1, 22, 2200, 62.0"\n', { mode: 0o755 });
    const code = [
      'import os, time',
      `os.environ.update(RUNLANE_SYSTEM_METRICS="1", RUNLANE_SYSTEM_INTERVAL="1", CUDA_VISIBLE_DEVICES=os.environ["RANK"], PATH=${JSON.stringify(bin)} + ":" + os.environ["PATH"])`,
      'import runlane as rl',
      'rl.log(loss=1.0, step=0)',
      'end = time.time() + 2.5',
      'while time.time() < end:',
      '    pass',
    ].join('\n');
    const { run_id } = await client.submitJob({ target: 'box', command: py(code), workers: 2, gpusPerWorker: 0 });
    expect(await waitForEnd(run_id)).toMatchObject({ status: 'finished' });
    expect(existsSync(path.join(remote, 'runs', run_id, 'metrics'))).toBe(false); // in-band: no metric files on the host
    for (const rank of [0, 1]) {
      const util = await client.series(run_id, 'system/gpu0/util', { rank });
      expect(util.values.length).toBeGreaterThanOrEqual(1);
      expect(new Set(util.values)).toEqual(new Set([11 * (rank + 1)])); // each rank's own GPU, its cuda:0
      expect((await client.series(run_id, 'system/memory_mb', { rank })).values.length).toBeGreaterThanOrEqual(1);
    }
    expect(shown(log(run_id, 'w1'))).toBe(''); // the records never show in the worker's output
  }, 60_000);

  it('a with rl.run() block on the host joins the job\'s run: its name, experiment and params come back', async () => {
    const code = [
      'import runlane as rl',
      'with rl.run(name="from the host", experiment="remote", params={"lr": 0.1}):',
      '    rl.log(loss=0.5, step=0)',
    ].join('\n');
    const { run_id } = await client.submitJob({ target: 'box', command: py(code), workers: 1, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    expect(run).toMatchObject({ status: 'finished', name: 'from the host', experiment: 'remote', kind: 'job' });
    expect(run.params).toMatchObject({ lr: 0.1, target: 'box' });
    expect(run.metrics.loss).toMatchObject({ count: 1, last: 0.5 });
    const all = await (await StoreReader.open(store, () => {})).listRuns();
    expect(all.filter((r) => r.name === 'from the host')).toHaveLength(1); // one script, one run
  }, 60_000);

  it('a sweep loop on the host comes back as one run per rl.run() block, each rank apart', async () => {
    const code = [
      'import runlane as rl',
      'for lr in [0.01, 0.1, 1.0]:',
      '    with rl.run(name=f"lr={lr}", experiment="ssh-sweep", params={"lr": lr}):',
      '        for step in range(5):',
      '            rl.log(loss=lr * step, step=step)',
    ].join('\n');
    const { run_id } = await client.submitJob({ target: 'box', command: py(code), workers: 2, gpusPerWorker: 0 });
    expect((await waitForEnd(run_id)).status).toBe('finished');
    const reader = await StoreReader.open(store, () => {});
    await expect.poll(async () => (await reader.listRuns({ experiment: 'ssh-sweep' })).map((r) => [r.id, r.name, r.status]).sort(), { timeout: 15_000 }).toEqual([
      [run_id, 'lr=0.01', 'finished'],
      [`${run_id}-b2`, 'lr=0.1', 'finished'],
      [`${run_id}-b3`, 'lr=1.0', 'finished'],
    ]);
    const third = await reader.readRun(`${run_id}-b3`);
    expect(third.params).toMatchObject({ lr: 1 });
    expect(third.tags).toMatchObject({ job: run_id });
    expect(third.metrics.loss).toMatchObject({ count: 5, last: 4 }); // rank 0's; rank 1's points kept apart
    expect(third.ranks).toEqual([0, 1]);
  }, 90_000);

  it('runlane launch takes the files the command names to the host and runs there in their folder', async () => {
    const project = path.join(tmp, 'project');
    mkdirSync(path.join(project, 'cfg'), { recursive: true });
    writeFileSync(path.join(project, 'train.py'), 'import json, os, sys\ncfg = json.load(open(sys.argv[1].split("=", 1)[1]))\nprint("lr", cfg["lr"], "in", os.getcwd(), flush=True)\n');
    writeFileSync(path.join(project, 'cfg', 'a.json'), '{"lr": 0.25}');
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');
    // Not execFileSync: the daemon lives in this test process and must keep answering meanwhile.
    const { stdout: out } = await promisify(execFile)(process.execPath, [bin, 'launch', '--dir', store, '--on', 'box', '--', 'python3', 'train.py', '--config=cfg/a.json'], {
      cwd: project,
      env: { ...process.env, RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const id = /runs\/([^/]+)\/input/.exec(out)?.[1] ?? 'none';
    expect(out).toBe(`[w0] lr 0.25 in ${path.join(remote, 'runs', id, 'input')}\n`);
    const run = await (await StoreReader.open(store, () => {})).readRun(id);
    expect([run.name, run.status]).toEqual(['python3 train.py --config=cfg/a.json', 'finished']);
  }, 60_000);

  it('resumes the output stream after its connection is cut, nothing lost or repeated', async () => {
    const code = 'import time\nfor i in range(40):\n    print("line", i, flush=True)\n    time.sleep(0.05)';
    const { run_id } = await client.submitJob({ target: 'box', command: py(code), workers: 1, gpusPerWorker: 0 });
    const job = () => (daemon.jobs as unknown as { jobs: Map<string, { ssh?: { mirror: { pid?: number } } }> }).jobs.get(run_id);
    await expect.poll(() => log(run_id, 'w0').split('\n').length > 5, { timeout: 20_000 }).toBe(true);
    const pid = job()!.ssh!.mirror.pid!;
    process.kill(pid, 'SIGKILL'); // the follower connection drops mid-run
    await expect.poll(() => job()?.ssh?.mirror.pid !== pid, { timeout: 10_000 }).toBe(true);
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('finished');
    expect(log(run_id, 'w0')).toBe(Array.from({ length: 40 }, (_, i) => `line ${i}\n`).join(''));
  }, 60_000);

  it('fails with the worker\'s exit code, and cancel kills every worker process on the host', async () => {
    const failing = await client.submitJob({ target: 'box', command: py('import sys; print("bye", flush=True); sys.exit(6)'), workers: 1, gpusPerWorker: 0 });
    const failed = await waitForEnd(failing.run_id);
    expect([failed.status, failed.exit_code]).toEqual(['failed', 6]);
    expect(failed.error).toMatch(/Worker w0 exited with code 6[\s\S]*bye/);

    const { run_id } = await client.submitJob({ target: 'box', command: py('import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(120)'), workers: 2, gpusPerWorker: 0 });
    const pids = () => [0, 1].map((r) => Number(log(run_id, `w${r}`).trim())).filter((p) => p > 0);
    await expect.poll(() => pids().length, { timeout: 20_000 }).toBe(2);
    await client.cancelJob(run_id);
    expect((await waitForEnd(run_id)).status).toBe('cancelled');
    await expect.poll(() => pids().filter(processIsAlive), { timeout: 15_000 }).toEqual([]);
  }, 90_000);

  it('a failing worker stops the others on the host at once, and the run names it', async () => {
    const code = 'import os, sys, time\nif os.environ["RANK"] == "1":\n    sys.exit(3)\ntime.sleep(60)\nprint("done", flush=True)';
    const started = Date.now();
    const { run_id } = await client.submitJob({ target: 'box', command: py(code), workers: 2, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    expect([run.status, run.exit_code]).toEqual(['failed', 3]);
    expect(run.error).toMatch(/^Worker w1 exited with code 3\. The other workers were stopped\./);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(log(run_id, 'w0')).not.toContain('done');
  }, 60_000);

  it('a job outlives the daemon: its workers run on, and a new daemon re-adopts them and catches up every line once', async () => {
    const code = 'import os, time\nfor i in range(8):\n    print("w", os.environ["RANK"], "line", i, flush=True)\n    time.sleep(1)';
    const { run_id } = await client.submitJob({ target: 'box', command: py(code), workers: 2, gpusPerWorker: 0, name: 'overnight' });
    await expect.poll(() => log(run_id, 'w1').includes('line 1'), { timeout: 20_000 }).toBe(true);
    await daemon.close(); // the laptop goes away: the daemon and its ssh connections
    const hostPids = [0, 1].map((r) => Number(readFileSync(path.join(remote, 'runs', run_id, 'job', `w${r}.pid`), 'utf8')));
    await new Promise((r) => setTimeout(r, 2500));
    expect(hostPids.every(processIsAlive)).toBe(true); // still working on the host meanwhile
    const seenWhileAway = log(run_id, 'w0');
    await startDaemon();
    await client.runs(); // opening the store re-adopts its jobs
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('finished');
    for (const r of [0, 1]) expect(log(run_id, `w${r}`)).toBe(Array.from({ length: 8 }, (_, i) => `w ${r} line ${i}\n`).join(''));
    expect(seenWhileAway.length).toBeLessThan(log(run_id, 'w0').length); // the rest came after the re-adoption
  }, 90_000);

  it('a re-adopted job can still be cancelled: every worker process on the host is killed', async () => {
    const { run_id } = await client.submitJob({ target: 'box', command: py('import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(120)'), workers: 2, gpusPerWorker: 0 });
    const pids = () => [0, 1].map((r) => Number(log(run_id, `w${r}`).trim())).filter((p) => p > 0);
    await expect.poll(() => pids().length, { timeout: 20_000 }).toBe(2);
    await daemon.close();
    await startDaemon();
    expect(pids().every(processIsAlive)).toBe(true);
    await client.stopRun(run_id); // adopts the store's jobs first, then cancels
    expect((await waitForEnd(run_id)).status).toBe('cancelled');
    await expect.poll(() => pids().filter(processIsAlive), { timeout: 15_000 }).toEqual([]);
  }, 90_000);

  it('re-adopts a job whose host copy of the helper has no follower file (an older Runlane started it): the follower is copied there', async () => {
    const code = 'import time\nfor i in range(6):\n    print("line", i, flush=True)\n    time.sleep(0.5)';
    const { run_id } = await client.submitJob({ target: 'box', command: py(code), workers: 1, gpusPerWorker: 0 });
    await expect.poll(() => log(run_id, 'w0').includes('line 0'), { timeout: 20_000 }).toBe(true);
    await daemon.close();
    const follower = path.join(remote, 'lib', 'runlane', 'ssh_follower.py');
    rmSync(follower);
    await startDaemon();
    await client.runs(); // opening the store re-adopts its jobs
    expect((await waitForEnd(run_id)).status).toBe('finished');
    expect(log(run_id, 'w0')).toBe(Array.from({ length: 6 }, (_, i) => `line ${i}\n`).join(''));
    expect(existsSync(follower)).toBe(true);
  }, 60_000);

  it('refuses a host that is down, a host key mismatch and a missing Python with a sentence, creating no run', async () => {
    await expect(client.submitJob({ target: 'down', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(/Cannot reach 127.0.0.1 over ssh: .*(refused|Connection)/i);
    await expect(client.submitJob({ target: 'impostor', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(/Host key verification failed/);
    await expect(client.submitJob({ target: 'nopython', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(/has no working python9.99/);
    const targets = Object.fromEntries((await client.targets()).map((t) => [t.name, t.ok]));
    expect(targets).toMatchObject({ box: true, down: false, impostor: false, nopython: false });
  }, 60_000);
});
