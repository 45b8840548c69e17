// The persistent run index (docs/store-format.md "Index"): every settled run's summary with what must
// be stat-ed to know it still holds (runScan.ts), one line per run in <store>/.runlane-index/runs-v3.jsonl.
// A run whose check still matches is taken from the index without opening its files; any other run
// is read from its folder, and the index rewritten. The run folders stay the truth: a missing, stale
// or corrupt index (or line) is rebuilt, costing time, never data. Readers (the daemon, the CLI)
// write it; the Python writers never touch it.
//
// Why this shape (100,000 runs): a run whose writers are gone costs two stats (events/ and metrics/)
// instead of one per file, and a line per run lets an unchanged entry be written back as the same
// text, and a bad line cost its one run.
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import type { MetricSummary, RunSummary } from '@runlane/protocol';
import { isTempFile, writeFileAtomic } from './atomicFile.js';
import type { Warn } from './fileTail.js';
import { LiveRun } from './liveRun.js';
import { checkDirsInWorkers, POOL_MIN_RUNS } from './statPool.js';
import { aliveCache, scanBatch, scanInWorkers, SCAN_POOL_MIN_RUNS } from './scanPool.js';
import { dirsPrint, printOf, SETTLED, writerGone, type IsAlive, type RunCheck, type WriterCheck } from './runScan.js';

export const INDEX_FOLDER = '.runlane-index';
/** Named by its version: readers of version 1 keep their own runs.json (version 2: runs-v2.jsonl), so
 * a store opened by old and new readers by turns is not rebuilt by each in turn. */
export const INDEX_FILE = 'runs-v3.jsonl';
/** Raised whenever what an entry holds or how a check is made changes: older indexes are rebuilt. */
// 3: the summary gained `note`; a version-2 line of a run with a note (written by a reader that
// ignored note events) would hide it, so version-2 indexes are not trusted.
export const INDEX_VERSION = 3;
const HEADER = JSON.stringify({ format: 'runlane-index', version: INDEX_VERSION });
/** Runs still running are read through LiveRun, this many at once. */
const READ_CONCURRENCY = 16;
/** A temp file of an index write older than this was left by a killed process. */
const STALE_TEMP_MS = 60_000;

/** One line of the index: `<id>\t<dirs>\t<writers>\t<summary>` (docs/store-format.md "Index"):
 * `dirs` the prints of events/ and metrics/, `writers` the JSON of the writers that may still write
 * (`[]` for most runs, and then not parsed), `summary` the run's summary as a JSON array of its fields
 * in SUMMARY_FIELDS' order (a third smaller, and faster to parse, than the object). */
export interface IndexEntry {
  line: string;
  check: RunCheck;
}

/** The summary's fields as stored (id is the line's, duration is derived, metrics are flattened). */
const SUMMARY_FIELDS = ['name', 'experiment', 'status', 'kind', 'created_at', 'started_at', 'ended_at', 'notebook', 'cell_id', 'execution_count', 'params', 'tags', 'metrics', 'ranks', 'error', 'exit_code', 'note'] as const;

export function indexFile(storeDir: string): string {
  return path.join(storeDir, INDEX_FOLDER, INDEX_FILE);
}

function entryLine(id: string, check: RunCheck, summaryJson: string): string {
  const writers = check.writers.length === 0 ? '[]' : JSON.stringify(check.writers.map((w) => [w.writer, w.host, w.pid, w.files]));
  return `${id}\t${check.dirs}\t${writers}\t${summaryJson}`;
}

export function encodeSummary(run: RunSummary): string {
  const metrics: (string | number | null)[] = [];
  for (const [key, m] of Object.entries(run.metrics)) metrics.push(key, m.count, m.last, m.min, m.max);
  return JSON.stringify(SUMMARY_FIELDS.map((field) => (field === 'metrics' ? metrics : run[field])));
}

/** Strings most runs share (statuses, kinds, experiments) are held once, not once per run. */
const interned = new Map<string, string>();
function intern(value: string): string {
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size < 10_000) interned.set(value, value);
  return value;
}

/** The summary an encoded line holds, or null when that part of it is not what encodeSummary writes. */
export function decodeSummary(id: string, json: string): RunSummary | null {
  let v: unknown[];
  try {
    v = JSON.parse(json) as unknown[];
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== SUMMARY_FIELDS.length || typeof v[0] !== 'string' || typeof v[1] !== 'string' || typeof v[2] !== 'string' || typeof v[3] !== 'string') return null;
  const flat = v[12] as unknown[];
  if (!Array.isArray(flat) || flat.length % 5 !== 0 || !Array.isArray(v[13]) || typeof v[10] !== 'object' || typeof v[11] !== 'object' || v[10] === null || v[11] === null) return null;
  const metrics: RunSummary['metrics'] = {};
  for (let i = 0; i < flat.length; i += 5) {
    metrics[flat[i] as string] = { count: flat[i + 1], last: flat[i + 2], min: flat[i + 3], max: flat[i + 4] } as MetricSummary;
  }
  const started = v[5] as number | null;
  const ended = v[6] as number | null;
  // The fields in RunSummary's order, as LiveRun makes them, so `ls --json` prints alike either way.
  return {
    id,
    name: v[0],
    experiment: intern(v[1]),
    status: intern(v[2]) as RunSummary['status'],
    kind: intern(v[3]) as RunSummary['kind'],
    created_at: v[4] as number,
    started_at: started,
    ended_at: ended,
    duration: ended !== null && started !== null ? ended - started : null,
    notebook: v[7] as string | null,
    cell_id: v[8] as string | null,
    execution_count: v[9] as number | null,
    params: v[10] as RunSummary['params'],
    tags: v[11] as RunSummary['tags'],
    metrics,
    ranks: v[13] as number[],
    error: v[14] as string | null,
    exit_code: v[15] as number | null,
    ...(typeof v[16] === 'string' ? { note: v[16] } : {}),
  };
}

