// Scalars out of TensorBoard Event protos (field numbers in ANCHORS.md "TensorBoard event files"):
// Summary values with `simple_value`, and rank-0 DT_FLOAT / DT_DOUBLE tensors whose plugin is
// "scalars" (PyTorch's new_style, TF2). Images, histograms, graphs and the rest are skipped.
import { ProtoReader, WIRE } from './protoReader.js';

export type ScalarSink = (tag: string, step: number, wallTime: number, value: number) => void;

const DT_FLOAT = 1;
const DT_DOUBLE = 2;

/** Decodes one Event record; calls `sink` once per scalar it holds. Throws on malformed protobuf. */
export function decodeEvent(buf: Buffer, start: number, end: number, sink: ScalarSink): void {
  const r = new ProtoReader(buf, start, end);
  let wallTime = 0;
  let step = 0;
  let summary: [number, number] | null = null;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE.fixed64) wallTime = r.double();
    else if (field === 2 && wire === WIRE.varint) step = r.varint();
    else if (field === 5 && wire === WIRE.bytes) summary = r.bytes();
    else r.skip(wire);
  }
  if (!summary) return;
  const s = new ProtoReader(buf, summary[0], summary[1]);
  while (!s.done()) {
    const { field, wire } = s.tag();
    if (field === 1 && wire === WIRE.bytes) {
      const [vs, ve] = s.bytes();
      decodeValue(buf, vs, ve, step, wallTime, sink);
    } else s.skip(wire);
  }
}

function decodeValue(buf: Buffer, start: number, end: number, step: number, wallTime: number, sink: ScalarSink): void {
  const r = new ProtoReader(buf, start, end);
  let tag = '';
  let simple: number | null = null;
  let plugin: string | null = null;
  let tensor: [number, number] | null = null;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE.bytes) tag = r.string();
    else if (field === 2 && wire === WIRE.fixed32) simple = r.float();
    else if (field === 9 && wire === WIRE.bytes) plugin = pluginName(buf, ...r.bytes());
    else if (field === 8 && wire === WIRE.bytes) tensor = r.bytes();
    else r.skip(wire);
  }
  if (simple !== null) sink(tag, step, wallTime, simple);
  else if (tensor && plugin === 'scalars') {
    const value = scalarTensor(buf, tensor[0], tensor[1]);
    if (value !== null) sink(tag, step, wallTime, value);
  }
}

/** SummaryMetadata.plugin_data.plugin_name. */
function pluginName(buf: Buffer, start: number, end: number): string | null {
  const r = new ProtoReader(buf, start, end);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE.bytes) {
      const [ps, pe] = r.bytes();
      const p = new ProtoReader(buf, ps, pe);
      while (!p.done()) {
        const t = p.tag();
        if (t.field === 1 && t.wire === WIRE.bytes) return p.string();
        p.skip(t.wire);
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
    const { field, wire } = r.tag();
    if (field === 1 && wire === WIRE.varint) dtype = r.varint();
    else if (field === 2 && wire === WIRE.bytes) rank = shapeRank(buf, ...r.bytes());
    else if (field === 4 && wire === WIRE.bytes) {
      const [cs, ce] = r.bytes();
      if (ce - cs === 4) value = buf.readFloatLE(cs);
      else if (ce - cs === 8) value = buf.readDoubleLE(cs);
    } else if (field === 5 && wire === WIRE.fixed32) value = r.float();
    else if (field === 5 && wire === WIRE.bytes) {
      const [fs, fe] = r.bytes();
      if (fe - fs >= 4) value = buf.readFloatLE(fs);
    } else if (field === 6 && wire === WIRE.fixed64) value = r.double();
    else if (field === 6 && wire === WIRE.bytes) {
      const [ds, de] = r.bytes();
      if (de - ds >= 8) value = buf.readDoubleLE(ds);
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
    const { field, wire } = r.tag();
    if (field === 2 && wire === WIRE.bytes) {
      r.bytes();
      dims++;
    } else r.skip(wire);
  }
  return dims;
}
