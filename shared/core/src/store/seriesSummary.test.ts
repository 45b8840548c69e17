// Metric summaries on real files: a summarized read returns exactly what the full read's downsample
// returns, the summary grows with the file, and a torn, stale or foreign summary is rebuilt.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonNumber, type JsonNumber } from '@runlane/protocol';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { decodeRecords, encodeRecord, HEADER_SIZE, METRIC_HEADER, RECORD_SIZE, type PointColumns } from './metricCodec.js';
import { downsample, readSeriesColumns, SUMMARY_MIN_RECORDS, sliceStepRange } from './series.js';
import { ENTRY_SIZE, loadSummary, summarizeBlocks, SUMMARY_HEADER_SIZE, summaryFile, summaryHeader } from './seriesSummary.js';
import { StoreReader } from './storeReader.js';
import { StoreWriter } from './storeWriter.js';
import { readSummarized } from './summaryDownsample.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('summary');
});
afterEach(() => removeTempDir(dir));

/** A wavy series with spikes, NaN and infinities, and runs of equal steps (ties across block edges). */
function points(n: number, from = 0): { step: number; time: number; value: number }[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const value = i % 97 === 13 ? NaN : i % 211 === 5 ? Infinity : i % 389 === 7 ? -Infinity : i % 53 === 0 ? 100 + (i % 7) : Math.sin(i / 40) * (i % 3);
    return { step: Math.floor(i / 3) * 2, time: 1000 + i, value };
  });
}

function writeMetric(file: string, pts: { step: number; time: number; value: number }[], append = false): void {
  const body = Buffer.concat(pts.map((p) => encodeRecord(p.step, p.time, p.value)));
  if (append) appendFileSync(file, body);
  else writeFileSync(file, Buffer.concat([METRIC_HEADER, body]));
}

function fullRead(file: string): PointColumns {
  return decodeRecords(readFileSync(file).subarray(HEADER_SIZE));
}

/** What series.ts returns reading every point: the reference a summarized read must equal. */
function expected(file: string, target: number, from?: number, to?: number) {
  const ranged = sliceStepRange(fullRead(file), from, to);
  const cols = ranged.values.length > target ? downsample(ranged, target) : ranged;
  return { steps: Array.from(cols.steps), times: Array.from(cols.times), values: Array.from(cols.values), total: ranged.values.length };
}

async function summarized(file: string, target: number, from?: number, to?: number, block = 16) {
  const read = (await readSummarized(file, target, from, to, block))!;
  expect(read).not.toBeNull();
  return { steps: Array.from(read.steps), times: Array.from(read.times), values: Array.from(read.values), total: read.total };
}

