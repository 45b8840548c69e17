// Binary metric records (docs/store-format.md "Metrics"): an 8-byte header, then 24-byte
// little-endian records of int64 step, float64 wall time, float64 value.

export const METRIC_HEADER = Buffer.from('RLM1\0\0\0\0', 'latin1');
export const HEADER_SIZE = METRIC_HEADER.length;
export const RECORD_SIZE = 24;

/** Columnar points: plain numbers, non-finite values kept as NaN/Infinity. */
export interface PointColumns {
  steps: Float64Array;
  times: Float64Array;
  values: Float64Array;
}

export function hasMetricHeader(buf: Buffer): boolean {
  return buf.length >= HEADER_SIZE && buf.subarray(0, HEADER_SIZE).equals(METRIC_HEADER);
}

export function encodeRecord(step: number, time: number, value: number): Buffer {
  const buf = Buffer.allocUnsafe(RECORD_SIZE);
  buf.writeBigInt64LE(BigInt(step), 0);
  buf.writeDoubleLE(time, 8);
  buf.writeDoubleLE(value, 16);
  return buf;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes the whole records in `buf` (which starts at a record boundary); a torn tail is left out.
 * On little-endian machines the fields are read through typed-array views of the same memory, which
 * is what makes millions of points per second possible; otherwise through a DataView.
 */
export function decodeRecords(buf: Buffer): PointColumns {
  const count = Math.floor(buf.length / RECORD_SIZE);
  const steps = new Float64Array(count);
  const times = new Float64Array(count);
  const values = new Float64Array(count);
  if (count === 0) return { steps, times, values };
  const aligned = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf.subarray(0, count * RECORD_SIZE));
  if (LITTLE_ENDIAN) {
    const f64 = new Float64Array(aligned.buffer, aligned.byteOffset, count * 3);
    const u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, count * 6);
    const i32 = new Int32Array(aligned.buffer, aligned.byteOffset, count * 6);
    for (let i = 0; i < count; i++) {
      // int64 as hi * 2^32 + lo: exact for every step below 2^53.
      steps[i] = i32[6 * i + 1]! * 4294967296 + u32[6 * i]!;
      times[i] = f64[3 * i + 1]!;
      values[i] = f64[3 * i + 2]!;
    }
  } else {
    const view = new DataView(aligned.buffer, aligned.byteOffset, count * RECORD_SIZE);
    for (let i = 0; i < count; i++) {
      const at = i * RECORD_SIZE;
      steps[i] = view.getInt32(at + 4, true) * 4294967296 + view.getUint32(at, true);
      times[i] = view.getFloat64(at + 8, true);
      values[i] = view.getFloat64(at + 16, true);
    }
  }
  return { steps, times, values };
}
