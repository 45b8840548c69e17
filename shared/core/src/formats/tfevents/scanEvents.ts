// The reader's hot loop: TFRecord framing, both checksums and the decoding of the two event shapes
// nearly every scalar comes in (wall_time, step, and a summary of one value: a tag and a
// simple_value, as PyTorch's and tensorboardX's add_scalar write it, or a tag and a rank-0 tensor of
// the "scalars" plugin, as TF2 and Keras do), in one function over one Buffer with no allocation per
// record. Every record is still verified. Any other event (an image, several values, unknown
// fields, fields out of order) goes to the general decoder (eventDecoder.ts), and anything the
// framing must warn about (a bad checksum, a corrupt header, a torn tail, a record too long) stops
// this loop where it is, for tfrecord.ts to handle with its warnings and resynchronization.
import { crc32cView, maskCrc, maskedCrc32c } from './crc32c.js';
import type { ScalarSink } from './eventDecoder.js';
import { PluginDeclaration, type TagTable } from './tagTable.js';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
/** The smallest simple-value event: wall_time (9), step (2), summary (2), value (2), tag (2), simple_value (5). */
const MIN_SIMPLE_EVENT = 22;
const SCALARS = Buffer.from('scalars');

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
 * 1: value }` with one-byte lengths and a step below 2^49 (a varint of at most 7 bytes), the value
 * being `1: tag, 2: simple_value` (PyTorch, tensorboardX) or `1: tag, 8: tensor, 9: metadata`
 * holding a rank-0 float or double of the "scalars" plugin (TF2, Keras; see rank0Value); returns
 * false, having added nothing and decided nothing, for anything else.
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
  // 1: tag, then 2: simple_value (fixed32, the last 5 bytes), or 8: tensor and 9: metadata.
  if (buf[p + 4] !== 0x0a || buf[p + 5]! >= 0x80) return false;
  const tagStart = p + 6;
  const tagEnd = tagStart + buf[p + 5]!;
  let value: number;
  let declared: PluginDeclaration | -1 = -1; // -1: a simple_value, always a scalar
  if (buf[tagEnd] === 0x15 && tagEnd + 5 === end) value = view.getFloat32(tagEnd + 1, true);
  else if (buf[tagEnd] === 0x42 && buf[tagEnd + 1]! < 0x80 && tagEnd + 2 + buf[tagEnd + 1]! <= end) {
    const tensorEnd = tagEnd + 2 + buf[tagEnd + 1]!;
    const v = rank0Value(buf, view, tagEnd + 2, tensorEnd);
    if (v === undefined) return false;
    value = v;
    if (tensorEnd === end) declared = PluginDeclaration.None;
    else if (buf[tensorEnd] === 0x4a && buf[tensorEnd + 1]! < 0x80 && tensorEnd + 2 + buf[tensorEnd + 1]! === end) {
      if (!scalarsMetadata(buf, tensorEnd + 2, end)) return false;
      declared = PluginDeclaration.Scalars;
    } else return false;
  } else return false;
  const tag = tags.intern(buf, tagStart, tagEnd, view);
  // A tensor is a scalar as its tag was first declared (decodeValue's rule, tagTable.ts).
  if (declared !== -1 && !tags.isScalarTensor(tag.text, declared)) return true;
  if (sink === undefined) tag.points.push(step, wallTime, value);
  else sink(tag.text, step, wallTime, value);
  return true;
}

/**
 * The value of a TensorProto in buf[start, end) that is exactly a rank-0 DT_FLOAT or DT_DOUBLE with
 * one value: `1: dtype`, `2: tensor_shape {}` (or none), and one of tensor_content, float_val or
 * double_val of the dtype's width, each field once. undefined for anything else (the general
 * decoder then decides, with the same result where both apply).
 */
function rank0Value(buf: Buffer, view: DataView, start: number, end: number): number | undefined {
  let dtype = 0;
  let width = 0; // bytes of the one value field seen
  let at = -1;
  let p = start;
  let seen = 0; // a bit per field key, so that a repeated field goes to the general decoder
  while (p < end) {
    const key = buf[p]!;
    let bit: number;
    if (key === 0x08 && buf[p + 1]! < 0x80) {
      dtype = buf[p + 1]!;
      p += 2;
      bit = 1;
    } else if (key === 0x12 && buf[p + 1] === 0) {
      p += 2; // an empty shape: rank 0
      bit = 2;
    } else if ((key === 0x22 || key === 0x2a || key === 0x32) && (buf[p + 1] === 4 || buf[p + 1] === 8)) {
      width = buf[p + 1]!; // tensor_content, or packed float_val / double_val
      if ((key === 0x2a && width !== 4) || (key === 0x32 && width !== 8)) return undefined;
      at = p + 2;
      p = at + width;
      bit = 4;
    } else if (key === 0x2d || key === 0x31) {
      width = key === 0x2d ? 4 : 8; // float_val / double_val, not packed
      at = p + 1;
      p = at + width;
      bit = 4;
    } else return undefined;
    if (seen & bit) return undefined;
    seen |= bit;
  }
  if (p !== end || at < 0) return undefined;
  if (dtype === 1 && width === 4) return view.getFloat32(at, true);
  if (dtype === 2 && width === 8) return view.getFloat64(at, true);
  return undefined;
}

/**
 * Whether the SummaryMetadata in buf[start, end) is exactly one `1: plugin_data { 1: plugin_name
 * "scalars" }` (its empty content allowed) beside any display name, description and data class.
 */
function scalarsMetadata(buf: Buffer, start: number, end: number): boolean {
  let p = start;
  let found = false;
  while (p < end) {
    const key = buf[p]!;
    const length = buf[p + 1]!;
    if (length >= 0x80) return false;
    if (key === 0x20) p += 2; // data_class, a one-byte varint
    else if (key === 0x12 || key === 0x1a) p += 2 + length; // display_name, summary_description
    else if (key === 0x0a && !found) {
      const dataEnd = p + 2 + length;
      let q = p + 2;
      while (q < dataEnd) {
        const inner = buf[q]!;
        const n = buf[q + 1]!;
        if (n >= 0x80) return false;
        if (inner === 0x0a) {
          if (n !== SCALARS.length) return false;
          for (let i = 0; i < n; i++) if (buf[q + 2 + i] !== SCALARS[i]) return false;
          found = true;
        } else if (inner !== 0x12) return false; // content, of any length
        q += 2 + n;
      }
      if (q !== dataEnd || !found) return false;
      p = dataEnd;
    } else return false;
  }
  return p === end && found;
}