describe('a summarized read', () => {
  it('returns what downsampling every point returns, for whole series and step ranges', async () => {
    const file = path.join(dir, 'loss.rlm');
    writeMetric(file, points(5003));
    for (const target of [4, 10, 41, 100, 1000, 6000]) expect(await summarized(file, target)).toEqual(expected(file, target));
    for (const [from, to] of [[0, 100], [37, 2900], [1001, 1001], [3000, 99_999], [-5, 3], [5000, 6000]] as const) {
      for (const target of [8, 64, 400]) expect(await summarized(file, target, from, to)).toEqual(expected(file, target, from, to));
    }
    expect(statSync(summaryFile(file)).size).toBe(SUMMARY_HEADER_SIZE + Math.floor(5003 / 16) * ENTRY_SIZE);
  });

  it('extends the summary as points are appended, keeping the entries already written', async () => {
    const file = path.join(dir, 'loss.rlm');
    writeMetric(file, points(1000));
    await summarized(file, 50);
    const before = readFileSync(summaryFile(file));
    writeMetric(file, points(777, 1000), true);
    appendFileSync(file, Buffer.alloc(10)); // a torn record being written: not covered
    expect(await summarized(file, 50)).toEqual(expected(file, 50));
    const after = readFileSync(summaryFile(file));
    expect(after.length).toBe(SUMMARY_HEADER_SIZE + Math.floor(1777 / 16) * ENTRY_SIZE);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
  });

  it('rebuilds a torn or zeroed summary, and one that covers more than the metric file', async () => {
    const file = path.join(dir, 'loss.rlm');
    writeMetric(file, points(3000));
    await summarized(file, 100);
    const good = readFileSync(summaryFile(file));
    truncateSync(summaryFile(file), good.length - 50); // a crash mid-write
    const leftover = `${summaryFile(file)}.tmp-1234-abcdef`; // and a rebuild killed before its rename
    writeFileSync(leftover, good.subarray(0, 100));
    utimesSync(leftover, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    expect(await summarized(file, 100)).toEqual(expected(file, 100));
    expect(readFileSync(summaryFile(file)).equals(good)).toBe(true);
    expect(existsSync(leftover)).toBe(false);
    const zeroed = Buffer.from(good);
    zeroed.fill(0, SUMMARY_HEADER_SIZE + 40 * ENTRY_SIZE, SUMMARY_HEADER_SIZE + 41 * ENTRY_SIZE);
    writeFileSync(summaryFile(file), zeroed);
    expect(await summarized(file, 100)).toEqual(expected(file, 100));
    expect(readFileSync(summaryFile(file)).equals(good)).toBe(true);
    // The metric file replaced by a shorter one with other values: the summary is not trusted.
    writeMetric(file, points(900).map((p) => ({ ...p, value: -p.value })));
    expect(await summarized(file, 100)).toEqual(expected(file, 100));
    expect((await loadSummary(file, 16))!.blocks).toBe(Math.floor(900 / 16));
    // Same length, another first record: not trusted either.
    writeMetric(file, points(900).map((p, i) => (i === 0 ? { ...p, value: 42 } : { ...p, value: -p.value })));
    expect(await summarized(file, 7)).toEqual(expected(file, 7));
  });

  it('declines a file whose steps go back, so it is read whole', async () => {
    const file = path.join(dir, 'loss.rlm');
    writeMetric(file, [...points(500), ...points(500)]);
    expect(await readSummarized(file, 50, undefined, undefined, 16)).toBeNull();
  });
});

/**
 * Makes `folder` unwritable as a user meets it (a read-only folder, another user's store): no
 * write permission; as root, which ignores permissions, the immutable attribute too, or where the
 * file system has none (tmpfs, overlayfs), a folder in the summary's place, which fails the save
 * the same way. Returns the undo.
 */
function makeUnwritable(folder: string, summary: string): () => void {
  chmodSync(folder, 0o555);
  const undoMode = () => chmodSync(folder, 0o755);
  if (process.getuid?.() !== 0) return undoMode;
  try {
    execFileSync('chattr', ['+i', folder], { stdio: 'pipe' });
    return () => (execFileSync('chattr', ['-i', folder], { stdio: 'pipe' }), undoMode());
  } catch {
    undoMode();
    mkdirSync(summary);
    return () => rmdirSync(summary);
  }
}

/** Overwrites record `i`'s value in place (no writer does this: it shows whether a read looks again). */
function poke(file: string, i: number, value: number): void {
  const fd = openSync(file, 'r+');
  const buf = Buffer.alloc(8);
  buf.writeDoubleLE(value);
  writeSync(fd, buf, 0, 8, HEADER_SIZE + i * RECORD_SIZE + 16);
  closeSync(fd);
}

describe('a store that cannot be written', () => {
  it('keeps the summary in memory: a repeated read and a live append decode only the records added since', async () => {
    const file = path.join(dir, 'loss.rlm');
    writeMetric(file, points(4000));
    const undo = makeUnwritable(dir, summaryFile(file));
    try {
      expect(await summarized(file, 100)).toEqual(expected(file, 100));
      expect(statSync(summaryFile(file), { throwIfNoEntry: false })?.isFile() ?? false).toBe(false); // it could not be saved
      const max = (await loadSummary(file, 16))!.point(100, 3)!;
      // A record the summary covers changed in place: not seen, so the covered records were not read again.
      poke(file, 100 * 16 + 3, 1e9);
      expect((await loadSummary(file, 16))!.point(100, 3)).toEqual(max);
      // A live writer appends: the new blocks are summarized from the new records alone.
      writeMetric(file, points(777, 4000), true);
      const grown = (await loadSummary(file, 16))!;
      expect(grown.records).toBe(4777);
      expect(grown.blocks).toBe(Math.floor(4777 / 16));
      expect(grown.point(100, 3)).toEqual(max);
      const fresh = summarizeBlocks(fullRead(file), 16);
      const from = 4000 * ENTRY_SIZE / 16;
      expect(grown.entries.subarray(from).equals(fresh.subarray(from))).toBe(true);
      expect(grown.tail.values.length).toBe(4777 % 16);
      // And charts read the new range exactly as a full read does.
      const lastSteps = [points(1, 4001)[0]!.step, points(1, 4776)[0]!.step] as const;
      expect(await summarized(file, 40, ...lastSteps)).toEqual(expected(file, 40, ...lastSteps));
    } finally {
      undo();
    }
  });

  it('still notices a metric file replaced by another one', async () => {
    const file = path.join(dir, 'loss.rlm');
    writeMetric(file, points(2000));
    const undo = makeUnwritable(dir, summaryFile(file));
    try {
      expect(await summarized(file, 60)).toEqual(expected(file, 60));
      writeMetric(file, points(1500).map((p) => ({ ...p, value: p.value * 2 + 1 })));
      expect(await summarized(file, 60)).toEqual(expected(file, 60));
      expect((await loadSummary(file, 16))!.blocks).toBe(Math.floor(1500 / 16));
    } finally {
      undo();
    }
  });
});

describe('readSeriesColumns on a long series', () => {
  it('answers through a summary beside the file, as the full read does, and zooms without a full read', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await writer.createRun({ name: 'long', experiment: 'e', kind: 'script' });
    const n = SUMMARY_MIN_RECORDS + 12_345;
    writer.logMetrics(id, 'loss', points(n));
    const runDir = path.join(dir, 'runs', id);
    const file = path.join(runDir, 'metrics', writer.writerId, 'loss.rlm');
    const full = await readSeriesColumns(runDir, 'loss', { points: 1000, summaries: false });
    const fast = await readSeriesColumns(runDir, 'loss', { points: 1000 });
    expect(existsSync(summaryFile(file))).toBe(true);
    expect(fast).toEqual(full);
    const zoomFull = await readSeriesColumns(runDir, 'loss', { fromStep: 20_000, toStep: 21_000, summaries: false });
    expect(await readSeriesColumns(runDir, 'loss', { fromStep: 20_000, toStep: 21_000 })).toEqual(zoomFull);
    // Older readers ignore the summary: the run still has exactly one metric.
    const reader = await StoreReader.open(dir);
    expect(Object.keys((await reader.readRun(id)).metrics)).toEqual(['loss']);
  });
});

