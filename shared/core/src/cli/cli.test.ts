// The real `runlane` executable (bin/runlane.js over the compiled dist/), as a person runs it.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopDaemonIn } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import type { RunSummary } from '@runlane/protocol';
import { StoreWriter } from '../store/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../bin/runlane.js');
const fixtures = path.resolve(here, '../../../../test/fixtures');
/** test/fixtures/store-v1.expected.json: the runs as `ls --json` prints them, and one run's points. */
const expected = JSON.parse(readFileSync(path.join(fixtures, 'store-v1.expected.json'), 'utf8')) as {
  runs: Record<string, unknown>[];
  points: { series: Record<string, object[]> };
};

let tmp: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  tmp = makeTempDir('cli');
  env = { ...process.env, RUNLANE_RUNTIME_DIR: path.join(tmp, 'runtime'), RUNLANE_DIR: '' };
});
afterEach(async () => {
  await stopDaemonIn(path.join(tmp, 'runtime'));
  removeTempDir(tmp);
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, cwd: tmp, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const v1 = ['--dir', path.join(fixtures, 'store-v1')];

describe('runlane CLI', () => {
  it('ls --json prints every run exactly as the store spec says', async () => {
    const { code, stdout } = await cli(['ls', '--json', ...v1]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(expected.runs);
  });

  it('ls --json and show --json print one line into a pipe, indented with --pretty', async () => {
    for (const args of [['ls', '--json'], ['show', '20261101-120000-aaaaaa', '--json']]) {
      const compact = (await cli([...args, ...v1])).stdout;
      const pretty = (await cli([...args, '--pretty', ...v1])).stdout;
      expect(compact.trimEnd().split('\n')).toHaveLength(1);
      expect(pretty.split('\n').length).toBeGreaterThan(10);
      expect(JSON.parse(compact)).toEqual(JSON.parse(pretty));
    }
  });

  it('ls prints a table a person can read, and filters', async () => {
    const { stdout } = await cli(['ls', ...v1, '--status', 'finished']);
    expect(stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+EXPERIMENT\s+STATUS\s+DURATION\s+METRICS$/);
    expect(stdout).toContain('train mlp');
    expect(stdout).not.toContain('broken cell');
  });

  it('show --json adds source, env and logs; metrics --json gives the points', async () => {
    const show = JSON.parse((await cli(['show', '20261101-120000-aaaaaa', '--json', ...v1])).stdout) as { source: string };
    expect(show).toMatchObject({ ...expected.runs[2], env: { python: '3.11.7' } });
    expect(show.source).toContain('rl.log');
    // The text form shows the environment the details views show: the packages the run imported.
    const text = (await cli(['show', '20261101-120000-aaaaaa', ...v1])).stdout;
    expect(text).toMatch(/\n {2}python {6}3\.11\.7\n {2}packages {4}numpy 2\.1\.0\n/);
    const points = JSON.parse((await cli(['metrics', '20261101-120000-aaaaaa', 'acc', '--json', ...v1])).stdout) as unknown;
    // Every point carries its writer's rank: null, as none of these writers is a job's worker.
    expect(points).toEqual(expected.points.series.acc?.map((p) => ({ ...p, rank: null })));
  });

  it('logs prints the stored bytes as they are', async () => {
    const { stdout, stderr } = await cli(['logs', '20261101-120000-aaaaaa', ...v1]);
    expect(stdout).toContain('epoch 0 loss 1.0');
    expect(stderr).toContain('warning: something');
  });

  it('ends quietly with exit 0 when its reader goes away (`runlane ls | head`), for every printing command', async () => {
    /** The command with its stdout's reading end closed before it prints: what `| head` does to it. */
    const closedReader = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], { env, cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    for (const args of [['ls'], ['ls', '--json'], ['show', '20261101-120000-aaaaaa'], ['metrics', '20261101-120000-aaaaaa', 'acc'], ['logs', '20261101-120000-aaaaaa'], ['--help']]) {
      const { code, stderr } = await closedReader([...args, ...v1]);
      // stderr keeps what belongs there (the fixture's bad folder's warning, the run's own stderr)
      expect({ args, code, crash: /EPIPE|Error/.exec(stderr)?.input ?? null }).toEqual({ args, code: 0, crash: null });
    }
  });

  it('exits 3 for an unknown run or key, 1 for a newer store, 2 for bad usage, each with a sentence', async () => {
    const unknown = await cli(['show', 'nope', ...v1]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/No run "nope" .* Run `runlane ls`/);
    expect((await cli(['metrics', '20261101-120000-aaaaaa', 'zzz', ...v1])).code).toBe(3);
    const newer = await cli(['ls', '--dir', path.join(fixtures, 'store-v99')]);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(/format version 99.*Upgrade Runlane/);
    const serveNewer = await cli(['serve', '--dir', path.join(fixtures, 'store-v99')]);
    expect(serveNewer.code).toBe(1); // and promptly: a daemon that cannot serve its store must not linger
    expect(serveNewer.stderr).toMatch(/format version 99.*Upgrade Runlane/);
    expect((await cli(['ls', '--bogus'])).code).toBe(2);
    expect((await cli(['frobnicate'])).stderr).toMatch(/Unknown command "frobnicate"/);
    expect((await cli(['show'])).stderr).toMatch(/Missing the run id/);
    expect((await cli(['ls', '--status', 'exploded'])).code).toBe(2);
  });

  it('--logdir adds TensorBoard runs beside the store\'s, readable with metrics', async () => {
    const tbx = path.join(fixtures, 'tfevents', 'tensorboardx');
    const listed = JSON.parse((await cli(['ls', '--json', ...v1, '--logdir', tbx])).stdout) as { id: string; kind: string }[];
    expect(listed.filter((r) => r.kind === 'tensorboard').map((r) => r.id).sort()).toEqual(
      ['add_scalars', 'add_scalars/metrics/train', 'add_scalars/metrics/val', 'default', 'display_name', 'tensorboardx'],
    );
    expect(listed.filter((r) => r.kind !== 'tensorboard')).toHaveLength(3);
    const points = JSON.parse((await cli(['metrics', 'add_scalars/metrics/val', 'metrics', '--json', ...v1, '--logdir', tbx])).stdout) as { value: number }[];
    expect(points.map((p) => p.value)).toEqual([2, 1, 2 / 3, 0.5].map((v) => Math.fround(v)));
  });

  it('launch runs a job on two local workers, prefixes their lines, and exits with the job\'s code', async () => {
    const store = path.join(tmp, 'jobstore');
    const python = path.resolve(here, '../../../../.venv/bin/python');
    const worker = 'import os, runlane as rl\nfor i in range(3):\n    rl.log(loss=1.0 / (i + 1), step=i)\n    print("rank", os.environ["RANK"], "step", i, flush=True)';
    const ok = await cli(['launch', '--dir', store, '--on', 'local', '--workers', '2', '--name', 'two', '--', python, '-c', worker]);
    expect(ok.code, `stdout:\n${ok.stdout}\nstderr:\n${ok.stderr}`).toBe(0);
    const lines = ok.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('[w0] rank 0 step'))).toHaveLength(3);
    expect(lines.filter((l) => l.startsWith('[w1] rank 1 step'))).toHaveLength(3);
    const [run] = JSON.parse((await cli(['ls', '--json', '--dir', store])).stdout) as RunSummary[];
    expect(run).toMatchObject({ kind: 'job', name: 'two', status: 'finished' });
    expect(run?.metrics.loss?.count).toBe(3); // rank 0's series: each worker's points stay apart
    expect(run?.ranks).toEqual([0, 1]);
    const failed = await cli(['launch', '--dir', store, '--on', 'local', '--', 'sh', '-c', 'echo bad >&2; exit 5']);
    expect(failed.code).toBe(5);
    expect(failed.stderr).toContain('[w0 err] bad');
    expect((await cli(['launch', '--dir', store, '--on', 'mars', '--', 'true'])).stderr).toMatch(/No target "mars"/);
  }, 90_000); // three jobs, each starting Python workers: slow on a loaded 2-core machine

  it('launch runs the program the caller\'s PATH names (an activated venv), not the daemon\'s', async () => {
    const store = path.join(tmp, 'jobstore');
    // The daemon is started first, by another client with the usual PATH (a kernel, an editor).
    expect((await cli(['launch', '--dir', store, '--on', 'local', '--', 'true'])).code).toBe(0);
    const venvBin = path.join(tmp, 'venv', 'bin');
    mkdirSync(venvBin, { recursive: true });
    writeFileSync(path.join(venvBin, 'python'), '#!/bin/sh\necho "the venv python $VIRTUAL_ENV"\n', { mode: 0o755 });
    const usual = env;
    env = { ...usual, PATH: `${venvBin}:${usual.PATH}`, VIRTUAL_ENV: path.dirname(venvBin) };
    try {
      const ran = await cli(['launch', '--dir', store, '--on', 'local', '--', 'python', 'train.py']);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout.trim()).toBe(`[w0] the venv python ${path.dirname(venvBin)}`);
    } finally {
      env = usual;
    }
  }, 60_000);

  it('logs -f follows a running run through the daemon until it ends, nothing lost or repeated', async () => {
    const store = path.join(tmp, 'store');
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'follow', experiment: 'e', kind: 'script' });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    writer.appendLog(id, 'stdout', 'line 0\n');
    const follower = spawn(process.execPath, [bin, 'logs', id, '-f', '--dir', store], { env, cwd: tmp });
    let out = '';
    follower.stdout.on('data', (d) => (out += d));
    await waitFor(() => out.includes('line 0'));
    for (let i = 1; i <= 20; i++) {
      writer.appendLog(id, 'stdout', `line ${i}\n`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    writer.appendEvent(id, { type: 'status', status: 'finished' });
    const code = await new Promise((resolve) => follower.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toBe(Array.from({ length: 21 }, (_, i) => `line ${i}\n`).join(''));
  });
});
