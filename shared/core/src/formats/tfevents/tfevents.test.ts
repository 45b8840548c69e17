import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonNumber } from '@runlane/protocol';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { decodeEvent } from './eventDecoder.js';
import { TensorBoardLogdir } from './logdir.js';
import { readRecords } from './tfrecord.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures/tfevents');

// A tiny protobuf encoder, for building events the writers we test against never produce.
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const field = (num: number, wire: number) => varint(num * 8 + wire);
const bytesField = (num: number, data: number[] | Buffer) => [...field(num, 2), ...varint(data.length), ...data];
const f32 = (v: number) => [...Buffer.from(new Float32Array([v]).buffer)];
const f64 = (v: number) => [...Buffer.from(new Float64Array([v]).buffer)];
const scalarsPlugin = bytesField(9, bytesField(1, bytesField(1, Buffer.from('scalars'))));

function event(step: number, wallTime: number, values: number[][]): Buffer {
  const summary = values.flatMap((v) => bytesField(1, v));
  return Buffer.from([...field(1, 1), ...f64(wallTime), ...field(2, 0), ...varint(step), ...bytesField(5, summary)]);
}

function record(data: Buffer): Buffer {
  const len = Buffer.alloc(8);
  len.writeUInt32LE(data.length, 0);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(maskedCrc32c(len), 0);
  const foot = Buffer.alloc(4);
  foot.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([len, head, data, foot]);
}

function decodeAll(data: Buffer): [string, number, number, number][] {
  const out: [string, number, number, number][] = [];
  decodeEvent(data, 0, data.length, (...args) => out.push(args));
  return out;
}

describe('CRC-32C and TFRecord framing', () => {
  it('matches the standard check value and the TFRecord vector in ANCHORS.md', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(maskedCrc32c(Buffer.from('\x1a\x11CRC test, one two', 'latin1'))).toBe(0x5794d08a);
    const long = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff));
    let slow = 0xffffffff;
    for (const b of long) {
      slow ^= b;
      for (let k = 0; k < 8; k++) slow = slow & 1 ? (slow >>> 1) ^ 0x82f63b78 : slow >>> 1;
    }
    expect(crc32c(long)).toBe((slow ^ 0xffffffff) >>> 0); // slicing-by-8 equals the bitwise definition
  });

  it('skips a record with a bad checksum with a warning, and leaves a torn tail unread', () => {
    const good = record(Buffer.from('first'));
    const bad = record(Buffer.from('second'));
    bad[bad.length - 1]! ^= 0xff;
    const last = record(Buffer.from('third'));
    const warnings: string[] = [];
    const whole = Buffer.concat([good, bad, last]);
    const torn = Buffer.concat([whole, last.subarray(0, 9)]);
    const seen: string[] = [];
    const { records, consumed } = readRecords(torn, (start, end) => seen.push(torn.toString('utf8', start, end)), (w) => warnings.push(w));
    expect(seen).toEqual(['first', 'third']);
    expect(records).toBe(2);
    expect(consumed).toBe(whole.length);
    expect(warnings).toEqual([expect.stringMatching(/bad checksum; it was skipped/)]);
  });
});

describe('Event decoding', () => {
  it('reads simple_value, float_val (packed and not), double_val and tensor_content scalars', () => {
    const rank0 = (dtype: number, rest: number[]) => bytesField(8, [...field(1, 0), ...varint(dtype), ...bytesField(2, []), ...rest]);
    const values = [
      [...bytesField(1, Buffer.from('simple')), ...field(2, 5), ...f32(0.5)],
      [...bytesField(1, Buffer.from('packed float')), ...scalarsPlugin, ...rank0(1, bytesField(5, f32(1.5)))],
      [...bytesField(1, Buffer.from('float')), ...scalarsPlugin, ...rank0(1, [...field(5, 5), ...f32(2.5)])],
      [...bytesField(1, Buffer.from('double')), ...scalarsPlugin, ...rank0(2, bytesField(6, f64(0.1)))],
      [...bytesField(1, Buffer.from('content f64')), ...scalarsPlugin, ...rank0(2, bytesField(4, f64(-3.25)))],
      [...bytesField(1, Buffer.from('content f32')), ...scalarsPlugin, ...rank0(1, bytesField(4, f32(NaN)))],
      // Not scalars: another plugin, and a rank-1 tensor.
      [...bytesField(1, Buffer.from('histogram')), ...bytesField(9, bytesField(1, bytesField(1, Buffer.from('histograms')))), ...rank0(2, bytesField(6, f64(1)))],
      [...bytesField(1, Buffer.from('vector')), ...scalarsPlugin, ...bytesField(8, [...field(1, 0), 1, ...bytesField(2, bytesField(2, [8, 2])), ...bytesField(5, [...f32(1), ...f32(2)])])],
    ];
    const got = decodeAll(event(2 ** 40 + 3, 1700000000.25, values));
    expect(got.map(([tag, step, time, value]) => [tag, step, time, jsonNumber(value)])).toEqual([
      ['simple', 2 ** 40 + 3, 1700000000.25, 0.5],
      ['packed float', 2 ** 40 + 3, 1700000000.25, 1.5],
      ['float', 2 ** 40 + 3, 1700000000.25, 2.5],
      ['double', 2 ** 40 + 3, 1700000000.25, 0.1],
      ['content f64', 2 ** 40 + 3, 1700000000.25, -3.25],
      ['content f32', 2 ** 40 + 3, 1700000000.25, 'NaN'],
    ]);
  });

  it('rejects truncated protobuf instead of reading past the record', () => {
    const data = event(1, 1, [[...bytesField(1, Buffer.from('x')), ...field(2, 5), ...f32(1)]]);
    expect(() => decodeEvent(data, 0, data.length - 3, () => {})).toThrow();
  });
});