describe('the shared vectors (test/fixtures/store-summary, written by make_series_summary.py)', () => {
  const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
  const want = JSON.parse(readFileSync(path.join(fixtures, 'store-summary.expected.json'), 'utf8')) as {
    run: string;
    metric_file: string;
    block: number;
    metric_summary: unknown;
    reads: { target: number; from_step: number | null; to_step: number | null; total: number; downsampled: boolean; steps: number[]; times: number[]; values: JsonNumber[] }[];
  };
  const fixtureFile = path.join(fixtures, 'store-summary', want.metric_file);

  it('builds the summary the specification gives, byte for byte', () => {
    const committed = readFileSync(summaryFile(fixtureFile));
    expect(committed.subarray(0, SUMMARY_HEADER_SIZE).equals(summaryHeader(want.block))).toBe(true);
    expect(summarizeBlocks(fullRead(fixtureFile), want.block).equals(committed.subarray(SUMMARY_HEADER_SIZE))).toBe(true);
  });

  it('reads the expected downsampled points through it, and rebuilds a torn copy to the same bytes', async () => {
    const file = path.join(dir, 'loss.rlm');
    copyFileSync(fixtureFile, file);
    copyFileSync(summaryFile(fixtureFile), summaryFile(file));
    const committed = readFileSync(summaryFile(fixtureFile));
    for (const torn of [false, true]) {
      if (torn) truncateSync(summaryFile(file), committed.length - 7);
      for (const r of want.reads) {
        const got = (await readSummarized(file, r.target, r.from_step ?? undefined, r.to_step ?? undefined))!;
        expect({ steps: Array.from(got.steps), times: Array.from(got.times), values: Array.from(got.values, jsonNumber), total: got.total, downsampled: got.downsampled })
          .toEqual({ steps: r.steps, times: r.times, values: r.values, total: r.total, downsampled: r.downsampled });
      }
      expect(readFileSync(summaryFile(file)).equals(committed)).toBe(true); // a valid summary is used as it is
    }
  });

  it('is ignored by a store reader: one metric, summarized from its points', async () => {
    const reader = await StoreReader.open(path.join(fixtures, 'store-summary'));
    expect((await reader.readRun(want.run)).metrics).toEqual({ loss: want.metric_summary });
    const full = want.reads.find((r) => r.target >= r.total && r.from_step === null)!;
    expect((await reader.readSeries(want.run, 'loss')).values).toEqual(full.values);
  });
});

