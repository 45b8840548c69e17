// Run, metric and log shapes as they cross the wire (HTTP API v1, CLI JSON, host<->UI messages).
// They mirror docs/store-format.md "Run summaries"; the store's own file formats live in core.

/** A number in JSON output: NaN and +/-Infinity are carried as these strings (JSON has no literal for them). */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

/**
 * Every status a run summary may carry; `crashed` is derived by readers, never written. The Python
 * helper has the same list (runlane.store.RUN_STATUSES); both are checked against the shared store
 * vectors (test/fixtures/store-vectors.json "statuses").
 */
export const RUN_STATUSES = [
  'queued',
  'running',
  'finished',
  'failed',
  'interrupted',
  'cancelled',
  // A sweep trial stopped early by its pruner (docs/sweeps.md); written after the job's `cancelled`,
  // so readers that predate it, which skip statuses they do not know, still show `cancelled`.
  'pruned',
  'crashed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run never changes by itself. */
export const FINAL_STATUSES: readonly RunStatus[] = ['finished', 'failed', 'interrupted', 'cancelled', 'pruned', 'crashed'];

/** 'mlflow': a run read from an MLflow tracking server (docs/mlflow.md); its id is MLflow's run id. 'dvclive': a DVCLive folder (docs/dvclive.md). */
export type RunKind = 'cell' | 'script' | 'job' | 'tensorboard' | 'mlflow' | 'dvclive';

export interface MetricSummary {
  count: number;
  last: JsonNumber;
  /** Over the non-NaN values; null when every value is NaN. */
  min: JsonNumber | null;
  max: JsonNumber | null;
}

/** Param values are JSON; non-finite floats are `{"$float": "NaN" | "Infinity" | "-Infinity"}`. */
export type ParamValue = unknown;

/** One run as `runlane ls --json` and `GET /api/v1/runs` report it. */
export interface RunSummary {
  id: string;
  name: string;
  experiment: string;
  status: RunStatus;
  kind: RunKind;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  duration: number | null;
  notebook: string | null;
  cell_id: string | null;
  execution_count: number | null;
  params: Record<string, ParamValue>;
  tags: Record<string, string>;
  /** From each key's primary series (writers of rank 0 or no rank; see `ranks`). */
  metrics: Record<string, MetricSummary>;
  /**
   * The distinct worker ranks that logged metrics, sorted ([] when none logged with a rank). A writer's
   * rank comes from its id (`r<rank>-...`, docs/store-format.md "Ranks").
   */
  ranks: number[];
  error: string | null;
  exit_code: number | null;
  /**
   * Where a local run stands in its sync to an MLflow server (`runlane push`, `sync = "auto"`); only on
   * runs the daemon has pushed or is pushing (docs/mlflow.md "Pushing and syncing").
   */
  sync?: RunSync;
  /** The run's free-text note (`note` events, last wins; docs/store-format.md); absent when it has none. */
  note?: string;
}

/** The state of one local run's sync to an MLflow tracking server. */
export interface RunSync {
  /** The server's URI. */
  to: string;
  /** pending: queued (the server is down or busy: retried with backoff); failed: needs the user (message). */
  state: 'pending' | 'syncing' | 'synced' | 'failed';
  message?: string;
  /** Unix seconds of the last batch the server acknowledged. */
  pushed_at?: number;
  /** The run's id on the server, once created there. */
  server_run_id?: string;
}

export interface LogStreamInfo {
  writer: string;
  stream: string;
  size: number;
}

/** One run with everything `runlane show` reports. */
export interface RunDetail extends RunSummary {
  source: string | null;
  env: Record<string, unknown> | null;
  meta: Record<string, unknown>;
  logs: LogStreamInfo[];
  /** Keys of the run's images and texts, sorted (media.ts); absent when it has none or from older daemons. */
  media_keys?: string[];
  /** Keys of the run's histograms, sorted; absent when it has none or from older daemons. */
  histogram_keys?: string[];
  /** Ranks whose histograms can be read apart (0 first), when a job's workers above rank 0 logged
   * some; absent otherwise (then every histogram is the primary writers'). */
  histogram_ranks?: number[];
}

export interface ExperimentSummary {
  name: string;
  run_count: number;
  running_count: number;
  last_created_at: number;
}

export interface MetricPoint {
  step: number;
  time: number;
  value: JsonNumber;
}

/**
 * A metric series in columnar form (compact for millions of points). When `downsampled` is true,
 * each bucket kept its first, min, max and last points (in step order), so no spike is lost.
 */
export interface MetricSeries {
  run: string;
  key: string;
  /** The rank whose points these are; null for the primary series (rank 0 and writers without a rank). */
  rank: number | null;
  steps: number[];
  times: number[];
  values: JsonNumber[];
  /** Points in the requested range before downsampling. */
  total: number;
  downsampled: boolean;
}

export type RunSortField = 'created_at' | 'name' | 'status' | 'duration' | 'experiment';

export interface RunQuery {
  experiment?: string;
  status?: RunStatus[];
  /**
   * Words that must all match (case-insensitive, `searchTermMatches`): plain text in the name, id,
   * experiment, tags, param keys and values; `key=value`; `status:S`; `tag:NAME`.
   */
  q?: string;
  sort?: RunSortField;
  order?: 'asc' | 'desc';
  limit?: number;
  notebook?: string;
  cell_id?: string;
}

export function jsonNumber(value: number): JsonNumber {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export function fromJsonNumber(value: JsonNumber): number {
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}

/** A run in a source: a store folder or a TensorBoard log directory (the `store` of feed events). */
export interface RunRef {
  source: string;
  id: string;
}

export interface SourcedRun {
  source: string;
  run: RunSummary;
}

/** What a chart asks for: about its pixel width in points, optionally a step range (a zoom). */
export interface SeriesRequest {
  points: number;
  /** One worker's series; absent: the primary series (rank 0 and writers without a rank). */
  rank?: number;
  fromStep?: number;
  toStep?: number;
}

function searchValueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * One word of a run search (the Runs sidebar's box, the API's `q`), case-insensitive: `status:S`,
 * `tag:NAME` (has that tag), `key=value` (a param or tag with that value, or the words themselves in
 * the run's name, experiment, id or tags: `lr=0.1` finds a run named "lr=0.1" that recorded no
 * params), or plain text found in the name, experiment, id, tags or note (and in param keys and values
 * when `params` is set, as the API's `q` does).
 */
export function searchTermMatches(run: RunSummary, term: string, options: { params?: boolean } = {}): boolean {
  const lower = term.toLowerCase();
  if (lower.startsWith('status:')) return run.status === lower.slice(7);
  if (lower.startsWith('tag:')) return Object.keys(run.tags).some((t) => t.toLowerCase() === lower.slice(4));
  const eq = term.indexOf('=');
  if (eq > 0) {
    const key = term.slice(0, eq);
    const want = term.slice(eq + 1).toLowerCase();
    const value = key in run.params ? run.params[key] : run.tags[key];
    if (value !== undefined && searchValueText(value).toLowerCase() === want) return true;
  }
  const haystack = [run.name, run.experiment, run.id, ...Object.keys(run.tags), ...Object.values(run.tags), ...(run.note ? [run.note] : [])];
  if (haystack.some((s) => s.toLowerCase().includes(lower))) return true;
  return options.params === true && Object.entries(run.params).some(([k, v]) => `${k} ${searchValueText(v)}`.toLowerCase().includes(lower));
}

/** Whether a run matches every whitespace-separated word of `search` (see searchTermMatches). */
export function matchesSearch(run: RunSummary, search: string, options: { params?: boolean } = {}): boolean {
  return search.split(/\s+/).filter(Boolean).every((term) => searchTermMatches(run, term, options));
}
