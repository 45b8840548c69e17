// The reader's shortcuts, each against the plain way: the fast loop for add_scalar events against
// the general decoder, checksums still caught inside the fast loop (remembered header checksums
// included), slices of any size against one read, and worker threads against this thread alone.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { maskedCrc32c } from './crc32c.js';
import { decodeEvent } from './eventDecoder.js';
import { EventFileTail } from './eventFileTail.js';
import { TensorBoardLogdir } from './logdir.js';
import { readInWorkers } from './readPool.js';
import { TagTable } from './tagTable.js';

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
/** Negative int64s as protobuf writes them: ten bytes of two's complement. */
const negativeVarint = (n: number): number[] => [...varint(2 ** 64 + n).slice(0, 9), 0x01];
const bytesField = (num: number, data: number[]) => [...varint(num * 8 + 2), ...varint(data.length), ...data];
const text = (num: number, s: string) => bytesField(num, [...Buffer.from(s)]);
const f32 = (v: number) => [...Buffer.from(new Float32Array([v]).buffer)];
const f64 = (v: number) => [...Buffer.from(new Float64Array([v]).buffer)];
const simpleValue = (tag: string, v: number) => [...text(1, tag), 0x15, ...f32(v)];
const scalarTensor = (tag: string, v: number) => [...text(1, tag), ...bytesField(9, bytesField(1, text(1, 'scalars'))), ...bytesField(8, [0x08, 1, ...bytesField(2, []), ...bytesField(4, f32(v))])];

/** A tensor value as TF2's writers serialize it: tag, tensor, then metadata (field order). */
const scalarsMeta = bytesField(1, text(1, 'scalars'));
const tf2Value = (tag: string, tensor: number[], metadata: number[] | null = [...scalarsMeta, 0x20, 1]) => [
  ...text(1, tag),
  ...bytesField(8, tensor),
  ...(metadata ? bytesField(9, metadata) : []),
];
const shape0 = [0x12, 0x00];

function event(step: number[] | number, wallTime: number, values: number[][]): Buffer {
  const stepBytes = typeof step === 'number' ? varint(step) : step;
  return Buffer.from([0x09, ...f64(wallTime), 0x10, ...stepBytes, ...bytesField(5, values.flatMap((v) => bytesField(1, v)))]);
}

function record(data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(data.length, 0);
  head.writeUInt32LE(maskedCrc32c(head, 0, 8), 8);
  const foot = Buffer.alloc(4);
  foot.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, foot]);
}

type Scalar = [tag: string, step: number, time: number, value: number];

/** What the general decoder alone makes of each event. */
function reference(events: Buffer[]): Scalar[] {
  const out: Scalar[] = [];
  const tags = new TagTable();
  for (const e of events) decodeEvent(e, 0, e.length, tags, (...s) => out.push(s));
  return out;
}

let dir: string;
let warnings: string[];
beforeEach(() => {
  dir = makeTempDir('tfevents-fast');
  warnings = [];
});
afterEach(() => removeTempDir(dir));

async function readFile(file: string, sliceBytes?: number): Promise<Scalar[]> {
  const out: Scalar[] = [];
  await new EventFileTail(file, (w) => warnings.push(w), { sliceBytes }).read((...s) => out.push(s));
  return out;
}

