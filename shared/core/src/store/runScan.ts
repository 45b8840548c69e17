// One run folder read whole and at once, synchronously, for the run index (runIndex.ts): its summary
// (exactly what LiveRun reports: both go through summarize()) and what a later open must stat to know
// that summary still holds (a RunCheck). Synchronous on purpose: a store's first open reads
// thousands of small files, and a promise and a thread-pool round trip per open/stat/read/close cost
// several times the system call itself (10,000 runs: 17 s through LiveRun, about 3 s this way).
//
// What can still change in a settled run, and so what a RunCheck holds (docs/store-format.md "Index"):
// - a new writer (a rename or tag by another process, points from a new process) adds a file to
//   events/ or a folder to metrics/: the mtimes of those two folders;
// - a writer that is still alive may append to its own files or add a metric file: its files' sizes
//   and mtimes and its metrics folder's;
// - a writer that is gone (its hello names this host and no process has its pid) can write nothing
//   more: its files are read after it was seen gone, and never stat-ed again. Writers of other hosts,
//   or without a hello, count as alive.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunSummary } from '@runlane/protocol';
import { isTempFile } from './atomicFile.js';
import type { Warn } from './fileTail.js';
import { summarize } from './liveRun.js';
import { decodeRecords, hasMetricHeader, HEADER_SIZE, RECORD_SIZE } from './metricCodec.js';
import { MetricAccumulator } from './metricSummary.js';
import { decodeKeyFile, writerRank } from './names.js';
import { compareEvents, foldEvents, type OrderedEvent, type StoreEventLine } from './runFold.js';

/** Statuses no writer changes on its own any more: only these runs are indexed (a running run's
 * status also depends on whether its process is alive, which no file shows). */
export const SETTLED = new Set(['finished', 'failed', 'interrupted', 'cancelled', 'pruned']);
/** A file changed this recently may change again within its mtime's granularity (a second or two
 * on some filesystems) without its print showing it: such a run is not indexed yet (as git does
 * with racily clean files), only read again on the next open. */
const RACY_MS = 2_000;
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
export const HOST = hostname();

/** The files of one writer that may still change, with their prints: [path, print, path, print...]. */
export interface WriterCheck {
  writer: string;
  /** From its hello (or meta.json for the creating writer); null when unknown: never judged gone. */
  host: string | null;
  pid: number | null;
  files: string[];
}

export interface RunCheck {
  /** The prints of events/ and metrics/, separated by a space. */
  dirs: string;
  writers: WriterCheck[];
}

export type IsAlive = (pid: number) => boolean;

/** `size:mtimeMs` of a file or folder, `-` when it is missing; and its mtime (0 when missing). */
export function printOf(file: string): { print: string; mtime: number } {
  const st = statSync(file, { throwIfNoEntry: false });
  return st ? { print: `${st.size}:${st.mtimeMs}`, mtime: st.mtimeMs } : { print: '-', mtime: 0 };
}

export function dirsPrint(runDir: string): string {
  return `${printOf(`${runDir}/events`).print} ${printOf(`${runDir}/metrics`).print}`;
}

/** Whether a writer has written its last: it ran on this host and its process is gone. */
export function writerGone(host: string | null, pid: number | null, alive: IsAlive): boolean {
  return host === HOST && pid !== null && !alive(pid);
}

/**
 * Reads a run folder (`runDir` is `<store>/runs/<id>`): its summary (null without a readable
 * meta.json: being created, or skipped with a warning), and a check when the run can be indexed
 * (settled, and nothing of it changed in the last seconds). Prints are taken before what they vouch
 * for is read, so a write in between leaves a check that will not match.
 */
