// The sync journal: what one MLflow server has acknowledged of one local run, kept in the run's
// folder (`sync/<server-hash>.json`, docs/store-format.md "Sync journals"). It is what makes a push
// exactly once: written atomically after every acknowledged request, so a push killed at any point
// resumes from what the server is known to hold, and only the batch that was in flight is uncertain.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunSync } from '@runlane/protocol';
import { writeFileAtomic } from '../store/atomicFile.js';
import { tryLock, type ReleaseLock } from '../runtime/startLock.js';

export const SYNC_FOLDER = 'sync';
export const JOURNAL_VERSION = 1;

export interface SyncJournal {
  format: 'runlane-sync';
  version: number;
  /** The server's URI, without credentials. */
  to: string;
  experiment_id?: string;
  server_run_id?: string;
  /** Per metric file (`<writer>/<file>.rlm`): how many of its records the server acknowledged. */
  files: Record<string, number>;
  /**
   * Record ranges [from, to) sent in a log-batch whose answer was not seen yet. After a crash the
   * server may or may not hold them: the next push asks it (metrics/get-history) before sending.
   */
  inflight: Record<string, [number, number]>;
  /** Params and tags as the server has them (what was acknowledged), so only changes are sent. */
  params: Record<string, string>;
  tags: Record<string, string>;
  /** The last status and end time the server acknowledged. */
  status?: string;
  end_time?: number | null;
  /** Uploaded artifacts: server path -> "size:mtimeMs" of the local file when it was uploaded. */
  artifacts: Record<string, string>;
  state: RunSync['state'];
  message?: string;
  pushed_at?: number;
}

/** The journal's file name for a server: a hash of its URI, so any URI is a safe file name. */
export function journalName(uri: string): string {
  return `${createHash('sha256').update(uri).digest('hex').slice(0, 16)}.json`;
}

export function journalFile(runDir: string, uri: string): string {
  return path.join(runDir, SYNC_FOLDER, journalName(uri));
}

export function emptyJournal(uri: string): SyncJournal {
  return { format: 'runlane-sync', version: JOURNAL_VERSION, to: uri, files: {}, inflight: {}, params: {}, tags: {}, artifacts: {}, state: 'pending' };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The journal of a run for a server, or a fresh one. A journal that cannot be read (another version,
 * not JSON) is started again: a push then finds the server run by its `runlane.run_id` tag and asks
 * the server what it holds, so nothing is sent twice.
 */
export async function readJournal(runDir: string, uri: string): Promise<SyncJournal> {
  let raw: string;
  try {
    raw = await fs.readFile(journalFile(runDir, uri), 'utf8');
  } catch {
    return emptyJournal(uri);
  }
  try {
    const j = JSON.parse(raw) as unknown;
    if (!isRecord(j) || j.format !== 'runlane-sync' || j.version !== JOURNAL_VERSION || j.to !== uri) return emptyJournal(uri);
    if (!isRecord(j.files) || !isRecord(j.inflight) || !isRecord(j.params) || !isRecord(j.tags) || !isRecord(j.artifacts)) return emptyJournal(uri);
    return j as unknown as SyncJournal;
  } catch {
    return emptyJournal(uri);
  }
}

/** Every journal of a run (one per server it was pushed to). */
export async function readJournals(runDir: string): Promise<SyncJournal[]> {
  let names: string[];
  try {
    names = await fs.readdir(path.join(runDir, SYNC_FOLDER));
  } catch {
    return [];
  }
  const out: SyncJournal[] = [];
  for (const name of names) {
    if (!name.endsWith('.json') || name.includes('.tmp-')) continue;
    try {
      const j = JSON.parse(await fs.readFile(path.join(runDir, SYNC_FOLDER, name), 'utf8')) as SyncJournal;
      if (j.format === 'runlane-sync' && typeof j.to === 'string') out.push(j);
    } catch {
      // a journal being replaced is read next time
    }
  }
  return out;
}

/** Replaces the journal atomically (temp file, fsync, rename): a crash leaves the old one or the new one. */
export async function writeJournal(runDir: string, journal: SyncJournal): Promise<void> {
  const file = journalFile(runDir, journal.to);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(journal), `${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** What a run summary carries about this journal. */
export function syncOf(journal: SyncJournal): RunSync {
  const out: RunSync = { to: journal.to, state: journal.state };
  if (journal.message) out.message = journal.message;
  if (journal.pushed_at !== undefined) out.pushed_at = journal.pushed_at;
  if (journal.server_run_id) out.server_run_id = journal.server_run_id;
  return out;
}

/**
 * One pusher per run and server at a time (the CLI and the daemon's auto-sync may both try): a lock
 * file beside the journal holding the pusher's pid, taken over when that process is gone (a push
 * killed with -9). Null while a live process holds it.
 */
export async function lockJournal(runDir: string, uri: string): Promise<ReleaseLock | null> {
  const file = journalFile(runDir, uri).replace(/\.json$/, '.lock');
  await fs.mkdir(path.dirname(file), { recursive: true });
  return tryLock(file, Number.POSITIVE_INFINITY);
}
