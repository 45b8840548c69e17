// The persistent run index (docs/store-format.md "Index"): every settled run's summary with the
// fingerprint (sizes and mtimes) of the files it was read from, in <store>/.runlane-index/runs.json.
// A run whose fingerprint is unchanged is taken from the index without opening its files; any other
// run is read from its folder, as before, and the index rewritten. The run folders stay the truth:
// a missing, stale or corrupt index is rebuilt, costing time, never data. Readers (the daemon, the
// CLI) write it; the Python writers never touch it.
import { readdirSync, readFileSync, statSync, unlinkSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { RunSummary } from '@runlane/protocol';
import { isTempFile, writeFileAtomic } from './atomicFile.js';
import type { Warn } from './fileTail.js';
import { LiveRun } from './liveRun.js';

export const INDEX_FOLDER = '.runlane-index';
export const INDEX_FILE = 'runs.json';
/** Raised whenever what an entry holds or how a fingerprint is made changes: older indexes are rebuilt. */
export const INDEX_VERSION = 1;

/** Statuses no writer changes on its own any more; only these runs are taken from the index (a
 * running run's status also depends on whether its process is alive, which no file shows). */
const SETTLED = new Set(['finished', 'failed', 'interrupted', 'cancelled']);
/** Run folders read at once when the index cannot answer (first open, many changed runs). */
const READ_CONCURRENCY = 16;
/** A temp file of an index write older than this was left by a killed process. */
const STALE_TEMP_MS = 60_000;
/** A file changed this recently may change again within its mtime's granularity (a second or two
 * on some filesystems) without its fingerprint showing it: such a run is not indexed yet (as git
 * does with racily clean files), only read again on the next open. */
const RACY_MS = 2_000;

interface IndexEntry {
  /** The files (and folders) the summary was read from, relative to the run's folder, separated by
   * spaces (no store name holds one): one string, not an array, keeps the parsed index small. */
  files: string;
  /** Their sizes and mtimes when it was read (fingerprintOf). */
  fp: string;
  run: RunSummary;
}

interface IndexDocument {
  format: 'runlane-index';
  version: number;
  runs: Record<string, IndexEntry>;
}

export function indexFile(storeDir: string): string {
  return path.join(storeDir, INDEX_FOLDER, INDEX_FILE);
}

/**
 * What a run's summary was read from: meta.json, every events and metric file (sizes and mtimes),
 * and the folders that hold them (mtimes: a file added or removed changes its folder's). Logs,
 * sources and artifacts are not in the summary. Null without meta.json.
 */
export function scanFingerprint(runDir: string): { files: string; fp: string; newest: number } | null {
  if (!statSync(path.join(runDir, 'meta.json'), { throwIfNoEntry: false })) return null;
  // Only the files summaries are folded from: a metric file's own summary beside it (`.rlm.summary`,
  // written by chart reads) is no reason to read the run again.
  const files = ['meta.json', 'events', ...names(path.join(runDir, 'events'), '.jsonl').map((n) => `events/${n}`), 'metrics'];
  for (const writer of names(path.join(runDir, 'metrics'))) {
    files.push(`metrics/${writer}`, ...names(path.join(runDir, 'metrics', writer), '.rlm').map((n) => `metrics/${writer}/${n}`));
  }
  return { files: files.join(' '), ...fingerprintOf(runDir, files.join(' ')) };
}

/** The fingerprint of the files an index entry lists: stats only, no folder is read. */
export function fingerprintOf(runDir: string, files: string): { fp: string; newest: number } {
  let newest = 0;
  const parts = files.split(' ').map((file) => {
    // Concatenated, not path.join()ed: this runs for every file of every run on each open.
    const st = statSync(`${runDir}/${file}`, { throwIfNoEntry: false });
    if (!st) return '-';
    if (st.mtimeMs > newest) newest = st.mtimeMs;
    return st.isDirectory() ? `${st.mtimeMs}` : `${st.size}:${st.mtimeMs}`;
  });
  // Names are left out (the entry's `files` list gives them, in this order): a smaller index to read.
  return { fp: parts.join(' '), newest };
}

function names(dir: string, suffix = ''): string[] {
  try {
    return readdirSync(dir).filter((name) => !isTempFile(name) && name.endsWith(suffix)).sort();
  } catch {
    return [];
  }
}

/** The index's entries, or null when it is missing, of another version, or not what it should be. */
export function readIndex(storeDir: string): Map<string, IndexEntry> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(indexFile(storeDir), 'utf8'));
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null) return null;
  const { format, version, runs } = doc as Partial<IndexDocument>;
  if (format !== 'runlane-index' || version !== INDEX_VERSION || typeof runs !== 'object' || runs === null) return null;
  const entries = new Map<string, IndexEntry>();
  for (const [id, entry] of Object.entries(runs)) {
    if (typeof entry?.fp === 'string' && typeof entry.files === 'string' && typeof entry.run === 'object' && entry.run !== null && entry.run.id === id) entries.set(id, entry);
  }
  return entries;
}

