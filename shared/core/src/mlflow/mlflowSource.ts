// An MLflow tracking server served by the daemon like a TensorBoard log directory (`?mlflow=<uri>`):
// its runs are cached as summaries (the first page before anything is answered, the rest paged in
// the background, announced on the feed), details and series are read from the server when asked,
// and a poller (poller.ts) keeps the cache and the feed current while a client watches.
import type { ArtifactInfo, LogStreamInfo, MetricSeries, MetricSummary, RunDetail, RunSummary, StoreEvent } from '@runlane/protocol';
import { StoreError } from '../store/index.js';
import type { SeriesOptions } from '../store/series.js';
import type { RunSource } from '../server/runSource.js';
import { MlflowError, MlflowHttp, type MlflowHttpOptions } from './http.js';
import { MlflowPoller } from './poller.js';
import { int, metricValue, toSeries, toSummary, serverKey, type MlflowExperiment, type MlflowMetric, type MlflowRun } from './readMapping.js';

/** MLflow's bulk-interval endpoint samples at most this many points per run. */
export const MAX_SAMPLED = 2500;
/** Points per get-history page (MLflow's maximum is 25,000). */
const HISTORY_PAGE = 25_000;
/** A run's details read the ranges of this many metrics at most (one request each). */
const MAX_DETAIL_KEYS = 50;
/** Where Runlane's pushed files of a run live under its artifact root (pushArtifacts.ts). */
const RUNLANE_DIR = 'runlane';

export interface MlflowSourceOptions extends MlflowHttpOptions {
  publish?: (event: StoreEvent) => void;
  /** Whether any client follows this source's feed: the poller asks nothing while none does. */
  watched?: () => boolean;
  /** The poll period while watched (default 1,000 ms). */
  pollMs?: number;
  /** Runs in the first page, answered before the rest is read (default 500). */
  firstPage?: number;
  /** Runs per later page (default 5,000). */
  pageSize?: number;
}

interface SearchPage {
  runs?: MlflowRun[];
  next_page_token?: string;
}

export class MlflowSource implements RunSource {
  readonly http: MlflowHttp;
  /** Summaries by run id, newest started first as the server listed them. */
  readonly runs = new Map<string, RunSummary>();
  /** Each run's experiment id and artifact root (for artifact reads). */
  readonly infos = new Map<string, { experimentId: string; artifactUri: string | undefined; userId: string | undefined }>();
  /** Experiment names by id. */
  readonly experiments = new Map<string, string>();
  /** Resolves when every page of runs has been read. */
  loaded: Promise<void> = Promise.resolve();
  readonly poller: MlflowPoller;
  private closed = false;

  private constructor(
    uri: string,
    readonly options: MlflowSourceOptions,
  ) {
    this.http = new MlflowHttp(uri, options);
    this.poller = new MlflowPoller(this, options.pollMs ?? 1000, options.watched ?? (() => false));
  }

  /** Reads the experiments and the first page of runs (errors reach the caller), then pages the rest in. */
  static async open(uri: string, options: MlflowSourceOptions = {}): Promise<MlflowSource> {
    const source = new MlflowSource(uri, options);
    try {
      await source.readExperiments();
      const first = await source.searchPage(source.experimentIds(), undefined, options.firstPage ?? 500);
      source.ingest(first.runs ?? [], false);
      if (first.next_page_token) source.loaded = source.readRest(first.next_page_token);
    } catch (err) {
      source.http.close();
      throw err;
    }
    source.poller.start();
    return source;
  }

  /** The server's URI: the key of this source's events on the feed. */
  get dir(): string {
    return this.http.uri;
  }

  publish(event: StoreEvent): void {
    this.options.publish?.(event);
  }

  summaries(): RunSummary[] {
    return [...this.runs.values()];
  }

  /** Brings the cache up to date when no poll has in the last `maxAgeMs` (a request while nobody watches). */
  fresh(maxAgeMs = 2000): Promise<void> {
    return this.poller.pollIfOlder(maxAgeMs);
  }

