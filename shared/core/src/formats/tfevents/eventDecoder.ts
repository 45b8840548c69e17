// Scalars out of TensorBoard Event protos (field numbers in ANCHORS.md "TensorBoard event files"):
// Summary values with `simple_value`, and rank-0 DT_FLOAT / DT_DOUBLE tensors whose plugin is
// "scalars" (PyTorch's new_style, TF2), and the HParams plugin's hparams (hparams.ts). Images,
// histograms, graphs and the rest are skipped.
import { decodeHparamsPluginData, HPARAMS_PLUGIN, type HparamsSink } from './hparams.js';
import { ProtoReader, WIRE } from './protoReader.js';
import { PluginDeclaration, type TagTable } from './tagTable.js';

export type ScalarSink = (tag: string, step: number, wallTime: number, value: number) => void;

const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const SCALARS_PLUGIN = Buffer.from('scalars');

// One reader per nesting level, reused for every event: decoding is synchronous and never
// re-entered, and allocating readers per event would cost more than the decoding.
const EMPTY = Buffer.alloc(0);
const eventReader = new ProtoReader(EMPTY, 0, 0);
const summaryReader = new ProtoReader(EMPTY, 0, 0);
const valueReader = new ProtoReader(EMPTY, 0, 0);
const nestedReader = new ProtoReader(EMPTY, 0, 0);
const innerReader = new ProtoReader(EMPTY, 0, 0);
// Where the last metadata's "hparams" plugin content lies (set by pluginDeclaration; -1: none).
let hparamsStart = -1;
let hparamsEnd = -1;

/**
 * Decodes one Event record; calls `sink` once per scalar it holds, and `onHparams` with each HParams
 * summary (a session start's hparams, an experiment). Throws on malformed protobuf.
 */
export function decodeEvent(buf: Buffer, start: number, end: number, tags: TagTable, sink: ScalarSink, onHparams?: HparamsSink): void {
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
    } else r.skip(wire);
  }
  if (summaryStart < 0) return;
  const s = summaryReader.reset(buf, summaryStart, summaryEnd);
  while (!s.done()) {
    const key = s.key();
    if (key === (1 << 3) + WIRE.bytes) {
      const valueEnd = s.bytes();
      hparamsStart = -1;
      decodeValue(buf, s.start, valueEnd, step, wallTime, tags, sink);
      if (hparamsStart >= 0 && onHparams) onHparams(decodeHparamsPluginData(buf, hparamsStart, hparamsEnd));
    } else s.skip(key & 7);
  }
}

function decodeValue(buf: Buffer, start: number, end: number, step: number, wallTime: number, tags: TagTable, sink: ScalarSink): void {
  const r = valueReader.reset(buf, start, end);
  let tagStart = -1;
  let tagEnd = -1;
  let simple = 0;
  let hasSimple = false;
  let declared: PluginDeclaration = PluginDeclaration.None;
  let tensorStart = -1;
  let tensorEnd = -1;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.bytes) {
      tagEnd = r.bytes();
      tagStart = r.start;
    } else if (field === 2 && wire === WIRE.fixed32) {
      simple = r.float();
      hasSimple = true;
    } else if (field === 9 && wire === WIRE.bytes) {
      const metadataEnd = r.bytes();
      declared = pluginDeclaration(buf, r.start, metadataEnd);
    } else if (field === 8 && wire === WIRE.bytes) {
      tensorEnd = r.bytes();
      tensorStart = r.start;
    } else r.skip(wire);
  }
  // The tag becomes text only for values that may be scalars (an image or a histogram never does).
  if (hasSimple) {
    sink(tagStart < 0 ? '' : tags.text(buf, tagStart, tagEnd), step, wallTime, simple);
  } else if (tensorStart >= 0) {
    const tag = tagStart < 0 ? '' : tags.text(buf, tagStart, tagEnd);
    if (!tags.isScalarTensor(tag, declared)) return;
    const value = scalarTensor(buf, tensorStart, tensorEnd);
    if (value !== null) sink(tag, step, wallTime, value);
  }
}

/** SummaryMetadata.plugin_data.plugin_name, compared in place with "scalars" (and "hparams", whose
 * content's place is kept for decodeEvent). */