export function scanRun(runDir: string, id: string, warn: Warn, alive: IsAlive): { summary: RunSummary | null; check: RunCheck | null } {
  const dirs = dirsPrint(runDir);
  let newest = Math.max(...dirs.split(' ').map((p) => Number(p.split(':')[1] ?? 0)));
  const meta = readMeta(runDir, warn);
  if (!meta) return { summary: null, check: null };

  const events: OrderedEvent[] = [];
  const eventFiles: { writer: string; rel: string; print: string; length: number }[] = [];
  for (const name of listNames(`${runDir}/events`)) {
    const writer = name.endsWith('.jsonl') ? name.slice(0, -'.jsonl'.length) : '';
    if (!ID.test(writer)) continue;
    const rel = `events/${name}`;
    const before = printOf(`${runDir}/${rel}`);
    const buf = readOrNull(`${runDir}/${rel}`);
    if (!buf) continue;
    newest = Math.max(newest, before.mtime);
    parseEvents(buf, `${runDir}/${rel}`, writer, events, warn);
    eventFiles.push({ writer, rel, print: before.print, length: buf.length });
  }
  events.sort(compareEvents);
  const folded = foldEvents(events);
  const processes = new Map(folded.writers);
  if (typeof meta.writer === 'string' && typeof meta.host === 'string' && typeof meta.pid === 'number' && !processes.has(meta.writer)) {
    processes.set(meta.writer, { host: meta.host, pid: meta.pid });
  }
  // Judged once, before the files below are read: a writer gone now wrote its last before the read.
  const gone = new Set([...processes].filter(([, p]) => writerGone(p.host, p.pid, alive)).map(([w]) => w));
  const checks = new Map<string, WriterCheck>();
  const checkOf = (writer: string): WriterCheck => {
    let check = checks.get(writer);
    if (!check) {
      const p = processes.get(writer);
      checks.set(writer, (check = { writer, host: p?.host ?? null, pid: p?.pid ?? null, files: [] }));
    }
    return check;
  };
  for (const file of eventFiles) {
    // Its events were read before it was seen gone: final only if nothing was appended in between.
    const final = gone.has(file.writer) && statSync(`${runDir}/${file.rel}`, { throwIfNoEntry: false })?.size === file.length;
    if (!final) checkOf(file.writer).files.push(file.rel, file.print);
  }

  const accumulators = new Map<string, MetricAccumulator>();
  const ranks = new Set<number>();
  for (const writer of listNames(`${runDir}/metrics`)) {
    if (!ID.test(writer)) continue;
    const watched = gone.has(writer) ? null : checkOf(writer);
    const folder = `${runDir}/metrics/${writer}`;
    if (watched) {
      const p = printOf(folder);
      watched.files.push(`metrics/${writer}`, p.print);
      newest = Math.max(newest, p.mtime);
    }
    const rank = writerRank(writer);
    for (const name of listNames(folder)) {
      const key = decodeKeyFile(name);
      if (key === null) continue;
      const file = `${folder}/${name}`;
      if (watched) {
        const p = printOf(file);
        watched.files.push(`metrics/${writer}/${name}`, p.print);
        newest = Math.max(newest, p.mtime);
      }
      // As LiveRun: the primary series' summaries, other ranks only counted in `ranks`.
      let acc: MetricAccumulator | null = null;
      if (rank === null || rank === 0) {
        acc = accumulators.get(key) ?? null;
        if (!acc) accumulators.set(key, (acc = new MetricAccumulator()));
      }
      const buf = readOrNull(file);
      if (!buf || buf.length < HEADER_SIZE) continue; // gone, or still being created
      if (!hasMetricHeader(buf)) {
        warn(`${file} is not a Runlane metric file (bad header); it was skipped.`);
        continue;
      }
      const whole = buf.length - HEADER_SIZE - ((buf.length - HEADER_SIZE) % RECORD_SIZE);
      const points = decodeRecords(buf.subarray(HEADER_SIZE, HEADER_SIZE + whole));
      acc?.add(writer, 0, points);
      if (rank !== null && points.values.length > 0) ranks.add(rank);
    }
  }
  const summary = summarize(id, meta, folded, accumulators, ranks);
  if (!SETTLED.has(summary.status) || newest >= Date.now() - RACY_MS) return { summary, check: null };
  return { summary, check: { dirs, writers: [...checks.values()].filter((c) => c.files.length > 0) } };
}

function readMeta(runDir: string, warn: Warn): Record<string, unknown> | null {
  const buf = readOrNull(`${runDir}/meta.json`);
  if (!buf) return null;
  try {
    const meta = JSON.parse(buf.toString('utf8')) as unknown;
    if (typeof meta === 'object' && meta !== null && !Array.isArray(meta)) return meta as Record<string, unknown>;
    warn(`${runDir}/meta.json is not a JSON object; the run was skipped.`);
  } catch {
    warn(`${runDir}/meta.json is not valid JSON; the run was skipped.`);
  }
  return null;
}

/** Complete lines only (a torn last line is a write in progress), as EventsTail reads them. */
function parseEvents(buf: Buffer, file: string, writer: string, into: OrderedEvent[], warn: Warn): void {
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end === 0) return;
  const lines = buf.subarray(0, end - 1).toString('utf8').split('\n');
  for (let line = 0; line < lines.length; line++) {
    try {
      const event = JSON.parse(lines[line]!) as Partial<StoreEventLine> | null;
      if (typeof event === 'object' && event !== null && typeof event.t === 'number' && typeof event.type === 'string') {
        into.push({ writer, line, event: event as StoreEventLine });
      } else warn(`${file}:${line + 1}: an event without "t" and "type" was skipped.`);
    } catch {
      warn(`${file}:${line + 1}: a line that is not JSON was skipped.`);
    }
  }
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => !isTempFile(name)).sort();
  } catch {
    return [];
  }
}