  async readExperiments(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.http.post<{ experiments?: MlflowExperiment[]; next_page_token?: string }>('experiments/search', { max_results: 1000, page_token: token });
      for (const e of page.experiments ?? []) this.experiments.set(e.experiment_id, e.name);
      token = page.next_page_token || undefined;
    } while (token);
  }

  /** The newest experiments only (one small request): a run in a just-made experiment then shows at once. */
  async readNewExperiments(): Promise<void> {
    const page = await this.http.post<{ experiments?: MlflowExperiment[] }>('experiments/search', { max_results: 20, order_by: ['creation_time DESC'] });
    for (const e of page.experiments ?? []) this.experiments.set(e.experiment_id, e.name);
  }

  experimentIds(): string[] {
    return [...this.experiments.keys()];
  }

  /** One page of runs/search over `experimentIds`, newest first. */
  searchPage(experimentIds: string[], token: string | undefined, maxResults: number, filter?: string, withDeleted = false): Promise<SearchPage> {
    if (experimentIds.length === 0) return Promise.resolve({});
    return this.http.post<SearchPage>('runs/search', {
      experiment_ids: experimentIds,
      filter: filter ?? '',
      run_view_type: withDeleted ? 'ALL' : 'ACTIVE_ONLY',
      max_results: maxResults,
      order_by: ['attributes.start_time DESC'],
      page_token: token,
    });
  }

  /** Every page of a search (the poller's queries: few runs each). */
  async searchAll(filter: string, maxResults = 1000, withDeleted = false): Promise<MlflowRun[]> {
    const out: MlflowRun[] = [];
    let token: string | undefined;
    do {
      const page = await this.searchPage(this.experimentIds(), token, maxResults, filter, withDeleted);
      out.push(...(page.runs ?? []));
      token = page.next_page_token || undefined;
    } while (token);
    return out;
  }

  private async readRest(token: string): Promise<void> {
    let next: string | undefined = token;
    try {
      while (next && !this.closed) {
        const page = await this.searchPage(this.experimentIds(), next, this.options.pageSize ?? 5000);
        this.ingest(page.runs ?? [], true);
        next = page.next_page_token || undefined;
      }
    } catch (err) {
      // The poller keeps the runs it sees current; the older pages are read again on the next open.
      process.stderr.write(`runlane: reading the runs of ${this.dir} stopped: ${(err as Error).message}\n`);
    }
  }

  /**
   * Takes runs the server sent into the cache; with `announce`, each new or changed one goes on the
   * feed (run-created / run-updated). Returns the summaries that changed.
   */
  ingest(runs: MlflowRun[], announce: boolean): RunSummary[] {
    const changed: RunSummary[] = [];
    for (const run of runs) {
      if (run.info.lifecycle_stage === 'deleted') {
        if (this.runs.delete(run.info.run_id) && announce) this.publish({ type: 'run-deleted', store: this.dir, run_id: run.info.run_id });
        continue;
      }
      const summary = toSummary(run, this.experiments.get(run.info.experiment_id) ?? run.info.experiment_id);
      const before = this.runs.get(summary.id);
      this.infos.set(summary.id, { experimentId: run.info.experiment_id, artifactUri: run.info.artifact_uri, userId: run.info.user_id });
      if (before && JSON.stringify(before) === JSON.stringify(summary)) continue;
      this.runs.set(summary.id, summary);
      changed.push(summary);
      if (!announce) continue;
      if (before) this.publish({ type: 'run-updated', store: this.dir, run: summary, previous_status: before.status });
      else this.publish({ type: 'run-created', store: this.dir, run: summary });
    }
    return changed;
  }

  async getRun(id: string): Promise<MlflowRun> {
    try {
      return (await this.http.get<{ run: MlflowRun }>('runs/get', { run_id: id })).run;
    } catch (err) {
      if (err instanceof MlflowError && (err.code === 'not_found' || err.mlflowCode === 'RESOURCE_DOES_NOT_EXIST' || err.mlflowCode === 'INVALID_PARAMETER_VALUE')) {
        throw new StoreError('not_found', `No run "${id}" on the MLflow server ${this.dir}.`);
      }
      throw err;
    }
  }

  async detail(id: string): Promise<RunDetail> {
    const run = await this.getRun(id);
    if (!this.experiments.has(run.info.experiment_id)) await this.readExperiments();
    const [summary] = this.ingest([run], true);
    const current = summary ?? this.runs.get(id) ?? toSummary(run, this.experiments.get(run.info.experiment_id) ?? run.info.experiment_id);
    this.poller.viewed(id);
    const files = await this.listFiles(id, RUNLANE_DIR).catch(() => [] as ArtifactInfo[]);
    const has = (p: string) => files.some((f) => f.path === `${RUNLANE_DIR}/${p}`);
    const source = has('source.py') ? (await this.readArtifact(id, `${RUNLANE_DIR}/source.py`)).toString('utf8') : null;
    let env: Record<string, unknown> | null = null;
    if (has('env.json')) {
      try {
        env = JSON.parse((await this.readArtifact(id, `${RUNLANE_DIR}/env.json`)).toString('utf8')) as Record<string, unknown>;
      } catch {
        env = null; // a file that is not JSON is still listed among the artifacts
      }
    }
    const logs: LogStreamInfo[] = [];
    for (const f of files) {
      const m = /^runlane\/logs\/([^/]+)\/([^/]+)\.log$/.exec(f.path);
      if (m) logs.push({ writer: m[1]!, stream: m[2]!, size: f.size });
    }
    const tags = Object.fromEntries((run.data?.tags ?? []).map((t) => [t.key, t.value]));
    return {
      ...current,
      metrics: await this.metricRanges(id, current.metrics),
      source,
      env,
      meta: {
        mlflow: { uri: this.dir, experiment_id: run.info.experiment_id, artifact_uri: run.info.artifact_uri ?? null, user: run.info.user_id ?? null },
        ...(tags['mlflow.source.name'] ? { script: tags['mlflow.source.name'] } : {}),
        ...(tags['runlane.run_id'] ? { runlane_run_id: tags['runlane.run_id'] } : {}),
      },
      logs,
    };
  }

  /**
   * Each metric's count, min and max for a run's details (runs/search sends only the latest value):
   * from the server's sample of up to 2,500 points per key, exact below that, the step span above it.
   */
  private async metricRanges(id: string, metrics: Record<string, MetricSummary>): Promise<Record<string, MetricSummary>> {
    const keys = Object.keys(metrics).slice(0, MAX_DETAIL_KEYS);
    const out = { ...metrics };
    for (let i = 0; i < keys.length; i += 4) {
      await Promise.all(keys.slice(i, i + 4).map(async (key) => {
        const got = await this.http.get<{ metrics?: MlflowMetric[] }>('metrics/get-history-bulk-interval', { run_ids: id, metric_key: key, max_results: MAX_SAMPLED });
        const list = got.metrics ?? [];
        if (list.length === 0) return;
        const finite = list.map((m) => metricValue(m.value)).filter((v): v is number => typeof v === 'number');
        const count = list.length < MAX_SAMPLED ? list.length : this.estimateTotal(list, {});
        out[key] = { ...metrics[key]!, count, min: finite.length ? Math.min(...finite) : null, max: finite.length ? Math.max(...finite) : null };
      }));
    }
    return out;
  }

  /**
   * A series: sampled by the server (get-history-bulk-interval, <= 2,500 points, evenly spaced
   * steps over the range) when `points` asks for that many or fewer; every point (get-history,
   * paged) when `points` is 0 or more than the server samples, cut to the step range here.
   */
  async series(id: string, key: string, options: SeriesOptions): Promise<MetricSeries> {
    const mkey = serverKey(key, options.rank);
    const points = options.points ?? 0;
    this.poller.viewed(id);
    let series: MetricSeries;
    if (points > 0 && points <= MAX_SAMPLED) {
      // The server takes both ends of a range or neither: an open end is the widest step there is.
      const ranged = options.fromStep !== undefined || options.toStep !== undefined;
      const got = await this.http.get<{ metrics?: MlflowMetric[] }>('metrics/get-history-bulk-interval', {
        run_ids: id,
        metric_key: mkey,
        max_results: points,
        start_step: ranged ? (options.fromStep ?? Number.MIN_SAFE_INTEGER) : undefined,
        end_step: ranged ? (options.toStep ?? Number.MAX_SAFE_INTEGER) : undefined,
      });
      const list = got.metrics ?? [];
      // The server says nothing of how many points it sampled from: fewer than asked is all of them.
      const sampled = list.length >= points;
      if (list.length === 0) await this.checkRun(id, key);
      series = toSeries(id, key, options.rank, list, sampled ? this.estimateTotal(list, options) : list.length, sampled);
    } else {
      const all = await this.history(id, mkey);
      if (all.length === 0) await this.checkRun(id, key);
      const inRange = all.filter((m) => {
        const step = int(m.step) ?? 0;
        return (options.fromStep === undefined || step >= options.fromStep) && (options.toStep === undefined || step <= options.toStep);
      });
      series = toSeries(id, key, options.rank, inRange, inRange.length, false);
      if (points > 0 && inRange.length > points) series = thin(series, points);
    }
    this.poller.served(id, mkey, series);
    return series;
  }

  /** Every point of one metric (get-history, paged). */
  async history(id: string, mkey: string): Promise<MlflowMetric[]> {
    const out: MlflowMetric[] = [];
    let token: string | undefined;
    do {
      const page = await this.http.get<{ metrics?: MlflowMetric[]; next_page_token?: string }>('metrics/get-history', { run_id: id, metric_key: mkey, max_results: HISTORY_PAGE, page_token: token });
      out.push(...(page.metrics ?? []));
      token = page.next_page_token || undefined;
    } while (token);
    return out;
  }

  /** A sampled range's size: one point per step between the first and last sampled steps. */
  private estimateTotal(list: MlflowMetric[], options: SeriesOptions): number {
    const steps = list.map((m) => int(m.step) ?? 0);
    const lo = options.fromStep ?? Math.min(...steps);
    const hi = options.toStep ?? Math.max(...steps);
    return Math.max(list.length, Math.min(hi, Math.max(...steps)) - Math.max(lo, Math.min(...steps)) + 1);
  }

  /** 404 for a run that is not there, so an empty series is not mistaken for one with no points. */
  private async checkRun(id: string, key: string): Promise<void> {
    const run = await this.getRun(id);
    if (!(run.data?.metrics ?? []).some((m) => m.key === key)) throw new StoreError('not_found', `Run "${id}" on ${this.dir} has no metric "${key}".`);
  }

  /** The run's artifacts, every file below the root (MLflow lists one folder per request). */
  async artifacts(id: string): Promise<ArtifactInfo[]> {
    if (!this.runs.has(id)) await this.getRun(id); // 404 for a run that does not exist
    return this.listFiles(id, undefined);
  }

  private async listFiles(id: string, under: string | undefined, limit = 10_000): Promise<ArtifactInfo[]> {
    const out: ArtifactInfo[] = [];
    const folders: (string | undefined)[] = [under];
    while (folders.length > 0 && out.length < limit) {
      const folder = folders.shift();
      const got = await this.http.get<{ files?: { path: string; is_dir: boolean; file_size?: number | string }[] }>('artifacts/list', { run_id: id, path: folder });
      for (const f of got.files ?? []) {
        if (f.is_dir) folders.push(f.path);
        else out.push({ path: f.path, size: int(f.file_size) ?? 0, mtime: 0 });
      }
    }
    return out;
  }

  /** One artifact's bytes, through the server's artifact proxy (mlflow-artifacts:/ roots). */
  async readArtifact(id: string, relPath: string): Promise<Buffer> {
    let info = this.infos.get(id);
    if (!info) {
      this.ingest([await this.getRun(id)], false);
      info = this.infos.get(id);
    }
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*)$/.exec(info?.artifactUri ?? '');
    if (!m) throw new StoreError('not_found', `The artifacts of run "${id}" are at ${info?.artifactUri ?? 'an unknown place'}, which the MLflow server does not serve; open them there.`);
    const root = m[1]!.replace(/\/+$/, '');
    const encoded = `${root}/${relPath}`.split('/').map(encodeURIComponent).join('/');
    try {
      return await this.http.getBytes(`/api/2.0/mlflow-artifacts/artifacts/${encoded}`);
    } catch (err) {
      if (err instanceof MlflowError && err.code === 'not_found') throw new StoreError('not_found', `Run "${id}" has no artifact ${relPath} on ${this.dir}.`);
      throw err;
    }
  }

  /** MLflow keeps no logs; Runlane's pushed logs are artifacts (runlane/logs/<writer>/<stream>.log). */
  async log(id: string, writer: string, stream: string, offset: number, length: number): Promise<{ bytes: Buffer; size: number }> {
    let bytes: Buffer;
    try {
      bytes = await this.readArtifact(id, `${RUNLANE_DIR}/logs/${writer}/${stream}.log`);
    } catch (err) {
      if (err instanceof StoreError && err.code === 'not_found') {
        throw new StoreError('not_found', `MLflow keeps no logs of run "${id}": only runs Runlane pushed carry theirs (as artifacts under runlane/logs/), and this one has no ${writer}/${stream} log.`);
      }
      throw err;
    }
    const end = Number.isFinite(length) ? offset + length : bytes.length;
    return { bytes: bytes.subarray(Math.min(offset, bytes.length), Math.min(end, bytes.length)), size: bytes.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.poller.stop();
    this.http.close();
  }
}

/** Keeps about `target` points, evenly spaced, the first and last among them. */
function thin(s: MetricSeries, target: number): MetricSeries {
  const n = s.steps.length;
  const idx = Array.from({ length: target }, (_, i) => Math.round((i * (n - 1)) / Math.max(1, target - 1)));
  const keep = [...new Set(idx)];
  return { ...s, steps: keep.map((i) => s.steps[i]!), times: keep.map((i) => s.times[i]!), values: keep.map((i) => s.values[i]!), downsampled: true };
}
