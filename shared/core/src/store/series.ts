// A metric series: the points of one rank's writers (or of the primary writers: rank 0 and writers
// without a rank, docs/store-format.md "Ranks") merged in step order, cut to a step range, and downsampled
// for charts so that no spike vanishes (each bucket keeps its first, min, max and last points; a bucket
// with NaN keeps its first NaN so it can be marked).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeRecords, hasMetricHeader, HEADER_SIZE, RECORD_SIZE, type PointColumns } from './metricCodec.js';
import { encodeKeyFile, isPrimaryWriter, StoreError, writerRank } from './names.js';
import { readFrom } from './fileTail.js';
import { readStepRange, rememberOrder, rememberSorted } from './stepIndex.js';
import { loadSummary } from './seriesSummary.js';
import { readSummarized } from './summaryDownsample.js';

/**
 * Files this long (64 Ki records, 1.5 MiB) are read through their summary: below it a whole read
 * costs a few milliseconds, and no summary file is written beside them.
 */
export const SUMMARY_MIN_RECORDS = 1 << 16;

export interface SeriesOptions {
  fromStep?: number;
  toStep?: number;
  /** Target number of points; 0 or absent returns every point. */
  points?: number;
  /** Only that worker rank's writers; absent: the primary series (rank 0 and writers without a rank). */
  rank?: number;
  /** false: read every point even when a summary could answer (the benchmark's "before"). */
  summaries?: boolean;
}

export interface SeriesColumns extends PointColumns {
  /** Points in the requested range before downsampling. */
  total: number;
  downsampled: boolean;
}

/** Reads one key of one run from the chosen writers' files; null when none of them logged that key. */
export async function readSeriesColumns(runDir: string, key: string, options: SeriesOptions = {}): Promise<SeriesColumns | null> {
  const wanted = options.rank === undefined ? isPrimaryWriter : (writer: string) => writerRank(writer) === options.rank;
  if ((options.points ?? 0) > 0 && options.summaries !== false) {
    const file = await onlyLongFile(runDir, key, wanted);
    const read = file && (await readSummarized(file, options.points!, options.fromStep, options.toStep));
    if (read) return read;
  }
  const parts = await readWriterParts(runDir, key, wanted, options);
  if (!parts) return null;
  const merged = mergeByStep(parts.map((p) => p.points));
  const ranged = sliceStepRange(merged, options.fromStep, options.toStep);
  const total = ranged.values.length;
  const target = options.points ?? 0;
  if (target <= 0 || total <= target) return { ...ranged, total, downsampled: false };
  return { ...downsample(ranged, target), total, downsampled: true };
}

/** Every point of one key, one series per rank (null: the writers without a rank), ranks in order. */
export async function readRankSeries(runDir: string, key: string, wantRank: (rank: number | null) => boolean): Promise<{ rank: number | null; points: PointColumns }[] | null> {
  const parts = await readWriterParts(runDir, key, (writer) => wantRank(writerRank(writer)), {});
  if (!parts) return null;
  const byRank = new Map<number | null, PointColumns[]>();
  for (const p of parts) {
    const rank = writerRank(p.writer);
    byRank.set(rank, [...(byRank.get(rank) ?? []), p.points]);
  }
  return [...byRank]
    .sort(([a], [b]) => (a ?? -1) - (b ?? -1))
    .map(([rank, columns]) => ({ rank, points: mergeByStep(columns) }));
}

/** The one chosen writer's file of `key` when it is long enough for a summary; null otherwise. */
async function onlyLongFile(runDir: string, key: string, wanted: (writer: string) => boolean): Promise<string | null> {
  const files: { file: string; size: number }[] = [];
  for (const writer of (await listWriters(path.join(runDir, 'metrics'))).filter(wanted)) {
    const file = path.join(runDir, 'metrics', writer, encodeKeyFile(key));
    const size = await fs.stat(file).then((st) => st.size, () => -1);
    if (size >= 0) files.push({ file, size });
  }
  return files.length === 1 && files[0]!.size >= HEADER_SIZE + SUMMARY_MIN_RECORDS * RECORD_SIZE ? files[0]!.file : null;
}

/** Learns a long file's step order from its summary, so a zoom reads only its range. */
async function learnOrder(file: string): Promise<void> {
  const size = await fs.stat(file).then((st) => st.size, () => 0);
  if (size < HEADER_SIZE + SUMMARY_MIN_RECORDS * RECORD_SIZE) return;
  const summary = await loadSummary(file);
  if (summary?.ordered()) rememberSorted(file, summary.records * RECORD_SIZE);
}

