// A job's worker on a host without the store's filesystem sends its images, texts and histograms
// in-band on stdout (RUNLANE_METRICS=stdout): the real Python helper prints them, the daemon's demux
// writes them into the run as the worker's own writer would, and its output shows none of them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InbandDemux } from '@runlane/protocol';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { StoreWriter } from '../store/index.js';
import { readMediaBytes, readRunMedia } from '../store/media.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { InbandMetrics } from './inbandMetrics.js';

const python = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../.venv/bin/python');

let tmp = '';
beforeEach(() => {
  tmp = makeTempDir('inband-media');
});
afterEach(() => removeTempDir(tmp));

const WORKER = [
  'import numpy as np, runlane as rl',
  'rl.log(loss=1.0)',
  'rl.log_image("samples", np.full((3, 5, 3), 200, dtype=np.uint8), caption="rank image")',
  'rl.log_text("notes", "long " * 5000)',
  'rl.log_histogram("w", [1, 2, 3], buckets=2)',
  'rl.log_image("too big", np.random.default_rng(0).integers(0, 255, (600, 600, 3), dtype=np.uint8))',
  'print("done")',
].join('\n');

describe('in-band media', () => {
  it('reaches the run from a worker that cannot write the store; too big an image is said, not sent', async () => {
    const store = path.join(tmp, 'store');
    const runId = await (await StoreWriter.open(store)).createRun({ name: 'ssh job', experiment: 'jobs', kind: 'job' });
    const env = { ...process.env, RUNLANE_DIR: path.join(tmp, 'host'), RUNLANE_RUN_ID: runId, RANK: '0', RUNLANE_METRICS: 'stdout' };
    const worker = spawnSync(python, ['-c', WORKER], { env, cwd: tmp, timeout: 60_000 });
    const stdout = worker.stdout;
    expect(worker.stderr.toString()).toMatch(/could not write an image, text or histogram of run .*over the 700 KiB/);
    const shown = new InbandDemux().push(stdout.toString('latin1')).text;
    expect(shown).toBe('done\n');
    expect(existsSync(path.join(tmp, 'host', 'runs', runId, 'media'))).toBe(false);

    const errors: string[] = [];
    new InbandMetrics(store, runId, (m) => errors.push(m)).take('logs/w0/stdout.log', stdout);
    const runDir = path.join(store, 'runs', runId);
    await waitFor(async () => (await readRunMedia(runDir)).histograms.size > 0, 10_000);
    const { items, histograms } = await readRunMedia(runDir);
    expect(errors).toEqual([]);
    expect(items.map((i) => [i.key, i.kind, i.caption, i.width, i.height])).toEqual([
      ['notes', 'text', null, null, null],
      ['samples', 'image', 'rank image', 5, 3],
    ]);
    expect(items[0]!.size).toBe(25_000); // over the inline limit: sent as a file's bytes
    expect((await readMediaBytes(runDir, items[1]!.ref))!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(histograms.get('w')!.map((s) => s.counts)).toEqual([[1, 2]]);
    expect(items[1]!.ref.startsWith('r0-')).toBe(true); // the worker's rank, as its own writer would have
  }, 60_000);
});
