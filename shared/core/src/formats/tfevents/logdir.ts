// A TensorBoard log directory as Runlane runs: every folder holding event files is a run (as
// TensorBoard sees it), its id the folder's path relative to the log directory ("." for the log
// directory itself). Files are followed incrementally, so a growing log directory is live.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { jsonNumber, type MetricSeries, type RunSummary } from '@runlane/protocol';
import { warnToStderr, type Warn } from '../../store/fileTail.js';
import type { PointColumns } from '../../store/metricCodec.js';
import { MetricAccumulator } from '../../store/metricSummary.js';
import { StoreError } from '../../store/names.js';
import { downsample, mergeByStep, sliceStepRange, type SeriesOptions } from '../../store/series.js';
import { ColumnBuffer } from './columnBuffer.js';
import { EventFileTail, type EventFileTailOptions } from './eventFileTail.js';
import { TagTable } from './tagTable.js';

/**
 * A run whose newest event file changed this recently is shown as running: event files hold no
 * status, and a writer that stopped logging for two minutes has most likely finished.
 */
export const RUNNING_WINDOW_S = 120;

interface TagSeries {
  points: ColumnBuffer;
  summary: MetricAccumulator;
  /** Index of the first point added by the file being read; -1 when it added none. */
  readStart: number;
  /** The points in step order, kept while no point is added (a restarted run's steps go back). */
  merged: { length: number; columns: PointColumns } | null;
}

class LogdirRun {
  readonly files = new Map<string, EventFileTail>();
  readonly series = new Map<string, TagSeries>();
  readonly tags = new TagTable();
  firstTime: number | null = null;
  lastTime: number | null = null;
  lastModified = 0;

  constructor(readonly id: string) {}

  tag(name: string): TagSeries {
    let data = this.series.get(name);
    if (!data) this.series.set(name, (data = { points: new ColumnBuffer(), summary: new MetricAccumulator(), readStart: -1, merged: null }));
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

export class TensorBoardLogdir {
  readonly dir: string;
  private readonly runsById = new Map<string, LogdirRun>();
  private refreshed = false;
  private missingSaid = false;

  constructor(
    dir: string,
    private readonly warn: Warn = warnToStderr,
    private readonly fileOptions: Omit<EventFileTailOptions, 'tags'> = {},
  ) {
    this.dir = path.resolve(dir);
  }

  get experiment(): string {
    return path.basename(this.dir) || this.dir;
  }

  /**
   * Finds new runs and files and reads what was appended to each; returns the new points (none on
   * the first call, which reads the past). Never throws: unreadable files and folders are warnings.
   */
  async refresh(): Promise<LogdirPoints[]> {
    const report = this.refreshed;
    const out: LogdirPoints[] = [];
    for (const [runId, files] of await this.discover()) {
      let run = this.runsById.get(runId);
      if (!run) this.runsById.set(runId, (run = new LogdirRun(runId)));
      for (const file of files) await this.readFile(run, file, report ? out : null);
    }
    this.refreshed = true;
    return out;
  }

  runIds(): string[] {
    return [...this.runsById.keys()].sort();
  }

  runs(now = Date.now() / 1000): RunSummary[] {
    return this.runIds().map((id) => this.summary(id, now)!);
  }

  summary(id: string, now = Date.now() / 1000): RunSummary | null {
    const run = this.runsById.get(id);
    if (!run) return null;
    const metrics: RunSummary['metrics'] = {};
    for (const tag of [...run.series.keys()].sort()) {
      const s = run.series.get(tag)!.summary.summary();
      if (s) metrics[tag] = s;
    }
    const running = now - run.lastModified < RUNNING_WINDOW_S;
    const started = run.firstTime;
    const ended = running ? null : run.lastTime;
    return {
      id,
      name: id === '.' ? this.experiment : id,
      experiment: this.experiment,
      status: running ? 'running' : 'finished',
      kind: 'tensorboard',
      created_at: started ?? run.lastModified,
      started_at: started,
      ended_at: ended,
      duration: ended !== null && started !== null ? ended - started : null,
      notebook: null,
      cell_id: null,
      execution_count: null,
      params: {},
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
    const run = this.runsById.get(id);
    if (!run) throw new StoreError('not_found', `No run "${id}" in the TensorBoard log directory ${this.dir}.`);
    const data = run.series.get(tag);
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

  private async readFile(run: LogdirRun, file: string, out: LogdirPoints[] | null): Promise<void> {
    let tail = run.files.get(file);
    if (!tail) run.files.set(file, (tail = new EventFileTail(file, this.warn, { ...this.fileOptions, tags: run.tags })));
    const touched: TagSeries[] = [];
    const touchedTags: string[] = [];
    let lastTag = '';
    let lastData: TagSeries | null = null;
    await tail.read((tag, step, time, value) => {
      // Consecutive events often share a tag: skip the map lookup then (this runs per scalar).
      let data = lastData;
      if (tag !== lastTag || data === null) {
        data = run.tag(tag);
        lastTag = tag;
        lastData = data;
      }
      if (data.readStart < 0) {
        data.readStart = data.points.length;
        touched.push(data);
        touchedTags.push(tag);
      }
      data.points.push(step, time, value);
      if (run.firstTime === null || time < run.firstTime) run.firstTime = time;
      if (run.lastTime === null || time > run.lastTime) run.lastTime = time;
    });
    touched.forEach((data, i) => {
      const from = data.readStart;
      data.readStart = -1;
      const added = data.points.view(from);
      // The file path ranks writers for "last": later files (by name) hold later points.
      data.summary.add(file, from, added);
      if (out) out.push({ runId: run.id, key: touchedTags[i]!, steps: Array.from(added.steps), times: Array.from(added.times), values: Array.from(added.values) });
    });
    try {
      run.lastModified = Math.max(run.lastModified, (await fs.stat(file)).mtimeMs / 1000);
    } catch {
      // removed meanwhile: its points stay, as TensorBoard keeps them
    }
  }

  /**
   * run id -> its event files in name order (TensorBoard's order). Symlinked folders are not
   * followed (as TensorBoard's os.walk does not), so every run lies inside the log directory and a
   * link cycle cannot loop; symlinked event files are read.
   */
  private async discover(): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const walk = async (folder: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch (err) {
        if (folder === this.dir) this.sayMissing(err as NodeJS.ErrnoException);
        return;
      }
      if (folder === this.dir) this.missingSaid = false;
      const events: string[] = [];
      for (const e of entries) {
        if (e.name.includes('tfevents') && (e.isFile() || (e.isSymbolicLink() && (await isFile(path.join(folder, e.name)))))) events.push(e.name);
      }
      if (events.length) {
        const rel = path.relative(this.dir, folder).split(path.sep).join('/');
        found.set(rel === '' ? '.' : rel, events.sort().map((n) => path.join(folder, n)));
      }
      for (const e of entries) if (e.isDirectory()) await walk(path.join(folder, e.name));
    };
    await walk(this.dir);
    return found;
  }

  private sayMissing(err: NodeJS.ErrnoException): void {
    if (this.missingSaid) return;
    this.missingSaid = true;
    const why = err.code === 'ENOENT' ? 'does not exist (yet)' : `cannot be read (${err.message})`;
    this.warn(`The TensorBoard log directory ${this.dir} ${why}; it is looked at again on every refresh.`);
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}
