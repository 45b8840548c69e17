// Local jobs through a real daemon and real worker processes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { DaemonClient } from '../client/daemonClient.js';
import { processIsAlive } from '../processAlive.js';
import type { Daemon } from '../server/daemon.js';

let tmp: string;
let store: string;
let runtime: string;
let targetsFile: string;
let daemon: Daemon;
let client: DaemonClient;

const node = (code: string): string[] => [process.execPath, '-e', code];

async function startDaemon(): Promise<void> {
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: runtime, targetsFile, clientStore: store }));
}

beforeEach(async () => {
  tmp = makeTempDir('jobs');
  store = path.join(tmp, '.runlane');
  runtime = path.join(tmp, 'rt');
  targetsFile = path.join(tmp, 'runlane.toml');
  writeFileSync(targetsFile, '[targets.box]\nkind = "local"\ngpus = ["0", "1"]\n');
  await startDaemon();
});

afterEach(async () => {
  await daemon.close();
  removeTempDir(tmp);
});

const waitForEnd = (id: string, timeoutMs = 20_000) => waitForJobEnd(store, id, timeoutMs);

function log(id: string, worker: string, stream = 'stdout'): string {
  return readFileSync(path.join(store, 'runs', id, 'logs', worker, `${stream}.log`), 'utf8');
}

