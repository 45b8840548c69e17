// add_hparams (PyTorch's SummaryWriter, tensorboardX) writes a sub-folder per call: a run's one such
// folder is part of that run (its hparams are the run's params, its metrics the run's), checked
// against what TensorBoard itself reads from files the real writer made (make_hparams_fixtures.py).
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { maskedCrc32c } from './crc32c.js';
import { TensorBoardLogdir } from './logdir.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures/tfevents/hparams');
type Points = [number, number, number][];
interface Case {
  scalars: Record<string, Record<string, Points>>;
  hparams: Record<string, Record<string, unknown>>;
}
const expected = JSON.parse(readFileSync(path.join(fixtures, 'expected.json'), 'utf8')) as Record<string, Case>;
const trained = expected.trained!;
const session = Object.keys(trained.hparams)[0]!; // the sub-folder add_hparams made, named after the time

let tmp: string | undefined;
afterEach(() => tmp && removeTempDir(tmp));

it('a run’s add_hparams sub-folder is part of the run: its hparams are params, its metrics the run’s', async () => {
  const logdir = new TensorBoardLogdir(fixtures, () => {});
  await logdir.refresh();
  expect(logdir.runIds()).not.toContain(`trained/${session}`);
  const run = logdir.summary('trained')!;
  expect(run.params).toEqual({ augment: true, batch_size: 32, lr: 0.01, optimizer: 'adam' });
  expect(run.params).toEqual(trained.hparams[session]);
  expect(Object.keys(run.metrics)).toEqual(['hparam/accuracy', 'hparam/loss', 'train/loss']);
  for (const [folder, tags] of Object.entries(trained.scalars)) {
    for (const [tag, points] of Object.entries(tags)) {
      const series = logdir.readSeries('trained', tag);
      expect([series.steps, series.times, series.values], `${folder} ${tag}`).toEqual([points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2])]);
    }
  }
  expect(run.started_at).toBe(trained.scalars['.']!['train/loss']![0]![1]);
  expect(() => logdir.readSeries(`trained/${session}`, 'hparam/accuracy')).toThrow(/No run/);
});

it('one writer’s several add_hparams calls are several trials: each a run with its own params', async () => {
  const logdir = new TensorBoardLogdir(fixtures, () => {});
  await logdir.refresh();
  const sweep = expected.sweep!;
  const trials = Object.keys(sweep.hparams).sort();
  expect(trials).toHaveLength(3);
  // The writer itself logged nothing (its folder holds only the file's header): not a run of its own.
  expect(sweep.scalars['.']).toEqual({});
  expect(logdir.runIds()).toEqual([...trials.map((t) => `sweep/${t}`), 'trained']);
  expect(logdir.summary('sweep')).toBeNull();
  for (const t of trials) {
    expect(logdir.summary(`sweep/${t}`)!.params).toEqual(sweep.hparams[t]);
    expect(logdir.summary(`sweep/${t}`)!.metrics['hparam/accuracy']!.last).toBe(sweep.scalars[t]!['hparam/accuracy']![0]![2]);
  }
});

it('an add_hparams folder that appears later joins its run live: its points are reported as the run’s', async () => {
  tmp = makeTempDir('hparams');
  const run = path.join(tmp, 'trained');
  cpSync(path.join(fixtures, 'trained'), run, { recursive: true, filter: (src) => !src.includes(session) });
  const logdir = new TensorBoardLogdir(tmp, () => {});
  await logdir.refresh();
  expect(logdir.summary('trained')!.params).toEqual({});
  cpSync(path.join(fixtures, 'trained', session), path.join(run, session), { recursive: true });
  const added = await logdir.refresh();
  expect(added.map((p) => [p.runId, p.key, p.values])).toEqual([
    ['trained', 'hparam/accuracy', [trained.scalars[session]!['hparam/accuracy']![0]![2]]],
    ['trained', 'hparam/loss', [0.25]],
  ]);
  expect(logdir.runIds()).toEqual(['trained']);
  expect(logdir.summary('trained')!.params).toMatchObject({ lr: 0.01, optimizer: 'adam' });
  expect(readdirSync(run)).toHaveLength(2); // read only: nothing written
});

// TensorFlow's hparams API writes the experiment into the top folder and each trial's session into
// the trial's own run folder (no TensorFlow here: its events are encoded by hand, field by field).
const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
const field = (num: number, data: number[]) => [...varint((num << 3) | 2), ...varint(data.length), ...data];
const text = (num: number, s: string) => field(num, [...Buffer.from(s)]);
const f64 = (v: number) => [...Buffer.from(new Float64Array([v]).buffer)];
function hparamsEvent(pluginData: number[]): Buffer {
  const metadata = field(1, [...text(1, 'hparams'), ...field(2, pluginData)]);
  const value = [...text(1, '_hparams_/x'), ...field(9, metadata)];
  return Buffer.from([...varint((1 << 3) | 1), ...f64(1700000000), ...field(5, field(1, value))]);
}
function records(events: Buffer[]): Buffer {
  return Buffer.concat(events.map((data) => {
    const len = Buffer.alloc(8);
    len.writeUInt32LE(data.length, 0);
    const crc = (b: Buffer) => { const c = Buffer.alloc(4); c.writeUInt32LE(maskedCrc32c(b), 0); return c; };
    return Buffer.concat([len, crc(len), data, crc(data)]);
  }));
}

it('TensorFlow’s layout (the experiment above, a session in each trial’s folder): every trial stays a run with its params', async () => {
  tmp = makeTempDir('hparams');
  writeFileSync(path.join(tmp, 'events.out.tfevents.1700000000.host'), records([hparamsEvent(field(2, []))]));
  const lr = [(2 << 3) | 1, ...f64(0.1)]; // Value.number_value: field 2, fixed64
  const session = field(3, field(1, [...text(1, 'lr'), ...field(2, lr)]));
  mkdirSync(path.join(tmp, 'run-0'));
  writeFileSync(path.join(tmp, 'run-0', 'events.out.tfevents.1700000000.host'), records([hparamsEvent(session)]));
  const logdir = new TensorBoardLogdir(tmp, () => {}, { openFiles: null });
  await logdir.refresh();
  expect(logdir.runIds()).toEqual([path.basename(tmp), 'run-0'].sort());
  expect(logdir.summary('run-0')!.params).toEqual({ lr: 0.1 });
  expect(logdir.summary('.')!.params).toEqual({});
});
