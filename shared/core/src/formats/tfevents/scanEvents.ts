// The reader's hot loop: TFRecord framing, both checksums and the decoding of the one event shape
// nearly every scalar comes in (PyTorch's and tensorboardX's add_scalar: wall_time, step, and a
// summary of one value with a tag and a simple_value), in one function over one Buffer with no
// allocation per record. Every record is still verified. Any other event (a tensor scalar, an image,
// several values, unknown fields) goes to the general decoder (eventDecoder.ts), and anything the
// framing must warn about (a bad checksum, a corrupt header, a torn tail, a record too long) stops
// this loop where it is, for tfrecord.ts to handle with its warnings and resynchronization.
import { crc32cView, maskCrc, maskedCrc32c } from './crc32c.js';
import type { ScalarSink } from './eventDecoder.js';
import type { TagTable } from './tagTable.js';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
/** The smallest simple-value event: wall_time (9), step (2), summary (2), value (2), tag (2), simple_value (5). */
const MIN_SIMPLE_EVENT = 22;

// The header's checksum covers only the 8 length bytes, and a file's records have few distinct
// lengths: a verified (length, masked CRC) pair is remembered, so a header whose bytes equal a
// verified one costs one comparison. Direct-mapped by length; exact, since the CRC is a function of
// those 8 bytes (the upper 4 are checked to be zero before the cache is used).
const CACHE_SLOTS = 1024;
const cachedLength = new Float64Array(CACHE_SLOTS).fill(-1);
const cachedCrc = new Uint32Array(CACHE_SLOTS);

export interface ScanTarget {
  tags: TagTable;
  /** Receives each scalar instead of the tag's columns (tests, callers that want the raw events). */
  sink: ScalarSink | undefined;
  /** Decodes an event of any other shape (with its own warnings). */
  decodeOther: (start: number, end: number) => void;
  maxRecordBytes: number;
}

/**
 * Reads the verified records of buf from `at` on; returns the offset of the first byte it did not
 * consume: buf's end or the start of a torn tail, or a record the careful framing must look at.
 * `view` views buf.
 */
export function scanEvents(buf: Buffer, view: DataView, at: number, target: ScanTarget): number {
  const size = buf.length;
  const { tags, sink, decodeOther, maxRecordBytes } = target;
  while (at + HEADER_BYTES <= size) {
    const length = view.getUint32(at, true);
    if (view.getUint32(at + 4, true) !== 0 || length > maxRecordBytes) break;
    const headerCrc = view.getUint32(at + 8, true);
    const slot = length & (CACHE_SLOTS - 1);
    if (cachedLength[slot] !== length || cachedCrc[slot] !== headerCrc) {
      if (maskedCrc32c(buf, at, at + 8) !== headerCrc) break;
      cachedLength[slot] = length;
      cachedCrc[slot] = headerCrc;
    }
    const start = at + HEADER_BYTES;
    const end = start + length;
    if (end + FOOTER_BYTES > size) break;
    if (maskCrc(crc32cView(view, buf, start, end)) !== view.getUint32(end, true)) break;
    at = end + FOOTER_BYTES;
    if (length < MIN_SIMPLE_EVENT || !simpleEvent(buf, view, start, end, tags, sink)) decodeOther(start, end);
  }
  return at;
}

/**
 * Decodes the event in buf[start, end) when it is exactly `1: wall_time, 2: step, 5: summary {
 * 1: value { 1: tag, 2: simple_value } }` with one-byte lengths and a step below 2^49 (a varint of
 * at most 7 bytes); returns false, having added nothing, for anything else.
 */
function simpleEvent(buf: Buffer, view: DataView, start: number, end: number, tags: TagTable, sink: ScalarSink | undefined): boolean {
  if (buf[start] !== 0x09 || buf[start + 9] !== 0x10) return false; // 1: fixed64, 2: varint
  const wallTime = view.getFloat64(start + 1, true);
  let p = start + 10;
  let byte = buf[p++]!;
  let step = byte & 0x7f;
  for (let scale = 128; byte >= 0x80; scale *= 128) {
    if (p - start > 16 || p >= end) return false; // 7 varint bytes at most
    byte = buf[p++]!;
    step += (byte & 0x7f) * scale;
  }
  // 5: summary, whose end is the event's; 1: its only value, whose end is the summary's.
  if (buf[p] !== 0x2a || buf[p + 1]! >= 0x80 || p + 2 + buf[p + 1]! !== end) return false;
  if (buf[p + 2] !== 0x0a || buf[p + 3]! >= 0x80 || p + 4 + buf[p + 3]! !== end) return false;
  // 1: tag, then 2: simple_value (fixed32), the last 5 bytes.
  if (buf[p + 4] !== 0x0a) return false;
  const tagStart = p + 6;
  const tagEnd = tagStart + buf[p + 5]!;
  if (buf[p + 5]! >= 0x80 || tagEnd + 5 !== end || buf[tagEnd] !== 0x15) return false;
  const value = view.getFloat32(tagEnd + 1, true);
  const tag = tags.intern(buf, tagStart, tagEnd, view);
  if (sink === undefined) tag.points.push(step, wallTime, value);
  else sink(tag.text, step, wallTime, value);
  return true;
}