describe('a reader killed (kill -9) while it extends or rebuilds a summary', () => {
  // The child runs the built module (npm test builds first), like the other real-process tests.
  const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/store/summaryDownsample.js');
  const child = `
    const fs = require('node:fs');
    const [file, built] = process.argv.slice(1);
    import(built).then(async ({ readSummarized }) => {
      for (let round = 0; ; round++) {
        const n = fs.statSync(file).size; // a live writer appends while charts read the series
        const buf = Buffer.alloc(3000 * 24);
        const first = Math.floor((n - 8) / 24);
        for (let i = 0; i < 3000; i++) {
          buf.writeBigInt64LE(BigInt(first + i), i * 24);
          buf.writeDoubleLE(first + i, i * 24 + 8);
          buf.writeDoubleLE(Math.sin(first + i), i * 24 + 16);
        }
        fs.appendFileSync(file, buf);
        if (round % 3 === 2) fs.rmSync(file + '.summary', { force: true }); // and sometimes rebuilds it whole
        await readSummarized(file, 1000);
        if (round === 0) process.stdout.write('ready\\n');
      }
    });`;

  it('leaves a summary the next reader repairs, so reads stay exactly right', async () => {
    const { spawn } = await import('node:child_process');
    const file = path.join(dir, 'loss.rlm');
    for (const delay of [150, 400, 900]) {
      writeMetric(file, Array.from({ length: 100_000 }, (_, i) => ({ step: i, time: i, value: Math.sin(i) })));
      const proc = spawn(process.execPath, ['-e', child, file, built], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        proc.stdout.on('data', () => resolve());
        proc.on('exit', (code) => reject(new Error(`the reader exited (${code}) before it was killed`)));
      });
      await new Promise((r) => setTimeout(r, delay));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.on('exit', r));
      expect(await summarized(file, 1000, undefined, undefined, 512)).toEqual(expected(file, 1000));
      const rebuilt = Buffer.concat([summaryHeader(512), summarizeBlocks(fullRead(file), 512)]);
      expect(readFileSync(summaryFile(file)).equals(rebuilt)).toBe(true);
    }
  }, 60_000);
});
