// One-shot reads of a whole store: what the CLI prints and what the daemon seeds its index from.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { jsonNumber, type ExperimentSummary, type MetricSeries, type RunDetail, type RunQuery, type RunSummary } from '@runlane/protocol';
import { isTempFile } from './atomicFile.js';
import { readFrom, warnToStderr, type Warn } from './fileTail.js';
import { LiveRun } from './liveRun.js';
import { loadIndexedRuns } from './runIndex.js';
import { StoreError, validateMetricKey, validateRunId, validateStream, validateWriterId } from './names.js';
import { filterRuns, summarizeExperiments } from './runQuery.js';
import { readRankSeries, readSeriesColumns, type SeriesOptions } from './series.js';
import type { PointColumns } from './metricCodec.js';
import { checkStoreVersion } from './storeFormat.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export class StoreReader {
  private constructor(
    readonly dir: string,
    private readonly warn: Warn,
  ) {}

  /** Opens a store for reading; refuses one written by a newer format version. */
  static async open(dir: string, warn: Warn = warnToStderr): Promise<StoreReader> {
    const abs = path.resolve(dir);
    await checkStoreVersion(abs);
    return new StoreReader(abs, warn);
  }

  /** Valid run folder names; invalid ones are skipped with a warning. */
  async listRunIds(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.dir, 'runs'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.filter((name) => {
      if (isTempFile(name)) return false;
      if (RUN_ID.test(name)) return true;
      this.warn(`${path.join(this.dir, 'runs', name)} is not a valid run id; it was skipped.`);
      return false;
    });
  }

  /**
   * Every run's LiveRun; runs still being created (no meta.json) are left out. Settled runs whose
   * files are unchanged since the run index was written hold only their summary (runIndex.ts);
   * the others are read from their folders, and the index brought up to date.
   */
  /** Every run; `checked` gets the index's two-folder prints (runIndex.ts loadIndexedRuns). */
  async loadRuns(checked?: Map<string, string>): Promise<LiveRun[]> {
    return loadIndexedRuns(this.dir, await this.listRunIds(), this.warn, checked);
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    const runs = (await this.loadRuns()).map((run) => run.summary()!);
    return filterRuns(runs, query);
  }

  async listExperiments(): Promise<ExperimentSummary[]> {
    return summarizeExperiments((await this.loadRuns()).map((run) => run.summary()!));
  }

  async loadRun(id: string): Promise<LiveRun> {
    validateRunId(id);
    const run = new LiveRun(this.dir, id, this.warn);
    await run.refresh();
    if (!run.summary()) {
      throw new StoreError('not_found', `No run "${id}" in the store ${this.dir}. Run \`runlane ls\` to see the run ids.`);
    }
    return run;
  }

  async readRun(id: string): Promise<RunSummary> {
    return (await this.loadRun(id)).summary()!;
  }

  async readRunDetail(id: string): Promise<RunDetail> {
    return detailOf(await this.loadRun(id));
  }

  async readSeries(id: string, key: string, options: SeriesOptions = {}): Promise<MetricSeries> {
    validateRunId(id);
    validateMetricKey(key);
    const runDir = path.join(this.dir, 'runs', id);
    const columns = await readSeriesColumns(runDir, key, options);
    if (!columns) {
      await this.loadRun(id); // throws not_found for an unknown run
      if (options.rank !== undefined) {
        throw new StoreError('not_found', `Rank ${options.rank} of run "${id}" logged no "${key}". Run \`runlane show ${id}\` to see which ranks logged metrics.`);
      }
      throw new StoreError('not_found', `Run "${id}" has no metric "${key}". Run \`runlane show ${id}\` to see its metrics.`);
    }
    const values = new Array<number | 'NaN' | 'Infinity' | '-Infinity'>(columns.values.length);
    for (let i = 0; i < values.length; i++) values[i] = jsonNumber(columns.values[i]!);
    return {
      run: id,
      key,
      rank: options.rank ?? null,
      steps: Array.from(columns.steps),
      times: Array.from(columns.times),
      values,
      total: columns.total,
      downsampled: columns.downsampled,
    };
  }

  /**
   * Every point of one key with the rank of the writer that logged it, one series per rank (null:
   * writers without a rank), for `runlane metrics --rank`. `rank`: one rank, 'all', or absent for
   * the primary series' writers (rank 0 and writers without a rank).
   */
  async readRankSeries(id: string, key: string, rank?: number | 'all'): Promise<{ rank: number | null; points: PointColumns }[]> {
    validateRunId(id);
    validateMetricKey(key);
    const want = rank === 'all' ? () => true : rank === undefined ? (r: number | null) => r === null || r === 0 : (r: number | null) => r === rank;
    const series = await readRankSeries(path.join(this.dir, 'runs', id), key, want);
    if (series) return series;
    await this.loadRun(id); // throws not_found for an unknown run
    const which = typeof rank === 'number' ? `Rank ${rank} of run "${id}" logged` : `Run "${id}" has`;
    throw new StoreError('not_found', `${which} no metric "${key}". Run \`runlane show ${id}\` to see its metrics and ranks.`);
  }

  /** Raw log bytes from `offset` (at most `length`), and the file's current size. */
  async readLog(id: string, writer: string, stream: string, offset = 0, length = Infinity): Promise<{ bytes: Buffer; size: number }> {
    validateRunId(id);
    validateWriterId(writer);
    validateStream(stream);
    const file = path.join(this.dir, 'runs', id, 'logs', writer, `${stream}.log`);
    const bytes = await readFrom(file, offset, length);
    if (!bytes) throw new StoreError('not_found', `Run "${id}" has no log stream ${writer}/${stream}.`);
    const size = (await fs.stat(file)).size;
    return { bytes, size };
  }
}

/** The full picture of one run: summary plus source, environment, meta and log streams. */
export async function detailOf(run: LiveRun): Promise<RunDetail> {
  if (run.seeded) await run.refresh(); // an indexed run's source, meta and logs are read now
  const summary = run.summary();
  if (!summary) throw new StoreError('not_found', `Run "${run.runId}" has no meta.json yet.`);
  return {
    ...summary,
    source: await readText(path.join(run.dir, 'source.py')),
    env: parseObject(await readText(path.join(run.dir, 'env.json'))),
    meta: run.metaObject() ?? {},
    logs: run.logStreams(),
  };
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
}

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