/** Replaces the index atomically: a reader, or a process killed mid-write, sees the old or the new one. */
export async function writeIndex(storeDir: string, entries: Map<string, IndexEntry>, warn: Warn): Promise<void> {
  const folder = path.join(storeDir, INDEX_FOLDER);
  const doc: IndexDocument = { format: 'runlane-index', version: INDEX_VERSION, runs: Object.fromEntries(entries) };
  try {
    mkdirSync(folder, { recursive: true });
    await writeFileAtomic(indexFile(storeDir), JSON.stringify(doc), `${process.pid}-${randomBytes(4).toString('hex')}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    warn(`Runlane could not save its run index in ${folder} (${code}); runs are still listed correctly, only more slowly. Make the store folder writable to speed this up.`);
    return;
  }
  removeStaleTemps(folder);
}

function removeStaleTemps(folder: string): void {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!isTempFile(name)) continue;
    const file = path.join(folder, name);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > STALE_TEMP_MS) {
      try {
        unlinkSync(file);
      } catch {
        // another reader removed it first
      }
    }
  }
}

/**
 * Every run of `runIds` that has a meta.json, in that order: from the index where the run is settled
 * and its files are unchanged (a LiveRun holding only its summary), read from its folder otherwise.
 * The index is rewritten when anything in it changed.
 */
export async function loadIndexedRuns(storeDir: string, runIds: string[], warn: Warn): Promise<LiveRun[]> {
  const previous = readIndex(storeDir);
  const next = new Map<string, IndexEntry>();
  let changed = previous === null;
  const found: (LiveRun | null)[] = new Array<LiveRun | null>(runIds.length).fill(null);
  const toRead: { at: number; id: string }[] = [];
  runIds.forEach((id, at) => {
    const old = previous?.get(id);
    if (old && SETTLED.has(old.run.status) && fingerprintOf(path.join(storeDir, 'runs', id), old.files).fp === old.fp) {
      found[at] = LiveRun.fromSummary(storeDir, id, old.run, warn);
      next.set(id, old);
    } else {
      toRead.push({ at, id });
    }
  });
  let cursor = 0;
  const readNext = async (): Promise<void> => {
    while (cursor < toRead.length) {
      const { at, id } = toRead[cursor++]!;
      // Fingerprinted before the read: a write in between makes the fingerprint older than what was
      // read, so the next open reads the run again rather than trust a summary that missed it.
      const scan = scanFingerprint(path.join(storeDir, 'runs', id));
      const run = new LiveRun(storeDir, id, warn);
      await run.refresh();
      const summary = run.summary();
      if (!summary) continue;
      found[at] = run;
      if (scan && SETTLED.has(summary.status) && scan.newest < Date.now() - RACY_MS) {
        next.set(id, { files: scan.files, fp: scan.fp, run: summary });
        changed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, toRead.length) }, readNext));
  if (previous && !changed) changed = [...previous.keys()].some((id) => !next.has(id));
  if (changed) await writeIndex(storeDir, next, warn);
  return found.filter((run): run is LiveRun => run !== null);
}
