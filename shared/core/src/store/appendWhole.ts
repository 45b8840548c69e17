// Appends that are whole or absent, and what the daemon's writer holds while its store is full.
//
// A write that fails part-way (a full disk, a quota) would leave half a record; the next append
// would then sit behind it and every later record would be misread. Each writer is its file's only
// writer, so the file's size before the write is where the record starts, and a failed write is
// cut back to it. Statuses and the daemon's own log lines are then held (in order, bounded) and
// retried, because a job's final status must not be lost to a disk that is full for a minute.
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { StoreError } from './names.js';

/** The errors that say "the disk takes no more now" (rather than a bug or a missing folder). */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EROFS', 'EIO']);

export function isStoreFull(err: unknown): boolean {
  return err instanceof StoreError ? err.code === 'io' : FULL_CODES.has((err as NodeJS.ErrnoException)?.code ?? '');
}

/** Appends `data` (after `header` when the file is new) whole, or not at all; throws StoreError('io'). */
export function appendWhole(file: string, dir: string, data: Buffer | string, header?: Buffer): void {
  if (!existsSync(file)) mkdirSync(dir, { recursive: true });
  const fd = openSync(file, 'a');
  try {
    const start = fstatSync(fd).size;
    try {
      if (header && start === 0) writeAll(fd, header);
      writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    } catch (err) {
      try {
        ftruncateSync(fd, start);
      } catch {
        // the cut itself failed (a read-only remount): the reader skips a torn tail anyway
      }
      if (!FULL_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
      throw new StoreError('io', `The store cannot be written (${(err as Error).message}); nothing was half-written. Free some space on its disk and try again.`);
    }
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) {
    const n = writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error('nothing was written'), { code: 'EIO' });
    done += n;
  }
}

/** Captured lines held past this are dropped (oldest first) and counted; statuses are never dropped. */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;
const RETRY_MS = 1_000;

interface HeldAppend {
  file: string;
  dir: string;
  data: Buffer | string;
  /** A status: never dropped to keep the bound. */
  keep: boolean;
}

/**
 * Appends in order, holding what a full store refuses and retrying every second (a timer that does
 * not keep the process alive). Once something is held, later appends queue behind it.
 */
export class HeldAppends {
  private readonly held: HeldAppend[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Appends dropped past the bound since the store was last writable. */
  dropped = 0;

  constructor(private readonly warn: (message: string) => void) {}

  get size(): number {
    return this.held.length;
  }

  append(file: string, dir: string, data: Buffer | string, keep: boolean): void {
    if (this.held.length === 0) {
      try {
        appendWhole(file, dir, data);
        return;
      } catch (err) {
        if (!isStoreFull(err)) throw err;
        this.warn(`${(err as Error).message.replace(/ Free some space.*$/, '')} Holding its statuses and log lines in memory until it can (retried every ${RETRY_MS / 1000} s).`);
      }
    }
    this.held.push({ file, dir, data, keep });
    this.bytes += data.length;
    this.trim();
    this.timer ??= setTimeout(() => this.retry(), RETRY_MS).unref();
  }

  /** Writes what is held, in order; returns true when nothing is left. */
  retry(): boolean {
    this.timer = undefined;
    while (this.held.length > 0) {
      const next = this.held[0]!;
      try {
        appendWhole(next.file, next.dir, next.data);
      } catch (err) {
        if (!isStoreFull(err)) this.warn(`A held write to ${next.file} failed: ${(err as Error).message}`);
        else {
          this.timer = setTimeout(() => this.retry(), RETRY_MS).unref();
          return false;
        }
      }
      this.held.shift();
      this.bytes -= next.data.length;
    }
    this.warn(`The store takes writes again: what was held is written${this.dropped ? `; ${this.dropped} log writes were dropped past ${MAX_HELD_BYTES} bytes held` : ''}.`);
    this.dropped = 0;
    return true;
  }

  private trim(): void {
    for (let i = 0; this.bytes > MAX_HELD_BYTES && i < this.held.length; ) {
      if (this.held[i]!.keep) i++;
      else {
        this.bytes -= this.held[i]!.data.length;
        this.held.splice(i, 1);
        this.dropped++;
      }
    }
  }
}
