// Metric summaries (docs/store-format.md "Metric summaries"): beside `<key>.rlm`, a `<key>.rlm.summary`
// holds one 144-byte entry per block of B records (its first, last, min, max and first-NaN points),
// so a chart's downsampled read touches the entries plus the few blocks a bucket edge cuts, not
// every point. Readers build and extend the file (the writers never know it exists); it is a cache:
// a torn, stale or foreign summary is detected and rebuilt from the metric file, never trusted
// beyond the records it covers.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeRecords, hasMetricHeader, HEADER_SIZE, RECORD_SIZE, type PointColumns } from './metricCodec.js';
import { writeFileAtomic } from './atomicFile.js';
import { openIfExists, readExactly } from './fileTail.js';

export const SUMMARY_SUFFIX = '.summary';
export const SUMMARY_MAGIC = Buffer.from('RLS1\0\0\0\0', 'latin1');
export const SUMMARY_HEADER_SIZE = 16; // magic, uint32 block size, uint32 entry size
export const ENTRY_SIZE = 144;
export const DEFAULT_BLOCK = 512;
const CHECKED = 136; // bytes of an entry covered by its checksum
const ORDERED = 1; // flags bit: the block's steps never decrease
const BUILD_BLOCKS = 256; // blocks decoded at a time while building (3 MiB of records at B = 512)

export function summaryFile(metricFile: string): string {
  return metricFile + SUMMARY_SUFFIX;
}

