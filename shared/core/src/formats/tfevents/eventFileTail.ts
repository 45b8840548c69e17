// One event file read incrementally: a byte offset, and per call the scalars appended since.
// Read in slices, each next slice read (by libuv's thread pool, on another core) while this one is
// parsed: copying 200 MB out of the page cache takes about as long as parsing it on a small machine,
// and overlapped it costs nothing. A slice's torn last record is copied in front of the next one
// (into room kept for it), so slices need not end on record boundaries.
import type { FileHandle } from 'node:fs/promises';
import { openIfExists, type Warn } from '../../store/fileTail.js';
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

const SLICE_BYTES = 8 << 20;
/** Room in front of each prefetched slice for the previous slice's unfinished record. */
const CARRY_BYTES = 64 << 10;

/** File bytes [fileOffset, fileOffset + length) at buf[at, at + length). */
interface Slice {
  buf: Buffer;
  at: number;
  length: number;
}

interface Framing {
  consumed: number;
  resyncing: boolean;
  pendingBytes: number;
}

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

  /** Where reading stands: to carry it to another thread, and back with resume(). */
  get position(): { offset: number; resyncing: boolean } {
    return { offset: this.offset, resyncing: this.resyncing };
  }

  /** Continues from where a reader of the same file elsewhere (a worker) stopped. */
  resume(position: { offset: number; resyncing: boolean }): void {
    this.offset = position.offset;
    this.resyncing = position.resyncing;
  }

  /**
   * Reads the records appended since the last call: each scalar goes to `onScalar` when given, else
   * is appended to its tag's columns (TagTable); `onHparams` gets each HParams summary. Never throws:
   * a file it cannot read is said once (and retried on the next call).
   */
  async read(onScalar?: ScalarSink, onHparams?: HparamsSink): Promise<void> {
    let handle: FileHandle | null = null;
    try {
      handle = await openIfExists(this.file);
      if (!handle) return;
      await this.readOpen(handle, onScalar, onHparams);
      this.lastError = null;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) this.warn(`Could not read the event file ${this.file} (${message}); it is retried on the next refresh.`);
      this.lastError = message;
    } finally {
      await handle?.close();
    }
  }

  private async readOpen(handle: FileHandle, onScalar: ScalarSink | undefined, onHparams: HparamsSink | undefined): Promise<void> {
    const size = (await handle.stat()).size; // what is appended meanwhile waits for the next call
    const toColumns: ScalarSink = (tag, step, wallTime, value) => this.tags.columns(tag).push(step, wallTime, value);
    let buf: Buffer = Buffer.alloc(0);
    const target: ScanTarget = {
      tags: this.tags,
      sink: onScalar,
      decodeOther: (start, end) => {
        try {
          decodeEvent(buf, start, end, this.tags, onScalar ?? toColumns, onHparams);
        } catch (err) {
          this.warn(`${this.file}: an event that is not valid protobuf was skipped (${(err as Error).message}).`);
        }
      },
      maxRecordBytes: this.options.maxRecordBytes ?? MAX_RECORD_BYTES,
    };
    let slice: Slice | null = this.offset < size ? await readSlice(handle, this.offset, Math.min(this.sliceBytes, size - this.offset), 0) : null;
    const before = new Map([...this.tags.allColumns()].map((columns) => [columns, columns.length]));
    const startOffset = this.offset;
    let reserved = false;
    while (slice && slice.length > 0) {
      const sliceEnd = this.offset + slice.length; // the file offset just after it
      const prefetch = sliceEnd < size ? readSlice(handle, sliceEnd, Math.min(this.sliceBytes, size - sliceEnd), CARRY_BYTES) : null;
      prefetch?.catch(() => {}); // awaited below, or dropped when this slice ends in an error
      buf = slice.buf.subarray(slice.at, slice.at + slice.length);
      const framing = this.frame(buf, target);
      this.offset += framing.consumed;
      this.resyncing = framing.resyncing;
      if (!prefetch) return;
      if (!reserved) {
        // What the first slice held, scaled to the rest of the file: the columns then grow once
        // instead of doubling (and copying) a dozen times.
        reserved = true;
        const scale = (size - this.offset) / Math.max(1, this.offset - startOffset);
        for (const columns of this.tags.allColumns()) {
          const added = columns.length - (before.get(columns) ?? 0);
          if (added > 0) columns.reserve(columns.length + Math.ceil(added * scale * 1.05));
        }
      }
      const carried = buf.length - framing.consumed; // negative after a record skipped unread
      const next = await prefetch;
      const fits = carried >= 0 && carried <= CARRY_BYTES && framing.pendingBytes <= carried + next.length;
      if (fits) {
        buf.copy(next.buf, CARRY_BYTES - carried, framing.consumed);
        slice = { buf: next.buf, at: CARRY_BYTES - carried, length: carried + next.length };
      } else if (this.offset < size) {
        const want = Math.min(Math.max(this.sliceBytes, framing.pendingBytes), size - this.offset);
        slice = await readSlice(handle, this.offset, want, 0);
      } else return;
    }
  }

  /**
   * The fast loop (scanEvents.ts) over the well-formed stretches, and tfrecord.ts for one record (or
   * corrupt stretch) wherever the fast loop stops short of the end.
   */
  private frame(buf: Buffer, target: ScanTarget): Framing {
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
}

/** `length` bytes of the file from `position`, after `room` bytes left free (fewer where the file is shorter now). */
async function readSlice(handle: FileHandle, position: number, length: number, room: number): Promise<Slice> {
  const buf = Buffer.allocUnsafe(room + length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, room + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return { buf, at: room, length: done };
}
