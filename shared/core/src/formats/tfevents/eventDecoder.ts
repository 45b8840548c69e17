// Scalars out of TensorBoard Event protos (field numbers in ANCHORS.md "TensorBoard event files"):
// Summary values with `simple_value`, and rank-0 DT_FLOAT / DT_DOUBLE tensors whose plugin is
// "scalars" (PyTorch's new_style, TF2). Images, histograms, graphs and the rest are skipped.
import { ProtoReader, WIRE } from './protoReader.js';

export type ScalarSink = (tag: string, step: number, wallTime: number, value: number) => void;

const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** Decodes one Event record; calls `sink` once per scalar it holds. Throws on malformed protobuf. */
// One reader per nesting level, reused for every event (decoding is synchronous, never re-entered).
const EMPTY = Buffer.alloc(0);
const eventReader = new ProtoReader(EMPTY, 0, 0);
const summaryReader = new ProtoReader(EMPTY, 0, 0);
const valueReader = new ProtoReader(EMPTY, 0, 0);

export function decodeEvent(buf: Buffer, start: number, end: number, sink: ScalarSink): void {
  const r = eventReader.reset(buf, start, end);
  let wallTime = 0;
  let step = 0;
  let summaryStart = -1;
  let summaryEnd = -1;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.fixed64) wallTime = r.double();
    else if (field === 2 && wire === WIRE.varint) step = r.varint();
    else if (field === 5 && wire === WIRE.bytes) {
      summaryEnd = r.bytes();
      summaryStart = r.start;
    }
    else r.skip(wire);
  }
  if (summaryStart < 0) return;
  const s = summaryReader.reset(buf, summaryStart, summaryEnd);
  while (!s.done()) {
    const key = s.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.bytes) {
      const ve = s.bytes();
      decodeValue(buf, s.start, ve, step, wallTime, sink);
    } else s.skip(wire);
  }
}

function decodeValue(buf: Buffer, start: number, end: number, step: number, wallTime: number, sink: ScalarSink): void {
  const r = valueReader.reset(buf, start, end);
  let tag = '';
  let simple: number | null = null;
  let plugin: string | null = null;
  let tensorStart = -1;
  let tensorEnd = -1;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.bytes) {
      const end = r.bytes();
      tag = tagText(buf, r.start, end);
    }
    else if (field === 2 && wire === WIRE.fixed32) simple = r.float();
    else if (field === 9 && wire === WIRE.bytes) {
      const end = r.bytes();
      plugin = pluginName(buf, r.start, end);
    } else if (field === 8 && wire === WIRE.bytes) {
      tensorEnd = r.bytes();
      tensorStart = r.start;
    }
    else r.skip(wire);
  }
  if (simple !== null) sink(tag, step, wallTime, simple);
  else if (tensorStart >= 0 && plugin === 'scalars') {
    const value = scalarTensor(buf, tensorStart, tensorEnd);
    if (value !== null) sink(tag, step, wallTime, value);
  }
}

// Tags repeat on every event: decoding each into a new string costs more than the rest of the
// event, so the last few distinct tags are kept as bytes and compared in place.
const tagCache: { bytes: Buffer; text: string }[] = [];
const TAG_CACHE_SIZE = 32;

function tagText(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  for (const entry of tagCache) {
    if (entry.bytes.length === length && buf.compare(entry.bytes, 0, length, start, end) === 0) return entry.text;
  }
  const text = buf.toString('utf8', start, end);
  tagCache.unshift({ bytes: Buffer.from(buf.subarray(start, end)), text });
  if (tagCache.length > TAG_CACHE_SIZE) tagCache.pop();
  return text;
}

/** SummaryMetadata.plugin_data.plugin_name. */
function pluginName(buf: Buffer, start: number, end: number): string | null {
  const r = new ProtoReader(buf, start, end);
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.bytes) {
      const pe = r.bytes();
      const p = new ProtoReader(buf, r.start, pe);
      while (!p.done()) {
        const key = p.key();
        if (key === (1 << 3) + WIRE.bytes) return p.string();
        p.skip(key & 7);
      }
    } else r.skip(wire);
  }
  return null;
}

/** The value of a rank-0 float or double TensorProto; null for anything else. */
function scalarTensor(buf: Buffer, start: number, end: number): number | null {
  const r = new ProtoReader(buf, start, end);
  let dtype = 0;
  let rank = 0;
  let value: number | null = null;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.varint) dtype = r.varint();
    else if (field === 2 && wire === WIRE.bytes) {
      const end = r.bytes();
      rank = shapeRank(buf, r.start, end);
    } else if (field === 4 && wire === WIRE.bytes) {
      const ce = r.bytes();
      const cs = r.start;
      if (ce - cs === 4) value = buf.readFloatLE(cs);
      else if (ce - cs === 8) value = buf.readDoubleLE(cs);
    } else if (field === 5 && wire === WIRE.fixed32) value = r.float();
    else if (field === 5 && wire === WIRE.bytes) {
      const fe = r.bytes();
      if (fe - r.start >= 4) value = buf.readFloatLE(r.start);
    } else if (field === 6 && wire === WIRE.fixed64) value = r.double();
    else if (field === 6 && wire === WIRE.bytes) {
      const de = r.bytes();
      if (de - r.start >= 8) value = buf.readDoubleLE(r.start);
    } else r.skip(wire);
  }
  if (rank !== 0 || (dtype !== DT_FLOAT && dtype !== DT_DOUBLE)) return null;
  return value;
}

/** Number of dims of a TensorShapeProto (field 2, repeated). */
function shapeRank(buf: Buffer, start: number, end: number): number {
  const r = new ProtoReader(buf, start, end);
  let dims = 0;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 2 && wire === WIRE.bytes) {
      r.bytes();
      dims++;
    } else r.skip(wire);
  }
  return dims;
}