describe('the fast loop', () => {
  it('reads every event exactly as the general decoder does, add_scalar events or not', async () => {
    const events = [
      Buffer.from([...text(3, 'brain.Event:2')]), // file_version
      ...[0, 1, 127, 128, 16383, 16384, 2 ** 35 + 7, 2 ** 49 - 1, 2 ** 49, 2 ** 53 - 1].map((step, i) => event(step, 1.7e9 + i / 8, [simpleValue('loss', i / 3)])),
      event(negativeVarint(-5), 2, [simpleValue('loss', 1)]),
      ...[NaN, Infinity, -Infinity, -0, 3.4e38, 1e-45].map((v) => event(3, 4, [simpleValue('edge', v)])),
      event(5, 6, [simpleValue('', 1)]),
      event(5, 6, [simpleValue('x'.repeat(127), 2)]),
      event(5, 6, [simpleValue('y'.repeat(128), 3)]), // a two-byte tag length
      event(5, 6, [simpleValue('a', 1), simpleValue('b', 2)]), // two values in one event
      event(5, 6, [scalarTensor('tensor', 2.5)]),
      event(5, 6, [[...simpleValue('long summary', 1), ...text(1, 'z'.repeat(200))]]),
      Buffer.from([0x10, 7, 0x09, ...f64(8), ...bytesField(5, bytesField(1, simpleValue('fields reversed', 9)))]),
      event(9, 10, [[...simpleValue('extra field', 1), 0x20, 1]]),
      ...Array.from({ length: 50 }, (_, i) => event(100 + i, 200 + i, [simpleValue(['損失', 'acc', 'lr'][i % 3]!, i)])),
      // TF2 / Keras tensor scalars, and the shapes next to them that the general decoder must decide.
      event(1, 2, [tf2Value('content f32', [0x08, 1, ...shape0, ...bytesField(4, f32(1.5))])]),
      event(1, 2, [tf2Value('packed f32', [0x08, 1, ...shape0, ...bytesField(5, f32(-2.5))])]),
      event(1, 2, [tf2Value('f32', [0x08, 1, ...shape0, 0x2d, ...f32(NaN)])]),
      event(1, 2, [tf2Value('content f64', [0x08, 2, ...shape0, ...bytesField(4, f64(0.1))])]),
      event(1, 2, [tf2Value('packed f64', [0x08, 2, ...bytesField(6, f64(0.2))])]), // no shape: rank 0 too
      event(1, 2, [tf2Value('f64', [0x08, 2, ...shape0, 0x31, ...f64(0.3)], scalarsMeta)]),
      event(1, 2, [tf2Value('described', [0x08, 1, ...shape0, ...bytesField(4, f32(4))], [...text(3, 'a description'), ...bytesField(1, [...text(1, 'scalars'), ...bytesField(2, [])]), 0x20, 1])]),
      event(2, 3, [tf2Value('content f32', [0x08, 1, ...shape0, ...bytesField(4, f32(7))], null)]), // metadata on the first value only (TF1)
      event(2, 3, [tf2Value('never declared', [0x08, 1, ...shape0, ...bytesField(4, f32(7))], null)]),
      event(1, 2, [tf2Value('hist', [0x08, 1, ...shape0, ...bytesField(4, f32(1))], bytesField(1, text(1, 'histograms')))]),
      event(2, 3, [tf2Value('hist', [0x08, 1, ...shape0, ...bytesField(4, f32(1))])]), // the first declaration stands
      event(1, 2, [tf2Value('hparams', [0x08, 1, ...shape0, ...bytesField(4, f32(1))], bytesField(1, text(1, 'hparams')))]),
      event(1, 2, [tf2Value('int', [0x08, 3, ...shape0, 0x38, 5])]),
      event(1, 2, [tf2Value('wrong width', [0x08, 2, ...shape0, ...bytesField(4, f32(1))])]),
      event(1, 2, [tf2Value('vector', [0x08, 1, ...bytesField(2, bytesField(2, [0x08, 2])), ...bytesField(5, [...f32(1), ...f32(2)])])]),
      event(1, 2, [tf2Value('two values', [0x08, 1, ...shape0, 0x2d, ...f32(1), 0x2d, ...f32(2)])]),
      event(1, 2, [tf2Value('content and float_val', [0x08, 1, ...shape0, ...bytesField(4, f32(1)), 0x2d, ...f32(2)])]),
      event(1, 2, [[...text(1, 'metadata first'), ...bytesField(9, scalarsMeta), ...bytesField(8, [0x08, 1, ...shape0, ...bytesField(4, f32(3))])]]),
    ];
    const file = path.join(dir, 'events.out.tfevents.1.host');
    writeFileSync(file, Buffer.concat(events.map(record)));
    const got = await readFile(file);
    expect(got).toEqual(reference(events));
    expect(got.length).toBeGreaterThan(80);
    expect(got.filter(([tag]) => ['never declared', 'hist', 'hparams', 'int', 'wrong width', 'vector'].includes(tag))).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('still catches every bad checksum between well-formed records, a remembered header checksum included', async () => {
    const events = Array.from({ length: 1000 }, (_, i) => event(i, 100 + i, [simpleValue(`tag${i % 4}`, i)]));
    const records = events.map(record);
    // A flipped bit in a value; a header checksum that no longer fits its length (a length whose
    // checksum the loop has verified, and remembers, hundreds of times before); a data checksum.
    records[100]![records[100]!.length - 6]! ^= 0x01;
    records[500]![9]! ^= 0x40;
    records[700]![records[700]!.length - 1]! ^= 0x80;
    const file = path.join(dir, 'events.out.tfevents.1.host');
    const bytes = Buffer.concat(records);
    writeFileSync(file, bytes);
    const at = (i: number) => records.slice(0, i).reduce((n, r) => n + r.length, 0);
    expect(await readFile(file)).toEqual(reference(events.filter((_, i) => ![100, 500, 700].includes(i))));
    expect(warnings).toEqual([
      `${file}: the record at byte ${at(100)} has a bad checksum; it was skipped.`,
      `${file}: the record header at byte ${at(500)} is corrupt; the bytes up to the next valid record were skipped.`,
      `${file}: reading resumed at the valid record at byte ${at(501)}.`,
      `${file}: the record at byte ${at(700)} has a bad checksum; it was skipped.`,
    ]);
  });

  it('gives the same points whatever the read slice, records across slice ends included', async () => {
    const events = Array.from({ length: 400 }, (_, i) => event(i, i / 10, [i % 50 === 0 ? [...simpleValue('big', i), ...text(1, 'p'.repeat(300))] : simpleValue(`t${i % 7}`, i)]));
    const file = path.join(dir, 'events.out.tfevents.1.host');
    writeFileSync(file, Buffer.concat(events.map(record)));
    const want = reference(events);
    for (const sliceBytes of [13, 40, 97, 512, 4096, 1 << 20]) expect(await readFile(file, sliceBytes), `slice ${sliceBytes}`).toEqual(want);
    expect(warnings).toEqual([]);
  });
});

describe('worker threads', () => {
  /** Five runs: two files in one, a corrupt record in another, a torn tail in a third. */
  function writeRuns(): string[] {
    const files: string[] = [];
    for (let r = 0; r < 5; r++) {
      mkdirSync(path.join(dir, `run${r}`));
      for (let f = 0; f < (r === 1 ? 2 : 1); f++) {
        const records = Array.from({ length: 300 }, (_, i) => record(event(f * 300 + i, 1000 * r + i, [simpleValue(`m${i % 3}`, r * 10 + i), ...(i % 100 === 0 ? [scalarTensor('t', i)] : [])])));
        if (r === 2) records[150]![20]! ^= 1;
        const file = path.join(dir, `run${r}`, `events.out.tfevents.${f}.host`);
        writeFileSync(file, Buffer.concat(r === 3 ? [...records, record(event(999, 1, [simpleValue('m0', 1)])).subarray(0, 30)] : records));
        files.push(file);
      }
    }
    return files;
  }

  const snapshot = (logdir: TensorBoardLogdir) =>
    logdir.runs(0).map((run) => ({ run, series: Object.keys(run.metrics).map((tag) => logdir.readSeries(run.id, tag)) }));

  it('read many runs into exactly what one thread reads, and reading goes on from where they stopped', async () => {
    writeRuns();
    const oneWarnings: string[] = [];
    const one = new TensorBoardLogdir(dir, (w) => oneWarnings.push(w), { openFiles: null, workers: 1 });
    const many = new TensorBoardLogdir(dir, (w) => warnings.push(w), { openFiles: null, workers: 3, parallelMinBytes: 0 });
    await one.refresh();
    await many.refresh();
    expect(snapshot(many)).toEqual(snapshot(one));
    expect(warnings).toEqual(oneWarnings);
    expect(warnings).toEqual([expect.stringMatching(/run2.*has a bad checksum/)]);

    // The torn record completed, and more appended: both report the same new points.
    const torn = record(event(999, 1, [simpleValue('m0', 1)]));
    appendFileSync(path.join(dir, 'run3', 'events.out.tfevents.0.host'), Buffer.concat([torn.subarray(30), record(event(1000, 2, [simpleValue('m1', 5)]))]));
    const added = await many.refresh();
    expect(added).toEqual(await one.refresh());
    expect(added.map((p) => [p.runId, p.key, p.steps])).toEqual([
      ['run3', 'm0', [999]],
      ['run3', 'm1', [1000]],
    ]);
  });

  it('really read on other threads, one run each, its files in order', async () => {
    const files = writeRuns();
    const tasks = ['run0', 'run1', 'run2'].map((runId) => ({ runId, files: files.filter((f) => f.includes(`${runId}${path.sep}`)) }));
    const read = await readInWorkers(tasks, 2, false);
    expect([...read.keys()].sort()).toEqual(['run0', 'run1', 'run2']);
    expect(read.get('run1')!.files.map((f) => [path.basename(f.file), f.columns.find((c) => c.tag === 'm0')!.steps[0]])).toEqual([
      ['events.out.tfevents.0.host', 0],
      ['events.out.tfevents.1.host', 300],
    ]);
    expect([...read.values()].every((r) => r.thread !== 0)).toBe(true);
  });
});
