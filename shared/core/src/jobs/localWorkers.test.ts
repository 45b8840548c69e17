// A local worker with its output holder started beside it (localWorkers.ts, heldOutput.ts): real
// processes, real files. The holder must not change what a job sees or what is recorded: every line
// in order in its file, the exit code recorded only once the output is written, a stop's exit code,
// and a job that leaves a process in the background still ends.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { holderScript, signalGroup, startLocalWorkers, type StartedWorker } from './localWorkers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'runlane-workers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function start(command: string[], ranks = 1): Promise<StartedWorker[]> {
  return startLocalWorkers({ runDir: dir, runId: 'r1', storeDir: dir, command, gpusByRank: Array.from({ length: ranks }, () => []), cwd: dir, env: {} });
}

function ended(worker: StartedWorker): Promise<number | null> {
  return new Promise((resolve) => {
    if (worker.child.exitCode !== null) resolve(worker.child.exitCode);
    else worker.child.once('exit', (code) => resolve(code));
  });
}

const log = (rank: number, stream: 'stdout' | 'stderr') => readFileSync(path.join(dir, 'logs', `w${rank}`, `${stream}.log`), 'utf8');

describe.skipIf(holderScript() === null)('a local worker through its output holder', () => {
  it('writes every line of both outputs in order, and records the exit code', async () => {
    const lines = 100_000;
    const script = `for i in range(${lines}): print('out', i)\nimport sys\nprint('err last', file=sys.stderr)\nsys.exit(3)`;
    const [worker] = await start([process.env.PYTHON ?? 'python3', '-c', script]);
    // The exit file is the end as the daemon reads it: when it appears, the output must be whole.
    while (!existsSync(worker!.record.exitFile)) await new Promise((r) => setTimeout(r, 2));
    const out = log(0, 'stdout').split('\n');
    expect(out.length).toBe(lines + 1);
    expect(out[lines - 1]).toBe(`out ${lines - 1}`);
    expect(log(0, 'stderr')).toBe('err last\n');
    expect(readFileSync(worker!.record.exitFile, 'utf8')).toBe('3');
    expect(await ended(worker!)).toBe(3);
  });

  it('counts a job as ended only once its held output is written or given up on (the exit file comes after)', async () => {
    // stderr's file is /dev/full: every write is refused for a full disk, so the holder holds it
    // until RUNLANE_EXIT_WAIT runs out, and the wrapper waits for the holder before its exit file.
    mkdirSync(path.join(dir, 'logs', 'w0'), { recursive: true });
    symlinkSync('/dev/full', path.join(dir, 'logs', 'w0', 'stderr.log'));
    const wait = process.env.RUNLANE_EXIT_WAIT;
    process.env.RUNLANE_EXIT_WAIT = '2';
    try {
      const [worker] = await start(['sh', '-c', 'echo held >&2; touch "$RUNLANE_OUTPUT_DIR/../ended"; exit 5']);
      while (!existsSync(path.join(dir, 'ended'))) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 500));
      expect(existsSync(worker!.record.exitFile)).toBe(false);
      expect(await ended(worker!)).toBe(5);
      expect(readFileSync(worker!.record.exitFile, 'utf8')).toBe('5');
    } finally {
      if (wait === undefined) delete process.env.RUNLANE_EXIT_WAIT;
      else process.env.RUNLANE_EXIT_WAIT = wait;
    }
  });

  it('gives each rank its own files and environment', async () => {
    const workers = await start(['sh', '-c', 'echo "rank $RANK of $WORLD_SIZE"; echo "err $RANK" >&2'], 2);
    expect(await Promise.all(workers.map(ended))).toEqual([0, 0]);
    expect([log(0, 'stdout'), log(1, 'stdout'), log(1, 'stderr')]).toEqual(['rank 0 of 2\n', 'rank 1 of 2\n', 'err 1\n']);
  });

  it('records 143 for a job stopped with SIGTERM', async () => {
    const [worker] = await start(['sh', '-c', 'echo started; exec sleep 30']);
    while (!log(0, 'stdout').includes('started')) await new Promise((r) => setTimeout(r, 10));
    signalGroup(worker!.record.pid, 'SIGTERM');
    expect(await ended(worker!)).toBe(143);
    expect(readFileSync(worker!.record.exitFile, 'utf8')).toBe('143');
  });

  it('ends with its command although the command left a process in the background holding the output', async () => {
    const began = Date.now();
    const [worker] = await start(['sh', '-c', '(sleep 30; echo late) & echo started']);
    try {
      expect(await ended(worker!)).toBe(0);
      expect(Date.now() - began).toBeLessThan(10_000);
      expect(log(0, 'stdout')).toBe('started\n');
    } finally {
      signalGroup(worker!.record.pid, 'SIGKILL');
    }
  });

  it('says so when the command is not found: 127, as a shell does', async () => {
    const [worker] = await start(['/nonexistent/train']);
    expect(await ended(worker!)).toBe(127);
    expect(log(0, 'stderr')).toMatch(/\/nonexistent\/train: not found/);
  });
});
