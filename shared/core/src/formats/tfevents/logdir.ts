// A TensorBoard log directory as Runlane runs: every folder holding event files is a run (as
// TensorBoard sees it), its id the folder's path relative to the log directory; the log directory
// itself, when it holds event files, is named by its folder's name (TensorBoard's "." is no id a URL
// can carry: every URL parser drops a "." path segment, so /runs/./metrics/loss names no run; "."
// is still accepted as another name for it, as `runlane show --logdir DIR .`). Files are followed incrementally, so a growing log directory is live.
// One exception: `add_hparams` (PyTorch, tensorboardX) writes each call into a sub-folder of the
// writer's own, the experiment and the session in it; a run's only such sub-folder is part of it
// (its hparams are the run's params, its metrics the run's), not a run of its own. Several are
// several trials: each stays a run. TensorFlow's trials (a session in each run's folder, the
// experiment in the top folder) stay runs too.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jsonNumber, type MetricSeries, type RunSummary } from '@runlane/protocol';
import { warnToStderr, type Warn } from '../../store/fileTail.js';
import type { PointColumns } from '../../store/metricCodec.js';
import { MetricAccumulator } from '../../store/metricSummary.js';
import { StoreError } from '../../store/names.js';
import { downsample, mergeByStep, sliceStepRange, type SeriesOptions } from '../../store/series.js';
import { ColumnBuffer } from './columnBuffer.js';
import { EventFileTail, type EventFileTailOptions } from './eventFileTail.js';
import type { HparamsData, HparamValue } from './hparams.js';
import { OpenFiles, realDir } from './openFiles.js';
import { readInWorkers, type FileRead, type RunRead } from './readPool.js';
import { TagTable } from './tagTable.js';
import { eventFolders, listLogdir, type LogdirListing } from './walk.js';

/**
 * Event files hold no status. Where writers can be seen (Linux, a local file system: openFiles.ts) a
 * run is running while a process has one of its files open (tensorboardX, TensorFlow), finished once
 * none has, and finished as soon as the process its files' names give as their writer is gone
 * (PyTorch). Otherwise (a named writer still alive, a writer we cannot see, other systems) a run whose
 * newest event file changed this recently is shown as running: a writer that stopped logging for two
 * minutes has most likely finished.
 */
export const RUNNING_WINDOW_S = 120;

/**
 * Below this many bytes of new runs, starting worker threads costs more than it saves: a worker takes
 * tens of ms to start and reads slowly until its code is compiled (about 0.2 s in all, measured here:
 * some 60 MB of reading).
 */
const PARALLEL_MIN_BYTES = 64 << 20;

interface TagSeries {
  points: ColumnBuffer;
  summary: MetricAccumulator;
  /** The number of points before the file being read. */
  readStart: number;
  /** The points in step order, kept while no point is added (a restarted run's steps go back). */
  merged: { length: number; columns: PointColumns } | null;
}

class LogdirRun {
  readonly files = new Map<string, EventFileTail>();
  readonly series = new Map<string, TagSeries>();
  readonly tags = new TagTable((text) => this.tag(text).points);
  firstTime: number | null = null;
  lastTime: number | null = null;
  lastModified = 0;
  /** The HParams session's hparams (add_hparams), null when the run has none. */
  hparams: Record<string, HparamValue> | null = null;
  /** Whether it holds an HParams experiment (add_hparams writes one into its own sub-folder). */
  hparamsExperiment = false;
  /** Each file's real path, as /proc's links name it. */
  readonly realPaths = new Map<string, string>();
  /** Whether a process had one of its files open at the last look; null: not known (use the window). */
  open: boolean | null = null;
  /** Whether the process a file's name gives as its writer (PyTorch) was alive at the last look. */
  writerAlive = false;
  /** lastModified at that look: a run is looked at again only when open or changed. */
  lookedAtModified = -1;
  /** Its files grew while no process we can see held them: judged by the window from then on. */
  unseenWriter = false;

  constructor(readonly id: string) {}

  tag(name: string): TagSeries {
    let data = this.series.get(name);
    if (!data) this.series.set(name, (data = { points: new ColumnBuffer(), summary: new MetricAccumulator(), readStart: 0, merged: null }));
    return data;
  }
}

/** New points of one tag of one run (like LiveRunUpdate.metrics, with the run). */
export interface LogdirPoints {
  runId: string;
  key: string;
  steps: number[];
  times: number[];
  values: number[];
}

export interface LogdirOptions extends Omit<EventFileTailOptions, 'tags'> {
  /** Threads reading many new runs at once (default: os.availableParallelism(); 1: this thread only). */
  workers?: number;
  /** New runs holding fewer bytes than this are read by this thread alone (default 16 MiB). */
  parallelMinBytes?: number;
  /** How open event files are found; null: not at all (the idle window only). Default: /proc where it can tell. */
  openFiles?: OpenFiles | null;
}

