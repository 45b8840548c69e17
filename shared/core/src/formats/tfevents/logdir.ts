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
import { EventFileTail } from './eventFileTail.js';

/** A run whose newest event file changed this recently is shown as running. */
export const RUNNING_WINDOW_S = 120;

class GrowableColumns {
  length = 0;
  steps = new Float64Array(64);
  times = new Float64Array(64);
  values = new Float64Array(64);

  push(step: number, time: number, value: number): void {
    if (this.length === this.steps.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.steps = grow(this.steps);
      this.times = grow(this.times);
      this.values = grow(this.values);
    }
    this.steps[this.length] = step;
    this.times[this.length] = time;
    this.values[this.length] = value;
    this.length++;
  }

  view(from = 0): PointColumns {
    return { steps: this.steps.subarray(from, this.length), times: this.times.subarray(from, this.length), values: this.values.subarray(from, this.length) };
  }
}

interface TagData {
  points: GrowableColumns;
  summary: MetricAccumulator;
  /** Index of the first point of the read in progress; -1 when the read added none. */
  readStart: number;
}

class LogdirRun {
  readonly files = new Map<string, EventFileTail>();
  readonly tags = new Map<string, TagData>();
  firstTime: number | null = null;
  lastTime: number | null = null;
  lastModified = 0;

  constructor(readonly id: string) {}

  tag(name: string): TagData {
    let data = this.tags.get(name);
    if (!data) this.tags.set(name, (data = { points: new GrowableColumns(), summary: new MetricAccumulator(), readStart: -1 }));
    return data;
  }
}

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

  constructor(
    dir: string,
    private readonly warn: Warn = warnToStderr,
  ) {
    this.dir = path.resolve(dir);
  }

  get experiment(): string {
    return path.basename(this.dir) || this.dir;
  }

  /** Finds new runs and files, reads what was appended; returns the new points (none on the first call). */
  async refresh(): Promise<LogdirPoints[]> {
    const report = this.refreshed;
    const out: LogdirPoints[] = [];
    for (const [runId, files] of await this.discover()) {
      let run = this.runsById.get(runId);
      if (!run) this.runsById.set(runId, (run = new LogdirRun(runId)));
      for (const file of files) {
        let tail = run.files.get(file);
        if (!tail) run.files.set(file, (tail = new EventFileTail(file, this.warn)));
        const touched: [string, TagData][] = [];
        const r = run;
        let lastTag = '';
        let lastData: TagData | null = null;
        await tail.read((tag, step, time, value) => {
          // Consecutive events mostly share a tag: skip the map lookup then (this runs per scalar).
          let data = lastData;
          if (tag !== lastTag || data === null) {
            data = r.tag(tag);
            lastTag = tag;
            lastData = data;
          }
          if (data.readStart < 0) {
            data.readStart = data.points.length;
            touched.push([tag, data]);
          }
          data.points.push(step, time, value);
          if (r.firstTime === null || time < r.firstTime) r.firstTime = time;
          if (r.lastTime === null || time > r.lastTime) r.lastTime = time;
        });
        for (const [tag, data] of touched) {
          const from = data.readStart;
          data.readStart = -1;
          const added = data.points.view(from);
          data.summary.add(file, from, added);
          if (report) out.push({ runId, key: tag, steps: Array.from(added.steps), times: Array.from(added.times), values: Array.from(added.values) });
        }
        try {
          run.lastModified = Math.max(run.lastModified, (await fs.stat(file)).mtimeMs / 1000);
        } catch {
          // removed meanwhile
        }
      }
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
    for (const tag of [...run.tags.keys()].sort()) {
      const s = run.tags.get(tag)!.summary.summary();
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
      error: null,
      exit_code: null,
    };
  }

  readSeries(id: string, tag: string, options: SeriesOptions = {}): MetricSeries {
    const run = this.runsById.get(id);
    if (!run) throw new StoreError('not_found', `No run "${id}" in the TensorBoard log directory ${this.dir}.`);
    const data = run.tags.get(tag);
    if (!data) throw new StoreError('not_found', `Run "${id}" of ${this.dir} has no scalar "${tag}".`);
    const ranged = sliceStepRange(mergeByStep([data.points.view()]), options.fromStep, options.toStep);
    const total = ranged.values.length;
    const target = options.points ?? 0;
    const cols = target > 0 && total > target ? downsample(ranged, target) : ranged;
    return {
      run: id,
      key: tag,
      steps: Array.from(cols.steps),
      times: Array.from(cols.times),
      values: Array.from(cols.values, jsonNumber),
      total,
      downsampled: cols !== ranged,
    };
  }

  /** run id -> its event files in name order (TensorBoard's order); symlinked folders are not followed. */
  private async discover(): Promise<Map<string, string[]>> {
    const found = new Map<string, string[]>();
    const walk = async (folder: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch {
        return;
      }
      const events = entries.filter((e) => e.isFile() && e.name.includes('tfevents')).map((e) => e.name).sort();
      if (events.length) {
        const rel = path.relative(this.dir, folder);
        found.set(rel === '' ? '.' : rel.split(path.sep).join('/'), events.map((n) => path.join(folder, n)));
      }
      for (const e of entries) if (e.isDirectory()) await walk(path.join(folder, e.name));
    };
    await walk(this.dir);
    return found;
  }
}
