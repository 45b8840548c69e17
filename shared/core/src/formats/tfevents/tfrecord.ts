// TFRecord framing: uint64 LE length | uint32 LE masked CRC-32C of the 8 length bytes | data |
// uint32 LE masked CRC-32C of data. Every record is verified. A record with a bad data checksum is
// skipped (its header says where the next one starts); after a corrupt header, whose length cannot be
// trusted, reading resumes at the next offset holding a valid header. A torn tail is left unread, so
// an incremental reader resumes once the writer completes it. TensorBoard's own loader stops for good
// at the first corrupt record; skipping it loses only that record.
import { maskedCrc32c } from './crc32c.js';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;
/** Records longer than this are skipped unread (scalar events are tens of bytes; this bounds memory). */
export const MAX_RECORD_BYTES = 256 << 20;

export interface FramingOptions {
  /** Names the file in warnings. */
  where: string;
  /** Offset of buf[0] in the file, for warnings. */
  baseOffset: number;
  /** The previous call ended while looking for a valid header after a corrupt one. */
  resyncing: boolean;
  maxRecordBytes?: number;
  /** Where in buf to start (default 0). */
  from?: number;
  /** Stop before the first record (or corrupt stretch) starting at or after this offset in buf. */
  until?: number;
  /** Hand over records without checking their data's CRC: the caller checks the few it decodes
   * (the media reader passes over scalars unread). Headers are always checked. */
  skipDataCrc?: boolean;
}

export interface FramingResult {
  /**
   * Bytes done with: every whole record, and bytes skipped as corrupt; a torn tail is not consumed.
   * Beyond buf.length when a record too long to read was skipped unread.
   */
  consumed: number;
  /** Still looking for a valid header: pass it to the next call. */
  resyncing: boolean;
  /** Length of the whole record starting at `consumed` when it is torn, else 0. */
  pendingBytes: number;
}

/** Calls `onRecord(start, end)` with the data of each verified record in buf. */
export function readRecords(
  buf: Buffer,
  onRecord: (start: number, end: number) => void,
  warn: (message: string) => void,
  options: FramingOptions,
): FramingResult {
  const { where, baseOffset } = options;
  const maxRecord = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  let resyncing = options.resyncing;
  let at = options.from ?? 0;
  const until = options.until ?? Infinity;
  while (at + HEADER_BYTES <= buf.length && at < until) {
    if (resyncing || !hasValidHeader(buf, at)) {
      if (!resyncing) {
        warn(`${where}: the record header at byte ${baseOffset + at} is corrupt; the bytes up to the next valid record were skipped.`);
        at++;
      }
      const next = findValidHeader(buf, at);
      if (next < 0) {
        // Every offset whose 12 header bytes are here was ruled out; the rest waits for more bytes.
        return { consumed: Math.max(at, buf.length - HEADER_BYTES + 1), resyncing: true, pendingBytes: 0 };
      }
      warn(`${where}: reading resumed at the valid record at byte ${baseOffset + next}.`);
      resyncing = false;
      at = next;
    }
    const length = buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 2 ** 32;
    const whole = HEADER_BYTES + length + FOOTER_BYTES;
    if (length > maxRecord) {
      warn(`${where}: the record at byte ${baseOffset + at} holds ${length} bytes, more than a scalar event could; it was skipped unread.`);
      at += whole;
      continue;
    }
    if (at + whole > buf.length) return { consumed: at, resyncing: false, pendingBytes: whole };
    const dataStart = at + HEADER_BYTES;
    const dataEnd = dataStart + length;
    if (options.skipDataCrc || buf.readUInt32LE(dataEnd) === maskedCrc32c(buf, dataStart, dataEnd)) onRecord(dataStart, dataEnd);
    else warn(`${where}: the record at byte ${baseOffset + at} has a bad checksum; it was skipped.`);
    at += whole;
  }
  return { consumed: at, resyncing, pendingBytes: 0 };
}

function hasValidHeader(buf: Buffer, at: number): boolean {
  return buf.readUInt32LE(at + 8) === maskedCrc32c(buf, at, at + 8);
}

/** The first offset from `from` whose 12 bytes are a header with a matching CRC; -1 if none. */
function findValidHeader(buf: Buffer, from: number): number {
  // A 32-bit CRC over the length makes a false match about one in four billion offsets.
  for (let at = from; at + HEADER_BYTES <= buf.length; at++) if (hasValidHeader(buf, at)) return at;
  return -1;
}
