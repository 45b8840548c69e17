// Images, histograms and text out of TensorBoard Event protos, beside the scalars eventDecoder.ts
// reads. Every form TensorBoard's own loader reads (plugin_event_accumulator with data_compat):
//   images:     Summary.Value.image (Summary.Image: height 1, width 2, colorspace 3, encoded 4), or a
//               DT_STRING tensor [width, height, image...] of the "images" plugin (TF2's tf.summary)
//   histograms: Summary.Value.histo (HistogramProto: min 1, max 2, num 3, sum 4, sum_squares 5,
//               bucket_limit 6, bucket 7), or a [k, 3] float tensor (left, right, count) of "histograms"
//   text:       a DT_STRING tensor of the "text" plugin (its strings joined by newlines)
// A value's bytes are not kept: an image is found again by its record's offset (mediaBytes).
import { ProtoReader, WIRE } from './protoReader.js';

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_STRING = 7;

export type TbMediaValue =
  | { kind: 'image'; tag: string; index: number; sub: number; width: number | null; height: number | null; bytes: Buffer }
  | { kind: 'text'; tag: string; index: number; text: string }
  | { kind: 'histogram'; tag: string; index: number; edges: number[]; counts: number[]; count: number; min: number | null; max: number | null; sum: number };

export interface TbMediaEvent {
  step: number;
  wallTime: number;
  values: TbMediaValue[];
}

const utf8 = new TextDecoder();

/** Reads a length-delimited field; its [start, end) in the buffer. */
function span(r: ProtoReader): [number, number] {
  const end = r.bytes();
  return [r.start, end];
}

/** The media values of one Event record (none: an empty list); throws on malformed protobuf. */
export function decodeMediaEvent(buf: Buffer, start: number, end: number): TbMediaEvent {
  const r = new ProtoReader(buf, start, end);
  const out: TbMediaEvent = { step: 0, wallTime: 0, values: [] };
  let summary: [number, number] | null = null;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.fixed64) out.wallTime = r.double();
    else if (field === 2 && wire === WIRE.varint) out.step = r.varint();
    else if (field === 5 && wire === WIRE.bytes) summary = span(r);
    else r.skip(wire);
  }
  if (!summary) return out;
  const s = new ProtoReader(buf, summary[0], summary[1]);
  for (let index = 0; !s.done(); ) {
    const key = s.key();
    if (key !== (1 << 3) + WIRE.bytes) {
      s.skip(key & 7);
      continue;
    }
    const valueEnd = s.bytes();
    out.values.push(...decodeValue(buf, s.start, valueEnd, index++));
  }
  return out;
}

function decodeValue(buf: Buffer, start: number, end: number, index: number): TbMediaValue[] {
  const r = new ProtoReader(buf, start, end);
  let tag = '';
  let plugin = '';
  let image: [number, number] | null = null;
  let histo: [number, number] | null = null;
  let tensor: [number, number] | null = null;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (wire !== WIRE.bytes || ![1, 4, 5, 8, 9].includes(field)) {
      r.skip(wire);
      continue;
    }
    const at = span(r);
    if (field === 1) tag = utf8.decode(buf.subarray(...at));
    else if (field === 4) image = at;
    else if (field === 5) histo = at;
    else if (field === 8) tensor = at;
    else plugin = pluginName(buf, ...at);
  }
  if (image) return [decodeImage(buf, image, tag, index)];
  if (histo) return [decodeHistogramProto(buf, histo, tag, index)];
  if (!tensor) return [];
  if (plugin === 'images') return tensorImages(buf, tensor, tag, index);
  if (plugin === 'histograms') return tensorHistogram(buf, tensor, tag, index);
  if (plugin === 'text') {
    const t = readTensor(buf, tensor);
    return t.dtype === DT_STRING ? [{ kind: 'text', tag, index, text: t.strings.map((b) => utf8.decode(b)).join('\n') }] : [];
  }
  return [];
}

/** SummaryMetadata.plugin_data.plugin_name ('' when none). */
function pluginName(buf: Buffer, start: number, end: number): string {
  const r = new ProtoReader(buf, start, end);
  let name = '';
  while (!r.done()) {
    const key = r.key();
    if (key !== (1 << 3) + WIRE.bytes) {
      r.skip(key & 7);
      continue;
    }
    const p = new ProtoReader(buf, ...span(r));
    while (!p.done()) {
      const inner = p.key();
      if (inner === (1 << 3) + WIRE.bytes) name = utf8.decode(buf.subarray(...span(p)));
      else p.skip(inner & 7);
    }
  }
  return name;
}

