// A minimal protobuf wire-format reader: varints, fixed 32/64-bit and length-delimited fields,
// skipping whatever it does not ask for. The dozen Event/Summary fields Runlane needs do not justify a
// protobuf library (a dependency, and a schema to vendor or generate code from), and reading fields
// in place, with no message objects, is what lets a 200 MB event file parse in about a second.
// Every read is bounded by the end of its message, so malformed input throws instead of reading on.

export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

export class ProtoReader {
  pos: number;

  constructor(
    public buf: Buffer,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  /** Points this reader at another message, so hot loops reuse readers instead of allocating. */
  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field's key: field number * 8 + wire type (kept as one number: this runs per field). */
  key(): number {
    return this.varint();
  }

  /** A varint as a JS number (exact below 2^53; int64 steps are). Negative int64s read as two's complement. */
  varint(): number {
    const first = this.buf[this.pos];
    if (first !== undefined && first < 0x80 && this.pos < this.end) {
      this.pos++;
      return first; // the common one-byte case (field keys, small lengths)
    }
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * shift;
      if (byte < 0x80) return result >= 2 ** 63 ? result - 2 ** 64 : result;
      shift *= 128;
    }
    throw new Error('varint longer than 10 bytes');
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new Error('truncated 64-bit field');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  float(): number {
    if (this.pos + 4 > this.end) throw new Error('truncated 32-bit field');
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Start of the last length-delimited field read by bytes(). */
  start = 0;

  /** Reads a length-delimited field: returns its end, its start is left in `start` (no allocation
   * per field: this runs millions of times per file). */
  bytes(): number {
    const length = this.varint();
    this.start = this.pos;
    this.pos += length;
    if (this.pos > this.end) throw new Error('truncated length-delimited field');
    return this.pos;
  }

  skip(wire: number): void {
    if (wire === WIRE.varint) this.varint();
    else if (wire === WIRE.fixed64) this.pos += 8;
    else if (wire === WIRE.bytes) this.bytes();
    else if (wire === WIRE.fixed32) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new Error('truncated field');
  }
}