describe('local jobs', () => {
  it('gives every worker a torchrun-compatible environment and its own log', async () => {
    const env = 'console.log(JSON.stringify({r: process.env.RANK, l: process.env.LOCAL_RANK, w: process.env.WORLD_SIZE, a: process.env.MASTER_ADDR, p: process.env.MASTER_PORT, id: process.env.RUNLANE_RUN_ID}))';
    const { run_id } = await client.submitJob({ target: 'local', command: node(env), workers: 3, gpusPerWorker: 0, name: 'env' });
    const run = await waitForEnd(run_id);
    expect(run).toMatchObject({ status: 'finished', exit_code: 0, kind: 'job', name: 'env' });
    expect(run.params).toMatchObject({ target: 'local', workers: 3 });
    expect(run.params).not.toHaveProperty('gpus_per_worker'); // none asked for: not a param of the run
    const seen = [0, 1, 2].map((r) => JSON.parse(log(run_id, `w${r}`)) as Record<'r' | 'l' | 'w' | 'a' | 'p' | 'id', string>);
    expect(seen.map((s) => [s.r, s.l, s.w, s.a, s.id])).toEqual([0, 1, 2].map((r) => [String(r), String(r), '3', '127.0.0.1', run_id]));
    expect(new Set(seen.map((s) => s.p)).size).toBe(1);
  });

  it('hands out GPUs through CUDA_VISIBLE_DEVICES and queues a job rather than oversubscribe', async () => {
    const gpu = 'console.log(process.env.CUDA_VISIBLE_DEVICES); setTimeout(() => {}, 600)';
    const first = await client.submitJob({ target: 'box', command: node(gpu), workers: 2, gpusPerWorker: 1 });
    const second = await client.submitJob({ target: 'box', command: node(gpu), workers: 1, gpusPerWorker: 2 });
    expect([first.status, second.status]).toEqual(['running', 'queued']);
    expect((await client.runs({ status: ['queued'] })).map((r) => r.id)).toEqual([second.run_id]);
    expect((await waitForEnd(first.run_id)).status).toBe('finished');
    expect([log(first.run_id, 'w0').trim(), log(first.run_id, 'w1').trim()]).toEqual(['0', '1']);
    expect((await waitForEnd(second.run_id)).status).toBe('finished');
    expect(log(second.run_id, 'w0').trim()).toBe('0,1');
    await expect(client.submitJob({ target: 'box', command: node(''), workers: 3, gpusPerWorker: 1 })).rejects.toThrow(/has 2 GPU\(s\); this job asks for 3/);
  });

  // A new user's sweep with 2 GPUs and 3 trials at once: the trial submitted as a GPU freed up took it
  // from the trial queued for it (and said "started" while it then waited). Queued jobs go first.
  it('starts queued jobs in order: a job submitted while one waits for GPUs waits behind it', async () => {
    const hold = (ms: number) => node(`console.log(process.env.CUDA_VISIBLE_DEVICES); setTimeout(() => {}, ${ms})`);
    const short = await client.submitJob({ target: 'box', command: hold(300), workers: 1, gpusPerWorker: 1 });
    const long = await client.submitJob({ target: 'box', command: hold(3000), workers: 1, gpusPerWorker: 1 });
    const both = await client.submitJob({ target: 'box', command: hold(0), workers: 1, gpusPerWorker: 2 });
    expect([short.status, long.status, both.status]).toEqual(['running', 'running', 'queued']);
    expect((await waitForEnd(short.run_id)).status).toBe('finished'); // one GPU free, the queued job needs two
    const late = await client.submitJob({ target: 'box', command: hold(0), workers: 1, gpusPerWorker: 1 });
    expect(late.status).toBe('queued'); // behind the waiting job, though a GPU is free
    expect((await client.runs({ status: ['queued'] })).map((r) => r.id).sort()).toEqual([both.run_id, late.run_id].sort());
    for (const id of [long.run_id, both.run_id, late.run_id]) expect((await waitForEnd(id)).status).toBe('finished');
    expect(log(both.run_id, 'w0').trim()).toBe('0,1');
  });

  it('re-runs a job with its recorded spec, handing edited params to the workers', async () => {
    const show = 'console.log(process.env.RUNLANE_PARAMS ?? "none", process.env.WORLD_SIZE)';
    const first = await client.submitJob({ target: 'local', command: node(show), workers: 2, gpusPerWorker: 0, name: 'sweep' });
    expect((await waitForEnd(first.run_id)).status).toBe('finished');
    expect(log(first.run_id, 'w0').trim()).toBe('none 2');
    const again = await client.rerun(first.run_id, { lr: 0.5, arch: 'mlp' });
    const run = await waitForEnd(again.run_id);
    expect(run).toMatchObject({ status: 'finished', name: 'sweep', tags: { rerun_of: first.run_id } });
    expect(run.params).toMatchObject({ lr: 0.5, arch: 'mlp', workers: 2, target: 'local' });
    expect(log(again.run_id, 'w1').trim()).toBe('{"lr":0.5,"arch":"mlp"} 2');
    await expect(client.rerun(first.run_id, [1] as unknown as Record<string, unknown>)).rejects.toThrow(/params must be an object/);
  });

  it('keeps what workers write under RUNLANE_OUTPUT_DIR as the run artifacts', async () => {
    const write = 'const fs = require("fs"), p = require("path"); fs.writeFileSync(p.join(process.env.RUNLANE_OUTPUT_DIR, "out-" + process.env.RANK + ".txt"), "rank " + process.env.RANK)';
    const { run_id } = await client.submitJob({ target: 'local', command: node(write), workers: 2, gpusPerWorker: 0 });
    expect((await waitForEnd(run_id)).status).toBe('finished');
    expect((await client.artifacts(run_id)).map((a) => [a.path, a.size])).toEqual([['out-0.txt', 6], ['out-1.txt', 6]]);
  });

  it('takes targets from another runlane.toml when a client names one', async () => {
    const elsewhere = path.join(tmp, 'elsewhere.toml');
    writeFileSync(elsewhere, '[targets.side]\nkind = "local"\ngpus = ["7"]\n');
    const other = await DaemonClient.connect({ runtimeDir: runtime, start: false, store, targetsFile: elsewhere });
    expect((await other.targets()).map((t) => t.name)).toEqual(['local', 'side']);
    expect((await client.targets()).map((t) => t.name)).toEqual(['local', 'box']); // the store's own file
    const { run_id } = await other.submitJob({ target: 'side', command: node('console.log(process.env.CUDA_VISIBLE_DEVICES)'), workers: 1, gpusPerWorker: 1 });
    expect((await waitForEnd(run_id)).status).toBe('finished');
    expect(log(run_id, 'w0').trim()).toBe('7');
    await expect(client.submitJob({ target: 'side', command: node(''), workers: 1, gpusPerWorker: 0 })).rejects.toThrow(/No target "side"/);
    await expect(client.submitJob({ target: 'side', command: node(''), workers: 1, gpusPerWorker: 0, targetsFile: '/nope.toml' })).rejects.toThrow(/does not exist/);
  });

  it('passes arguments with shell metacharacters through untouched', async () => {
    const args = ['$HOME', '`id`', "it's; rm -rf /", '"quoted" | cat', '*'];
    const { run_id } = await client.submitJob({ target: 'local', command: [...node('console.log(JSON.stringify(process.argv.slice(1)))'), ...args], workers: 1, gpusPerWorker: 0 });
    await waitForEnd(run_id);
    expect(JSON.parse(log(run_id, 'w0'))).toEqual(args);
  });

  it('fails with the failing worker\'s exit code and last lines', async () => {
    const code = 'if (process.env.RANK === "1") { console.error("out of memory"); process.exit(7) } else setTimeout(() => {}, 200)';
    const { run_id } = await client.submitJob({ target: 'local', command: node(code), workers: 2, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('failed');
    expect(run.exit_code).toBe(7);
    expect(run.error).toMatch(/Worker w1 exited with code 7[\s\S]*out of memory/);
  });

  it('names the signal of a worker killed by one (kill -9 reads as its cause, not as a bare 137)', async () => {
    const { run_id } = await client.submitJob({ target: 'local', command: node('console.log("loading"); process.kill(process.pid, "SIGKILL")'), workers: 1, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('failed');
    expect(run.exit_code).toBe(137);
    expect(run.error).toMatch(/^Worker w0 exited with code 137 \(killed by SIGKILL: kill -9, or the system out of memory\)\. Its last lines:\n[\s\S]*loading/);
  });

  it('cancel kills every process of every worker, children included', async () => {
    const spawner = 'const c = require("child_process").spawn(process.execPath, ["-e", "setTimeout(()=>{}, 60000)"], {stdio: "ignore"}); console.log(process.pid, c.pid); setTimeout(() => {}, 60000)';
    const { run_id } = await client.submitJob({ target: 'local', command: node(spawner), workers: 2, gpusPerWorker: 0 });
    const pids = () => [0, 1].flatMap((r) => { try { return log(run_id, `w${r}`).trim().split(/\s+/).map(Number); } catch { return []; } });
    await expect.poll(() => pids().length, { timeout: 10_000 }).toBe(4);
    expect(pids().every(processIsAlive)).toBe(true);
    await client.cancelJob(run_id);
    expect((await waitForEnd(run_id)).status).toBe('cancelled');
    await expect.poll(() => pids().filter(processIsAlive), { timeout: 10_000 }).toEqual([]);
  });

  it('notices workers that exit while the others are still starting', async () => {
    const ids = await Promise.all(
      Array.from({ length: 6 }, () => client.submitJob({ target: 'local', command: ['sh', '-c', 'exit 5'], workers: 3, gpusPerWorker: 0 })),
    );
    const runs = await Promise.all(ids.map((c) => waitForEnd(c.run_id, 15_000)));
    expect(runs.map((r) => [r.status, r.exit_code])).toEqual(ids.map(() => ['failed', 5]));
  });

  it('keeps every line of a worker, in order', async () => {
    const { run_id } = await client.submitJob({ target: 'local', command: node('for (let i = 0; i < 20000; i++) console.log(i)'), workers: 1, gpusPerWorker: 0 });
    await waitForEnd(run_id);
    expect(log(run_id, 'w0').trim().split('\n').map(Number)).toEqual(Array.from({ length: 20000 }, (_, i) => i));
  });

  it('lets a job outlive the daemon: a new daemon re-adopts it and records how it ended', async () => {
    const { run_id } = await client.submitJob({ target: 'local', command: node('setTimeout(() => console.log("done"), 1500)'), workers: 1, gpusPerWorker: 0 });
    await daemon.close(); // no daemon while the job finishes
    await new Promise((r) => setTimeout(r, 300));
    await startDaemon();
    await client.runs(); // opening the store re-adopts its jobs
    const run = await waitForEnd(run_id);
    expect(run.status).toBe('finished');
    expect(log(run_id, 'w0')).toBe('done\n');
  });

  it('records what the user ran as params: the command as typed, target, workers, GPUs and the client\'s params', async () => {
    const { run_id } = await client.submitJob({ target: 'box', command: ['python3', '-c', 'pass', '--lr', '0.1', "it's"], workers: 2, gpusPerWorker: 1, params: { lr: 0.1 } });
    const run = await waitForEnd(run_id);
    expect(run.params).toEqual({ target: 'box', workers: 2, gpus_per_worker: 1, command: "python3 -c pass --lr 0.1 'it'\\''s'", lr: 0.1 });
    const cell = await client.submitJob({ target: 'local', command: ['python3', '-c', 'pass'], workers: 1, gpusPerWorker: 0, cell: { notebook: null, cell_id: 'c1', source: '%%runlane --on local\npass\n' } });
    expect((await waitForEnd(cell.run_id)).params).toEqual({ target: 'local', workers: 1 }); // the cell is the run's source
    await expect(client.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0, params: [1] as unknown as Record<string, unknown> })).rejects.toThrow(/params must be an object/);
  });

  it('records a Python script job\'s environment from rank 0 (env.json: Python, packages it imports, host)', async () => {
    const project = path.join(tmp, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'train.py'), 'import json\nprint("trained")\n');
    const { run_id } = await client.submitJob({ target: 'local', command: ['python3', 'train.py'], workers: 2, gpusPerWorker: 0, cwd: project });
    expect((await waitForEnd(run_id)).status).toBe('finished');
    const envFile = path.join(store, 'runs', run_id, 'env.json');
    await expect.poll(() => existsSync(envFile), { timeout: 10_000 }).toBe(true);
    const env = JSON.parse(readFileSync(envFile, 'utf8')) as { python: string };
    expect(env).toMatchObject({ workers: 2, cwd: project, host: os.hostname() });
    expect(env.python).toMatch(/^3\./);
    expect(log(run_id, 'w0')).toBe('trained\n'); // the capture prints nothing into the worker's output
    // One script, one run: the job's source is the script (not the command line), and it names the file.
    const detail = await client.run(run_id);
    expect(detail.source).toBe('import json\nprint("trained")\n');
    expect(detail.meta.script).toBe(path.join(project, 'train.py'));
  });

  it('refuses unknown targets and bad specs with a sentence', async () => {
    await expect(client.submitJob({ target: 'nowhere', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(/No target "nowhere". Targets: local, box/);
    await expect(client.submitJob({ target: 'local', command: [], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(/needs a command/);
    await expect(client.submitJob({ target: 'local', command: ['true'], workers: 0, gpusPerWorker: 0 })).rejects.toThrow(/workers must be/);
    const targets = await client.targets();
    expect(targets.map((t) => [t.name, t.gpus])).toEqual([['local', []], ['box', ['0', '1']]]);
  });
});
