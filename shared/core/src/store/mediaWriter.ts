// The TypeScript twin of runlane/store/media.py's writer (docs/store-format.md "Media"), for the daemon
// writing what a job's worker sent in-band: the file first (temp name, fsync, rename), then its line.
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { MEDIA_DIR, MEDIA_INDEX } from './media.js';
import { validateMetricKey, validateRunId, validateWriterId } from './names.js';

const EXT_OF_MIME: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'text/plain; charset=utf-8': 'txt' };
const KINDS = new Set(['image', 'text', 'histogram']);

/**
 * Appends one media record (an index line as the Python writer makes it) for `writerId`; `payload`,
 * an image's or long text's bytes, goes to its content-named file first. Throws a sentence for a
 * record that is not one (nothing written).
 */
export function appendMediaRecord(storeDir: string, runId: string, writerId: string, record: Record<string, unknown>, payload?: { bytes: Buffer; mime: string }): void {
  if (typeof record.kind !== 'string' || !KINDS.has(record.kind) || typeof record.key !== 'string' || !Number.isSafeInteger(record.step) || typeof record.t !== 'number') {
    throw new Error('a media record needs kind (image, text or histogram), key, an integer step and t');
  }
  validateMetricKey(record.key);
  const folder = path.join(storeDir, 'runs', validateRunId(runId), MEDIA_DIR, validateWriterId(writerId));
  mkdirSync(folder, { recursive: true });
  const line: Record<string, unknown> = { ...record };
  delete line.file; // a file is named here, from the bytes, never taken from the sender
  if (payload) {
    const ext = EXT_OF_MIME[payload.mime];
    if (!ext) throw new Error(`media of type ${JSON.stringify(payload.mime)} cannot be stored; send PNG, JPEG, GIF, WebP or text`);
    const name = `${createHash('sha256').update(payload.bytes).digest('hex').slice(0, 32)}.${ext}`;
    const target = path.join(folder, name);
    if (!existsSync(target)) {
      const tmp = `${target}.tmp-${writerId}`;
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, payload.bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, target);
    }
    Object.assign(line, { file: name, size: payload.bytes.length, mime: payload.mime });
  }
  appendFileSync(path.join(folder, MEDIA_INDEX), `${JSON.stringify(line)}\n`);
}