/** FNV-1a, 32 bits: enough to tell a written entry from zeros or a half-written one. */
function checksum(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

/** The entries of `points.length / block` whole blocks (points start at a block boundary). */
export function summarizeBlocks(points: PointColumns, block: number): Buffer {
  const { steps, times, values } = points;
  const count = Math.floor(values.length / block);
  const out = Buffer.alloc(count * ENTRY_SIZE);
  for (let b = 0; b < count; b++) {
    const from = b * block;
    let min = -1;
    let max = -1;
    let nan = -1;
    let ordered = true;
    for (let i = from; i < from + block; i++) {
      const v = values[i]!;
      // The same choices as series.ts downsample: the first NaN, the first of equal extremes.
      if (v !== v) {
        if (nan < 0) nan = i;
      } else {
        if (min < 0 || v < values[min]!) min = i;
        if (max < 0 || v > values[max]!) max = i;
      }
      if (i > from && steps[i]! < steps[i - 1]!) ordered = false;
    }
    const at = b * ENTRY_SIZE;
    const put = (slot: number, i: number) => {
      out.writeDoubleLE(i < 0 ? NaN : steps[i]!, at + slot * 24);
      out.writeDoubleLE(i < 0 ? NaN : times[i]!, at + slot * 24 + 8);
      out.writeDoubleLE(i < 0 ? NaN : values[i]!, at + slot * 24 + 16);
    };
    put(0, from);
    put(1, from + block - 1);
    put(2, min);
    put(3, max);
    put(4, nan);
    out.writeInt32LE(min < 0 ? -1 : min - from, at + 120);
    out.writeInt32LE(max < 0 ? -1 : max - from, at + 124);
    out.writeInt32LE(nan < 0 ? -1 : nan - from, at + 128);
    out.writeUInt32LE(ordered ? ORDERED : 0, at + 132);
    out.writeUInt32LE(checksum(out, at, at + CHECKED), at + CHECKED);
  }
  return out;
}

export function summaryHeader(block: number): Buffer {
  const buf = Buffer.alloc(SUMMARY_HEADER_SIZE);
  SUMMARY_MAGIC.copy(buf);
  buf.writeUInt32LE(block, 8);
  buf.writeUInt32LE(ENTRY_SIZE, 12);
  return buf;
}

/** One point an entry names: role 0 first, 1 last, 2 min, 3 max, 4 first NaN. */
export interface SummaryPoint {
  index: number;
  step: number;
  time: number;
  value: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A metric file's summary, brought up to date with the file's whole records. */
export class MetricSummaryFile {
  /** The entries as numbers (18 float64 per entry) and as int32 (36 per entry), for fast scans. */
  readonly f64: Float64Array;
  readonly i32: Int32Array;

  constructor(
    readonly block: number,
    /** Entries of blocks 0..blocks-1, ENTRY_SIZE bytes each. */
    readonly entries: Buffer,
    /** Whole records in the metric file when it was read. */
    readonly records: number,
    /** Records after the last whole block, decoded. */
    readonly tail: PointColumns,
  ) {
    const copy = new Uint8Array(entries.length);
    copy.set(entries);
    this.f64 = new Float64Array(copy.buffer);
    this.i32 = new Int32Array(copy.buffer);
    if (!LITTLE_ENDIAN) {
      // Big-endian machines: the views read native order, so the fields are copied in one by one.
      for (let k = 0; k < this.f64.length; k++) if (k % 18 < 15) this.f64[k] = entries.readDoubleLE(k * 8);
      for (let k = 0; k < this.i32.length; k++) if (k % 36 >= 30) this.i32[k] = entries.readInt32LE(k * 4);
    }
  }

  get blocks(): number {
    return this.entries.length / ENTRY_SIZE;
  }

  /** The record offset in block `b` of its point of `role`; -1 when none (min/max of an all-NaN block). */
  offset(b: number, role: number): number {
    return role === 0 ? 0 : role === 1 ? this.block - 1 : this.i32[b * 36 + 30 + (role - 2)]!;
  }

  /** The point of `role` in block `b`, or null (no min/max: the block is all NaN; no NaN). */
  point(b: number, role: number): SummaryPoint | null {
    const offset = this.offset(b, role);
    if (offset < 0) return null;
    const at = b * 18 + role * 3;
    return { index: b * this.block + offset, step: this.f64[at]!, time: this.f64[at + 1]!, value: this.f64[at + 2]! };
  }

  firstStep(b: number): number {
    return this.f64[b * 18]!;
  }

  lastStep(b: number): number {
    return this.f64[b * 18 + 3]!;
  }

  /** Whether every record, across blocks and the tail, is in step order (what range reads need). */
  ordered(): boolean {
    let last = -Infinity;
    for (let b = 0; b < this.blocks; b++) {
      if (!(this.i32[b * 36 + 33]! & ORDERED) || this.firstStep(b) < last) return false;
      last = this.lastStep(b);
    }
    for (let i = 0; i < this.tail.steps.length; i++) {
      if (this.tail.steps[i]! < last) return false;
      last = this.tail.steps[i]!;
    }
    return true;
  }
}

/** Decodes `count` records of an open metric file from record `first`. */
export async function readRecords(handle: fs.FileHandle, first: number, count: number): Promise<PointColumns> {
  return decodeRecords(await readExactly(handle, count * RECORD_SIZE, HEADER_SIZE + first * RECORD_SIZE));
}

type Validated = { block: number; entries: Buffer; intact: boolean };

/**
 * What this process last knew of each metric file's summary: its entries (checked against the
 * metric file), the metric file's inode, and the summary file's size/mtime/inode as it was left
 * (null: none on disk). While the summary file is as it was left, the next read starts from these
 * entries, so it neither re-reads the summary nor, in a store that cannot be written (a read-only
 * folder, another user's store), rebuilds it from every point: a live run's read decodes only the
 * records appended since. A summary changed by another process is read from disk again.
 */
interface Known {
  ino: number;
  block: number;
  entries: Buffer;
  disk: string | null;
  /** A save was tried and left no file: not tried again on every append of a live run. */
  unsaveable: boolean;
}
const known = new Map<string, Known>();
const MAX_KNOWN_BYTES = 32 * 1048576; // the daemon's memory stays small: 10M points' entries are 2.7 MiB
let knownBytes = 0;

function forget(file: string): void {
  knownBytes -= known.get(file)?.entries.length ?? 0;
  known.delete(file);
}

function remember(metricFile: string, value: Known): void {
  forget(metricFile);
  known.set(metricFile, value); // most recently used last: the first key is the one to forget
  knownBytes += value.entries.length;
  while (knownBytes > MAX_KNOWN_BYTES && known.size > 1) forget(known.keys().next().value!);
}

async function statKey(file: string): Promise<string | null> {
  const st = await fs.stat(file).catch(() => null);
  return st ? `${st.size}:${st.mtimeMs}:${st.ino}` : null;
}

/** The valid entries of a summary file's bytes: its whole, checksummed prefix; null when unusable. */
function validEntries(buf: Buffer | null): Validated | null {
  if (!buf || buf.length < SUMMARY_HEADER_SIZE || !buf.subarray(0, 8).equals(SUMMARY_MAGIC)) return null;
  const block = buf.readUInt32LE(8);
  if (block < 1 || block > 1 << 20 || buf.readUInt32LE(12) !== ENTRY_SIZE) return null;
  const body = buf.subarray(SUMMARY_HEADER_SIZE);
  let n = 0;
  while ((n + 1) * ENTRY_SIZE <= body.length && checksum(body, n * ENTRY_SIZE, n * ENTRY_SIZE + CHECKED) === body.readUInt32LE(n * ENTRY_SIZE + CHECKED)) n++;
  return { block, entries: body.subarray(0, n * ENTRY_SIZE), intact: n * ENTRY_SIZE === body.length };
}

/** Whether entry `b`'s point of `role` (0 first, 1 last) is the one record in `cols`. */
function samePoint(entries: Buffer, b: number, role: number, cols: PointColumns): boolean {
  const at = b * ENTRY_SIZE + role * 24;
  return (
    cols.steps.length === 1 &&
    entries.readDoubleLE(at) === cols.steps[0] &&
    entries.readDoubleLE(at + 8) === cols.times[0] &&
    Object.is(entries.readDoubleLE(at + 16), cols.values[0])
  );
}

/**
 * Loads `metricFile`'s summary, checks it against the metric file (its first and last covered records
 * must be the file's), extends it with the blocks appended since, and saves it when it changed (a
 * store that cannot be written is only slower). Null when the metric file is missing or not RLM1.
 */
export async function loadSummary(metricFile: string, newBlock = DEFAULT_BLOCK): Promise<MetricSummaryFile | null> {
  const handle = await openIfExists(metricFile);
  if (!handle) return null;
  try {
    const st = await handle.stat();
    if (!hasMetricHeader(await readExactly(handle, HEADER_SIZE, 0))) return null;
    const records = Math.floor((st.size - HEADER_SIZE) / RECORD_SIZE);
    const file = summaryFile(metricFile);
    const disk = await statKey(file);
    const mem = known.get(metricFile);
    const fromMemory = mem !== undefined && mem.ino === st.ino && mem.disk === disk;
    const saved = fromMemory || disk === null ? null : validEntries(await fs.readFile(file).catch(() => null));
    let block = fromMemory ? mem.block : (saved?.block ?? newBlock);
    let kept = fromMemory ? mem.entries : (saved?.entries ?? Buffer.alloc(0));
    // From memory: the file on disk is what this process left (its entries, or none it could write).
    let rewrite = fromMemory ? false : !saved?.intact;
    const keptBlocks = kept.length / ENTRY_SIZE;
    if (keptBlocks > 0) {
      // Never trusted beyond the metric file: more blocks than records, or other first/last records
      // (the file was replaced), and the summary is rebuilt.
      const first = await readRecords(handle, 0, 1);
      const last = keptBlocks * block <= records ? await readRecords(handle, keptBlocks * block - 1, 1) : null;
      if (!last || !samePoint(kept, 0, 0, first) || !samePoint(kept, keptBlocks - 1, 1, last)) {
        block = newBlock;
        kept = Buffer.alloc(0);
        rewrite = true;
      }
    }
    const have = kept.length / ENTRY_SIZE;
    const want = Math.floor(records / block);
    const added: Buffer[] = [];
    for (let b = have; b < want; b += BUILD_BLOCKS) {
      const n = Math.min(BUILD_BLOCKS, want - b);
      added.push(summarizeBlocks(await readRecords(handle, b * block, n * block), block));
    }
    const entries = added.length ? Buffer.concat([kept, ...added]) : kept;
    const tail = await readRecords(handle, want * block, records - want * block);
    // No summary on disk although this process built one: saved whole when it grows, unless a
    // save already failed (a read-only store stays so); one on disk is extended in place.
    const whole = rewrite || (fromMemory && disk === null && !mem.unsaveable);
    const saving = whole && (want > 0 || saved !== null || disk !== null) && (rewrite || added.length > 0);
    if (saving) await save(file, Buffer.concat([summaryHeader(block), entries]));
    else if (added.length && disk !== null) await extend(file, SUMMARY_HEADER_SIZE + kept.length, Buffer.concat(added));
    const left = saving || added.length ? await statKey(file) : disk;
    remember(metricFile, { ino: st.ino, block, entries, disk: left, unsaveable: saving ? left === null : fromMemory && mem.unsaveable });
    return new MetricSummaryFile(block, entries, records, tail);
  } finally {
    await handle.close();
  }
}

async function save(file: string, data: Buffer): Promise<void> {
  await writeFileAtomic(file, data, `${process.pid}-${Math.random().toString(36).slice(2, 8)}`).catch(() => {});
  await removeStaleTemps(file).catch(() => {});
}

/** A reader killed mid-rebuild leaves its temp file: the next rebuild removes those a minute old. */
async function removeStaleTemps(file: string): Promise<void> {
  const prefix = `${path.basename(file)}.tmp-`;
  for (const name of await fs.readdir(path.dirname(file))) {
    if (!name.startsWith(prefix)) continue;
    const temp = path.join(path.dirname(file), name);
    const st = await fs.stat(temp).catch(() => null);
    if (st && Date.now() - st.mtimeMs > 60_000) await fs.rm(temp, { force: true });
  }
}

/**
 * New entries are written at their place, not appended: two readers extending the same summary at
 * once write the same bytes to the same offsets.
 */
async function extend(file: string, position: number, data: Buffer): Promise<void> {
  try {
    const handle = await fs.open(file, 'r+');
    try {
      await handle.write(data, 0, data.length, position);
    } finally {
      await handle.close();
    }
  } catch {
    // Read-only store or a summary removed meanwhile: the next reader rebuilds it.
  }
}
