// DVCLive folders as Runlane runs, with the same shape as the TensorBoard reader (TensorBoardLogdir):
// `runlane ... --dvclive DIR` reads DIR as one DVCLive folder (its run id the folder's name), and a log directory
// finds the DVCLive folders inside it (each run's id its folder's path relative to the log directory).
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { jsonNumber, type HistogramSeries, type MediaItem, type MetricSeries, type RunSummary } from '@runlane/protocol';
import { RUNNING_WINDOW_S } from '../tfevents/logdir.js';
import type { LogdirListing } from '../tfevents/walk.js';
import { StoreError } from '../../store/names.js';
import { downsample, mergeByStep, sliceStepRange, type SeriesOptions } from '../../store/series.js';
import { dvcliveHistograms, dvcliveItems, dvcliveMedia, dvcliveMediaBytes, dvcliveMediaKeys } from './dvcliveMedia.js';
import { DvcliveRun, type DvclivePoints } from './dvcliveRun.js';

/** Bounds of the look for DVCLive folders inside a log directory (a home folder must not be walked whole). */
const MAX_DEPTH = 4;
const SKIP = new Set(['node_modules', '.git', '.dvc', '__pycache__', '.venv', 'venv', '.runlane']);

export interface DvcliveDirOptions {
  /** DIR is itself a DVCLive folder: one run, its id DIR's name, even before DVCLive writes into it. */
  root?: boolean;
}

export class DvcliveDir {
  readonly dir: string;
  private readonly runsById = new Map<string, DvcliveRun>();
  /** Runs that restarted (a new `Live()` in their folder) since takeRestarts() was last called. */
  private restarts = new Set<string>();
  private refreshed = false;
  /**
   * The run id of DIR itself when it is the DVCLive folder: its name ("dvclive"), not ".", which no URL
   * can carry (a "." path segment is dropped by every URL parser, so /runs/./media would name no run).
   */
  readonly selfId: string;
  private selfFound: boolean;
  /** Per run, the images the feed has told of (file and mtime), and the run's generation then. */
  private told = new Map<string, { generation: number; seen: Set<string> }>();

  constructor(
    dir: string,
    private readonly options: DvcliveDirOptions = {},
  ) {
    this.dir = path.resolve(dir);
    this.selfId = path.basename(this.dir) || 'dvclive';
    this.selfFound = options.root === true;
  }

  /** What a DVCLive folder holds: its metrics TSVs, params, latest metrics or images (the folder is often named dvclive). */
  static looksLikeDvclive(folder: string, entries: Dirent[]): boolean {
    const names = new Set(entries.map((e) => e.name));
    const hasPlots = entries.some((e) => e.name === 'plots' && e.isDirectory());
    if (path.basename(folder) === 'dvclive') return hasPlots || names.has('metrics.json') || names.has('params.yaml');
    return hasPlots && (names.has('metrics.json') || names.has('params.yaml') || names.has('report.html'));
  }

  /** Finds the folders and reads what changed; returns the new points (none on the first call, which
   * reads the past). `listing`: this poll's look at the log directory, when a reader beside this one
   * (TensorBoard's, MixedLogdir) already walked it: its folders are not read again. */
  async refresh(listing?: LogdirListing): Promise<DvclivePoints[]> {
    const report = this.refreshed;
    const found = this.options.root ? [this.selfId] : await this.discover(listing?.root === this.dir ? listing : undefined);
    const out: DvclivePoints[] = [];
    for (const id of found) {
      let run = this.runsById.get(id);
      if (!run) this.runsById.set(id, (run = new DvcliveRun(id, id === this.selfId && this.selfFound ? this.dir : path.join(this.dir, id))));
      const generation = run.generation;
      const points = await run.refresh();
      if (run.generation !== generation && report) this.restarts.add(id);
      if (report) out.push(...points);
    }
    for (const id of [...this.runsById.keys()]) if (!found.includes(id)) this.runsById.delete(id);
    this.refreshed = true;
    return out;
  }

  /** The runs that restarted since the last call (their old points are gone: a reader starts them afresh). */
  takeRestarts(): string[] {
    const out = [...this.restarts];
    this.restarts.clear();
    return out;
  }

  runIds(): string[] {
    return [...this.runsById.keys()].sort();
  }

  run(id: string): DvcliveRun | undefined {
    return this.runsById.get(id);
  }

  runs(now = Date.now() / 1000): RunSummary[] {
    return this.runIds().map((id) => this.summary(id, now)!);
  }

  summary(id: string, now = Date.now() / 1000): RunSummary | null {
    const run = this.runsById.get(id);
    if (!run) return null;
    // DVCLive leaves no end marker: a folder written to within the window is running (as an event file).
    const running = run.lastModified > 0 && now - run.lastModified < RUNNING_WINDOW_S;
    const { first, last } = run.timeRange();
    const started = first ?? (run.firstModified || run.lastModified || null);
    const ended = running ? null : (last ?? (run.lastModified || null));
    const project = path.basename(path.dirname(run.folder));
    return {
      id,
      // "dvclive" names nothing: the project folder above it does.
      name: run.folder === this.dir ? (path.basename(run.folder) === 'dvclive' ? `${project}/dvclive` : path.basename(run.folder)) : id,
      experiment: run.folder === this.dir ? project : path.basename(this.dir) || this.dir,
      status: running ? 'running' : 'finished',
      kind: 'dvclive',
      created_at: started ?? 0,
      started_at: started,
      ended_at: ended,
      // One point's time says nothing of how long the run took ("took 0 ms" read as a fact): unknown.
      duration: ended !== null && started !== null && ended > started ? ended - started : null,
      notebook: null,
      cell_id: null,
      execution_count: null,
      params: Object.fromEntries(Object.keys(run.params).sort().map((k) => [k, run.params[k]])),
      tags: { dvclive: run.folder },
      metrics: run.metrics(),
      ranks: [],
      error: null,
      exit_code: null,
    };
  }

