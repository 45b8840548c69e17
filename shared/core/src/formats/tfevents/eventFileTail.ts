// One event file read incrementally: a byte offset, and per call the scalars appended since.
import { readFrom, type Warn } from '../../store/fileTail.js';
import { decodeEvent, type ScalarSink } from './eventDecoder.js';
import type { HparamsSink } from './hparams.js';
import { TagTable } from './tagTable.js';
import { scanEvents, type ScanTarget } from './scanEvents.js';
import { MAX_RECORD_BYTES, readRecords } from './tfrecord.js';

export interface EventFileTailOptions {
  /** Tags shared by the files of one run (TensorBoard keeps a tag's plugin per run). */
  tags?: TagTable;
  /** Bytes read at a time, so memory stays bounded on huge files; a longer record is read whole. */
  sliceBytes?: number;
  maxRecordBytes?: number;
}

const SLICE_BYTES = 64 << 20;

export class EventFileTail {
  private offset = 0;
  private resyncing = false;
  private lastError: string | null = null;
  private readonly tags: TagTable;
  private readonly sliceBytes: number;

  constructor(
    readonly file: string,
    private readonly warn: Warn,
    private readonly options: EventFileTailOptions = {},
  ) {
    this.tags = options.tags ?? new TagTable();
    this.sliceBytes = options.sliceBytes ?? SLICE_BYTES;
  }

  get bytesRead(): number {
    return this.offset;
  }

  /**
   * Reads the records appended since the last call: each scalar goes to `onScalar` when given, else
   * is appended to its tag's columns (TagTable); `onHparams` gets each HParams summary. Never throws.
   */
  async read(onScalar?: ScalarSink, onHparams?: HparamsSink): Promise<void> {
    let want = this.sliceBytes;
    const toColumns: ScalarSink = (tag, step, wallTime, value) => this.tags.columns(tag).push(step, wallTime, value);
    for (;;) {
      const buf = await this.readSlice(want);
      if (!buf || buf.length === 0) return;
      const decode = (start: number, end: number): void => {
        try {
          decodeEvent(buf, start, end, this.tags, onScalar ?? toColumns, onHparams);
        } catch (err) {
          this.warn(`${this.file}: an event that is not valid protobuf was skipped (${(err as Error).message}).`);
        }
      };
      const framing = this.frame(buf, { tags: this.tags, sink: onScalar, decodeOther: decode, maxRecordBytes: this.options.maxRecordBytes ?? MAX_RECORD_BYTES });
      this.offset += framing.consumed;
      this.resyncing = framing.resyncing;
      if (buf.length < want) return; // the end of the file
      const progressed = framing.consumed > 0 || framing.pendingBytes > buf.length;
      if (!progressed) return;
      want = Math.max(this.sliceBytes, framing.pendingBytes);
    }
  }

  /**
   * The fast loop (scanEvents.ts) over the well-formed stretches, and tfrecord.ts for one record (or
   * corrupt stretch) wherever the fast loop stops short of the end.
   */
  private frame(buf: Buffer, target: ScanTarget): { consumed: number; resyncing: boolean; pendingBytes: number } {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    let resyncing = this.resyncing;
    for (;;) {
      if (!resyncing) at = scanEvents(buf, view, at, target);
      if (at + 12 > buf.length) return { consumed: at, resyncing, pendingBytes: 0 };
      const careful = readRecords(buf, target.decodeOther, this.warn, {
        where: this.file,
        baseOffset: this.offset,
        resyncing,
        maxRecordBytes: target.maxRecordBytes,
        from: at,
        until: at + 1,
      });
      if (careful.pendingBytes > 0 || careful.resyncing) return careful;
      at = careful.consumed;
      resyncing = false;
    }
  }

  /** Bytes from the offset on; null when the file is gone or unreadable (said once, retried next call). */
  private async readSlice(maxBytes: number): Promise<Buffer | null> {
    try {
      const buf = await readFrom(this.file, this.offset, maxBytes);
      this.lastError = null;
      return buf;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.warn(`Could not read the event file ${this.file} (${message}); it is retried on the next refresh.`);
      this.lastError = message;
      return null;
    }
  }
}