function pluginDeclaration(buf: Buffer, start: number, end: number): PluginDeclaration {
  const r = nestedReader.reset(buf, start, end);
  let declared: PluginDeclaration = PluginDeclaration.Other; // metadata without a plugin name is no scalar
  while (!r.done()) {
    const key = r.key();
    if (key !== (1 << 3) + WIRE.bytes) {
      r.skip(key & 7);
      continue;
    }
    const pluginDataEnd = r.bytes();
    const p = innerReader.reset(buf, r.start, pluginDataEnd);
    let isHparams = false;
    let contentStart = -1;
    let contentEnd = -1;
    while (!p.done()) {
      const inner = p.key();
      if (inner === (2 << 3) + WIRE.bytes) {
        contentEnd = p.bytes();
        contentStart = p.start;
        continue;
      }
      if (inner !== (1 << 3) + WIRE.bytes) {
        p.skip(inner & 7);
        continue;
      }
      const nameEnd = p.bytes();
      const isScalars = equalBytes(SCALARS_PLUGIN, buf, p.start, nameEnd);
      isHparams = !isScalars && equalBytes(HPARAMS_PLUGIN, buf, p.start, nameEnd);
      declared = isScalars ? PluginDeclaration.Scalars : PluginDeclaration.Other;
    }
    if (isHparams && contentStart >= 0) {
      hparamsStart = contentStart;
      hparamsEnd = contentEnd;
    }
  }
  return declared;
}

/** Whether buf[start, end) holds `name` (a loop: Buffer.compare's native call costs more on a 7-byte name, once per event). */
function equalBytes(name: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

/** The value of a rank-0 DT_FLOAT or DT_DOUBLE TensorProto; null for any other tensor. */
function scalarTensor(buf: Buffer, start: number, end: number): number | null {
  const r = nestedReader.reset(buf, start, end);
  let dtype = 0;
  let rank = 0;
  let contentStart = -1;
  let contentEnd = -1;
  // Repeated float_val / double_val, packed or not: a rank-0 tensor holds one; the first is kept.
  let floatVal: number | null = null;
  let doubleVal: number | null = null;
  while (!r.done()) {
    const key = r.key();
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === WIRE.varint) dtype = r.varint();
    else if (field === 2 && wire === WIRE.bytes) {
      const shapeEnd = r.bytes();
      rank = shapeRank(buf, r.start, shapeEnd);
    } else if (field === 4 && wire === WIRE.bytes) {
      contentEnd = r.bytes();
      contentStart = r.start;
    } else if (field === 5 && wire === WIRE.fixed32) {
      const v = r.float();
      floatVal ??= v;
    } else if (field === 5 && wire === WIRE.bytes) {
      const packedEnd = r.bytes();
      if (floatVal === null && packedEnd - r.start >= 4) floatVal = buf.readFloatLE(r.start);
    } else if (field === 6 && wire === WIRE.fixed64) {
      const v = r.double();
      doubleVal ??= v;
    } else if (field === 6 && wire === WIRE.bytes) {
      const packedEnd = r.bytes();
      if (doubleVal === null && packedEnd - r.start >= 8) doubleVal = buf.readDoubleLE(r.start);
    } else r.skip(wire);
  }
  if (rank !== 0) return null;
  // tensor_content, when present, is the value as raw little-endian bytes of the dtype's width
  // (TensorFlow's make_ndarray reads it before the typed lists).
  const contentLength = contentEnd - contentStart;
  if (dtype === DT_FLOAT) return contentStart >= 0 ? (contentLength === 4 ? buf.readFloatLE(contentStart) : null) : floatVal;
  if (dtype === DT_DOUBLE) return contentStart >= 0 ? (contentLength === 8 ? buf.readDoubleLE(contentStart) : null) : doubleVal;
  return null;
}

/** Number of dims of a TensorShapeProto (dim = 2, repeated). */
function shapeRank(buf: Buffer, start: number, end: number): number {
  const r = innerReader.reset(buf, start, end);
  let dims = 0;
  while (!r.done()) {
    const key = r.key();
    if (key === (2 << 3) + WIRE.bytes) {
      r.bytes();
      dims++;
    } else r.skip(key & 7);
  }
  return dims;
}
