// How an MLflow run reads as a Runlane run (docs/mlflow.md "Reading a server"): the pure part of
// reading a server. The inverse of pushMapping.ts where Runlane pushed the run (its `runlane.*` tags
// and `runlane/` artifacts restore what MLflow has no field for); plain MLflow runs map field by field.
import type { JsonNumber, MetricSeries, MetricSummary, RunStatus, RunSummary } from '@runlane/protocol';

/** MLflow's JSON shapes, as runs/search, runs/get and the metric endpoints send them. */
export interface MlflowKeyValue {
  key: string;
  value: string;
}
export interface MlflowMetric {
  key: string;
  /** A number, or "NaN" / "Infinity" / "-Infinity" (protobuf JSON). */
  value: number | string;
  /** Unix milliseconds. */
  timestamp: number | string;
  step: number | string;
  run_id?: string;
}
export interface MlflowRunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: string;
  start_time?: number | string;
  end_time?: number | string;
  artifact_uri?: string;
  lifecycle_stage?: string;
}
export interface MlflowRun {
  info: MlflowRunInfo;
  data?: { metrics?: MlflowMetric[]; params?: MlflowKeyValue[]; tags?: MlflowKeyValue[] };
}
export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  lifecycle_stage?: string;
  last_update_time?: number | string;
}

const STATUS: Record<string, RunStatus> = {
  RUNNING: 'running',
  SCHEDULED: 'queued',
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'cancelled',
};

/** Runlane facts pushed as tags (pushMapping.ts) that become fields here instead of tags. */
const FIELD_TAGS = new Set([
  'runlane.kind', 'runlane.status', 'runlane.notebook', 'runlane.cell_id', 'runlane.execution_count',
  'runlane.exit_code', 'runlane.error', 'runlane.ranks',
]);
/** The run's Description in MLflow's UI: read as the run's note (and pushed from it, pushMapping.ts). */
const NOTE_TAG = 'mlflow.note.content';

/** MLflow's own bookkeeping tags that say nothing a run list needs (the name is a field). */
const HIDDEN_TAGS = new Set(['mlflow.runName', 'mlflow.log-model.history', NOTE_TAG]);
const RANKED_KEY = /^(.*)\/rank(\d+)$/;

/** MLflow's numbers come as JSON numbers or, for int64, as strings. */
export function int(v: number | string | undefined): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function metricValue(v: number | string): JsonNumber {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return v;
  const n = Number(v);
  return Number.isFinite(n) ? n : 'NaN';
}

/** A param's text as MLflow keeps it; numbers that print back the same become numbers (charts, comparison). */
export function paramValue(text: string): unknown {
  if (text.trim() === '' || !/^[-+.\deE]+$/.test(text)) return text;
  const n = Number(text);
  return Number.isFinite(n) && String(n) === text ? n : text;
}

export function runStatus(info: MlflowRunInfo, tags: Record<string, string>): RunStatus {
  const status = STATUS[info.status] ?? 'running';
  // A run Runlane pushed keeps its finer status (interrupted, crashed) while the server agrees on the rest.
  const pushed = tags['runlane.status'] as RunStatus | undefined;
  if (pushed === 'interrupted' && status === 'cancelled') return pushed;
  if (pushed === 'crashed' && status === 'failed') return pushed;
  return status;
}

/** The ranks a pushed run's metrics were logged by (`runlane.ranks`), [] for plain MLflow runs. */
export function runRanks(tags: Record<string, string>): number[] {
  const text = tags['runlane.ranks'];
  if (!text) return [];
  return text.split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0).sort((a, b) => a - b);
}

/** The MLflow key of one rank's series of `key` (pushMapping.rankedKey's inverse side). */
export function serverKey(key: string, rank: number | undefined): string {
  return rank === undefined || rank === 0 ? key : `${key}/rank${rank}`;
}

export function toSummary(run: MlflowRun, experimentName: string): RunSummary {
  const tags: Record<string, string> = {};
  for (const t of run.data?.tags ?? []) tags[t.key] = t.value;
  const ranks = runRanks(tags);
  const metrics: Record<string, MetricSummary> = {};
  for (const m of run.data?.metrics ?? []) {
    // A pushed run's other ranks are series of their key, not metrics of their own.
    if (ranks.length > 0 && RANKED_KEY.test(m.key)) continue;
    const last = metricValue(m.value);
    // runs/search gives each metric's latest value only: count 0 and no range say "not known here"
    // (a run's details read them: MlflowSource.metricRanges), rather than a wrong 1 point.
    metrics[m.key] = { count: 0, last, min: null, max: null };
  }
  const params: Record<string, unknown> = {};
  for (const p of run.data?.params ?? []) params[p.key] = paramValue(p.value);
  const shown: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (FIELD_TAGS.has(k) || HIDDEN_TAGS.has(k)) continue;
    shown[k.startsWith('runlane.tag.') ? k.slice('runlane.tag.'.length) : k] = v;
  }
  const started = int(run.info.start_time);
  const ended = int(run.info.end_time);
  const startedAt = started === null ? null : started / 1000;
  const endedAt = ended === null || ended === 0 ? null : ended / 1000;
  const status = runStatus(run.info, tags);
  const exec = int(tags['runlane.execution_count']);
  const exit = int(tags['runlane.exit_code']);
  return {
    id: run.info.run_id,
    name: run.info.run_name || tags['mlflow.runName'] || run.info.run_id,
    experiment: experimentName,
    status,
    kind: 'mlflow',
    created_at: startedAt ?? 0,
    started_at: startedAt,
    ended_at: status === 'running' || status === 'queued' ? null : endedAt,
    duration: startedAt !== null && endedAt !== null && status !== 'running' ? Math.max(0, endedAt - startedAt) : null,
    notebook: tags['runlane.notebook'] || null,
    cell_id: tags['runlane.cell_id'] || null,
    execution_count: exec,
    params,
    tags: shown,
    metrics,
    ranks,
    error: tags['runlane.error'] || null,
    exit_code: exit,
    ...(tags[NOTE_TAG] ? { note: tags[NOTE_TAG] } : {}),
  };
}

/** Points of one metric, in step order (time breaks ties), as a MetricSeries. */
export function toSeries(run: string, key: string, rank: number | undefined, points: MlflowMetric[], total: number, downsampled: boolean): MetricSeries {
  const sorted = points
    .map((m) => ({ step: int(m.step) ?? 0, time: (int(m.timestamp) ?? 0) / 1000, value: metricValue(m.value) }))
    .sort((a, b) => a.step - b.step || a.time - b.time);
  return {
    run,
    key,
    rank: rank === undefined || rank === 0 ? null : rank,
    steps: sorted.map((p) => p.step),
    times: sorted.map((p) => p.time),
    values: sorted.map((p) => p.value),
    total,
    downsampled,
  };
}

/** The filter text of runs/search for a string value (MLflow's grammar quotes with ' or "; escape both). */
export function quoteFilterValue(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
