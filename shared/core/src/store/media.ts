// A run's images, texts and histograms (docs/store-format.md "Media"): media/<writer>/index.jsonl
// beside the files it names. The Python twin is runlane/store/media.py; both pass
// test/fixtures/media-vectors.json. Refs are `<writer>/<line number>`: the bytes are found again by
// re-reading that line, so a ref can never name a path the index did not.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { HistogramSeries, HistogramStep, MediaItem } from '@runlane/protocol';
import { isTempFile } from './atomicFile.js';
import { isPrimaryWriter, validateRunId, writerRank } from './names.js';

export const MEDIA_DIR = 'media';
export const MEDIA_INDEX = 'index.jsonl';
const TEXT_MIME = 'text/plain; charset=utf-8';
const MIME_OF_EXT: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', txt: TEXT_MIME };
const KINDS = new Set(['image', 'text', 'histogram']);
const WRITER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const FILE = /^[A-Za-z0-9_-]+\.(png|jpg|gif|webp|txt)$/;

export interface RunMedia {
  items: MediaItem[];
  /** Per key, in step order: the primary writers' (rank 0 and writers without a rank). */
  histograms: Map<string, HistogramStep[]>;
  /** A job's other workers' (ranks above 0), per rank then key, in step order; absent when none. */
  rankHistograms?: Map<number, Map<string, HistogramStep[]>>;
}

/** One index line, as written. */
interface MediaRecord {
  t: number;
  kind: 'image' | 'text' | 'histogram';
  key: string;
  step: number;
  [field: string]: unknown;
}

const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** The complete, valid lines of one index, with their line numbers; `from` skips lines already seen. */
export function parseMediaIndex(data: Buffer, from = 0): { line: number; record: MediaRecord }[] {
  const out: { line: number; record: MediaRecord }[] = [];
  let start = 0;
  for (let line = 0; ; line++) {
    const end = data.indexOf(0x0a, start);
    if (end < 0) break; // the part after the last newline is still being written
    if (line >= from) {
      const record = parseLine(data.subarray(start, end));
      if (record) out.push({ line, record });
    }
    start = end + 1;
  }
  return out;
}

function parseLine(bytes: Buffer): MediaRecord | null {
  let r: unknown;
  try {
    r = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return null;
  const o = r as Record<string, unknown>;
  if (typeof o.kind !== 'string' || !KINDS.has(o.kind) || typeof o.key !== 'string' || !Number.isSafeInteger(o.step) || !isNumber(o.t)) return null;
  return o as MediaRecord;
}

/** The item a line describes, or null when it describes nothing to show (its file is missing, a bad name). */
async function itemOf(folder: string, writer: string, line: number, r: MediaRecord): Promise<MediaItem | null> {
  const item: MediaItem = {
    key: r.key,
    step: r.step,
    wall_time: r.t,
    kind: r.kind as MediaItem['kind'],
    caption: typeof r.caption === 'string' ? r.caption : null,
    mime: null,
    width: null,
    height: null,
    size: 0,
    ref: `${writer}/${line}`,
  };
  if (typeof r.file === 'string') {
    const m = FILE.exec(r.file);
    if (!m) return null;
    try {
      const stat = await fs.stat(path.join(folder, r.file));
      if (!stat.isFile()) return null;
      item.size = Number.isSafeInteger(r.size) ? (r.size as number) : stat.size;
    } catch {
      return null; // the line outlived its file (deleted by hand): nothing to show
    }
    item.mime = MIME_OF_EXT[m[1]!]!;
  } else if (r.kind === 'text' && typeof r.text === 'string') {
    item.mime = TEXT_MIME;
    item.size = Buffer.byteLength(r.text, 'utf8');
    item.text = r.text;
  } else {
    return null;
  }
  if (r.kind === 'image') {
    item.width = Number.isSafeInteger(r.width) ? (r.width as number) : null;
    item.height = Number.isSafeInteger(r.height) ? (r.height as number) : null;
  }
  return item;
}

export function histogramStepOf(r: MediaRecord): HistogramStep | null {
  const { edges, counts } = r;
  if (!Array.isArray(edges) || !Array.isArray(counts) || edges.length !== counts.length + 1) return null;
  if (!edges.every(isNumber) || !counts.every(isNumber)) return null;
  return {
    step: r.step,
    wall_time: r.t,
    edges,
    counts,
    count: isNumber(r.count) ? r.count : counts.reduce((a, b) => a + b, 0),
    min: isNumber(r.min) ? r.min : null,
    max: isNumber(r.max) ? r.max : null,
    sum: isNumber(r.sum) ? r.sum : 0,
  };
}

async function listWriters(runDir: string): Promise<string[]> {
  try {
    return (await fs.readdir(path.join(runDir, MEDIA_DIR))).filter((w) => WRITER.test(w) && !isTempFile(w)).sort();
  } catch {
    return [];
  }
}

async function readIndex(folder: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path.join(folder, MEDIA_INDEX));
  } catch {
    return null;
  }
}

