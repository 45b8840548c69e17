import { appendFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { jsonNumber } from '@runlane/protocol';
import { crc32c, maskedCrc32c } from './crc32c.js';
import { decodeEvent } from './eventDecoder.js';
import { EventFileTail } from './eventFileTail.js';
import { TagTable } from './tagTable.js';
import { readRecords } from './tfrecord.js';

// A tiny protobuf encoder, for events the writers we test against never produce.
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
const key = (num: number, wire: number) => varint(num * 8 + wire);
const bytesField = (num: number, data: number[] | Buffer) => [...key(num, 2), ...varint(data.length), ...data];
const text = (num: number, s: string) => bytesField(num, Buffer.from(s));
const f32 = (v: number) => [...Buffer.from(new Float32Array([v]).buffer)];
const f64 = (v: number) => [...Buffer.from(new Float64Array([v]).buffer)];
const plugin = (name: string) => bytesField(9, bytesField(1, text(1, name)));
const scalarsPlugin = plugin('scalars');
const simpleValue = (tag: string, v: number) => [...text(1, tag), ...key(2, 5), ...f32(v)];
/** TensorProto with dtype and an empty (rank-0) shape, then the given value fields. */
const rank0 = (dtype: number, valueFields: number[]) => bytesField(8, [...key(1, 0), ...varint(dtype), ...bytesField(2, []), ...valueFields]);

function event(step: number, wallTime: number, values: number[][]): Buffer {
  const summary = values.flatMap((v) => bytesField(1, v));
  return Buffer.from([...key(1, 1), ...f64(wallTime), ...key(2, 0), ...varint(step), ...bytesField(5, summary)]);
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

type Decoded = [tag: string, step: number, time: number, value: number | string];

function decodeAll(events: Buffer[], tags = new TagTable()): Decoded[] {
  const out: Decoded[] = [];
  for (const data of events) decodeEvent(data, 0, data.length, tags, (tag, step, time, value) => out.push([tag, step, time, jsonNumber(value)]));
  return out;
}

function frame(buf: Buffer, resyncing = false) {
  const seen: string[] = [];
  const warnings: string[] = [];
  const result = readRecords(buf, (start, end) => seen.push(buf.toString('latin1', start, end)), (w) => warnings.push(w), { where: 'f', baseOffset: 0, resyncing });
  return { seen, warnings, ...result };
}

describe('CRC-32C', () => {
  it('matches the standard check value and the TFRecord vector in ANCHORS.md', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(maskedCrc32c(Buffer.from('\x1a\x11CRC test, one two', 'latin1'))).toBe(0x5794d08a);
  });

  it('equals the bitwise definition at every length and offset (slicing-by-8 and its tail)', () => {
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff));
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 7) {
        let slow = 0xffffffff;
        for (let i = start; i < end; i++) {
          slow ^= bytes[i]!;
          for (let k = 0; k < 8; k++) slow = slow & 1 ? (slow >>> 1) ^ 0x82f63b78 : slow >>> 1;
        }
        expect(crc32c(bytes, start, end), `${start}..${end}`).toBe((slow ^ 0xffffffff) >>> 0);
      }
    }
  });
});

describe('TFRecord framing', () => {
  const first = record(Buffer.from('first'));
  const second = record(Buffer.from('second'));
  const third = record(Buffer.from('third'));

  it('skips a record with a bad data checksum with a warning and reads the ones after it', () => {
    const bad = Buffer.from(second);
    bad[bad.length - 1]! ^= 0xff;
    const r = frame(Buffer.concat([first, bad, third]));
    expect(r.seen).toEqual(['first', 'third']);
    expect(r.warnings).toEqual([expect.stringMatching(/record at byte 21 has a bad checksum; it was skipped/)]);
    expect(r.consumed).toBe(first.length + bad.length + third.length);
  });

  it('leaves a torn tail unconsumed and says how long its record is', () => {
    for (const cut of [1, 11, 12, 15, third.length - 1]) {
      const r = frame(Buffer.concat([first, third.subarray(0, cut)]));
      expect(r.seen).toEqual(['first']);
      expect(r.consumed).toBe(first.length);
      expect(r.warnings).toEqual([]);
      if (cut >= 12) expect(r.pendingBytes).toBe(third.length);
    }
  });

  it('after a corrupt header, resumes at the next valid record', () => {
    const bad = Buffer.from(second);
    bad[2] = 0x7f; // the length no longer matches its CRC
    const r = frame(Buffer.concat([first, bad, third]));
    expect(r.seen).toEqual(['first', 'third']);
    expect(r.warnings).toEqual([
      expect.stringMatching(/record header at byte 21 is corrupt; the bytes up to the next valid record were skipped/),
      expect.stringMatching(/reading resumed at the valid record at byte 43/),
    ]);
    expect(r.resyncing).toBe(false);
  });

  it('keeps looking across calls when no valid header follows yet', () => {
    const garbage = Buffer.from('no record starts anywhere in these bytes at all');
    const r1 = frame(Buffer.concat([first, garbage]));
    expect(r1.seen).toEqual(['first']);
    expect(r1.resyncing).toBe(true);
    // Offsets whose 12 header bytes were all there are ruled out; the last 11 are not yet.
    expect(r1.consumed).toBe(first.length + garbage.length - 11);
    const rest = Buffer.concat([garbage.subarray(garbage.length - 11), third]);
    const r2 = frame(rest, true);
    expect(r2.seen).toEqual(['third']);
    expect(r2.warnings).toEqual([expect.stringMatching(/reading resumed/)]); // no second "corrupt"
    expect(r2.consumed).toBe(rest.length);
  });
});