/** The chosen writers' points of one key (writers in id order); null when none of them logged it. */
async function readWriterParts(
  runDir: string,
  key: string,
  wanted: (writer: string) => boolean,
  options: SeriesOptions,
): Promise<{ writer: string; points: PointColumns }[] | null> {
  const fileName = encodeKeyFile(key);
  const parts: { writer: string; points: PointColumns }[] = [];
  let found = false;
  for (const writer of (await listWriters(path.join(runDir, 'metrics'))).filter(wanted)) {
    const file = path.join(runDir, 'metrics', writer, fileName);
    if (options.fromStep !== undefined && options.toStep !== undefined) {
      if (options.summaries !== false) await learnOrder(file).catch(() => {});
      const ranged = await readStepRange(file, options.fromStep, options.toStep).catch(() => null);
      if (ranged) {
        found = true;
        parts.push({ writer, points: ranged });
        continue;
      }
    }
    const buf = await readFrom(file, 0);
    if (!buf) continue;
    found = true;
    if (buf.length < HEADER_SIZE || !hasMetricHeader(buf)) continue;
    const body = buf.subarray(HEADER_SIZE);
    const points = decodeRecords(body.subarray(0, body.length - (body.length % RECORD_SIZE)));
    rememberOrder(file, points);
    parts.push({ writer, points });
  }
  return found ? parts : null;
}

async function listWriters(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new StoreError('io', `Could not list ${dir}: ${(err as Error).message}`);
  }
}

function isSortedByStep(steps: Float64Array): boolean {
  for (let i = 1; i < steps.length; i++) if (steps[i]! < steps[i - 1]!) return false;
  return true;
}

/**
 * One writer logging increasing steps (the usual case) needs no sort. Otherwise points are ordered
 * by step, then wall time, then writer order and record order (a stable sort of the concatenation).
 */
export function mergeByStep(parts: PointColumns[]): PointColumns {
  if (parts.length === 1 && isSortedByStep(parts[0]!.steps)) return parts[0]!;
  const total = parts.reduce((n, p) => n + p.values.length, 0);
  const all: PointColumns = { steps: new Float64Array(total), times: new Float64Array(total), values: new Float64Array(total) };
  let at = 0;
  for (const p of parts) {
    all.steps.set(p.steps, at);
    all.times.set(p.times, at);
    all.values.set(p.values, at);
    at += p.values.length;
  }
  if (isSortedByStep(all.steps)) return all;
  const order = Array.from({ length: total }, (_, i) => i);
  order.sort((a, b) => all.steps[a]! - all.steps[b]! || all.times[a]! - all.times[b]! || a - b);
  return pick(all, order);
}

function pick(src: PointColumns, indices: ArrayLike<number>): PointColumns {
  const n = indices.length;
  const out: PointColumns = { steps: new Float64Array(n), times: new Float64Array(n), values: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    out.steps[i] = src.steps[j]!;
    out.times[i] = src.times[j]!;
    out.values[i] = src.values[j]!;
  }
  return out;
}

function lowerBound(steps: Float64Array, step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function sliceStepRange(p: PointColumns, fromStep?: number, toStep?: number): PointColumns {
  const start = fromStep === undefined ? 0 : lowerBound(p.steps, fromStep);
  const end = toStep === undefined ? p.steps.length : lowerBound(p.steps, toStep + 1);
  if (start === 0 && end === p.steps.length) return p;
  return { steps: p.steps.subarray(start, end), times: p.times.subarray(start, end), values: p.values.subarray(start, end) };
}

/** Step-range buckets (like pixel columns), each keeping first, min, max, last and its first NaN. */
export function downsample(p: PointColumns, target: number): PointColumns {
  const n = p.values.length;
  const buckets = Math.max(1, Math.floor(target / 4));
  const first = p.steps[0]!;
  const width = (p.steps[n - 1]! - first) / buckets || 1;
  const keep: number[] = [];
  let i = 0;
  while (i < n) {
    const bucket = Math.min(buckets - 1, Math.floor((p.steps[i]! - first) / width));
    const start = i;
    let min = -1;
    let max = -1;
    let nan = -1;
    for (; i < n && Math.min(buckets - 1, Math.floor((p.steps[i]! - first) / width)) === bucket; i++) {
      const v = p.values[i]!;
      if (v !== v) {
        if (nan < 0) nan = i;
      } else {
        if (min < 0 || v < p.values[min]!) min = i;
        if (max < 0 || v > p.values[max]!) max = i;
      }
    }
    const chosen = [start, min, max, nan, i - 1].filter((j) => j >= 0).sort((a, b) => a - b);
    for (let k = 0; k < chosen.length; k++) if (k === 0 || chosen[k] !== chosen[k - 1]) keep.push(chosen[k]!);
  }
  return pick(p, keep);
}
