// One event file read incrementally: a byte offset, and per call the scalars appended since.
import { readFrom, type Warn } from '../../store/fileTail.js';
import { decodeEvent } from './eventDecoder.js';
import { readRecords } from './tfrecord.js';

export interface ScalarPoint {
  tag: string;
  step: number;
  time: number;
  value: number;
}

/** Larger files are read in slices, so memory stays bounded and progress is incremental. */
const SLICE_BYTES = 64 << 20;

export class EventFileTail {
  private offset = 0;
  private corrupt = false;

  constructor(
    readonly file: string,
    private readonly warn: Warn,
  ) {}

  get bytesRead(): number {
    return this.offset;
  }

  /** Calls `onScalar` for every scalar in the records appended since the last call. */
  async read(onScalar: (tag: string, step: number, time: number, value: number) => void): Promise<void> {
    while (!this.corrupt) {
      const buf = await readFrom(this.file, this.offset, SLICE_BYTES);
      if (!buf || buf.length === 0) break;
      const decode = (start: number, end: number) => {
        try {
          decodeEvent(buf, start, end, onScalar);
        } catch (err) {
          this.warn(`${this.file}: an event that is not valid protobuf was skipped (${(err as Error).message}).`);
        }
      };
      const { consumed, corrupt } = readRecords(buf, decode, this.warn, this.file, this.offset);
      this.offset += consumed;
      this.corrupt = corrupt;
      if (consumed === 0 || buf.length < SLICE_BYTES) break;
    }
  }
}