function decodeImage(buf: Buffer, [start, end]: [number, number], tag: string, index: number): TbMediaValue {
  const r = new ProtoReader(buf, start, end);
  let width: number | null = null;
  let height: number | null = null;
  let bytes: Buffer = Buffer.alloc(0);
  while (!r.done()) {
    const key = r.key();
    if (key === (1 << 3) + WIRE.varint) height = r.varint();
    else if (key === (2 << 3) + WIRE.varint) width = r.varint();
    else if (key === (4 << 3) + WIRE.bytes) {
      const e = r.bytes();
      bytes = buf.subarray(r.start, e);
    } else r.skip(key & 7);
  }
  return { kind: 'image', tag, index, sub: 0, width, height, bytes };
}

/** Repeated doubles, packed (one bytes field) or not (a fixed64 per value). */
function pushDoubles(r: ProtoReader, wire: number, into: number[]): void {
  if (wire === WIRE.fixed64) into.push(r.double());
  else {
    const e = r.bytes();
    for (let at = r.start; at + 8 <= e; at += 8) into.push(r.buf.readDoubleLE(at));
  }
}

function decodeHistogramProto(buf: Buffer, [start, end]: [number, number], tag: string, index: number): TbMediaValue {
  const r = new ProtoReader(buf, start, end);
  let min = 0;
  let max = 0;
  let num = 0;
  let sum = 0;
  const limits: number[] = [];
  const counts: number[] = [];
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.fixed64) min = r.double();
    else if (field === 2 && wire === WIRE.fixed64) max = r.double();
    else if (field === 3 && wire === WIRE.fixed64) num = r.double();
    else if (field === 4 && wire === WIRE.fixed64) sum = r.double();
    else if (field === 6 && (wire === WIRE.fixed64 || wire === WIRE.bytes)) pushDoubles(r, wire, limits);
    else if (field === 7 && (wire === WIRE.fixed64 || wire === WIRE.bytes)) pushDoubles(r, wire, counts);
    else r.skip(wire);
  }
  // As TensorBoard's data_compat: empty buckets at both ends are dropped, then the first bucket
  // starts at min and the last ends at max (TensorFlow writes -DBL_MAX and DBL_MAX as outer limits).
  const n = Math.min(limits.length, counts.length);
  let first = 0;
  while (first < n && !(counts[first]! > 0)) first++;
  let last = n - 1;
  while (last >= first && !(counts[last]! > 0)) last--;
  if (first > last) return { kind: 'histogram', tag, index, edges: [min, max], counts: [0], count: num, min, max, sum };
  const edges = [min, ...limits.slice(first, last), max];
  return { kind: 'histogram', tag, index, edges, counts: counts.slice(first, last + 1), count: num, min, max, sum };
}

interface Tensor {
  dtype: number;
  dims: number[];
  strings: Buffer[];
  numbers: number[];
}

function readTensor(buf: Buffer, [start, end]: [number, number]): Tensor {
  const r = new ProtoReader(buf, start, end);
  const t: Tensor = { dtype: 0, dims: [], strings: [], numbers: [] };
  let content: Buffer | null = null;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.varint) t.dtype = r.varint();
    else if (field === 2 && wire === WIRE.bytes) t.dims = shapeDims(buf, ...span(r));
    else if (field === 4 && wire === WIRE.bytes) content = buf.subarray(...span(r));
    else if (field === 8 && wire === WIRE.bytes) t.strings.push(buf.subarray(...span(r)));
    else if (field === 5 && wire === WIRE.fixed32) t.numbers.push(r.float());
    else if (field === 5 && wire === WIRE.bytes) {
      const e = r.bytes();
      for (let at = r.start; at + 4 <= e; at += 4) t.numbers.push(buf.readFloatLE(at));
    } else if (field === 6 && (wire === WIRE.fixed64 || wire === WIRE.bytes)) pushDoubles(r, wire, t.numbers);
    else r.skip(wire);
  }
  if (content) {
    // tensor_content, when present, holds the values as raw little-endian bytes of the dtype's width.
    t.numbers = [];
    const width = t.dtype === DT_DOUBLE ? 8 : t.dtype === DT_FLOAT ? 4 : 0;
    for (let at = 0; width && at + width <= content.length; at += width) t.numbers.push(width === 8 ? content.readDoubleLE(at) : content.readFloatLE(at));
  }
  return t;
}

function shapeDims(buf: Buffer, start: number, end: number): number[] {
  const r = new ProtoReader(buf, start, end);
  const dims: number[] = [];
  while (!r.done()) {
    const key = r.key();
    if (key !== (2 << 3) + WIRE.bytes) {
      r.skip(key & 7);
      continue;
    }
    const d = new ProtoReader(buf, ...span(r));
    let size = 0;
    while (!d.done()) {
      const k = d.key();
      if (k === (1 << 3) + WIRE.varint) size = d.varint();
      else d.skip(k & 7);
    }
    dims.push(size);
  }
  return dims;
}

