// CRC-32C (Castagnoli), slicing-by-8, and TFRecord's masked form. Pure JS: verifying every record
// of a 200 MB event file has to run at hundreds of MB/s (TensorBoard's pure-Python CRC took 24 s
// for 150 MB, tensorboard #4354). Words are read with DataView (one unaligned load each, which
// V8 compiles to a single instruction) from one flat table: measured here, about twice as fast as
// assembling them from single bytes with eight separate tables. Slicing-by-16 measured slower on
// records of about 50 bytes (its 16 KB table and longer tail).

const POLY = 0x82f63b78; // reflected Castagnoli polynomial

/** Table t (0..7) at [t * 256, t * 256 + 256): t0 is the byte-wise table, t(k) = t0 applied k more times. */
const T = (() => {
  const table = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    table[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = table[n]!;
    for (let t = 1; t < 8; t++) {
      c = table[c & 0xff]! ^ (c >>> 8);
      table[t * 256 + n] = c >>> 0;
    }
  }
  return table;
})();

/** CRC-32C of bytes[start, end), where `view` views the same memory as `bytes` (reused across calls by hot loops). */
export function crc32cView(view: DataView, bytes: Uint8Array, start: number, end: number): number {
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const a = crc ^ view.getUint32(i, true);
    const b = view.getUint32(i + 4, true);
    crc =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + (b & 0xff)]! ^
      T[512 + ((b >>> 8) & 0xff)]! ^
      T[256 + ((b >>> 16) & 0xff)]! ^
      T[b >>> 24]!;
  }
  for (; i < end; i++) crc = T[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32cView(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes, start, end);
}

/** TFRecord's mask: rotate right by 15 and add a constant (uint32 arithmetic). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return maskCrc(crc32c(bytes, start, end));
}