/** What one writer's new lines add: items and histogram steps (used by the reader and the live tail). */
export async function mediaOfLines(folder: string, writer: string, lines: { line: number; record: MediaRecord }[]): Promise<RunMedia> {
  const items: MediaItem[] = [];
  const histograms = new Map<string, HistogramStep[]>();
  // A run's histograms are its primary writers' (rank 0 or no rank), as its metric summaries are; a
  // job's other workers' are kept apart per rank (GET .../histograms/KEY?rank=N).
  const rank = isPrimaryWriter(writer) ? null : writerRank(writer)!;
  const byRank = rank === null ? null : new Map<string, HistogramStep[]>();
  for (const { line, record } of lines) {
    if (record.kind === 'histogram') {
      const step = histogramStepOf(record);
      if (!step) continue;
      const into = byRank ?? histograms;
      const list = into.get(record.key) ?? [];
      list.push(step);
      into.set(record.key, list);
    } else {
      const item = await itemOf(folder, writer, line, record);
      if (item) items.push(item);
    }
  }
  return { items, histograms, ...(byRank?.size ? { rankHistograms: new Map([[rank!, byRank]]) } : {}) };
}

/** `from`'s histograms added into `into`'s (both per key), steps appended. */
function addHistograms(into: Map<string, HistogramStep[]>, from: Map<string, HistogramStep[]>): void {
  for (const [key, steps] of from) into.set(key, [...(into.get(key) ?? []), ...steps]);
}

const byKeyName = <T>(map: Map<string, T>): Map<string, T> => new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Recently read runs' media, by the sizes of their indexes: a run's details ask for its keys on
 * every open, and an index only grows, so unchanged sizes mean an unchanged answer. */
const recent = new Map<string, { sizes: string; media: RunMedia }>();
const RECENT_RUNS = 64;

/** Every image, text and histogram of the run in `runDir`, in key, step, writer, line order (the
 * answer is shared with later callers: do not change it). */
export async function readRunMedia(runDir: string): Promise<RunMedia> {
  const writers = await listWriters(runDir);
  const sizes = (await Promise.all(writers.map((w) => fs.stat(path.join(runDir, MEDIA_DIR, w, MEDIA_INDEX)).then((st) => `${w}:${st.size}`, () => '')))).join(',');
  const hit = recent.get(runDir);
  if (hit && hit.sizes === sizes) return hit.media;
  const media = await readRunMediaNow(runDir, writers);
  recent.delete(runDir);
  recent.set(runDir, { sizes, media });
  if (recent.size > RECENT_RUNS) recent.delete(recent.keys().next().value!);
  return media;
}

async function readRunMediaNow(runDir: string, writers: string[]): Promise<RunMedia> {
  const items: MediaItem[] = [];
  const histograms = new Map<string, HistogramStep[]>();
  const ranks = new Map<number, Map<string, HistogramStep[]>>();
  for (const writer of writers) {
    const folder = path.join(runDir, MEDIA_DIR, writer);
    const data = await readIndex(folder);
    if (!data) continue;
    const got = await mediaOfLines(folder, writer, parseMediaIndex(data));
    items.push(...got.items);
    addHistograms(histograms, got.histograms);
    for (const [rank, byKey] of got.rankHistograms ?? []) {
      if (!ranks.has(rank)) ranks.set(rank, new Map());
      addHistograms(ranks.get(rank)!, byKey);
    }
  }
  // Stable sorts: within one step, writer order then line order, as listed above.
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step));
  for (const map of [histograms, ...ranks.values()]) for (const steps of map.values()) steps.sort((a, b) => a.step - b.step);
  const rankHistograms = new Map([...ranks].sort(([a], [b]) => a - b).map(([rank, byKey]) => [rank, byKeyName(byKey)] as const));
  return { items, histograms: byKeyName(histograms), ...(rankHistograms.size ? { rankHistograms } : {}) };
}

/** One rank's histograms of a run (undefined or 0: the primary writers'). */
export function histogramsOfRank(media: RunMedia, rank?: number): Map<string, HistogramStep[]> {
  return !rank ? media.histograms : (media.rankHistograms?.get(rank) ?? new Map<string, HistogramStep[]>());
}

/** The bytes and type of the item `ref` names; null when the ref names nothing (a 404). */
export async function readMediaBytes(runDir: string, ref: string): Promise<{ bytes: Buffer; mime: string } | null> {
  const m = /^([^/]+)\/(0|[1-9][0-9]{0,8})$/.exec(ref);
  if (!m || !WRITER.test(m[1]!)) return null;
  const writer = m[1]!;
  const folder = path.join(runDir, MEDIA_DIR, writer);
  const data = await readIndex(folder);
  if (!data) return null;
  const line = Number(m[2]);
  const [hit] = parseMediaIndex(data, line).filter((l) => l.line === line);
  if (!hit || hit.record.kind === 'histogram') return null;
  const item = await itemOf(folder, writer, line, hit.record);
  if (!item) return null;
  if (item.text !== undefined) return { bytes: Buffer.from(item.text, 'utf8'), mime: item.mime! };
  return { bytes: await fs.readFile(path.join(folder, hit.record.file as string)), mime: item.mime! };
}

