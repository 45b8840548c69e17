// `runlane media` and `runlane histograms` on a run the real Python helper logged, and on the
// TensorBoard fixtures (--logdir): tables, JSON, files written with --out, and hostile text kept inert.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistogramSeries, MediaItem } from '@runlane/protocol';
import { runCli } from '../../../../test/helpers/cliInProcess.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { safeFolder } from './media.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const python = path.resolve(here, '../../../../.venv/bin/python');
const logdir = path.resolve(here, '../../../../test/fixtures/tfevents/media');

const SCRIPT = [
  'import numpy as np, runlane as rl',
  'with rl.run(name="media") as r:',
  '    rl.log_image("samples", np.full((2, 3), 128, dtype=np.uint8), step=1, caption="\\x1b]0;pwned\\x07 <b>cap</b>")',
  '    rl.log_image("samples", np.zeros((2, 3, 3)), step=1)',
  '    rl.log_text("notes", "first line\\nsecond", step=2)',
  '    rl.log_histogram("w", [1, 2, 3, 4], step=3, buckets=2)',
  'print(r.id)',
].join('\n');

let tmp = '';
let store = '';
let id = '';

beforeAll(async () => {
  tmp = makeTempDir('cli-media');
  store = path.join(tmp, '.runlane');
  id = await new Promise<string>((resolve, reject) =>
    execFile(python, ['-c', SCRIPT], { env: { ...process.env, RUNLANE_DIR: store }, timeout: 60_000 }, (err, stdout) => (err ? reject(new Error(err.message)) : resolve(stdout.trim()))),
  );
}, 90_000);
afterAll(() => removeTempDir(tmp));

describe('runlane media / histograms', () => {
  it("--rank N prints a job worker's own histograms (rank 0's by default)", async () => {
    // Worker 1 of the run (RUNLANE_RUN_ID and RANK, as every target sets them) logs its own step.
    const worker = 'import runlane as rl\nfrom runlane.media import drain\nrl.log_histogram("w", [7.0, 8.0], step=9, buckets=1)\ndrain(rl.active_run())\n';
    await new Promise<void>((resolve, reject) =>
      execFile(python, ['-c', worker], { env: { ...process.env, RUNLANE_DIR: store, RUNLANE_RUN_ID: id, RANK: '1' }, timeout: 60_000 }, (err) => (err ? reject(new Error(err.message)) : resolve())),
    );
    const one = JSON.parse((await runCli(['histograms', id, 'w', '--rank', '1', '--json', '--dir', store])).out) as HistogramSeries;
    expect(one.steps.map((s) => [s.step, s.edges, s.counts])).toEqual([[9, [7, 8], [2]]]);
    const zero = JSON.parse((await runCli(['histograms', id, 'w', '--json', '--dir', store])).out) as HistogramSeries;
    expect(zero.steps.map((s) => s.step)).toEqual([3]);
    expect((await runCli(['histograms', id, 'w', '--rank', 'all', '--dir', store])).code).toBe(2);
  });

  it('lists a run\'s images and texts, with control characters made inert', async () => {
    const { code, out } = await runCli(['media', id, '--dir', store]);
    expect(code).toBe(0);
    expect(out).not.toContain('\x1b');
    expect(out.split('\n')[0]).toMatch(/^KEY\s+STEP\s+KIND\s+SIZE\s+PIXELS\s+CAPTION \/ TEXT$/);
    expect(out).toMatch(/notes\s+2\s+text\s+\d+ B\s+first line\n/);
    expect(out).toMatch(/samples\s+1\s+image\s+\d+ B\s+3x2\s+\?\]0;pwned\? <b>cap<\/b>/);
    const json = JSON.parse((await runCli(['media', id, 'samples', '--json', '--dir', store])).out) as MediaItem[];
    expect(json.map((i) => [i.key, i.step, i.width, i.height])).toEqual([['samples', 1, 3, 2], ['samples', 1, 3, 2]]);
  });

  it('--out writes each item as a file under its key', async () => {
    const out = path.join(tmp, 'out');
    const { code, out: said } = await runCli(['media', id, '--out', out, '--dir', store]);
    expect([code, said.trim()]).toEqual([0, `Wrote 3 files to ${out}.`]);
    expect(readdirSync(path.join(out, 'samples')).sort()).toEqual(['1-1.png', '1.png']);
    expect(readFileSync(path.join(out, 'notes', '2.txt'), 'utf8')).toBe('first line\nsecond');
    expect(readFileSync(path.join(out, 'samples', '1.png')).subarray(1, 4).toString()).toBe('PNG');
  });

  it('prints the buckets of each step, and JSON', async () => {
    const text = (await runCli(['histograms', id, 'w', '--dir', store])).out;
    expect(text).toContain('step 3  count 4  min 1  max 4  sum 10');
    expect(text).toMatch(/\[1, 2\.5\)\s+2\s+#+\n\s+\[2\.5, 4\)\s+2\s+#+/);
    const json = JSON.parse((await runCli(['histograms', id, 'w', '--json', '--dir', store])).out) as HistogramSeries;
    expect(json.steps).toEqual([expect.objectContaining({ step: 3, edges: [1, 2.5, 4], counts: [2, 2] })]);
    expect((await runCli(['histograms', id, 'none', '--dir', store])).out.trim()).toBe(`Run ${id} has no histogram "none".`);
  });

  it('reads TensorBoard runs with --logdir, and names a run that is nowhere', async () => {
    const empty = path.join(tmp, 'no-store');
    const items = JSON.parse((await runCli(['media', 'tensor_form', '--json', '--logdir', logdir, '--dir', empty])).out) as MediaItem[];
    expect(items.map((i) => `${i.key}@${i.step}`)).toEqual(['pics@0', 'pics@0', 'pics@1', 'pics@1', 'poem@0', 'poem@1']);
    const hist = (await runCli(['histograms', 'tbx', 'raw', '--logdir', logdir, '--dir', empty])).out;
    expect(hist).toContain('step 2  count 6  min 0  max 3  sum 9');
    const missing = await runCli(['media', 'nope', '--dir', store]);
    expect([missing.code, missing.err]).toEqual([3, expect.stringContaining('No run "nope"')]);
  });

  it('keeps every written path inside the folder given', () => {
    expect(safeFolder('../../etc/passwd')).toBe(['_', '_', 'etc', 'passwd'].join(path.sep));
    expect(safeFolder('a b/ü/.')).toBe(['a_b', '_', '_'].join(path.sep));
  });
});
