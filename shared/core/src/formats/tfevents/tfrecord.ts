// TFRecord framing: uint64 LE length | uint32 LE masked CRC-32C of the 8 length bytes | data |
// uint32 LE masked CRC-32C of data. Records are verified; a bad one is skipped with a warning and
// a torn tail is left unread, so an incremental reader resumes once the writer completes it.
import { maskedCrc32c } from './crc32c.js';

export interface FramingResult {
  /** Whole, verified records found (given to onRecord as the data's [start, end) in the buffer). */
  records: number;
  /** Bytes consumed: everything up to the last whole record (a torn tail is not consumed). */
  consumed: number;
  /** A record header was corrupt: nothing after it can be framed, so the file is done. */
  corrupt: boolean;
}

const HEADER = 12;
const FOOTER = 4;
/** A length beyond this is a corrupt header, not a record (TensorBoard event records are small). */
const MAX_RECORD = 1 << 30;

export function readRecords(
  buf: Buffer,
  onRecord: (start: number, end: number) => void,
  warn: (message: string) => void,
  where = 'event file',
  baseOffset = 0,
): FramingResult {
  let records = 0;
  let at = 0;
  while (at + HEADER <= buf.length) {
    const lengthLo = buf.readUInt32LE(at);
    const lengthHi = buf.readUInt32LE(at + 4);
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(buf, at, at + 8) || lengthHi !== 0 || lengthLo > MAX_RECORD) {
      // The length itself is corrupt, so where the next record starts is unknown: stop here and
      // say so (TensorBoard's loader stops at such a record too).
      warn(`${where}: the record header at byte ${baseOffset + at} is corrupt; the rest of the file was skipped.`);
      return { records, consumed: at, corrupt: true };
    }
    const end = at + HEADER + lengthLo + FOOTER;
    if (end > buf.length) break; // torn tail: wait for the writer
    const dataStart = at + HEADER;
    const dataEnd = dataStart + lengthLo;
    if (buf.readUInt32LE(dataEnd) === maskedCrc32c(buf, dataStart, dataEnd)) {
      records++;
      onRecord(dataStart, dataEnd);
    }
    else warn(`${where}: the record at byte ${baseOffset + at} has a bad checksum; it was skipped.`);
    at = end;
  }
  return { records, consumed: at, corrupt: false };
}
