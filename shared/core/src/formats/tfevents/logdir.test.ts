import { appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { fromJsonNumber, type JsonNumber } from '@runlane/protocol';
import { RUNNING_WINDOW_S, TensorBoardLogdir } from './logdir.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures/tfevents');

/** What EventAccumulator read, as written by make_*_fixtures.py: {run: {tag: [[step, wall_time, value]]}}. */
type Expected = Record<string, Record<string, [number, number, JsonNumber][]>>;

function expectEqualToAccumulator(logdir: TensorBoardLogdir, expected: Expected): void {
  // TensorBoard's "." (the log directory itself) is named by the folder's name here: a URL cannot carry ".".
  expect(logdir.runIds()).toEqual(Object.keys(expected).map((id) => (id === '.' ? logdir.selfId : id)).sort());
  for (const [runId, tags] of Object.entries(expected)) {
    expect(Object.keys(logdir.summary(runId)!.metrics).sort(), runId).toEqual(Object.keys(tags).sort());
    for (const [tag, points] of Object.entries(tags)) {
      const series = logdir.readSeries(runId, tag);
      // EventAccumulator keeps file order; ours is step order, so compare sorted by step (stable).
      const want = [...points].sort((a, b) => a[0] - b[0]);
      expect(series.steps, `${runId} ${tag}`).toEqual(want.map((p) => p[0]));
      expect(series.times, `${runId} ${tag}`).toEqual(want.map((p) => p[1]));
      expect(series.values, `${runId} ${tag}`).toEqual(want.map((p) => p[2]));
      expect(series).toMatchObject({ total: points.length, downsampled: false });
    }
  }
}

const torchCases = JSON.parse(readFileSync(path.join(fixtures, 'pytorch', 'expected.json'), 'utf8')) as Record<string, Expected>;

describe('TensorBoard log directories read exactly as TensorBoard reads them', () => {
  for (const [name, expected] of Object.entries(torchCases)) {
    it(`PyTorch SummaryWriter: ${name}`, async () => {
      const warnings: string[] = [];
      const logdir = new TensorBoardLogdir(path.join(fixtures, 'pytorch', name), (w) => warnings.push(w));
      await logdir.refresh();
      expectEqualToAccumulator(logdir, expected);
      expect(warnings).toEqual([]);
    });
  }

  it('tensorboardX, with runs at the top level and nested', async () => {
    const expected = (JSON.parse(readFileSync(path.join(fixtures, 'tensorboardx', 'expected.json'), 'utf8')) as { logdir: Expected }).logdir;
    const logdir = new TensorBoardLogdir(path.join(fixtures, 'tensorboardx'), () => {});
    await logdir.refresh();
    expectEqualToAccumulator(logdir, expected);
    // Status depends on the files' age (a fresh clone's are new): judge it once the running window has passed.
    const later = Date.now() / 1000 + RUNNING_WINDOW_S + 1;
    expect(logdir.summary('.', later)).toMatchObject({ kind: 'tensorboard', experiment: 'tensorboardx', name: 'tensorboardx', status: 'finished' });
    expect(logdir.runIds()).toContain('add_scalars/metrics/train');
  });

  it('summarizes each tag with the store’s rules (count, last by step, min and max over non-NaN)', async () => {
    const logdir = new TensorBoardLogdir(path.join(fixtures, 'pytorch', 'default'), () => {});
    await logdir.refresh();
    const loss = torchCases.default!['.']!['train/loss']!.map((p) => fromJsonNumber(p[2]));
    expect(logdir.summary('.')!.metrics['train/loss']).toEqual({ count: loss.length, last: loss.at(-1), min: '-Infinity', max: 'Infinity' });
  });
});