export class TensorBoardLogdir {
  readonly dir: string;
  private readonly openFiles: OpenFiles | null;
  private readonly runsById = new Map<string, LogdirRun>();
  /** add_hparams sub-folder run id -> the id of the run it is part of. */
  private foldedInto = new Map<string, string>();
  /** Writers of several add_hparams trials that logged nothing themselves: only their trials are shown. */
  private hiddenHolders = new Set<string>();
  private refreshed = false;
  private missingSaid = false;
  /** The log directory's own run's id, once it has one (kept: a later sub-folder of that name cannot take it). */
  private topId: string | null = null;

  constructor(
    dir: string,
    private readonly warn: Warn = warnToStderr,
    private readonly fileOptions: LogdirOptions = {},
  ) {
    this.dir = path.resolve(dir);
    this.openFiles = fileOptions.openFiles !== undefined ? fileOptions.openFiles : OpenFiles.forDir(this.dir);
  }

  get experiment(): string {
    return path.basename(this.dir) || this.dir;
  }

  /** The id of the log directory's own run (event files directly in it): its folder's name, made
   * unique against a sub-folder of the same name. Same as the DVCLive reader's for its own folder. */
  get selfId(): string {
    return this.topId ?? (path.basename(this.dir) || 'logdir');
  }

  /** An id as asked for ("." names the log directory's own run, as TensorBoard calls it). */
  private resolve(id: string): string {
    return id === '.' ? this.selfId : id;
  }

  /**
   * Finds new runs and files and reads what was appended to each; returns the new points (none on
   * the first call, which reads the past). Never throws: unreadable files and folders are warnings.
   */
  async refresh(listing?: LogdirListing): Promise<LogdirPoints[]> {
    const report = this.refreshed;
    const out: LogdirPoints[] = [];
    const found = await this.discover(listing?.root === this.dir ? listing : await listLogdir(this.dir));
    const read = await this.readNewRunsInWorkers(found);
    for (const [runId, files] of found) {
      let run = this.runsById.get(runId);
      if (!run) this.runsById.set(runId, (run = new LogdirRun(runId)));
      const fromWorkers = read.get(runId);
      run.tags.declare(fromWorkers?.declarations ?? []);
      for (const [i, file] of files.entries()) await this.readFile(run, file, report ? out : null, fromWorkers?.files[i]);
    }
    this.lookForWriters();
    this.groupHparamsFolders();
    for (const p of out) p.runId = this.foldedInto.get(p.runId) ?? p.runId;
    this.refreshed = true;
    return out;
  }

  runIds(): string[] {
    return [...this.runsById.keys()].filter((id) => !this.foldedInto.has(id) && !this.hiddenHolders.has(id)).sort();
  }

  /**
   * Which runs a process still writes. A named writer's process (PyTorch's) is looked at on every
   * refresh while it lives (cheap: one small file). Open files are looked for, in one scan for all,
   * in runs without a live named writer that were never looked at, were open at the last look, or
   * changed since. A finished run costs nothing until it changes.
   */
  private lookForWriters(): void {
    const probe = this.openFiles;
    if (!probe) return;
    const scan: LogdirRun[] = [];
    for (const run of this.runsById.values()) {
      const changed = run.lastModified !== run.lookedAtModified;
      if (run.unseenWriter || (run.open === false && !changed && !run.writerAlive)) continue;
      const wasAlive = run.writerAlive;
      run.writerAlive = [...run.files.keys()].some((file) => probe.writerAlive(file) === true);
      if (run.writerAlive) {
        run.open = false;
        run.lookedAtModified = run.lastModified;
      } else if (wasAlive) {
        run.open = false; // its writer is gone: the last change was its final flush
        run.lookedAtModified = run.lastModified;
      } else scan.push(run);
    }
    if (!scan.length) return;
    const held = probe.anyOpen(scan.map((r) => [...r.realPaths.values()]));
    scan.forEach((run, i) => {
      const open = held[i]!;
      // It grew, yet no process we can see writes it (a writer in another container, say).
      if (!open && run.open === false && run.lastModified !== run.lookedAtModified) run.unseenWriter = true;
      run.open = open;
      run.lookedAtModified = run.lastModified;
    });
  }

  /** A run's event files (its folded add_hparams folders' too), in name order; [] for an unknown run. */
  eventFiles(id: string): string[] {
    return this.members(id).flatMap((run) => [...run.files.keys()]);
  }

