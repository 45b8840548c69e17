// How a local run becomes an MLflow run (docs/mlflow.md "Pushing and syncing"): the pure part of a
// push. Names, tags, params, statuses, metric keys per rank and log-batch packing, all within
// MLflow's limits, so the pushing code only moves what this module decided.
import type { RunStatus, RunSummary } from '@runlane/protocol';

/** MLflow's limits (mlflow/utils/validation.py, 3.x): a log-batch and the sizes of its parts. */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsTagsPerBatch: 100,
  /** A log-batch body; MLflow refuses over 1 MB. Kept under it with room for the JSON framing. */
  batchBytes: 900_000,
  keyLength: 250,
  paramValue: 6000,
  tagValue: 8000,
} as const;

/** MLflow's run statuses by name (RunStatus in its protos). */
export type MlflowStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** A local status as MLflow has it: interrupted and cancelled runs were stopped (KILLED); crashed ones failed. */
export function mlflowStatus(status: RunStatus): MlflowStatus {
  switch (status) {
    case 'queued':
      return 'SCHEDULED';
    case 'running':
      return 'RUNNING';
    case 'finished':
      return 'FINISHED';
    case 'failed':
    case 'crashed':
      return 'FAILED';
    case 'interrupted':
    case 'cancelled':
    case 'pruned': // a sweep trial its pruner stopped
      return 'KILLED';
  }
}

export interface MlflowTag {
  key: string;
  value: string;
}

/** Tags Runlane sets on the server: its own facts (`runlane.*`), mlflow's reserved ones it fills. */
export const RUN_ID_TAG = 'runlane.run_id';
export const CUT_PARAMS_TAG = 'runlane.params_cut';
export const CHANGED_PARAMS_TAG = 'runlane.params_changed';

/** A value cut to `max` characters, ending in an ellipsis so a reader sees it was cut. */
export function cut(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** A param value as MLflow stores it (text): strings as they are, the rest as JSON; non-finite floats as Python writes them. */
export function paramText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && '$float' in value) {
    const f = value.$float;
    return f === 'NaN' ? 'nan' : f === 'Infinity' ? 'inf' : f === '-Infinity' ? '-inf' : JSON.stringify(value);
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * A param or tag key as MLflow takes it: letters, digits, `_ - . : /` and spaces only (others become
 * `_`), no empty, `.` or `..` path segment (MLflow treats names as paths), at most 250 characters.
 * Local keys allow more; a renamed key is named in the tag `runlane.keys_renamed`.
 */
export function mlflowKey(key: string): string {
  const segments = key
    .replace(/[^\p{L}\p{N}\p{M}_.\- :/]/gu, '_')
    .split('/')
    .filter((seg) => seg !== '' && seg !== '.')
    .map((seg) => (seg === '..' ? '__' : seg));
  const out = segments.join('/') || '_';
  return out.length <= LIMITS.keyLength ? out : out.slice(0, LIMITS.keyLength);
}

export const RENAMED_KEYS_TAG = 'runlane.keys_renamed';

/** `old -> new` for each key MLflow would refuse as it is, or null when there is none. */
export function renamedKeys(keys: Iterable<string>): string | null {
  const renamed = [...keys].filter((k) => mlflowKey(k) !== k).map((k) => `${k} -> ${mlflowKey(k)}`);
  return renamed.length > 0 ? renamed.join(', ') : null;
}

export interface MappedParams {
  params: MlflowTag[];
  /** Keys whose value was cut to MLflow's 6,000 characters (the whole value is in runlane/params.json). */
  cutKeys: string[];
}

export function mapParams(params: Record<string, unknown>): MappedParams {
  const out: MlflowTag[] = [];
  const cutKeys: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const text = paramText(value);
    if (text.length > LIMITS.paramValue) cutKeys.push(key);
    out.push({ key: mlflowKey(key), value: cut(text, LIMITS.paramValue) });
  }
  return { params: out, cutKeys };
}

export interface RunFacts {
  summary: RunSummary;
  /** meta.json as read (unknown fields kept). */
  meta: Record<string, unknown>;
  env: Record<string, unknown> | null;
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * Every tag the server run gets: the user's tags as they are (one under `mlflow.` reserved by MLflow
 * goes under `runlane.tag.`), Runlane's facts under `runlane.`, and the `mlflow.*` tags its UI shows
 * (run name, source, git commit). Values cut to MLflow's 8,000 characters.
 */
export function mapTags(facts: RunFacts): Record<string, string> {
  const { summary, meta, env } = facts;
  const tags: Record<string, string> = {};
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) tags[mlflowKey(key)] = cut(value, LIMITS.tagValue);
  };
  for (const [k, v] of Object.entries(summary.tags)) set(k.startsWith('mlflow.') ? `runlane.tag.${k}` : k, v);
  set(RUN_ID_TAG, summary.id);
  set('runlane.kind', summary.kind);
  set('runlane.status', summary.status);
  set('runlane.notebook', text(summary.notebook));
  set('runlane.cell_id', text(summary.cell_id));
  set('runlane.execution_count', text(summary.execution_count));
  set('runlane.source_sha256', text(meta.source_sha256));
  set('runlane.script', text(meta.script));
  set('runlane.host', text(meta.host));
  set('runlane.target', text(summary.params.target));
  if (summary.ranks.length > 0) set('runlane.ranks', summary.ranks.join(','));
  if (summary.exit_code !== null) set('runlane.exit_code', String(summary.exit_code));
  if (summary.error) set('runlane.error', summary.error);
  const git = env?.git as { commit?: unknown; dirty?: unknown; branch?: unknown } | null | undefined;
  if (git && typeof git === 'object') {
    set('runlane.git_commit', text(git.commit));
    if (typeof git.dirty === 'boolean') set('runlane.git_dirty', String(git.dirty));
    set('mlflow.source.git.commit', text(git.commit));
    set('mlflow.source.git.branch', text(git.branch));
  }
  set('mlflow.runName', summary.name);
  // MLflow's UI shows this tag as the run's Description: the note is where its users look for it.
  set('mlflow.note.content', summary.note);
  const source = text(summary.notebook) ?? text(meta.script);
  set('mlflow.source.name', source);
  set('mlflow.source.type', summary.notebook ? 'NOTEBOOK' : 'LOCAL');
  return tags;
}

/**
 * The MLflow metric key of one rank's series: the primary series (rank 0 and writers without a rank)
 * keeps the key, rank N's points go to `<key>/rank<N>`, so MLflow's UI groups them under the key's
 * section and rank 0's chart is the run's own. Null when that name passes MLflow's 250 characters.
 */
export function rankedKey(key: string, rank: number | null): string | null {
  const out = rank === null || rank === 0 ? key : `${key}/rank${rank}`;
  return out.length <= LIMITS.keyLength ? out : null;
}

/** Unix seconds (float) as MLflow's integer milliseconds. */
export function toMillis(seconds: number): number {
  return Math.round(seconds * 1000);
}

/**
 * A value as log-batch takes it: NaN and +/-Infinity as the strings MLflow's JSON reads ("NaN",
 * "Infinity", "-Infinity"). A SQL store keeps NaN (its is_nan column) and turns +/-Infinity into
 * +/-1.797e308 (the largest double).
 */
export function metricValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}
