// Incremental readers of append-only files: each remembers how far it has read and returns only what
// was appended since, stopping before a torn tail (a line without its newline, a partial record),
// which is picked up once its writer completes it.
import { promises as fs } from 'node:fs';
import { decodeRecords, hasMetricHeader, HEADER_SIZE, RECORD_SIZE, type PointColumns } from './metricCodec.js';
import type { StoreEventLine } from './runFold.js';

export type Warn = (message: string) => void;

export const warnToStderr: Warn = (message) => process.stderr.write(`runlane: warning: ${message}\n`);

/** Metric files are read in chunks of whole records, so memory stays bounded on huge files. */
const CHUNK_RECORDS = 1 << 19; // 12 MiB of records

/** Reads `length` bytes at `position`, fewer only where the file ends first (reads may come short). */
export async function readExactly(handle: fs.FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** Opens a file for reading; null when it does not exist (any other error is thrown). */
export async function openIfExists(file: string): Promise<fs.FileHandle | null> {
  try {
    return await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Reads bytes [offset, end of file); returns null when the file is gone. */
export async function readFrom(file: string, offset: number, maxBytes = Infinity): Promise<Buffer | null> {
  const handle = await openIfExists(file);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const length = Math.max(0, Math.min(size - offset, maxBytes));
    return await readExactly(handle, length, offset);
  } finally {
    await handle.close();
  }
}

export class EventsTail {
  private offset = 0;
  private lines = 0;

  constructor(
    readonly file: string,
    private readonly warn: Warn = warnToStderr,
  ) {}

  /** New complete lines since the last call, parsed; a corrupt line is skipped with a warning. */
  async read(): Promise<{ line: number; event: StoreEventLine }[]> {
    const buf = await readFrom(this.file, this.offset);
    if (!buf) return [];
    const end = buf.lastIndexOf(0x0a) + 1;
    if (end === 0) return [];
    this.offset += end;
    const out: { line: number; event: StoreEventLine }[] = [];
    for (const text of buf.subarray(0, end - 1).toString('utf8').split('\n')) {
      const line = this.lines++;
      try {
        const event = JSON.parse(text) as unknown;
        if (isEventLine(event)) out.push({ line, event });
        else this.warn(`${this.file}:${line + 1}: an event without "t" and "type" was skipped.`);
      } catch {
        this.warn(`${this.file}:${line + 1}: a line that is not JSON was skipped.`);
      }
    }
    return out;
  }
}

function isEventLine(value: unknown): value is StoreEventLine {
  if (typeof value !== 'object' || value === null) return false;
  const { t, type } = value as { t?: unknown; type?: unknown };
  return typeof t === 'number' && typeof type === 'string';
}

export class MetricsTail {
  private offset = 0;
  private records = 0;
  private invalid = false;

  constructor(
    readonly file: string,
    private readonly warn: Warn = warnToStderr,
  ) {}

  /** Calls `onPoints` with each chunk of new whole records (firstIndex = index within the file). */
  async read(onPoints: (firstIndex: number, points: PointColumns) => void): Promise<number> {
    if (this.invalid) return 0;
    if (this.offset === 0) {
      const head = await readFrom(this.file, 0, HEADER_SIZE);
      if (!head || head.length < HEADER_SIZE) return 0; // still being created
      if (!hasMetricHeader(head)) {
        this.invalid = true;
        this.warn(`${this.file} is not a Runlane metric file (bad header); it was skipped.`);
        return 0;
      }
      this.offset = HEADER_SIZE;
    }
    let added = 0;
    for (;;) {
      const buf = await readFrom(this.file, this.offset, CHUNK_RECORDS * RECORD_SIZE);
      const whole = buf ? buf.length - (buf.length % RECORD_SIZE) : 0;
      if (!buf || whole === 0) return added;
      const points = decodeRecords(buf.subarray(0, whole));
      onPoints(this.records, points);
      this.offset += whole;
      this.records += points.values.length;
      added += points.values.length;
      if (buf.length < CHUNK_RECORDS * RECORD_SIZE) return added;
    }
  }
}