  /** A run and the add_hparams sub-folders folded into it (the run first: its tags win). */
  private members(id: string): LogdirRun[] {
    id = this.resolve(id);
    const run = this.runsById.get(id);
    if (!run || this.foldedInto.has(id) || this.hiddenHolders.has(id)) return [];
    return [run, ...[...this.foldedInto].filter(([, into]) => into === id).map(([child]) => this.runsById.get(child)!)];
  }

  /**
   * A run whose folder holds exactly one add_hparams folder (a session and its experiment) takes it
   * in (foldedInto); a writer of several that logged nothing itself is hidden (hiddenHolders).
   */
  private groupHparamsFolders(): void {
    const children = new Map<string, string[]>();
    for (const run of this.runsById.values()) {
      if (run.hparams === null || !run.hparamsExperiment || run.id === this.topId) continue;
      const slash = run.id.lastIndexOf('/');
      const parent = slash < 0 ? this.topId : run.id.slice(0, slash);
      if (parent === null) continue; // a top-level folder with no run above it
      const parentRun = this.runsById.get(parent);
      if (!parentRun || parentRun.hparamsExperiment) continue; // TensorFlow's layout: the experiment above its trials
      children.set(parent, [...(children.get(parent) ?? []), run.id]);
    }
    this.foldedInto = new Map();
    this.hiddenHolders = new Set();
    for (const [parent, ids] of children) {
      if (ids.length === 1) this.foldedInto.set(ids[0]!, parent);
      else if (this.runsById.get(parent)!.series.size === 0) this.hiddenHolders.add(parent); // an empty row above its trials
    }
  }

  runs(now = Date.now() / 1000): RunSummary[] {
    return this.runIds().map((id) => this.summary(id, now)!);
  }

  summary(id: string, now = Date.now() / 1000): RunSummary | null {
    const members = this.members(id);
    if (!members.length) return null;
    id = this.resolve(id);
    const byTag: RunSummary['metrics'] = {};
    const params: Record<string, HparamValue> = {};
    let lastModified = 0;
    let started: number | null = null;
    let last: number | null = null;
    let running = false;
    for (const run of [...members].reverse()) {
      Object.assign(params, run.hparams);
      for (const tag of [...run.series.keys()].sort()) {
        const s = run.series.get(tag)!.summary.summary();
        if (s) byTag[tag] = s;
      }
      lastModified = Math.max(lastModified, run.lastModified);
      // A named writer that lives (a notebook kernel after writer.close(), too) gets the window.
      const windowed = run.open === null || run.unseenWriter || run.writerAlive;
      running ||= run.open === true || (windowed && now - run.lastModified < RUNNING_WINDOW_S);
      if (run.firstTime !== null && (started === null || run.firstTime < started)) started = run.firstTime;
      if (run.lastTime !== null && (last === null || run.lastTime > last)) last = run.lastTime;
    }
    const metrics = Object.fromEntries(Object.keys(byTag).sort().map((tag) => [tag, byTag[tag]!]));
    const ended = running ? null : last;
    return {
      id,
      name: id,
      experiment: this.experiment,
      status: running ? 'running' : 'finished',
      kind: 'tensorboard',
      created_at: started ?? lastModified,
      started_at: started,
      ended_at: ended,
      // One point's time says nothing of how long the run took ("took 0 ms" read as a fact): unknown.
      duration: ended !== null && started !== null && ended > started ? ended - started : null,
      notebook: null,
      cell_id: null,
      execution_count: null,
      params: Object.fromEntries(Object.keys(params).sort().map((k) => [k, params[k]])),
      tags: { logdir: this.dir },
      metrics,
      ranks: [],
      error: null,
      exit_code: null,
    };
  }

  /** One tag of one run, in step order, cut to a step range and downsampled like a store series. */
  readSeries(id: string, tag: string, options: SeriesOptions = {}): MetricSeries {
    // Ids are looked up among the runs found, never joined to a path, so "../x" finds nothing.
    const members = this.members(id);
    if (!members.length) throw new StoreError('not_found', `No run "${id}" in the TensorBoard log directory ${this.dir}.`);
    const data = members.find((run) => run.series.has(tag))?.series.get(tag);
    if (!data) throw new StoreError('not_found', `Run "${id}" of ${this.dir} has no scalar "${tag}".`);
    if (data.merged?.length !== data.points.length) data.merged = { length: data.points.length, columns: mergeByStep([data.points.view()]) };
    const ranged = sliceStepRange(data.merged.columns, options.fromStep, options.toStep);
    const total = ranged.values.length;
    const target = options.points ?? 0;
    const cols = target > 0 && total > target ? downsample(ranged, target) : ranged;
    return {
      run: id,
      key: tag,
      rank: null,
      steps: Array.from(cols.steps),
      times: Array.from(cols.times),
      values: Array.from(cols.values, jsonNumber),
      total,
      downsampled: cols !== ranged,
    };
  }