/** The summary an entry holds, or null when that part of its line is damaged (the run is read again). */
export function entrySummary(entry: IndexEntry): RunSummary | null {
  const line = entry.line;
  return decodeSummary(line.slice(0, line.indexOf('\t')), summaryJsonOf(line));
}

function summaryJsonOf(line: string): string {
  const a = line.indexOf('\t');
  const b = line.indexOf('\t', a + 1);
  return line.slice(line.indexOf('\t', b + 1) + 1);
}

function parseWriters(json: string): WriterCheck[] | null {
  if (json === '[]') return [];
  const value = JSON.parse(json) as unknown;
  if (!Array.isArray(value)) return null;
  const writers: WriterCheck[] = [];
  for (const w of value as unknown[]) {
    if (!Array.isArray(w) || typeof w[0] !== 'string' || !Array.isArray(w[3]) || !w[3].every((f) => typeof f === 'string')) return null;
    writers.push({ writer: w[0], host: typeof w[1] === 'string' ? w[1] : null, pid: typeof w[2] === 'number' ? w[2] : null, files: w[3] });
  }
  return writers;
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
    const c = line.indexOf('\t', b + 1);
    if (a <= 0 || b < 0 || c < 0) continue;
    try {
      const writers = parseWriters(line.slice(b + 1, c));
      if (writers) entries.set(line.slice(0, a), { line, check: { dirs: line.slice(a + 1, b), writers } });
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

/** The folder checks of entries that follow no writer, started in worker threads (statPool.ts);
 * `answer` is null when the workers could not run (the checks are then made on this thread). */
function poolChecks(storeDir: string, runIds: string[], previous: Map<string, IndexEntry>): { slots: Map<string, number>; answer: Promise<Uint8Array | null> } {
  const slots = new Map<string, number>();
  const dirs: string[] = [];
  const prints: string[] = [];
  for (const id of runIds) {
    const entry = previous.get(id);
    if (!entry || entry.check.writers.length > 0) continue;
    slots.set(id, dirs.length);
    dirs.push(`${storeDir}/runs/${id}`);
    prints.push(entry.check.dirs);
  }
  return { slots, answer: checkDirsInWorkers(dirs, prints).catch(() => null) };
}

/**
 * Every run of `runIds` that has a meta.json, in that order: from the index where its check still
 * holds (a LiveRun holding only its summary), read from its folder otherwise (settled runs at once
 * and synchronously, running ones through LiveRun, which the daemon then follows). The index is
 * rewritten when anything in it changed. `checked`, when given, gets the two-folder print of every
 * run whose entry holds and follows no writer: the daemon's edit sweep starts from it (editSweep.ts).
 */
export async function loadIndexedRuns(storeDir: string, runIds: string[], warn: Warn, checked?: Map<string, string>): Promise<LiveRun[]> {
  const previous = readIndex(storeDir);
  const next = new Map<string, IndexEntry>();
  const alive = aliveCache();
  let changed = previous === null;
  const found: (LiveRun | null)[] = new Array<LiveRun | null>(runIds.length).fill(null);
  const live: { at: number; id: string }[] = [];
  const pooled = previous && previous.size >= POOL_MIN_RUNS ? poolChecks(storeDir, runIds, previous) : null;
  // Decoded while the workers stat (a summary whose check then fails is dropped).
  const seeds = previous ? runIds.map((id) => previous.get(id) ?? null).map((e) => e && entrySummary(e)) : [];
  const same = pooled && (await pooled.answer);
  const missed: number[] = [];
  for (let at = 0; at < runIds.length; at++) {
    const id = runIds[at]!;
    const old = previous?.get(id);
    const slot = same ? pooled.slots.get(id) : undefined;
    const held = !old ? 'changed' : slot !== undefined ? (same![slot] === 1 ? 'same' : 'changed') : recheck(`${storeDir}/runs/${id}`, old.check, alive);
    const summary = seeds[at];
    if (old && held !== 'changed' && summary?.id === id && SETTLED.has(summary.status)) {
      const entry = held === 'same' ? old : { line: entryLine(id, held, summaryJsonOf(old.line)), check: held };
      found[at] = LiveRun.fromSummary(storeDir, id, summary, warn);
      next.set(id, entry);
      if (entry.check.writers.length === 0) checked?.set(id, entry.check.dirs);
      if (entry !== old) changed = true;
    } else missed.push(at);
  }
  // Runs the index could not answer for: read from their folders, in worker threads when many.
  const ids = missed.map((at) => runIds[at]!);
  const answers = (ids.length >= SCAN_POOL_MIN_RUNS && (await scanInWorkers(storeDir, ids))) || scanBatch({ storeDir, ids }, alive);
  answers.forEach(({ summary, check, warnings }, i) => {
    const at = missed[i]!;
    const id = runIds[at]!;
    for (const warning of warnings) warn(warning);
    if (!summary) return;
    if (!SETTLED.has(summary.status)) {
      live.push({ at, id });
      return;
    }
    found[at] = LiveRun.fromSummary(storeDir, id, summary, warn);
    if (check) {
      if (check.writers.length === 0) checked?.set(id, check.dirs);
      next.set(id, { line: entryLine(id, check, encodeSummary(summary)), check });
      changed = true;
    }
  });
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
  // A store not made yet gets no index: reading must not make it (only a writer's first run does).
  if (changed && existsSync(storeDir)) await writeIndex(storeDir, next, warn);
  return found.filter((run): run is LiveRun => run !== null);
}
