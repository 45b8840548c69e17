// Two workers of a real local job both log `loss`: each rank keeps its own series in the store, the
// daemon's API and feed, and `runlane metrics`; summaries are rank 0's (issue 10, contract C1).
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { StoreEvent } from '@runlane/protocol';
import { DaemonClient } from '../client/daemonClient.js';
import { Daemon } from '../server/daemon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../bin/runlane.js');
const python = path.resolve(here, '../../../../.venv/bin/python');

// Rank 1 starts late, so its points are the latest in wall time: merged into one series, its
// values would be "last" and the series a 60-point staircase.
const WORKER = [
  'import os, time, runlane as rl',
  'rank = int(os.environ["RANK"])',
  'if rank == 1: time.sleep(0.5)',
  'for step in range(30):',
  '    rl.log(loss=1000 * rank + 30 - step, step=step)',
].join('\n');

let tmp: string;
let store: string;
let runtime: string;
let daemon: Daemon;

beforeEach(async () => {
  tmp = makeTempDir('ranks');
  store = path.join(tmp, '.runlane');
  runtime = path.join(tmp, 'runtime');
  daemon = new Daemon({ defaultStore: store, runtimeDir: runtime, idleTimeout: 0 });
  await daemon.start();
});
afterEach(async () => {
  await daemon.close();
  removeTempDir(tmp);
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, RUNLANE_RUNTIME_DIR: runtime, RUNLANE_DIR: '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args, '--dir', store], { env, cwd: tmp, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function json<T>(args: string[]): Promise<T> {
  const { code, stdout, stderr } = await cli(args);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as T;
}

describe('ranks of a job', () => {
  it('keeps two workers that both log loss apart: store, summaries, API, feed and CLI', async () => {
    const client = await DaemonClient.connect({ runtimeDir: runtime, start: false, store });
    const events: Extract<StoreEvent, { type: 'metrics' }>[] = [];
    let connected: () => void;
    const hello = new Promise<void>((resolve) => (connected = resolve));
    const stopFeed = client.events((e) => {
      if (e.type === 'hello') connected();
      if (e.type === 'metrics') events.push(e);
    });
    try {
      await hello; // every point after this comes through the feed
      const launched = await cli(['launch', '--on', 'local', '--workers', '2', '--name', 'two ranks', '--', python, '-c', WORKER]);
      expect(launched.code, launched.stderr).toBe(0);

      const [run] = await json<{ id: string; ranks: number[]; metrics: Record<string, unknown> }[]>(['ls', '--json']);
      expect(run!.ranks).toEqual([0, 1]);
      expect(run!.metrics.loss).toEqual({ count: 30, last: 1, min: 1, max: 30 }); // rank 0's, not rank 1's later points

      type Point = { step: number; value: number; time: number; rank: number | null };
      const primary = await json<Point[]>(['metrics', run!.id, 'loss', '--json']);
      expect(primary).toHaveLength(30);
      expect(primary.map((p) => [p.step, p.value, p.rank])).toEqual(primary.map((_, i) => [i, 30 - i, 0]));
      const one = await json<Point[]>(['metrics', run!.id, 'loss', '--rank', '1', '--json']);
      expect(one.map((p) => [p.step, p.value, p.rank])).toEqual(one.map((_, i) => [i, 1030 - i, 1]));
      expect(one).toHaveLength(30);
      const all = await json<Point[]>(['metrics', run!.id, 'loss', '--rank', 'all', '--json']);
      expect(all.map((p) => p.rank)).toEqual([...Array(30).fill(0), ...Array(30).fill(1)]);
      const table = (await cli(['metrics', run!.id, 'loss', '--rank', 'all'])).stdout;
      expect(table.split('\n')[0]).toMatch(/^RANK\s+STEP\s+VALUE\s+TIME$/);
      expect((await cli(['metrics', run!.id, 'loss', '--rank', '2'])).stderr).toMatch(/Rank 2 of run .* logged no metric "loss"/);
      expect((await cli(['metrics', run!.id, 'loss', '--rank', 'one'])).stderr).toMatch(/--rank takes a worker rank \(0, 1, \.\.\.\) or "all"/);

      const api = await client.series(run!.id, 'loss');
      expect([api.rank, api.total, api.values.at(-1)]).toEqual([null, 30, 1]);
      const apiOne = await client.series(run!.id, 'loss', { rank: 1 });
      expect([apiOne.rank, apiOne.total, apiOne.values.at(-1)]).toEqual([1, 30, 1001]);
      expect((await client.runs())[0]!.ranks).toEqual([0, 1]);

      // The live feed carried every point once, each event with its rank.
      const deadline = Date.now() + 5_000;
      const count = (rank: number) => events.filter((e) => e.run_id === run!.id && e.rank === rank).reduce((n, e) => n + e.steps.length, 0);
      while ((count(0) < 30 || count(1) < 30) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect([count(0), count(1)]).toEqual([30, 30]);
    } finally {
      stopFeed();
    }
  }, 90_000);
});