type Expected = Record<string, Record<string, [number, number, number | string][]>>;

function expectEqualToAccumulator(logdir: TensorBoardLogdir, expected: Expected): void {
  expect(logdir.runIds()).toEqual(Object.keys(expected).sort());
  for (const [runId, tags] of Object.entries(expected)) {
    expect(Object.keys(logdir.summary(runId)!.metrics).sort(), runId).toEqual(Object.keys(tags).sort());
    for (const [tag, points] of Object.entries(tags)) {
      const series = logdir.readSeries(runId, tag);
      // EventAccumulator keeps file order; ours is step order, so compare as sorted by step (stable).
      const want = [...points].sort((a, b) => a[0] - b[0]);
      expect(series.steps, `${runId} ${tag}`).toEqual(want.map((p) => p[0]));
      expect(series.times, `${runId} ${tag}`).toEqual(want.map((p) => p[1]));
      expect(series.values, `${runId} ${tag}`).toEqual(want.map((p) => p[2]));
    }
  }
}

describe('TensorBoard log directories read exactly as TensorBoard reads them', () => {
  const torch = JSON.parse(readFileSync(path.join(fixtures, 'pytorch', 'expected.json'), 'utf8')) as Record<string, Expected>;
  for (const [name, expected] of Object.entries(torch)) {
    it(`PyTorch SummaryWriter: ${name}`, async () => {
      const logdir = new TensorBoardLogdir(path.join(fixtures, 'pytorch', name), () => {});
      await logdir.refresh();
      expectEqualToAccumulator(logdir, expected);
    });
  }

  it('tensorboardX, with runs at the top level and nested', async () => {
    const expected = JSON.parse(readFileSync(path.join(fixtures, 'tensorboardx', 'expected.json'), 'utf8')).logdir as Expected;
    const logdir = new TensorBoardLogdir(path.join(fixtures, 'tensorboardx'), () => {});
    await logdir.refresh();
    expectEqualToAccumulator(logdir, expected);
    expect(logdir.summary('.')).toMatchObject({ kind: 'tensorboard', experiment: 'tensorboardx', name: 'tensorboardx' });
  });
});

describe('a live log directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-tb-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports only appended points, and runs that appear later', async () => {
    mkdirSync(path.join(dir, 'a'));
    const file = path.join(dir, 'a', 'events.out.tfevents.1.host');
    const scalar = (step: number, v: number) => record(event(step, 100 + step, [[...bytesField(1, Buffer.from('loss')), ...field(2, 5), ...f32(v)]]));
    writeFileSync(file, Buffer.concat([scalar(0, 1), scalar(1, 0.5)]));
    const logdir = new TensorBoardLogdir(dir, () => {});
    expect(await logdir.refresh()).toEqual([]); // the first read is the past
    const next = scalar(2, 0.25);
    appendFileSync(file, next.subarray(0, 7)); // torn
    expect(await logdir.refresh()).toEqual([]);
    appendFileSync(file, next.subarray(7));
    expect(await logdir.refresh()).toEqual([{ runId: 'a', key: 'loss', steps: [2], times: [102], values: [0.25] }]);
    cpSync(path.join(dir, 'a'), path.join(dir, 'b', 'c'), { recursive: true });
    const added = await logdir.refresh();
    expect(added.map((p) => [p.runId, p.steps])).toEqual([['b/c', [0, 1, 2]]]);
    expect(logdir.summary('a')!.metrics.loss).toEqual({ count: 3, last: 0.25, min: 0.25, max: 1 });
    expect(logdir.summary('a')!.status).toBe('running');
  });
});
