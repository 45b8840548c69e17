// Maps a file path inside a store to what it is (docs/store-format.md "Layout"), so a file-change
// notification can be routed to the one run and the one file that changed.
import * as path from 'node:path';
import { isTempFile } from './atomicFile.js';

export type StoreFileKind = 'meta' | 'events' | 'metrics' | 'logs' | 'other';

export interface StorePath {
  runId: string;
  kind: StoreFileKind;
  writer?: string;
  /** The file name within its writer folder (metrics and logs). */
  name?: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** null for paths outside `<store>/runs/<valid run id>/` and for temp files of atomic writes. */
export function parseStorePath(storeDir: string, absPath: string): StorePath | null {
  const rel = path.relative(path.join(storeDir, 'runs'), absPath);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  const [runId, first, second, third] = parts;
  if (!runId || !ID.test(runId) || isTempFile(parts[parts.length - 1] ?? '')) return null;
  if (parts.length === 2 && first === 'meta.json') return { runId, kind: 'meta' };
  if (parts.length === 3 && first === 'events' && second?.endsWith('.jsonl')) {
    const writer = second.slice(0, -'.jsonl'.length);
    if (ID.test(writer)) return { runId, kind: 'events', writer };
  }
  if (parts.length === 4 && (first === 'metrics' || first === 'logs') && second && ID.test(second) && third) {
    return { runId, kind: first, writer: second, name: third };
  }
  return { runId, kind: 'other' };
}
