// Event files for the TensorBoard benchmarks, written the way PyTorch's SummaryWriter writes them
// (add_scalar: wall_time, step, summary { value { tag, simple_value } }), with TAG_COUNT tags
// interleaved like a training script logging loss, accuracy, learning rate and per-layer norms: a
// reader that handles only a couple of tags fast shows here. Records are framed and checksummed as
// TFRecord (the CRC from Runlane's reader, which tfevents.test.ts checks against the standard).
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { maskedCrc32c } from '../../shared/core/dist/formats/tfevents/index.js';

export function benchTags(count) {
  return ['train/loss', 'train/acc', 'lr', 'val/loss', ...Array.from({ length: Math.max(0, count - 4) }, (_, i) => `grad_norm/layer${i}`)].slice(0, count);
}

// A scalar as TF2's tf.summary.scalar (and Keras's TensorBoard callback) writes it, after the tag:
// 8: tensor { dtype DT_FLOAT, tensor_shape {}, tensor_content: 4 bytes }, 9: metadata { plugin_data {
// plugin_name "scalars" }, data_class DATA_CLASS_SCALAR }.
const TENSOR_HEAD = Buffer.from([0x42, 10, 0x08, 0x01, 0x12, 0x00, 0x22, 0x04]);
const SCALARS_METADATA = Buffer.from([0x4a, 13, 0x0a, 0x09, 0x0a, 0x07, ...Buffer.from('scalars'), 0x20, 0x01]);

/** One framed record holding one add_scalar event (style "tensor": TF2's tensor scalar). */
export function eventRecord(step, wallTime, tag, value, style = 'simple') {
  const tagBytes = Buffer.from(tag);
  const tail = style === 'tensor' ? TENSOR_HEAD.length + 4 + SCALARS_METADATA.length : 5;
  const val = Buffer.alloc(2 + tagBytes.length + tail);
  val[0] = 0x0a;
  val[1] = tagBytes.length;
  tagBytes.copy(val, 2);
  if (style === 'tensor') {
    TENSOR_HEAD.copy(val, 2 + tagBytes.length);
    val.writeFloatLE(value, 2 + tagBytes.length + TENSOR_HEAD.length);
    SCALARS_METADATA.copy(val, 2 + tagBytes.length + TENSOR_HEAD.length + 4);
  } else {
    val[2 + tagBytes.length] = 0x15;
    val.writeFloatLE(value, 3 + tagBytes.length);
  }
  const summary = Buffer.concat([Buffer.from([0x0a, val.length]), val]);
  const stepBytes = [];
  for (let v = step; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      stepBytes.push(v);
      break;
    }
    stepBytes.push((v % 128) | 0x80);
  }
  const head = Buffer.alloc(9);
  head[0] = 0x09;
  head.writeDoubleLE(wallTime, 1);
  const data = Buffer.concat([head, Buffer.from([0x10, ...stepBytes]), Buffer.from([0x2a, summary.length]), summary]);
  const len = Buffer.alloc(12);
  len.writeUInt32LE(data.length, 0);
  len.writeUInt32LE(maskedCrc32c(len, 0, 8), 8);
  const foot = Buffer.alloc(4);
  foot.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([len, data, foot]);
}

/**
 * Writes `events.out.tfevents.1700000000.bench.1.0` into `dir` until it holds `mb` MB; returns
 * its size, the scalar count and the last step (every tag has every step).
 */
export function writeEventFile(dir, mb, tags, style = 'simple') {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(path.join(dir, 'events.out.tfevents.1700000000.bench.1.0'), 'w');
  let bytes = 0;
  let step = 0;
  try {
    while (bytes < mb * 1e6) {
      const batch = [];
      for (let i = 0; i < 20_000 / tags.length && bytes + batch.length * 50 < mb * 1e6; i++, step++) {
        tags.forEach((tag, t) => batch.push(eventRecord(step, 1.7e9 + step * 0.001, tag, Math.exp(-step / 1e6) + t, style)));
      }
      const buf = Buffer.concat(batch);
      writeSync(fd, buf);
      bytes += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, scalars: step * tags.length, lastStep: step - 1 };
}
