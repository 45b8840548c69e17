// A seeded mutator for the fuzz test: each call takes a valid input and applies 1-4 random edits
// (flip a bit, cut, repeat a slice, insert random bytes or an edge case of JSON, numbers and text).
// Seeded (xorshift32), so that a failing case is replayed by its seed and number.

const EDGE_CASES = [
  '', '"', '\\', '{', '}', '[', ']', ',', ':', 'null', 'true', '-1', '0', '1e309', '-1e309', 'NaN', '"NaN"',
  '9007199254740993', '-9223372036854775809', '1.5', '[]', '{}', '"\\u0000"', '"\\ud800"', '\u0000', '\n',
  '\r\n', '\u001bPrunlane/1 ', '\u001b\\', '\u00ff\u00fe', '../', '%2F', '"__proto__"', '{"__proto__":{"x":1}}',
  '"constructor"', 'x'.repeat(70_000), '['.repeat(5_000), '{"a":'.repeat(2_000),
].map((s) => Buffer.from(s, 'latin1'));

export class Mutator {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** A number in [0, n). */
  below(n: number): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return n <= 0 ? 0 : this.state % n;
  }

  mutate(input: Buffer): Buffer {
    let out: Buffer = Buffer.from(input);
    for (let edits = 1 + this.below(4); edits > 0; edits--) out = this.edit(out);
    return out;
  }

  private edit(b: Buffer): Buffer {
    const at = this.below(b.length + 1);
    const len = 1 + this.below(Math.min(64, b.length + 1));
    switch (this.below(7)) {
      case 0: // flip one bit
        if (b.length === 0) return b;
        b[at % b.length]! ^= 1 << this.below(8);
        return b;
      case 1: // cut a slice out
        return Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
      case 2: // truncate (a torn write)
        return b.subarray(0, at);
      case 3: // repeat a slice
        return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
      case 4: {
        // random bytes
        const junk = Buffer.alloc(len);
        for (let i = 0; i < len; i++) junk[i] = this.below(256);
        return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
      }
      case 5: // an edge case inserted
        return Buffer.concat([b.subarray(0, at), EDGE_CASES[this.below(EDGE_CASES.length)]!, b.subarray(at)]);
      default: // an edge case in place of a slice
        return Buffer.concat([b.subarray(0, at), EDGE_CASES[this.below(EDGE_CASES.length)]!, b.subarray(at + len)]);
    }
  }
}
