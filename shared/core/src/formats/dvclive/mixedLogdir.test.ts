// A log directory holding TensorBoard runs and a DVCLive folder is walked once per poll: both readers
// share the walk (each used to read every folder itself, twice the directory reads per poll).
import { promises as fsp, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { MixedLogdir } from './mixedLogdir.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures/tfevents');
const eventFile = path.join(fixtures, 'pytorch', 'default', 'events.out.tfevents.1795345498.vm.546.0');

let dir = '';
beforeEach(() => {
  dir = makeTempDir('mixed-logdir');
});
afterEach(() => {
  vi.restoreAllMocks();
  removeTempDir(dir);
});

it('one poll reads each folder of the log directory once, for both readers', async () => {
  for (let i = 0; i < 12; i++) {
    mkdirSync(path.join(dir, 'tb', `run-${i}`), { recursive: true });
    copyFileSync(eventFile, path.join(dir, 'tb', `run-${i}`, path.basename(eventFile)));
  }
  mkdirSync(path.join(dir, 'notes', 'deeper'), { recursive: true });
  const live = path.join(dir, 'project', 'dvclive');
  mkdirSync(path.join(live, 'plots', 'metrics'), { recursive: true });
  writeFileSync(path.join(live, 'plots', 'metrics', 'loss.tsv'), 'timestamp\tstep\tloss\n1700000000000\t0\t0.5\n');
  writeFileSync(path.join(live, 'metrics.json'), '{"step": 0, "loss": 0.5}');
  const logdir = new MixedLogdir(dir, () => {}, { openFiles: null, workers: 1 });
  await logdir.refresh();
  expect(logdir.runs().map((r) => r.id)).toEqual([...Array.from({ length: 12 }, (_, i) => `tb/run-${i}`).sort(), 'project/dvclive'].sort());

  // The next poll, counted: every folder outside the DVCLive run (whose reader looks into its own plots/) once.
  const reads = new Map<string, number>();
  const readdir = fsp.readdir.bind(fsp);
  vi.spyOn(fsp, 'readdir').mockImplementation(((folder: string, options: unknown) => {
    reads.set(String(folder), (reads.get(String(folder)) ?? 0) + 1);
    return readdir(folder, options as { withFileTypes: true });
  }) as typeof fsp.readdir);
  await logdir.refresh();
  const outside = [...reads].filter(([folder]) => folder !== live && !folder.startsWith(live + path.sep));
  expect(outside.length).toBe(1 + 1 + 12 + 2 + 1); // the root, tb/, its runs, notes/ and notes/deeper, project/
  expect(outside.filter(([, n]) => n !== 1)).toEqual([]);
});

it("a log directory that is itself a run goes by its folder's name, one beside a same-named sub-folder by '<name> (top)'", async () => {
  const tb = path.join(dir, 'tb');
  for (const folder of [tb, path.join(tb, 'tb')]) {
    mkdirSync(folder, { recursive: true });
    copyFileSync(eventFile, path.join(folder, path.basename(eventFile)));
  }
  const logdir = new MixedLogdir(tb, () => {}, { openFiles: null, workers: 1 });
  await logdir.refresh();
  expect(logdir.runs().map((r) => r.id)).toEqual(['tb', 'tb (top)']);
  expect(logdir.summary('.')!.id).toBe('tb (top)'); // TensorBoard's name for it
  expect(logdir.readSeries('tb (top)', 'lr').steps).toEqual(logdir.readSeries('tb', 'lr').steps);
});
