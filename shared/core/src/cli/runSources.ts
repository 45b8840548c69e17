// Where the CLI finds runs: the store, plus any TensorBoard log directories given with --logdir (and the
// DVCLive folders in them, or given with --dvclive) and
// MLflow tracking servers given with --mlflow. A log directory's run ids are folder paths relative to
// it, a server's are MLflow's run ids; the store's runs win a clash.
import { jsonNumber, type JsonNumber, type MetricSeries, type RunDetail, type RunQuery, type RunSummary } from '@runlane/protocol';
import { MixedLogdir, type LogdirReader } from '../formats/dvclive/index.js';
import { MlflowSource } from '../mlflow/mlflowSource.js';
import { filterRuns, StoreError, StoreReader } from '../store/index.js';
import type { SeriesOptions } from '../store/series.js';
import { storeMediaSource, type MediaSource } from '../store/media.js';
import { matchRunId, storeHasRun, storeRunIds } from './runIds.js';

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
    readonly logdirs: LogdirReader[],
    readonly servers: MlflowSource[] = [],
  ) {}

  /** `dvclives`: DVCLive folders (--dvclive), or folders holding them; a log directory finds its own too. */
  static async open(storeDir: string, logdirs: string[] = [], mlflows: string[] = [], dvclives: string[] = []): Promise<RunSources> {
    const store = await StoreReader.open(storeDir);
    const dirs = [...logdirs.map((d) => new MixedLogdir(d)), ...dvclives.map((d) => new MixedLogdir(d, undefined, {}, true))];
    for (const d of dirs) await d.refresh();
    // The CLI reads every page at once (large pages: fewer requests), and never polls.
    const servers = await Promise.all(mlflows.map((uri) => MlflowSource.open(uri, { firstPage: 5000 })));
    return new RunSources(store, dirs, servers);
  }

  /** Closes the servers' connections (the CLI is done). */
  async close(): Promise<void> {
    for (const s of this.servers) await s.close();
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    for (const s of this.servers) await s.loaded;
    const runs = [...(await this.store.listRuns()), ...this.logdirs.flatMap((d) => d.runs()), ...this.servers.flatMap((s) => s.summaries())];
    return filterRuns(runs, query);
  }

  /**
   * The full id a RUN argument stands for (runIds.ts). A full id is taken as it is without listing
   * anything: a store folder, a log directory's run, a server's run read so far, or anything shaped
   * like an MLflow run id (32 hex digits: no need to wait for every page of a large server).
   */
  async resolveRunId(input: string): Promise<string> {
    if (storeHasRun(this.store.dir, input) || this.logdirs.some((d) => d.summary(input) !== null)) return input;
    if (this.servers.some((s) => s.runs.has(input)) || (this.servers.length > 0 && /^[0-9a-f]{32}$/.test(input))) return input;
    return matchRunId(input, await this.runIds());
  }

  /** Every run id the sources list (the store's run folders, the log directories', the servers'), for
   * `matchRunId` to resolve a short id against (runIds.ts). */
  async runIds(): Promise<Set<string>> {
    for (const s of this.servers) await s.loaded;
    const ids = new Set(await storeRunIds(this.store.dir));
    for (const d of this.logdirs) for (const r of d.runs()) ids.add(r.id);
    for (const s of this.servers) for (const r of s.summaries()) ids.add(r.id);
    return ids;
  }

  /** The server a run comes from, when it is on one of them and not in the store. */
  async serverOf(id: string): Promise<MlflowSource | undefined> {
    if (this.servers.length === 0 || (await this.inStore(id)) || this.logdirOf(id)) return undefined;
    for (const s of this.servers) if (s.runs.has(id)) return s;
    for (const s of this.servers) {
      try {
        await s.getRun(id); // a run beyond the pages read, or started since
        return s;
      } catch (err) {
        if (!(err instanceof StoreError && err.code === 'not_found')) throw err;
      }
    }
    return undefined;
  }

  private logdirOf(id: string): LogdirReader | undefined {
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
    const server = await this.serverOf(id);
    if (server) return server.detail(id);
    const logdir = !(await this.inStore(id)) ? this.logdirOf(id) : undefined;
    if (!logdir) return this.store.readRunDetail(id);
    return { ...logdir.summary(id)!, source: null, env: null, meta: { logdir: logdir.dir }, logs: [] };
  }

  /**
   * Every point of one key with its rank, rank by rank (writers without a rank first): `rank` one
   * worker's, 'all', or absent for the primary series (rank 0 and writers without a rank).
   */
  async readRankedPoints(id: string, key: string, rank?: number | 'all'): Promise<RankedPoint[]> {
    const server = await this.serverOf(id);
    if (server) {
      const ranks = rank === 'all' ? [undefined, ...(await server.detail(id)).ranks.filter((r) => r > 0)] : [rank];
      const out: RankedPoint[] = [];
      for (const r of ranks) {
        const s = await server.series(id, key, { points: 0, rank: r }); // every point (get-history, paged)
        out.push(...s.steps.map((step, i) => ({ step, value: s.values[i]!, time: s.times[i]!, rank: r ?? null })));
      }
      return out;
    }
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

  /** Where a run's images, texts and histograms are read from; a server's runs have none here yet. */
  async mediaOf(id: string): Promise<MediaSource> {
    const none: MediaSource = {
      media: async () => [],
      mediaBytes: async () => null,
      histograms: async (run, key) => ({ run, key, steps: [] }),
      mediaKeys: async () => ({ media_keys: [], histogram_keys: [] }),
    };
    if (await this.serverOf(id)) return none;
    const logdir = !(await this.inStore(id)) ? this.logdirOf(id) : undefined;
    if (logdir) return logdir.mediaSource ?? none;
    await this.store.readRun(id); // a run that is nowhere: not_found, named
    return storeMediaSource(this.store.dir);
  }

  async readSeries(id: string, key: string, options: SeriesOptions = {}): Promise<MetricSeries> {
    const server = await this.serverOf(id);
    if (server) return server.series(id, key, options);
    const logdir = !(await this.inStore(id)) ? this.logdirOf(id) : undefined;
    return logdir ? logdir.readSeries(id, key, options) : this.store.readSeries(id, key, options);
  }
}
