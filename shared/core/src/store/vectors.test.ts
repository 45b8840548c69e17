// The shared test vectors and fixture stores (test/fixtures/, also read by the Python tests).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromJsonNumber, jsonNumber, RUN_STATUSES, type JsonNumber } from '@runlane/protocol';
import { decodeRecords, encodeRecord, HEADER_SIZE, METRIC_HEADER } from './metricCodec.js';
import * as names from './names.js';
import { compareEvents, foldEvents, type OrderedEvent, type StoreEventLine } from './runFold.js';
import { StoreReader } from './storeReader.js';
import { encodeParamValue } from './storeWriter.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
type Point = { step: number; time: number; value: JsonNumber };
/** test/fixtures/store-vectors.json, the parts these tests read. */
interface StoreVectors {
  metric_header_hex: string;
  metric_records: { step: number; time: number; value: JsonNumber; hex: string }[];
  metric_key_files: { key: string; file: string }[];
  valid: Record<string, string[]>;
  invalid: Record<string, string[]>;
  fold: { about: string; files: Record<string, StoreEventLine[]>; expected: Record<string, unknown> }[];
  statuses: string[];
  derived_statuses: string[];
  writer_ranks: { writer: string; rank: number | null }[];
  ranks: { store: string; run: string; summary: unknown; series: Record<string, Record<string, Point[]>> };
}
/** test/fixtures/store-v1.expected.json. */
interface ExpectedStore {
  runs: unknown[];
  points: { run: string; series: Record<string, Point[]>; logs: Record<string, string> };
}
const vectors = JSON.parse(readFileSync(path.join(fixtures, 'store-vectors.json'), 'utf8')) as StoreVectors;
const expected = JSON.parse(readFileSync(path.join(fixtures, 'store-v1.expected.json'), 'utf8')) as ExpectedStore;
const quiet = () => {};

const validators: Record<string, (name: string) => string> = {
  run_id: names.validateRunId,
  writer_id: names.validateWriterId,
  stream: names.validateStream,
  metric_key: names.validateMetricKey,
  experiment: names.validateExperiment,
  run_name: names.validateRunName,
  param_key: (k) => names.validateParamKey(k),
};

describe('metric records', () => {
  it('has the 8-byte header of the spec', () => {
    expect(METRIC_HEADER.toString('hex')).toBe(vectors.metric_header_hex);
  });

  it.each(vectors.metric_records)(
    'encodes and decodes step $step value $value',
    ({ step, time, value, hex }) => {
      expect(encodeRecord(step, time, fromJsonNumber(value)).toString('hex')).toBe(hex);
      const decoded = decodeRecords(Buffer.from(hex, 'hex'));
      expect(decoded.steps[0]).toBe(step);
      expect(decoded.times[0]).toBe(time);
      expect(jsonNumber(decoded.values[0]!)).toEqual(value);
      expect(Object.is(decoded.values[0], fromJsonNumber(value))).toBe(true); // keeps -0 too
    },
  );

  it('leaves out a torn tail and reads unaligned buffers', () => {
    const records = vectors.metric_records.map((r) => Buffer.from(r.hex, 'hex'));
    const body = Buffer.concat([Buffer.alloc(3), ...records, Buffer.alloc(10)]).subarray(3);
    expect(decodeRecords(body).values.length).toBe(records.length);
    expect(HEADER_SIZE).toBe(8);
  });
});

describe('names', () => {
  it.each(vectors.metric_key_files)('encodes key $key as $file', ({ key, file }) => {
    expect(names.encodeKeyFile(key)).toBe(file);
    expect(names.decodeKeyFile(file)).toBe(key);
  });

  for (const [kind, validate] of Object.entries(validators)) {
    it(`accepts valid ${kind}s`, () => {
      for (const name of vectors.valid[kind] as string[]) expect(validate(name)).toBe(name);
    });
    it(`refuses invalid ${kind}s with a message that says what is allowed`, () => {
      for (const name of vectors.invalid[kind] as string[]) {
        expect(() => validate(name), JSON.stringify(name)).toThrow(names.StoreError);
        try {
          validate(name);
        } catch (err) {
          expect((err as names.StoreError).code).toBe('bad_name');
          expect((err as Error).message).toMatch(/^Invalid .+: .+\.$/);
        }
      }
    });
  }
});