describe('a log directory on disk', () => {
  let dir: string;
  let warnings: string[];
  const defaultFile = path.join(fixtures, 'pytorch', 'default', readdirSync(path.join(fixtures, 'pytorch', 'default'))[0]!);
  const fixtureBytes = readFileSync(defaultFile);

  beforeEach(() => {
    dir = makeTempDir('logdir');
    warnings = [];
  });
  afterEach(() => removeTempDir(dir));

  /** End offset of each record of a TFRecord file, from its length fields. */
  function recordEnds(buf: Buffer): number[] {
    const ends: number[] = [];
    for (let at = 0; at < buf.length; at = ends.at(-1)!) ends.push(at + 16 + buf.readUInt32LE(at));
    return ends;
  }

  it('makes every folder with event files a run, named by its path (the top by its folder name, "." accepted)', async () => {
    for (const folder of ['', 'a', 'a/b/c', 'x y']) {
      mkdirSync(path.join(dir, folder), { recursive: true });
      writeFileSync(path.join(dir, folder, 'events.out.tfevents.1.host'), fixtureBytes);
    }
    mkdirSync(path.join(dir, 'empty/deeper'), { recursive: true });
    writeFileSync(path.join(dir, 'empty', 'notes.txt'), 'no event files here');
    const logdir = new TensorBoardLogdir(dir, (w) => warnings.push(w));
    await logdir.refresh();
    const top = path.basename(dir);
    expect(logdir.runIds()).toEqual(['a', 'a/b/c', top, 'x y'].sort());
    expect(logdir.runs().map((r) => [r.id, r.name, r.experiment])).toEqual(
      [
        [top, top, top],
        ['a', 'a', top],
        ['a/b/c', 'a/b/c', top],
        ['x y', 'x y', top],
      ].sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
    expect(logdir.summary('.')!.id).toBe(top); // TensorBoard's name for it still finds it
    expect(logdir.readSeries(top, 'lr').steps.length).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it('reads a run’s files in name order (TensorBoard’s), as one series', async () => {
    const ends = recordEnds(fixtureBytes);
    const logdir = new TensorBoardLogdir(dir, () => {});
    await logdir.refresh();
    mkdirSync(path.join(dir, 'run'));
    // The later steps written first, under the later name.
    writeFileSync(path.join(dir, 'run', 'events.out.tfevents.2.host'), Buffer.concat([fixtureBytes.subarray(0, ends[0]), fixtureBytes.subarray(ends[8])]));
    writeFileSync(path.join(dir, 'run', 'events.out.tfevents.1.host'), fixtureBytes.subarray(0, ends[8]));
    const added = await logdir.refresh();
    // File by file, each file's new points tag by tag.
    expect(added.map((p) => [p.key, p.steps])).toEqual([
      ['lr', [0, 1, 2, 3]],
      ['train/loss', [0, 1, 2, 3]],
      ['lr', [4, 5, 6, 7]],
      ['train/loss', [4, 5, 6, 7]],
    ]);
    const want = torchCases.default!['.']!['train/loss']!;
    expect(logdir.readSeries('run', 'train/loss').values).toEqual(want.map((p) => p[2]));
    expect(logdir.summary('run')!.metrics['train/loss']!.last).toBe(want.at(-1)![2]);
  });

  it('follows a growing file: only new points are reported, a torn record waits for its end', async () => {
    const ends = recordEnds(fixtureBytes); // a file_version event, then train/loss and lr for each step
    const file = path.join(dir, 'run', 'events.out.tfevents.1.host');
    mkdirSync(path.dirname(file));
    writeFileSync(file, fixtureBytes.subarray(0, ends[4]));
    const logdir = new TensorBoardLogdir(dir, (w) => warnings.push(w));
    expect(await logdir.refresh()).toEqual([]); // the first refresh reads the past
    expect(logdir.summary('run')!.metrics['train/loss']!.count).toBe(2);

    appendFileSync(file, fixtureBytes.subarray(ends[4], ends[5]! - 3));
    expect(await logdir.refresh()).toEqual([]);
    appendFileSync(file, fixtureBytes.subarray(ends[5]! - 3, ends[5]));
    const loss = torchCases.default!['.']!['train/loss']!;
    const lr = torchCases.default!['.']!.lr!;
    const points = (run: string, key: string, from: [number, number, JsonNumber][]) => ({
      runId: run,
      key,
      steps: from.map((p) => p[0]),
      times: from.map((p) => p[1]),
      values: from.map((p) => fromJsonNumber(p[2])),
    });
    expect(await logdir.refresh()).toEqual([points('run', 'train/loss', loss.slice(2, 3))]);

    appendFileSync(file, fixtureBytes.subarray(ends[5]));
    expect(await logdir.refresh()).toEqual([points('run', 'lr', lr.slice(2)), points('run', 'train/loss', loss.slice(3))]);
    expect(logdir.summary('run')!.metrics['train/loss']!.count).toBe(loss.length);
    expect(logdir.readSeries('run', 'lr').steps).toEqual(lr.map((p) => p[0]));
    expect(warnings).toEqual([]);
  });

  it('finds a run that appears later, and reports all of its points', async () => {
    const logdir = new TensorBoardLogdir(dir, () => {});
    await logdir.refresh();
    expect(logdir.runIds()).toEqual([]);
    cpSync(path.join(fixtures, 'pytorch', 'new_style'), path.join(dir, 'later', 'run'), { recursive: true });
    const added = await logdir.refresh();
    const want = torchCases.new_style!['.']!['train/loss']!;
    expect(added.map((p) => [p.runId, p.key, p.steps])).toEqual([['later/run', 'train/loss', want.map((p) => p[0])]]);
    expect(logdir.runIds()).toEqual(['later/run']);
  });

  it('says once that the log directory is missing, and finds it when it appears', async () => {
    const missing = path.join(dir, 'not-yet');
    const logdir = new TensorBoardLogdir(missing, (w) => warnings.push(w));
    await logdir.refresh();
    await logdir.refresh();
    expect(warnings).toEqual([`The TensorBoard log directory ${missing} does not exist (yet); it is looked at again on every refresh.`]);
    cpSync(path.join(fixtures, 'pytorch', 'default'), missing, { recursive: true });
    await logdir.refresh();
    expect(logdir.runIds()).toEqual(['not-yet']);
  });

  it('keeps runs inside the log directory: no "..", symlinked folders not followed', async () => {
    const outside = makeTempDir('outside');
    try {
      cpSync(path.join(fixtures, 'pytorch', 'default'), outside, { recursive: true });
      mkdirSync(path.join(dir, 'inside'));
      symlinkSync(outside, path.join(dir, 'inside', 'link'));
      symlinkSync(defaultFile, path.join(dir, 'inside', 'events.out.tfevents.9.linked'));
      const logdir = new TensorBoardLogdir(path.join(dir, 'inside'), () => {});
      await logdir.refresh();
      expect(logdir.runIds()).toEqual(['inside']); // the linked file is read, the linked folder is not a run
      expect(logdir.summary('.')!.metrics.lr!.count).toBe(8);
      expect(logdir.summary('..')).toBeNull();
      expect(() => logdir.readSeries('../inside', 'lr')).toThrow(/No run "..\/inside"/);
      expect(() => logdir.readSeries('link', 'lr')).toThrow(/No run "link"/);
    } finally {
      removeTempDir(outside);
    }
  });

  it('where open files cannot be seen: running while its files changed within the window, then finished', async () => {
    cpSync(path.join(fixtures, 'pytorch', 'default'), path.join(dir, 'run'), { recursive: true });
    const logdir = new TensorBoardLogdir(dir, () => {}, { openFiles: null });
    await logdir.refresh();
    const mtime = statSync(path.join(dir, 'run', path.basename(defaultFile))).mtimeMs / 1000;
    const times = Object.values(torchCases.default!['.']!).flatMap((points) => points.map((p) => p[1]));
    expect(logdir.summary('run', mtime + 1)).toMatchObject({ status: 'running', ended_at: null, duration: null });
    expect(logdir.summary('run', mtime + RUNNING_WINDOW_S + 1)).toMatchObject({
      status: 'finished',
      started_at: Math.min(...times),
      ended_at: Math.max(...times),
      duration: Math.max(...times) - Math.min(...times),
    });
  });

  it('serves step ranges and downsampled series like the store', async () => {
    cpSync(path.join(fixtures, 'pytorch', 'default'), dir, { recursive: true });
    const logdir = new TensorBoardLogdir(dir, () => {});
    await logdir.refresh();
    expect(logdir.readSeries('.', 'lr', { fromStep: 2, toStep: 4 })).toMatchObject({ steps: [2, 3, 4], total: 3, downsampled: false });
    const small = logdir.readSeries('.', 'train/loss', { points: 4 });
    expect(small.total).toBe(8);
    expect(small.downsampled).toBe(true);
    // A bucket keeps its first, min, max, first NaN and last point.
    expect(small.values).toEqual(expect.arrayContaining(['NaN', 'Infinity', '-Infinity', 0.5]));
    expect(() => logdir.readSeries('.', 'nope')).toThrow(/has no scalar "nope"/);
  });
});
