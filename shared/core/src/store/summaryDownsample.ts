// A chart's downsampled read through a metric summary (seriesSummary.ts): the same points as
// series.ts downsample on the full series (each step bucket's first, min, max, first NaN and last),
// found from block entries where a block lies inside one bucket, and from the block's records only
// where a bucket edge cuts it. Cost: the entries plus about one block per bucket.
import { promises as fs } from 'node:fs';
import type { PointColumns } from './metricCodec.js';
import { loadSummary, readRecords, type MetricSummaryFile, type SummaryPoint } from './seriesSummary.js';

export interface SummaryRead extends PointColumns {
  total: number;
  downsampled: boolean;
}

/** Decoded blocks (and the tail), read at most once per request. */
class Blocks {
  private readonly cache = new Map<number, PointColumns>();
  constructor(
    private readonly handle: fs.FileHandle,
    private readonly summary: MetricSummaryFile,
  ) {}

  /**
   * Reads the blocks a request will need at once: runs of adjacent blocks as one read, the runs
   * concurrently (hundreds of small reads one after another cost more than their bytes).
   */
  async prefetch(wanted: number[]): Promise<void> {
    const s = this.summary;
    const todo = wanted.filter((b) => b < s.blocks && !this.cache.has(b));
    const runs: [number, number][] = [];
    for (const b of todo) {
      const run = runs[runs.length - 1];
      if (run && run[1] === b) run[1] = b + 1;
      else runs.push([b, b + 1]);
    }
    await Promise.all(
      runs.map(async ([from, to]) => {
        const cols = await readRecords(this.handle, from * s.block, (to - from) * s.block);
        for (let b = from; b < to; b++) {
          const at = (b - from) * s.block;
          const end = at + s.block;
          this.cache.set(b, { steps: cols.steps.subarray(at, end), times: cols.times.subarray(at, end), values: cols.values.subarray(at, end) });
        }
      }),
    );
  }

  /** The records of block `b` (block `blocks` is the tail) and the index of its first record. */
  async get(b: number): Promise<{ cols: PointColumns; base: number }> {
    const s = this.summary;
    if (b >= s.blocks) return { cols: s.tail, base: s.blocks * s.block };
    let cols = this.cache.get(b);
    if (!cols) {
      cols = await readRecords(this.handle, b * s.block, s.block);
      this.cache.set(b, cols);
    }
    return { cols, base: b * s.block };
  }

  async stepAt(i: number): Promise<number> {
    const { cols, base } = await this.get(Math.min(this.summary.blocks, Math.floor(i / this.summary.block)));
    return cols.steps[i - base]!;
  }

  /** The first record index whose step is >= `step` (records are in step order). */
  async lowerBound(step: number): Promise<number> {
    const s = this.summary;
    let lo = 0;
    let hi = s.blocks;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s.lastStep(mid) < step) lo = mid + 1;
      else hi = mid;
    }
    const { cols, base } = await this.get(lo);
    let a = 0;
    let b = cols.steps.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (cols.steps[mid]! < step) a = mid + 1;
      else b = mid;
    }
    return base + a;
  }
}

/**
 * One bucket's kept points, chosen as series.ts downsample chooses them. Held in one typed array
 * (role r: index, step, time, value at 4r..4r+3; index -1: none), as this sees every point of a
 * block a bucket edge cuts.
 */
const START = 0;
const MIN = 1;
const MAX = 2;
const NAN = 3;
const LAST = 4;
class Bucket {
  private readonly kept = new Float64Array(20).fill(-1);

  private set(role: number, index: number, step: number, time: number, value: number): void {
    const at = role * 4;
    this.kept[at] = index;
    this.kept[at + 1] = step;
    this.kept[at + 2] = time;
    this.kept[at + 3] = value;
  }

  private has(role: number): boolean {
    return this.kept[role * 4]! >= 0;
  }

  private value(role: number): number {
    return this.kept[role * 4 + 3]!;
  }

  addPoint(index: number, step: number, time: number, value: number): void {
    if (!this.has(START)) this.set(START, index, step, time, value);
    if (value !== value) {
      if (!this.has(NAN)) this.set(NAN, index, step, time, value);
    } else {
      if (!this.has(MIN) || value < this.value(MIN)) this.set(MIN, index, step, time, value);
      if (!this.has(MAX) || value > this.value(MAX)) this.set(MAX, index, step, time, value);
    }
    this.set(LAST, index, step, time, value);
  }

  /** Takes block `b`'s point of entry role `from` as this bucket's `role`. */
  private take(role: number, s: MetricSummaryFile, b: number, from: number): void {
    const at = b * 18 + from * 3;
    this.set(role, b * s.block + s.offset(b, from), s.f64[at]!, s.f64[at + 1]!, s.f64[at + 2]!);
  }

