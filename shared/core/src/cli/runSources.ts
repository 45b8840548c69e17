// Where the CLI finds runs: the store, plus any TensorBoard log directories given with --logdir.
// A log directory's run ids are folder paths relative to it; the store's runs win a clash.
import { jsonNumber, type JsonNumber, type MetricSeries, type RunDetail, type RunQuery, type RunSummary } from '@runlane/protocol';
import { TensorBoardLogdir } from '../formats/tfevents/index.js';
import { filterRuns, StoreError, StoreReader } from '../store/index.js';
import type { SeriesOptions } from '../store/series.js';

/** One point as `runlane metrics --json` prints it. */
export interface RankedPoint {
  step: number;
  value: JsonNumber;
  time: number;
  /** The rank of the worker that logged it; null for a writer that is not a job's worker. */
  rank: number | null;
}

export class RunSources {
  private constructor(
    readonly store: StoreReader,
    readonly logdirs: TensorBoardLogdir[],
  ) {}

  static async open(storeDir: string, logdirs: string[] = []): Promise<RunSources> {
    const store = await StoreReader.open(storeDir);
    const dirs = logdirs.map((d) => new TensorBoardLogdir(d));
    for (const d of dirs) await d.refresh();
    return new RunSources(store, dirs);
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    const runs = [...(await this.store.listRuns()), ...this.logdirs.flatMap((d) => d.runs())];
    return filterRuns(runs, query);
  }

  private logdirOf(id: string): TensorBoardLogdir | undefined {
    return this.logdirs.find((d) => d.summary(id) !== null);
  }

  private async inStore(id: string): Promise<boolean> {
    try {
      await this.store.readRun(id);
      return true;
    } catch (err) {
      if (err instanceof StoreError && (err.code === 'not_found' || err.code === 'bad_name')) return false;
      throw err;
    }
  }

  async readRunDetail(id: string): Promise<RunDetail> {
    const logdir = !(await this.inStore(id)) ? this.logdirOf(id) : undefined;
    if (!logdir) return this.store.readRunDetail(id);
    return { ...logdir.summary(id)!, source: null, env: null, meta: { logdir: logdir.dir }, logs: [] };
  }

  /**
   * Every point of one key with its rank, rank by rank (writers without a rank first): `rank` one
   * worker's, 'all', or absent for the primary series (rank 0 and writers without a rank).
   */
  async readRankedPoints(id: string, key: string, rank?: number | 'all'): Promise<RankedPoint[]> {
    const logdir = !(await this.inStore(id)) ? this.logdirOf(id) : undefined;
    if (logdir) {
      // TensorBoard runs have no ranks: their points are the primary series.
      if (typeof rank === 'number') throw new StoreError('not_found', `Run "${id}" is a TensorBoard run; it has no rank ${rank}.`);
      const s = logdir.readSeries(id, key);
      return s.steps.map((step, i) => ({ step, value: s.values[i]!, time: s.times[i]!, rank: null }));
    }
    const series = await this.store.readRankSeries(id, key, rank);
    return series.flatMap(({ rank: r, points }) =>
      Array.from(points.steps, (step, i) => ({ step, value: jsonNumber(points.values[i]!), time: points.times[i]!, rank: r })),
    );
  }

  async readSeries(id: string, key: string, options: SeriesOptions = {}): Promise<MetricSeries> {
    const logdir = !(await this.inStore(id)) ? this.logdirOf(id) : undefined;
    return logdir ? logdir.readSeries(id, key, options) : this.store.readSeries(id, key, options);
  }
}