describe('event folding', () => {
  it.each(vectors.fold)(
    '$about',
    ({ files, expected: want }) => {
      const events: OrderedEvent[] = Object.entries(files).flatMap(([writer, lines]) =>
        lines.map((event, line) => ({ writer, line, event })),
      );
      events.sort(compareEvents);
      const folded = foldEvents(events) as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(want)) expect(folded[field], field).toEqual(value);
    },
  );

  it('knows the statuses of the vectors (the Python helper checks the same list), and never reads a derived one from a file', () => {
    expect([...RUN_STATUSES]).toEqual(vectors.statuses);
    for (const status of vectors.statuses) {
      const lines: StoreEventLine[] = [
        { t: 1, type: 'status', status: 'finished' },
        { t: 2, type: 'status', status },
      ];
      const folded = foldEvents(lines.map((event, line) => ({ writer: 'w-1', line, event })));
      expect(folded.status, status).toBe(vectors.derived_statuses.includes(status) ? 'finished' : status);
    }
  });

  it('encodes params as the vectors say', () => {
    expect(encodeParamValue(NaN)).toEqual({ $float: 'NaN' });
    expect(encodeParamValue(Infinity)).toEqual({ $float: 'Infinity' });
    expect(encodeParamValue([1, -Infinity])).toEqual([1, { $float: '-Infinity' }]);
  });
});

describe('ranks (docs/store-format.md "Ranks")', () => {
  it.each(vectors.writer_ranks)('writer $writer has rank $rank', ({ writer, rank }) => {
    expect(names.writerRank(writer)).toBe(rank);
  });

  const ranks = vectors.ranks;

  it('summarises the primary series (rank 0) and lists every rank', async () => {
    const reader = await StoreReader.open(path.join(fixtures, ranks.store), quiet);
    expect(await reader.readRun(ranks.run)).toEqual(ranks.summary);
  });

  it('reads each rank apart, and the primary series without a rank', async () => {
    const reader = await StoreReader.open(path.join(fixtures, ranks.store), quiet);
    for (const [key, byRank] of Object.entries(ranks.series)) {
      for (const [which, points] of Object.entries(byRank)) {
        const rank = which === 'primary' ? undefined : Number(which);
        const read = reader.readSeries(ranks.run, key, { rank });
        if (points.length === 0) {
          await expect(read, `${key} ${which}`).rejects.toThrow(/no metric|logged no/);
          continue;
        }
        const series = await read;
        expect(series.rank, `${key} ${which}`).toBe(rank ?? null);
        expect(series.steps.map((step, i) => ({ step, time: series.times[i], value: series.values[i] })), `${key} ${which}`).toEqual(points);
      }
    }
  });
});

describe('fixture store v1', () => {
  it('lists the runs exactly as expected (torn lines and records ignored, NaN/Inf kept)', async () => {
    const warnings: string[] = [];
    const reader = await StoreReader.open(path.join(fixtures, 'store-v1'), (w) => warnings.push(w));
    expect(await reader.listRuns()).toEqual(expected.runs);
    expect(warnings.some((w) => w.includes('not a run..'))).toBe(true);
  });

  it('reads the points of every writer in step order', async () => {
    const reader = await StoreReader.open(path.join(fixtures, 'store-v1'), quiet);
    for (const [key, points] of Object.entries(expected.points.series)) {
      const series = await reader.readSeries(expected.points.run, key);
      expect(series.steps).toEqual(points.map((p) => p.step));
      expect(series.times).toEqual(points.map((p) => p.time));
      expect(series.values).toEqual(points.map((p) => p.value));
    }
  });

  it('keeps log bytes that are not UTF-8', async () => {
    const reader = await StoreReader.open(path.join(fixtures, 'store-v1'), quiet);
    for (const [stream, hex] of Object.entries(expected.points.logs)) {
      const [writer, name] = stream.split('/') as [string, string];
      const { bytes, size } = await reader.readLog(expected.points.run, writer, name);
      expect(bytes.toString('hex')).toBe(hex);
      expect(size).toBe(hex.length / 2);
    }
  });

  it('refuses a store written by a newer format version, naming both versions', async () => {
    await expect(StoreReader.open(path.join(fixtures, 'store-v99'))).rejects.toThrow(
      /format version 99, but this Runlane reads up to version 1\. Upgrade Runlane/,
    );
  });
});