  /** A whole block, from its entry (roles there: 0 first, 1 last, 2 min, 3 max, 4 first NaN). */
  addBlock(s: MetricSummaryFile, b: number): void {
    if (!this.has(START)) this.take(START, s, b, 0);
    if (s.offset(b, 2) >= 0 && (!this.has(MIN) || s.f64[b * 18 + 8]! < this.value(MIN))) this.take(MIN, s, b, 2);
    if (s.offset(b, 3) >= 0 && (!this.has(MAX) || s.f64[b * 18 + 11]! > this.value(MAX))) this.take(MAX, s, b, 3);
    if (!this.has(NAN) && s.offset(b, 4) >= 0) this.take(NAN, s, b, 4);
    this.take(LAST, s, b, 1);
  }

  /** Appends the kept points in record order, each once, and empties the bucket. */
  flush(out: SummaryPoint[]): void {
    const chosen: SummaryPoint[] = [];
    for (let r = 0; r < 5; r++) {
      if (this.has(r)) chosen.push({ index: this.kept[r * 4]!, step: this.kept[r * 4 + 1]!, time: this.kept[r * 4 + 2]!, value: this.kept[r * 4 + 3]! });
    }
    chosen.sort((a, b) => a.index - b.index);
    for (let k = 0; k < chosen.length; k++) if (k === 0 || chosen[k]!.index !== chosen[k - 1]!.index) out.push(chosen[k]!);
    this.kept.fill(-1);
  }
}

function columnsOf(points: SummaryPoint[]): PointColumns {
  return {
    steps: Float64Array.from(points, (p) => p.step),
    times: Float64Array.from(points, (p) => p.time),
    values: Float64Array.from(points, (p) => p.value),
  };
}

/**
 * The points of one metric file with fromStep <= step <= toStep, downsampled to about `target` points
 * when there are more. Null when the file cannot be read this way (missing, not RLM1, or not in step
 * order): the caller reads it whole.
 */
export async function readSummarized(metricFile: string, target: number, fromStep?: number, toStep?: number, block?: number): Promise<SummaryRead | null> {
  const summary = await loadSummary(metricFile, block);
  if (!summary || !summary.ordered()) return null;
  const handle = await fs.open(metricFile, 'r');
  try {
    const blocks = new Blocks(handle, summary);
    const lo = fromStep === undefined ? 0 : await blocks.lowerBound(fromStep);
    const hi = toStep === undefined ? summary.records : await blocks.lowerBound(toStep + 1);
    const total = Math.max(0, hi - lo);
    if (total <= target || total === 0) {
      const cols = await readRecords(handle, lo, total);
      return { ...cols, total, downsampled: false };
    }
    const buckets = Math.max(1, Math.floor(target / 4));
    const first = await blocks.stepAt(lo);
    const width = ((await blocks.stepAt(hi - 1)) - first) / buckets || 1;
    const bucketOf = (step: number) => Math.min(buckets - 1, Math.floor((step - first) / width));
    const out: SummaryPoint[] = [];
    const bucket = new Bucket();
    let current = -1;
    const enter = (id: number) => {
      if (id !== current && current >= 0) bucket.flush(out);
      current = id;
    };
    const B = summary.block;
    // A block is taken whole from its entry when it lies inside the range and inside one bucket.
    const firstBlock = Math.floor(lo / B);
    const isWhole = new Uint8Array(Math.ceil(hi / B) - firstBlock);
    const cut: number[] = [];
    for (let b = firstBlock; b * B < hi; b++) {
      if (b < summary.blocks && b * B >= lo && (b + 1) * B <= hi && bucketOf(summary.firstStep(b)) === bucketOf(summary.lastStep(b))) isWhole[b - firstBlock] = 1;
      else cut.push(b);
    }
    const whole = (b: number) => isWhole[b - firstBlock] === 1;
    await blocks.prefetch(cut);
    for (let i = lo; i < hi; ) {
      const b = Math.floor(i / B);
      if (i === b * B && whole(b)) {
        enter(bucketOf(summary.firstStep(b)));
        bucket.addBlock(summary, b);
        i += B;
        continue;
      }
      const { cols, base } = await blocks.get(b);
      const end = Math.min(hi, base + cols.steps.length);
      for (; i < end; i++) {
        const j = i - base;
        enter(bucketOf(cols.steps[j]!));
        bucket.addPoint(i, cols.steps[j]!, cols.times[j]!, cols.values[j]!);
      }
    }
    bucket.flush(out);
    return { ...columnsOf(out), total, downsampled: true };
  } finally {
    await handle.close();
  }
}
