// The persistent run index (docs/store-format.md "Index"): every settled run's summary with what must
// be stat-ed to know it still holds (runScan.ts), one line per run in <store>/.runlane-index/runs-v2.jsonl.
// A run whose check still matches is taken from the index without opening its files; any other run
// is read from its folder, and the index rewritten. The run folders stay the truth: a missing, stale
// or corrupt index (or line) is rebuilt, costing time, never data. Readers (the daemon, the CLI)
// write it; the Python writers never touch it.
//
// Why this shape (100,000 runs): a run whose writers are gone costs two stats (events/ and metrics/)
// instead of one per file, and a line per run lets an unchanged entry be written back as the same
// text, and a bad line cost its one run.
import { readdirSync, readFileSync, statSync, unlinkSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { RunSummary } from '@runlane/protocol';
import { processIsAlive } from '../processAlive.js';
import { isTempFile, writeFileAtomic } from './atomicFile.js';
import type { Warn } from './fileTail.js';
import { LiveRun } from './liveRun.js';
import { dirsPrint, printOf, scanRun, SETTLED, writerGone, type IsAlive, type RunCheck, type WriterCheck } from './runScan.js';

export const INDEX_FOLDER = '.runlane-index';
/** Named by its version: readers of version 1 keep their own runs.json, so a store opened by old
 * and new readers by turns is not rebuilt by each in turn. */
export const INDEX_FILE = 'runs-v2.jsonl';
/** Raised whenever what an entry holds or how a check is made changes: older indexes are rebuilt. */
export const INDEX_VERSION = 2;
const HEADER = JSON.stringify({ format: 'runlane-index', version: INDEX_VERSION });
/** Runs still running are read through LiveRun, this many at once. */
const READ_CONCURRENCY = 16;
/** A temp file of an index write older than this was left by a killed process. */
const STALE_TEMP_MS = 60_000;

/** One line of the index: `<id>\t<check as JSON>\t<summary as JSON>`; the summary is parsed only
 * when the entry is used. */
export interface IndexEntry {
  line: string;
  check: RunCheck;
}

export function indexFile(storeDir: string): string {
  return path.join(storeDir, INDEX_FOLDER, INDEX_FILE);
}

function entryLine(id: string, check: RunCheck, summaryJson: string): string {
  return `${id}\t${JSON.stringify([check.dirs, check.writers.map((w) => [w.writer, w.host, w.pid, w.files])])}\t${summaryJson}`;
}

/** The summary an entry holds (JSON, after the second tab). */
export function entrySummary(entry: IndexEntry): RunSummary {
  return JSON.parse(summaryJsonOf(entry.line)) as RunSummary;
}

/** The entry's summary, or null when that part of its line is not JSON (the run is read again). */
function parsedSummary(entry: IndexEntry): RunSummary | null {
  try {
    const summary = entrySummary(entry);
    return typeof summary === 'object' && summary !== null ? summary : null;
  } catch {
    return null;
  }
}

function summaryJsonOf(line: string): string {
  return line.slice(line.indexOf('\t', line.indexOf('\t') + 1) + 1);
}

function parseCheck(json: string): RunCheck | null {
  const value = JSON.parse(json) as unknown;
  if (!Array.isArray(value) || typeof value[0] !== 'string' || !Array.isArray(value[1])) return null;
  const writers: WriterCheck[] = [];
  for (const w of value[1] as unknown[]) {
    if (!Array.isArray(w) || typeof w[0] !== 'string' || !Array.isArray(w[3]) || !w[3].every((f) => typeof f === 'string')) return null;
    writers.push({ writer: w[0], host: typeof w[1] === 'string' ? w[1] : null, pid: typeof w[2] === 'number' ? w[2] : null, files: w[3] });
  }
  return { dirs: value[0], writers };
}

/** The index's entries, or null when it is missing or of another version; a line that is not what
 * it should be is left out (its run is read from its folder). */
export function readIndex(storeDir: string): Map<string, IndexEntry> | null {
  let text: string;
  try {
    text = readFileSync(indexFile(storeDir), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  if (lines[0] !== HEADER) return null;
  const entries = new Map<string, IndexEntry>();
  // The last piece has no newline after it: a torn write, or the empty string after the last line.
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    const a = line.indexOf('\t');
    const b = line.indexOf('\t', a + 1);
    if (a <= 0 || b < 0) continue;
    try {
      const check = parseCheck(line.slice(a + 1, b));
      if (check) entries.set(line.slice(0, a), { line, check });
    } catch {
      // not JSON: this run is read from its folder
    }
  }
  return entries;
}

/** Replaces the index atomically: a reader, or a process killed mid-write, sees the old or the new one. */
export async function writeIndex(storeDir: string, entries: Map<string, IndexEntry>, warn: Warn): Promise<void> {
  const folder = path.join(storeDir, INDEX_FOLDER);
  const lines = [HEADER];
  for (const entry of entries.values()) lines.push(entry.line);
  try {
    mkdirSync(folder, { recursive: true });
    await writeFileAtomic(indexFile(storeDir), `${lines.join('\n')}\n`, `${process.pid}-${randomBytes(4).toString('hex')}`);
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
 * Whether an entry still holds: 'same', 'changed', or a narrower check when some of its writers
 * are gone now (judged before their files are stat-ed, so what the stat shows is their last word).
 */
export function recheck(runDir: string, check: RunCheck, alive: IsAlive): 'same' | 'changed' | RunCheck {
  if (dirsPrint(runDir) !== check.dirs) return 'changed';
  let kept: WriterCheck[] | null = null;
  for (let i = 0; i < check.writers.length; i++) {
    const w = check.writers[i]!;
    const gone = writerGone(w.host, w.pid, alive);
    for (let f = 0; f < w.files.length; f += 2) {
      if (printOf(`${runDir}/${w.files[f]}`).print !== w.files[f + 1]) return 'changed';
    }
    if (gone) kept ??= check.writers.slice(0, i);
    else kept?.push(w);
  }
  return kept ? { dirs: check.dirs, writers: kept } : 'same';
}

/** processIsAlive, asked once per pid: runs of one kernel share its pid. */
function aliveCache(): IsAlive {
  const known = new Map<number, boolean>();
  return (pid) => {
    let alive = known.get(pid);
    if (alive === undefined) known.set(pid, (alive = processIsAlive(pid)));
    return alive;
  };
}

/**
 * Every run of `runIds` that has a meta.json, in that order: from the index where its check still
 * holds (a LiveRun holding only its summary), read from its folder otherwise (settled runs at once
 * and synchronously, running ones through LiveRun, which the daemon then follows). The index is
 * rewritten when anything in it changed.
 */
export async function loadIndexedRuns(storeDir: string, runIds: string[], warn: Warn): Promise<LiveRun[]> {
  const previous = readIndex(storeDir);
  const next = new Map<string, IndexEntry>();
  const alive = aliveCache();
  let changed = previous === null;
  const found: (LiveRun | null)[] = new Array<LiveRun | null>(runIds.length).fill(null);
  const live: { at: number; id: string }[] = [];
  for (let at = 0; at < runIds.length; at++) {
    const id = runIds[at]!;
    const runDir = `${storeDir}/runs/${id}`;
    const old = previous?.get(id);
    const held = old ? recheck(runDir, old.check, alive) : 'changed';
    if (old && held !== 'changed') {
      const entry = held === 'same' ? old : { line: entryLine(id, held, summaryJsonOf(old.line)), check: held };
      const summary = parsedSummary(entry);
      if (summary?.id === id && SETTLED.has(summary.status)) {
        found[at] = LiveRun.fromSummary(storeDir, id, summary, warn);
        next.set(id, entry);
        if (entry !== old) changed = true;
        continue;
      }
    }
    const { summary, check } = scanRun(runDir, id, warn, alive);
    if (!summary) continue;
    if (!SETTLED.has(summary.status)) {
      live.push({ at, id });
      continue;
    }
    found[at] = LiveRun.fromSummary(storeDir, id, summary, warn);
    if (check) {
      next.set(id, { line: entryLine(id, check, JSON.stringify(summary)), check });
      changed = true;
    }
  }
  let cursor = 0;
  const readNext = async (): Promise<void> => {
    while (cursor < live.length) {
      const { at, id } = live[cursor++]!;
      const run = new LiveRun(storeDir, id, warn);
      await run.refresh();
      if (run.summary()) found[at] = run;
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, live.length) }, readNext));
  if (previous && !changed) changed = previous.size !== next.size;
  if (changed) await writeIndex(storeDir, next, warn);
  return found.filter((run): run is LiveRun => run !== null);
}
