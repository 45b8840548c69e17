// Zooming into a long series must not re-read the whole file: once a metric file has been read
// and found in step order (the usual case: one writer logging increasing steps), later step-range
// reads binary-search it with a few small positioned reads and read only the records in range.
// Only a byte length per file is remembered, never points.
import { promises as fs } from 'node:fs';
import { decodeRecords, HEADER_SIZE, RECORD_SIZE, type PointColumns } from './metricCodec.js';

const sortedBytes = new Map<string, number>(); // file -> length of its record body known to be in step order
const MAX_FILES = 10_000;

function isSorted(steps: Float64Array, after = -Infinity): boolean {
  if (steps.length && steps[0]! < after) return false;
  for (let i = 1; i < steps.length; i++) if (steps[i]! < steps[i - 1]!) return false;
  return true;
}

/** Records what a full read of `file` found: its whole-record body length, if in step order. */
export function rememberOrder(file: string, points: PointColumns): void {
  if (!isSorted(points.steps)) {
    sortedBytes.delete(file);
    return;
  }
  if (sortedBytes.size >= MAX_FILES) sortedBytes.delete(sortedBytes.keys().next().value!);
  sortedBytes.set(file, points.steps.length * RECORD_SIZE);
}

/** Records that the first `bytes` of `file`'s record body are in step order (known from its summary). */
export function rememberSorted(file: string, bytes: number): void {
  if ((sortedBytes.get(file) ?? -1) >= bytes) return;
  if (sortedBytes.size >= MAX_FILES) sortedBytes.delete(sortedBytes.keys().next().value!);
  sortedBytes.set(file, bytes);
}

/** The records of `file` with from <= step <= to, or null when the file's order is not known yet. */
export async function readStepRange(file: string, from: number, to: number): Promise<PointColumns | null> {
  const known = sortedBytes.get(file);
  if (known === undefined) return null;
  const handle = await fs.open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const body = Math.max(0, size - HEADER_SIZE);
    const whole = body - (body % RECORD_SIZE);
    if (whole < known) return null; // the file shrank: not ours to trust
    const stepBuf = Buffer.alloc(8);
    const stepAt = async (i: number) => {
      await handle.read(stepBuf, 0, 8, HEADER_SIZE + i * RECORD_SIZE);
      return stepBuf.readInt32LE(4) * 4294967296 + stepBuf.readUInt32LE(0);
    };
    const lowerBound = async (step: number, n: number) => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((await stepAt(mid)) < step) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const n = known / RECORD_SIZE;
    const first = await lowerBound(from, n);
    const end = await lowerBound(to + 1, n);
    const inRange = Buffer.alloc((end - first) * RECORD_SIZE);
    if (inRange.length) await handle.read(inRange, 0, inRange.length, HEADER_SIZE + first * RECORD_SIZE);
    const ranged = decodeRecords(inRange);
    if (whole === known) return ranged;
    // Records appended since the order was learnt: read them (a live tail is short) and filter.
    const tailBuf = Buffer.alloc(whole - known);
    await handle.read(tailBuf, 0, tailBuf.length, HEADER_SIZE + known);
    const tail = decodeRecords(tailBuf);
    const lastKnown = n > 0 ? await stepAt(n - 1) : -Infinity;
    if (isSorted(tail.steps, lastKnown)) sortedBytes.set(file, whole);
    const keep: number[] = [];
    for (let i = 0; i < tail.steps.length; i++) if (tail.steps[i]! >= from && tail.steps[i]! <= to) keep.push(i);
    if (keep.length === 0) return ranged;
    const out: PointColumns = {
      steps: new Float64Array(ranged.steps.length + keep.length),
      times: new Float64Array(ranged.steps.length + keep.length),
      values: new Float64Array(ranged.steps.length + keep.length),
    };
    out.steps.set(ranged.steps);
    out.times.set(ranged.times);
    out.values.set(ranged.values);
    keep.forEach((j, k) => {
      const at = ranged.steps.length + k;
      out.steps[at] = tail.steps[j]!;
      out.times[at] = tail.times[j]!;
      out.values[at] = tail.values[j]!;
    });
    return out;
  } finally {
    await handle.close();
  }
}
