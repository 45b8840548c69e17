// The HParams plugin's data (plugin name "hparams"): what `add_hparams` (PyTorch's SummaryWriter,
// tensorboardX) and TensorFlow's hparams API write. Only session_start_info is read: its hparams map
// holds the values a run was started with. Field numbers from TensorBoard's
// tensorboard/plugins/hparams/plugin_data.proto and google/protobuf/struct.proto:
//   HParamsPluginData { int32 version = 1; oneof data { Experiment experiment = 2;
//                       SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; } }
//   SessionStartInfo  { map<string, google.protobuf.Value> hparams = 1; ... }
//   Value             { oneof kind { NullValue null_value = 1; double number_value = 2;
//                       string string_value = 3; bool bool_value = 4; Struct struct_value = 5; ListValue list_value = 6; } }
import { ProtoReader, WIRE } from './protoReader.js';

export type HparamValue = number | string | boolean | null;
/**
 * One HParams summary: a session's hparams, or (hparams null) the experiment's description, which
 * add_hparams writes into its own sub-folder and TensorFlow's hparams_config into the top folder.
 */
export interface HparamsData {
  hparams: Record<string, HparamValue> | null;
  experiment: boolean;
}
export type HparamsSink = (data: HparamsData) => void;

export const HPARAMS_PLUGIN = Buffer.from('hparams');
const utf8 = new TextDecoder();

/** What a serialized HParamsPluginData holds: a session start's hparams, or an experiment. */
export function decodeHparamsPluginData(buf: Buffer, start: number, end: number): HparamsData {
  const r = new ProtoReader(buf, start, end);
  const found: HparamsData = { hparams: null, experiment: false };
  while (!r.done()) {
    const key = r.key();
    if (key === (3 << 3) + WIRE.bytes) {
      const infoEnd = r.bytes();
      found.hparams = sessionStartInfo(buf, r.start, infoEnd);
    } else if (key === (2 << 3) + WIRE.bytes) {
      r.bytes();
      found.experiment = true;
    } else r.skip(key & 7);
  }
  return found;
}

function sessionStartInfo(buf: Buffer, start: number, end: number): Record<string, HparamValue> {
  const r = new ProtoReader(buf, start, end);
  const out: Record<string, HparamValue> = {};
  while (!r.done()) {
    const key = r.key();
    if (key !== (1 << 3) + WIRE.bytes) {
      r.skip(key & 7);
      continue;
    }
    const entryEnd = r.bytes();
    const e = new ProtoReader(buf, r.start, entryEnd);
    let name = '';
    let value: HparamValue | undefined;
    while (!e.done()) {
      const k = e.key();
      if (k === (1 << 3) + WIRE.bytes) {
        const nameEnd = e.bytes();
        name = utf8.decode(buf.subarray(e.start, nameEnd));
      } else if (k === (2 << 3) + WIRE.bytes) {
        const valueEnd = e.bytes();
        value = protobufValue(buf, e.start, valueEnd);
      } else e.skip(k & 7);
    }
    // Structs and lists are not written by add_hparams; they are left out rather than guessed at.
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function protobufValue(buf: Buffer, start: number, end: number): HparamValue | undefined {
  const r = new ProtoReader(buf, start, end);
  let value: HparamValue | undefined;
  while (!r.done()) {
    const key = r.key();
    if (key === (1 << 3) + WIRE.varint) {
      r.varint();
      value = null;
    } else if (key === (2 << 3) + WIRE.fixed64) value = r.double();
    else if (key === (3 << 3) + WIRE.bytes) {
      const textEnd = r.bytes();
      value = utf8.decode(buf.subarray(r.start, textEnd));
    } else if (key === (4 << 3) + WIRE.varint) value = r.varint() !== 0;
    else r.skip(key & 7);
  }
  return value;
}