/** What RunDetail says of a run's media: its keys, and the ranks with histograms when a job's
 * workers above rank 0 logged some (histogram_keys then names every rank's keys). */
export interface MediaKeys {
  media_keys: string[];
  histogram_keys: string[];
  histogram_ranks?: number[];
}

/** Keys of a run's media and histograms (RunDetail's media_keys and histogram_keys), sorted. */
export async function runMediaKeys(runDir: string): Promise<MediaKeys> {
  const { items, histograms, rankHistograms } = await readRunMedia(runDir);
  const media_keys = [...new Set(items.map((i) => i.key))].sort();
  if (!rankHistograms) return { media_keys, histogram_keys: [...histograms.keys()] };
  const keys = new Set([...histograms.keys(), ...[...rankHistograms.values()].flatMap((m) => [...m.keys()])]);
  // Rank 0 is always offered: it is the cards' default, even when only other ranks logged this key.
  return { media_keys, histogram_keys: [...keys].sort(), histogram_ranks: [0, ...rankHistograms.keys()] };
}

/** Follows a run's media indexes for the live feed: what each changed index adds since the last read. */
export class MediaTail {
  /** Per index file: complete lines already reported. */
  private readonly seen = new Map<string, number>();

  /** `since` (Unix seconds): lines logged before it were never news (an index first read after a
   * daemon start, with a run's past in it); later ones are, even when first seen late. */
  constructor(private readonly since = 0) {}

  /** The new items and histogram steps of `indexFile` (media/<writer>/index.jsonl) since the last call. */
  async read(indexFile: string): Promise<RunMedia> {
    const folder = path.dirname(indexFile);
    const data = await readIndex(folder);
    if (!data) return { items: [], histograms: new Map() };
    const known = this.seen.get(indexFile);
    let lines = 0;
    for (let i = data.indexOf(0x0a); i >= 0; i = data.indexOf(0x0a, i + 1)) lines++;
    this.seen.set(indexFile, lines);
    const fresh = parseMediaIndex(data, known ?? 0).filter((l) => known !== undefined || l.record.t >= this.since);
    return mediaOfLines(folder, path.basename(folder), fresh);
  }

  /** Marks what is there now as seen (a run followed from now on reports only what comes next). */
  async skip(indexFile: string): Promise<void> {
    await this.read(indexFile);
  }
}

/** The media indexes of the run in `runDir` (media/<writer>/index.jsonl; some may not exist yet). */
export async function mediaIndexFiles(runDir: string): Promise<string[]> {
  return (await listWriters(runDir)).map((w) => path.join(runDir, MEDIA_DIR, w, MEDIA_INDEX));
}

/** Whether `file` is a media index inside `<store>/runs/<id>/media/<writer>/`. */
export function isMediaIndex(file: string): boolean {
  return path.basename(file) === MEDIA_INDEX && path.basename(path.dirname(path.dirname(file))) === MEDIA_DIR;
}

/** What a run source offers about media (the store, a log directory); the API and the CLI read it. */
export interface MediaSource {
  media(id: string, key?: string): Promise<MediaItem[]>;
  /** null when the ref names nothing in that run. */
  mediaBytes(id: string, ref: string): Promise<{ bytes: Buffer; mime: string } | null>;
  /** `rank`: a job worker's (above 0); absent or 0: the primary writers'. */
  histograms(id: string, key: string, rank?: number): Promise<HistogramSeries>;
  mediaKeys(id: string): Promise<MediaKeys>;
  /** For sources polled rather than watched (log directories): what arrived since the last call, per
   * run that a client has asked about (the feed's media and histograms events). */
  news?(): Promise<{ id: string; items: MediaItem[]; histograms: Map<string, HistogramStep[]> }[]>;
}

/** The embedded store's media: read from the run's folder on each request (the indexes are small). */
export function storeMediaSource(storeDir: string): MediaSource {
  const runDir = (id: string) => path.join(storeDir, 'runs', validateRunId(id));
  return {
    media: async (id, key) => (await readRunMedia(runDir(id))).items.filter((i) => key === undefined || i.key === key),
    mediaBytes: (id, ref) => readMediaBytes(runDir(id), ref),
    histograms: async (id, key, rank) => ({ run: id, key, steps: histogramsOfRank(await readRunMedia(runDir(id)), rank).get(key) ?? [] }),
    mediaKeys: (id) => runMediaKeys(runDir(id)),
  };
}