describe('Event decoding', () => {
  const step = 2 ** 40 + 3;
  const time = 1700000000.25;

  it('reads simple_value, float_val and double_val (packed or not) and tensor_content scalars', () => {
    const values = [
      simpleValue('simple', 0.5),
      [...text(1, 'float packed'), ...scalarsPlugin, ...rank0(1, bytesField(5, f32(1.5)))],
      [...text(1, 'float'), ...scalarsPlugin, ...rank0(1, [...key(5, 5), ...f32(2.5)])],
      [...text(1, 'double packed'), ...scalarsPlugin, ...rank0(2, bytesField(6, f64(0.1)))],
      [...text(1, 'double'), ...scalarsPlugin, ...rank0(2, [...key(6, 1), ...f64(-0.2)])],
      [...text(1, 'content f64'), ...scalarsPlugin, ...rank0(2, bytesField(4, f64(-3.25)))],
      [...text(1, 'content f32'), ...scalarsPlugin, ...rank0(1, bytesField(4, f32(NaN)))],
      [...scalarsPlugin, ...rank0(1, bytesField(4, f32(Infinity))), ...text(1, 'fields in any order')],
    ];
    expect(decodeAll([event(step, time, values)])).toEqual([
      ['simple', step, time, 0.5],
      ['float packed', step, time, 1.5],
      ['float', step, time, 2.5],
      ['double packed', step, time, 0.1],
      ['double', step, time, -0.2],
      ['content f64', step, time, -3.25],
      ['content f32', step, time, 'NaN'],
      ['fields in any order', step, time, 'Infinity'],
    ]);
  });

  it('reads float32 values as the double they are, as EventAccumulator reports them', () => {
    expect(decodeAll([event(0, 1, [simpleValue('x', 0.1)])])[0]![3]).toBe(Math.fround(0.1));
  });

  it('ignores tensors of another plugin, of rank above 0, of another dtype, or with content of the wrong width', () => {
    const values = [
      [...text(1, 'histogram'), ...plugin('histograms'), ...rank0(2, bytesField(6, f64(1)))],
      [...text(1, 'vector'), ...scalarsPlugin, ...bytesField(8, [...key(1, 0), 1, ...bytesField(2, bytesField(2, [8, 2])), ...bytesField(5, [...f32(1), ...f32(2)])])],
      [...text(1, 'int'), ...scalarsPlugin, ...rank0(3, [...key(7, 0), 5])],
      [...text(1, 'short content'), ...scalarsPlugin, ...rank0(2, bytesField(4, f32(1)))],
      [...text(1, 'no metadata'), ...rank0(1, bytesField(5, f32(1)))],
    ];
    expect(decodeAll([event(1, 1, values)])).toEqual([]);
  });

  it("gives a tensor without metadata its tag's first declared plugin, as TensorBoard does for TF1 files", () => {
    const tags = new TagTable();
    const got = decodeAll(
      [
        event(0, 1, [[...text(1, 'loss'), ...scalarsPlugin, ...rank0(1, bytesField(5, f32(3)))]]),
        event(1, 2, [[...text(1, 'loss'), ...rank0(1, bytesField(5, f32(2)))]]), // metadata stripped after the first
        event(0, 1, [[...text(1, 'hist'), ...plugin('histograms'), ...rank0(1, bytesField(5, f32(9)))]]),
        event(1, 2, [[...text(1, 'hist'), ...scalarsPlugin, ...rank0(1, bytesField(5, f32(9)))]]), // the first declaration stands
      ],
      tags,
    );
    expect(got).toEqual([
      ['loss', 0, 1, 3],
      ['loss', 1, 2, 2],
    ]);
  });

  it('tells apart many interleaved tags, non-ASCII ones included', () => {
    const names = [...Array.from({ length: 100 }, (_, i) => `layer${i}/grad_norm`), 'Verlust/ü', '损失'];
    const events = [0, 1].flatMap((s) => names.map((name, i) => event(s, 10 + s, [simpleValue(name, i)])));
    const got = decodeAll(events);
    expect(got).toHaveLength(2 * names.length);
    got.forEach(([tag, , , value], i) => {
      expect(tag).toBe(names[i % names.length]);
      expect(value).toBe(i % names.length);
    });
  });

  it('skips unknown fields of every wire type', () => {
    const unknown = [...key(99, 0), ...varint(2 ** 50), ...key(98, 1), ...f64(1), ...key(97, 2), ...varint(3), 1, 2, 3, ...key(96, 5), ...f32(1)];
    const data = Buffer.from([...unknown, ...event(7, 8, [[...unknown, ...simpleValue('x', 4)]])]);
    expect(decodeAll([data])).toEqual([['x', 7, 8, 4]]);
  });

  it('throws on truncated protobuf instead of reading past the record', () => {
    const data = event(1, 1, [simpleValue('x', 1)]);
    for (const cut of [1, 3, 9, 11]) expect(() => decodeAll([data.subarray(0, data.length - cut)]), `cut ${cut}`).toThrow();
    // A float cut short inside its own message, though bytes follow in the buffer:
    const value = Buffer.from([...text(1, 'x'), ...key(2, 5), 0, 0]);
    const tight = Buffer.from([...key(5, 2), ...varint(2 + value.length), ...key(1, 2), ...varint(value.length), ...value, 0xff, 0xff]);
    expect(() => decodeEvent(tight, 0, tight.length - 2, new TagTable(), () => {})).toThrow(/truncated/);
  });
});

