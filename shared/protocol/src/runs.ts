// Run, metric and log shapes as they cross the wire (HTTP API v1, CLI JSON, host<->UI messages).
// They mirror docs/store-format.md "Run summaries"; the store's own file formats live in core.

/** A number in JSON output: NaN and +/-Infinity are carried as these strings (JSON has no literal for them). */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export const RUN_STATUSES = [
  'queued',
  'running',
  'finished',
  'failed',
  'interrupted',
  'cancelled',
  'crashed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which a run never changes by itself. */
export const FINAL_STATUSES: readonly RunStatus[] = ['finished', 'failed', 'interrupted', 'cancelled', 'crashed'];

export type RunKind = 'cell' | 'script' | 'job' | 'tensorboard';

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
  /** Substring match over name, id, experiment, tags and param values (case-insensitive). */
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
