// In-band metrics (an SSH host that does not share the store) keep each worker's rank: the real
// Python helper prints its records on stdout, and the daemon's demux stores them per rank.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InbandRecord } from '@runlane/protocol';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { StoreReader, StoreWriter } from '../store/index.js';
import { InbandMetrics } from './inbandMetrics.js';

const vectorsFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/inband-vectors.json');
const demuxVectors = (JSON.parse(readFileSync(vectorsFile, 'utf8')) as { demux: { name: string; chunks: string[]; records: InbandRecord[] }[] }).demux;

const python = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../.venv/bin/python');

let tmp: string;
beforeEach(() => {
  tmp = makeTempDir('inband');
});
afterEach(() => removeTempDir(tmp));

/** What a worker of `rank` prints when it logs loss = offset + step for 5 steps. */
function workerStdout(runId: string, rank: number, offset: number): Buffer {
  const code = `import runlane as rl\nfor i in range(5):\n    rl.log(loss=${offset} + i, step=i)\nprint("done")`;
  const env = { ...process.env, RUNLANE_DIR: path.join(tmp, 'host'), RUNLANE_RUN_ID: runId, RANK: String(rank), RUNLANE_METRICS: 'stdout' };
  return execFileSync(python, ['-c', code], { env, cwd: tmp });
}

describe('in-band metrics', () => {
  it('stores each worker under its own rank, so rank 1 never lands in the primary series', async () => {
    const store = path.join(tmp, 'store');
    const runId = await (await StoreWriter.open(store)).createRun({ name: 'ssh job', experiment: 'jobs', kind: 'job' });
    const errors: string[] = [];
    const inband = new InbandMetrics(store, runId, (m) => errors.push(m));
    inband.take('logs/w0/stdout.log', workerStdout(runId, 0, 0));
    inband.take('logs/w1/stdout.log', workerStdout(runId, 1, 100));

    const reader = await StoreReader.open(store, () => {});
    const deadline = Date.now() + 10_000;
    while ((await reader.readRun(runId)).ranks.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([]);
    const run = await reader.readRun(runId);
    expect(run.ranks).toEqual([0, 1]);
    expect(run.metrics.loss).toEqual({ count: 5, last: 4, min: 0, max: 4 });
    expect((await reader.readSeries(runId, 'loss', { rank: 1 })).values).toEqual([100, 101, 102, 103, 104]);
    expect((await reader.readSeries(runId, 'loss')).values).toEqual([0, 1, 2, 3, 4]);
    const writers = readdirSync(path.join(store, 'runs', runId, 'metrics')).sort();
    expect(writers.map((w) => w.replace(/-\d+-[0-9a-f]{8}$/, ''))).toEqual(['r0', 'r1']);
  }, 30_000);

  it('stores the records of the shared demux vectors, their bytes read one at a time', async () => {
    const store = path.join(tmp, 'store');
    const writer = await StoreWriter.open(store);
    const reader = await StoreReader.open(store, () => {});
    for (const c of demuxVectors) {
      const runId = await writer.createRun({ name: c.name.slice(0, 60), experiment: 'vectors', kind: 'job' });
      const inband = new InbandMetrics(store, runId, (m) => expect.fail(m));
      // The daemon sees a worker's stdout in reads of any size: every byte boundary cuts the stream here.
      const bytes = Buffer.from(c.chunks.join(''), 'utf8');
      for (let i = 0; i < bytes.length; i++) inband.take('logs/w0/stdout.log', bytes.subarray(i, i + 1));
      const want = new Map<string, [number, number, unknown][]>();
      for (const r of c.records) want.set(r.k, [...(want.get(r.k) ?? []), ...r.p]);
      const deadline = Date.now() + 10_000;
      const total = [...want.values()].reduce((n, points) => n + points.length, 0);
      const stored = async () => Object.values((await reader.readRun(runId)).metrics).reduce((n, m) => n + m.count, 0);
      while ((await stored()) < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(Object.keys((await reader.readRun(runId)).metrics).sort(), c.name).toEqual([...want.keys()].sort());
      for (const [key, points] of want) {
        const series = await reader.readSeries(runId, key);
        expect([series.steps, series.times, series.values], c.name).toEqual([points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2])]);
      }
    }
  }, 30_000);
});