describe('EventFileTail', () => {
  let dir: string;
  let file: string;
  let warnings: string[];
  const warn = (w: string) => warnings.push(w);
  const scalar = (step: number, v: number) => record(event(step, 100 + step, [simpleValue('loss', v)]));
  async function readAll(tail: EventFileTail): Promise<[number, number][]> {
    const out: [number, number][] = [];
    await tail.read((_tag, step, _time, value) => out.push([step, value]));
    return out;
  }

  beforeEach(() => {
    dir = makeTempDir('tfevents');
    file = path.join(dir, 'events.out.tfevents.1.host');
    warnings = [];
  });
  afterEach(() => removeTempDir(dir));

  it('returns only what was appended, and resumes a torn record once it is complete', async () => {
    writeFileSync(file, Buffer.concat([scalar(0, 1), scalar(1, 2)]));
    const tail = new EventFileTail(file, warn);
    expect(await readAll(tail)).toEqual([[0, 1], [1, 2]]);
    expect(await readAll(tail)).toEqual([]);
    const next = scalar(2, 3);
    appendFileSync(file, next.subarray(0, 20));
    expect(await readAll(tail)).toEqual([]);
    appendFileSync(file, next.subarray(20));
    expect(await readAll(tail)).toEqual([[2, 3]]);
    expect(tail.bytesRead).toBe(3 * next.length);
    expect(warnings).toEqual([]);
  });

  it('reads past corrupt bytes once a valid record follows', async () => {
    writeFileSync(file, Buffer.concat([scalar(0, 1), Buffer.from('a crashed writer left these bytes behind')]));
    const tail = new EventFileTail(file, warn);
    expect(await readAll(tail)).toEqual([[0, 1]]);
    expect(await readAll(tail)).toEqual([]);
    appendFileSync(file, scalar(1, 2));
    expect(await readAll(tail)).toEqual([[1, 2]]);
    expect(warnings).toEqual([expect.stringMatching(/is corrupt/), expect.stringMatching(/reading resumed/)]);
  });

  it('reads a record longer than its read slice whole, and skips one too long to read', async () => {
    const long = record(event(1, 1, [simpleValue('long', 5), ...Array.from({ length: 20 }, () => [...text(1, 'image'), ...bytesField(4, Buffer.alloc(100))])]));
    const tooLong = record(Buffer.alloc(5000));
    writeFileSync(file, Buffer.concat([scalar(0, 1), long, tooLong, scalar(2, 3)]));
    const tail = new EventFileTail(file, warn, { sliceBytes: 64, maxRecordBytes: 4096 });
    expect(await readAll(tail)).toEqual([[0, 1], [1, 5], [2, 3]]);
    expect(warnings).toEqual([expect.stringMatching(/holds 5000 bytes, more than a scalar event could; it was skipped unread/)]);
  });

  it('warns once about a file it cannot read, and never throws', async () => {
    const tail = new EventFileTail(dir, warn); // a folder: opening works, reading fails
    expect(await readAll(tail)).toEqual([]);
    expect(await readAll(tail)).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^Could not read the event file .*; it is retried on the next refresh\.$/)]);
    expect(await readAll(new EventFileTail(path.join(dir, 'gone'), warn))).toEqual([]);
  });

  it('skips an event that is not valid protobuf with a warning, and reads on', async () => {
    writeFileSync(file, Buffer.concat([record(Buffer.from([0x0a, 0xff])), scalar(1, 2)]));
    expect(await readAll(new EventFileTail(file, warn))).toEqual([[1, 2]]);
    expect(warnings).toEqual([expect.stringMatching(/an event that is not valid protobuf was skipped/)]);
  });
});