  private async readFile(run: LogdirRun, file: string, out: LogdirPoints[] | null, fromWorker?: FileRead): Promise<void> {
    let tail = run.files.get(file);
    if (!tail) {
      run.files.set(file, (tail = new EventFileTail(file, this.warn, { ...this.fileOptions, tags: run.tags })));
      run.realPaths.set(file, realDir(file));
    }
    // Each series' length before the read: what lies beyond it afterwards is this file's new points
    // (the reader appends them to the series' columns itself; a series it creates starts at 0).
    for (const data of run.series.values()) data.readStart = data.points.length;
    const onHparams = (data: HparamsData): void => {
      if (data.hparams) run.hparams = { ...run.hparams, ...data.hparams };
      if (data.experiment) run.hparamsExperiment = true;
    };
    if (fromWorker) {
      fromWorker.warnings.forEach((w) => this.warn(w));
      fromWorker.hparams.forEach(onHparams);
      for (const c of fromWorker.columns) run.tag(c.tag).points.append(c.steps, c.times, c.values);
      tail.resume(fromWorker.position);
    } else await tail.read(undefined, onHparams);
    // In tag order, so the feed's order does not depend on which tag a file happened to log first.
    const touched = [...run.series].filter(([, data]) => data.points.length > data.readStart).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [tag, data] of touched) {
      const from = data.readStart;
      const added = data.points.view(from);
      const times = added.times;
      let first = run.firstTime ?? Infinity;
      let last = run.lastTime ?? -Infinity;
      for (let i = 0; i < times.length; i++) {
        const time = times[i]!;
        if (time < first) first = time;
        if (time > last) last = time;
      }
      run.firstTime = first;
      run.lastTime = last;
      // The file path ranks writers for "last": later files (by name) hold later points.
      data.summary.add(file, from, added);
      if (out) out.push({ runId: run.id, key: tag, steps: Array.from(added.steps), times: Array.from(added.times), values: Array.from(added.values) });
    }
    try {
      run.lastModified = Math.max(run.lastModified, (await fs.stat(file)).mtimeMs / 1000);
    } catch {
      // removed meanwhile: its points stay, as TensorBoard keeps them
    }
  }

  /**
   * Runs never read before, read by worker threads when there are several and enough bytes to repay
   * starting the threads (readPool.ts); an empty map when not worth it.
   */
  private async readNewRunsInWorkers(found: Map<string, string[]>): Promise<Map<string, RunRead>> {
    const threads = this.fileOptions.workers ?? os.availableParallelism();
    const fresh = [...found].filter(([id]) => !this.runsById.has(id));
    if (threads < 2 || fresh.length < 2) return new Map();
    const sized = await Promise.all(
      fresh.map(async ([runId, files]) => ({ runId, files, bytes: (await Promise.all(files.map((f) => fs.stat(f).then((s) => s.size, () => 0)))).reduce((a, b) => a + b, 0) })),
    );
    if (sized.reduce((n, r) => n + r.bytes, 0) < (this.fileOptions.parallelMinBytes ?? PARALLEL_MIN_BYTES)) return new Map();
    sized.sort((a, b) => b.bytes - a.bytes); // the biggest first, so that no thread is left with one at the end
    const { sliceBytes, maxRecordBytes } = this.fileOptions; // plain values: they travel to the workers
    return readInWorkers(sized.map(({ runId, files }) => ({ runId, files, sliceBytes, maxRecordBytes })), threads);
  }

  /**
   * run id -> its event files in name order (TensorBoard's order). Symlinked folders are not
   * followed (as TensorBoard's os.walk does not), so every run lies inside the log directory and a
   * link cycle cannot loop; symlinked event files are read.
   */
  private async discover(listing: LogdirListing): Promise<Map<string, string[]>> {
    if (listing.rootError) this.sayMissing(listing.rootError);
    else this.missingSaid = false;
    const found = await eventFolders(listing);
    const top = found.get('');
    if (!top) return found;
    found.delete('');
    if (this.topId === null) {
      const name = path.basename(this.dir) || 'logdir';
      this.topId = found.has(name) || this.runsById.has(name) ? `${name} (top)` : name;
    }
    return new Map([[this.topId, top], ...found]);
  }

  private sayMissing(err: NodeJS.ErrnoException): void {
    if (this.missingSaid) return;
    this.missingSaid = true;
    const why = err.code === 'ENOENT' ? 'does not exist (yet)' : `cannot be read (${err.message})`;
    this.warn(`The TensorBoard log directory ${this.dir} ${why}; it is looked at again on every refresh.`);
  }
}
