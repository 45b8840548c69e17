// The Python helper writes, the TypeScript core reads: the two implementations of the store format
// must agree on real data, not only on the shared vectors.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { StoreReader, StoreWriter } from '@runlane/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const python = path.join(root, '.venv', 'bin', 'python');

let dir: string;
beforeEach(() => {
  dir = makeTempDir('xlang');
});
afterEach(() => removeTempDir(dir));

function runPython(code: string): string {
  return execFileSync(python, ['-c', code], { env: { ...process.env, RUNLANE_DIR: dir }, encoding: 'utf8' });
}

describe('Python writes, TypeScript reads', () => {
  it('sees the params, tags, metrics (NaN/Inf kept), logs and status the helper wrote', async () => {
    const id = runPython(`
import math, runlane as rl
with rl.run(name="xlang", experiment="cross") as run:
    rl.params(lr=3e-4, layers=[64, 64], odd=float("nan"))
    rl.tags("baseline", team="core")
    for step in range(1000):
        rl.log(loss=1.0 / (step + 1), step=step)
    rl.log(weird=float("inf"), step=1000)
    rl.log(weird=float("nan"), step=1001)
print(run.id)
`).trim();
    const reader = await StoreReader.open(dir);
    const run = await reader.readRun(id);
    expect(run).toMatchObject({
      id,
      name: 'xlang',
      experiment: 'cross',
      status: 'finished',
      params: { lr: 3e-4, layers: [64, 64], odd: { $float: 'NaN' } },
      tags: { baseline: '', team: 'core' },
      metrics: {
        loss: { count: 1000, last: 0.001, min: 0.001, max: 1 },
        weird: { count: 2, last: 'NaN', min: 'Infinity', max: 'Infinity' },
      },
    });
    const series = await reader.readSeries(id, 'loss');
    expect(series.steps).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('marks a Python run failed with its traceback', async () => {
    const out = runPython(`
import runlane as rl
try:
    with rl.run(name="boom", experiment="cross") as run:
        1 / 0
except ZeroDivisionError:
    print(run.id)
`).trim();
    const run = await (await StoreReader.open(dir)).readRun(out);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('ZeroDivisionError');
  });
});

describe('TypeScript writes, Python reads', () => {
  it('reads back the run through the Python reader', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await writer.createRun({ name: 'from ts', experiment: 'cross', kind: 'job' });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    writer.appendEvent(id, { type: 'params', params: { lr: 0.1 } });
    writer.logMetrics(id, 'val/acc', [
      { step: 0, value: 0.5, time: 1 },
      { step: 1, value: -Infinity, time: 2 },
    ]);
    writer.appendEvent(id, { type: 'status', status: 'finished' });
    const listed = JSON.parse(runPython(`
import json
from runlane.store.reader import StoreReader
print(json.dumps(StoreReader(${JSON.stringify(dir)}).list_runs()))
`));
    const fromTs = await (await StoreReader.open(dir)).listRuns();
    expect(listed).toEqual(fromTs);
  });
});