  readSeries(id: string, key: string, options: SeriesOptions = {}): MetricSeries {
    // Ids are looked up among the runs found, never joined to a path, so "../x" finds nothing.
    const run = this.runsById.get(id);
    if (!run) throw new StoreError('not_found', `No run "${id}" in the DVCLive folder ${this.dir}.`);
    const tail = run.series.get(key);
    if (!tail) {
      const latest = run.latest[key];
      if (latest === undefined) throw new StoreError('not_found', `Run "${id}" of ${this.dir} has no metric "${key}".`);
      // Logged with plot=False: only its latest value is kept (metrics.json).
      return { run: id, key, rank: null, steps: [run.latestStep ?? 0], times: [run.lastModified], values: [jsonNumber(latest)], total: 1, downsampled: false };
    }
    const merged = mergeByStep([{ steps: Float64Array.from(tail.steps), times: Float64Array.from(tail.times), values: Float64Array.from(tail.values) }]);
    const ranged = sliceStepRange(merged, options.fromStep, options.toStep);
    const total = ranged.values.length;
    const target = options.points ?? 0;
    const cols = target > 0 && total > target ? downsample(ranged, target) : ranged;
    return { run: id, key, rank: null, steps: Array.from(cols.steps), times: Array.from(cols.times), values: Array.from(cols.values, jsonNumber), total, downsampled: cols !== ranged };
  }

  // The media API (server/mediaRoutes.ts): DVCLive's images; it logs no texts or histograms.
  media(id: string, key?: string): Promise<MediaItem[]> {
    return dvcliveMedia(this.known(id), key);
  }

  mediaBytes(id: string, ref: string): Promise<{ bytes: Buffer; mime: string } | null> {
    return dvcliveMediaBytes(this.known(id), ref);
  }

  async mediaKeys(id: string): Promise<{ media_keys: string[]; histogram_keys: string[] }> {
    return dvcliveMediaKeys(this.known(id));
  }

  async histograms(id: string, key: string): Promise<HistogramSeries> {
    this.known(id);
    return dvcliveHistograms(id, key);
  }

  /**
   * Images written since the last call, per run (the feed's media events; a log directory is polled).
   * What a run held at the first call, or when it restarted (its readers start afresh), is not news.
   */
  async news(): Promise<{ id: string; items: MediaItem[]; histograms: Map<string, never[]> }[]> {
    const out: { id: string; items: MediaItem[]; histograms: Map<string, never[]> }[] = [];
    for (const [id, run] of this.runsById) {
      const seenId = (i: { file: string; mtime: number }) => `${i.file}\n${i.mtime}`;
      const told = this.told.get(id);
      if (!told || told.generation !== run.generation) {
        this.told.set(id, { generation: run.generation, seen: new Set(run.images.map(seenId)) });
        continue;
      }
      const fresh = run.images.filter((i) => !told.seen.has(seenId(i)));
      if (!fresh.length) continue;
      for (const i of fresh) told.seen.add(seenId(i));
      out.push({ id, items: await dvcliveItems(run, fresh), histograms: new Map() });
    }
    for (const id of this.told.keys()) if (!this.runsById.has(id)) this.told.delete(id);
    return out;
  }

  private known(id: string): DvcliveRun {
    const run = this.runsById.get(id);
    if (!run) throw new StoreError('not_found', `No run "${id}" in the DVCLive folder ${this.dir}.`);
    return run;
  }

  /** Folders inside the log directory (itself included) that DVCLive writes; symlinked folders are not followed. */
  private async discover(listing?: LogdirListing): Promise<string[]> {
    const found: string[] = [];
    this.selfFound = false;
    const walk = async (folder: string, depth: number): Promise<void> => {
      let entries: Dirent[] | undefined;
      try {
        entries = listing ? listing.folders.get(folder) : await fs.readdir(folder, { withFileTypes: true });
      } catch {
        return;
      }
      if (!entries) return; // unreadable when listed
      if (DvcliveDir.looksLikeDvclive(folder, entries)) {
        const rel = path.relative(this.dir, folder).split(path.sep).join('/');
        if (rel === '') this.selfFound = true;
        found.push(rel === '' ? this.selfId : rel);
        return; // its plots/ are its own
      }
      if (depth >= MAX_DEPTH) return;
      for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name)) await walk(path.join(folder, e.name), depth + 1);
    };
    await walk(this.dir, 0);
    return found;
  }
}

/**
 * DVCLive folders under `root` (itself included), breadth-first within the same bounds as the look
 * for them in a log directory, for telling what a folder is (store/folderKind.ts); 0 when none.
 */
export async function countDvcliveFolders(root: string, maxEntries = 5000): Promise<{ count: number; itself: boolean }> {
  let count = 0;
  let seen = 0;
  let itself = false;
  let level = [root];
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const folder of level) {
      let entries: Dirent[];
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch {
        continue;
      }
      seen += entries.length;
      if (DvcliveDir.looksLikeDvclive(folder, entries)) {
        count++;
        itself ||= folder === root;
        continue; // its plots/ are its own
      }
      for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name)) next.push(path.join(folder, e.name));
      if (seen > maxEntries) return { count, itself };
    }
    level = next;
  }
  return { count, itself };
}