function tensorImages(buf: Buffer, span: [number, number], tag: string, index: number): TbMediaValue[] {
  const t = readTensor(buf, span);
  if (t.dtype !== DT_STRING || t.strings.length < 3) return [];
  const width = Number(t.strings[0]!.toString('latin1'));
  const height = Number(t.strings[1]!.toString('latin1'));
  return t.strings.slice(2).map((bytes, sub) => ({
    kind: 'image',
    tag,
    index,
    sub,
    width: Number.isSafeInteger(width) ? width : null,
    height: Number.isSafeInteger(height) ? height : null,
    bytes,
  }));
}

function tensorHistogram(buf: Buffer, span: [number, number], tag: string, index: number): TbMediaValue[] {
  const t = readTensor(buf, span);
  const k = t.numbers.length / 3;
  if ((t.dtype !== DT_FLOAT && t.dtype !== DT_DOUBLE) || k < 1 || !Number.isInteger(k)) return [];
  const edges = [t.numbers[0]!];
  const counts: number[] = [];
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const [left, right, count] = [t.numbers[3 * i]!, t.numbers[3 * i + 1]!, t.numbers[3 * i + 2]!];
    edges.push(right);
    counts.push(count);
    sum += (count * (left + right)) / 2; // the tensor form keeps buckets only: the sum is estimated
  }
  const count = counts.reduce((a, b) => a + b, 0);
  return [{ kind: 'histogram', tag, index, edges, counts, count, min: edges[0]!, max: edges[edges.length - 1]!, sum }];
}

// The fast pass: most records of most event files are scalars, and decoding each one in full (with
// its tag as text) would make reading a 200 MB file of scalars for its media take seconds. These
// readers are reused (decoding is synchronous and never re-entered), and nothing is allocated.
const EMPTY = Buffer.alloc(0);
const fastEvent = new ProtoReader(EMPTY, 0, 0);
const fastSummary = new ProtoReader(EMPTY, 0, 0);
const fastValue = new ProtoReader(EMPTY, 0, 0);
const fastMeta = new ProtoReader(EMPTY, 0, 0);
const fastPlugin = new ProtoReader(EMPTY, 0, 0);
const SCALARS = Buffer.from('scalars');

/** Whether an Event record may hold an image, a histogram or a text (false: only scalars, or nothing). */
export function mayHoldMedia(buf: Buffer, start: number, end: number): boolean {
  try {
    const r = fastEvent.reset(buf, start, end);
    while (!r.done()) {
      const key = r.key();
      if (key !== (5 << 3) + WIRE.bytes) {
        r.skip(key & 7);
        continue;
      }
      const s = fastSummary.reset(buf, ...span(r));
      while (!s.done()) {
        const k = s.key();
        if (k !== (1 << 3) + WIRE.bytes) {
          s.skip(k & 7);
          continue;
        }
        const valueEnd = s.bytes();
        if (valueMayHoldMedia(buf, s.start, valueEnd)) return true;
      }
    }
    return false;
  } catch {
    return true; // malformed: the full decode says what it can (and drops it)
  }
}

function valueMayHoldMedia(buf: Buffer, start: number, end: number): boolean {
  const v = fastValue.reset(buf, start, end);
  let tensor = false;
  let scalars = false;
  while (!v.done()) {
    const key = v.key();
    if (key === (4 << 3) + WIRE.bytes || key === (5 << 3) + WIRE.bytes) return true; // image, histo
    if (key === (8 << 3) + WIRE.bytes) tensor = true;
    if (key === (9 << 3) + WIRE.bytes) {
      const metaEnd = v.bytes();
      scalars = isScalarsPlugin(buf, v.start, metaEnd);
      continue;
    }
    v.skip(key & 7);
  }
  return tensor && !scalars;
}

function isScalarsPlugin(buf: Buffer, start: number, end: number): boolean {
  const m = fastMeta.reset(buf, start, end);
  while (!m.done()) {
    const key = m.key();
    if (key !== (1 << 3) + WIRE.bytes) {
      m.skip(key & 7);
      continue;
    }
    const p = fastPlugin.reset(buf, ...span(m));
    while (!p.done()) {
      const k = p.key();
      if (k !== (1 << 3) + WIRE.bytes) {
        p.skip(k & 7);
        continue;
      }
      const nameEnd = p.bytes();
      return nameEnd - p.start === SCALARS.length && SCALARS.equals(buf.subarray(p.start, nameEnd));
    }
  }
  return false;
}
