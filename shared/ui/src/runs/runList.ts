// The runs of a sidebar (JupyterLab's Runs panel, VS Code's Runs tree): search, filters, sorting and
// live updates from the feed, as pure logic over RunSummary, so both editors list runs the same way.
import { fromJsonNumber, jsonNumber, matchesSearch, type JsonNumber, type MetricSummary, type RunStatus, type RunSummary, type StoreEvent } from '@runlane/protocol';
import { targetOf } from '../common/targetLabels.js';

export type SortKey = 'created' | 'name' | 'status' | 'duration' | 'metric' | 'experiment' | 'target';
export type SortOrder = 'asc' | 'desc';

export interface RunFilter {
  /**
   * Words that must all match: plain text (name, experiment, id, tags), `key=value` (a param or tag
   * with that value, or that text in the name, experiment, id or tags), `status:running`, `tag:name`.
   */
  text: string;
  status: RunStatus | 'all';
  /** Only runs of this notebook (its absolute path), or null for all. */
  notebook: string | null;
}

export const NO_FILTER: RunFilter = { text: '', status: 'all', notebook: null };

// Words that mark a held-out metric, best first: a validation set is watched during training, a
// test set usually only at the end.
const HELD_OUT_WORDS = ['val', 'valid', 'validation', 'eval', 'evaluation', 'dev', 'test'];
const TRAIN_WORDS = ['train', 'training'];

/**
 * How much a key looks like the metric a person watches, lower first: held-out (validation, then
 * test) before the rest, then a loss before other metrics, then plain `loss` before `loss_ema`.
 * Keys are split into words at `/ _ - . ` and spaces, so `latest` is not `test`.
 */
function metricPriority(key: string): number[] {
  const words = key.toLowerCase().split(/[/_\-. ]+/).filter(Boolean);
  const training = words.some((w) => TRAIN_WORDS.includes(w));
  const heldOut = training ? -1 : HELD_OUT_WORDS.findIndex((h) => words.includes(h));
  const isLoss = words.some((w) => w.includes('loss'));
  const plainLoss = words.filter((w) => !HELD_OUT_WORDS.includes(w)).join('/') === 'loss';
  return [heldOut >= 0 ? heldOut : HELD_OUT_WORDS.length, isLoss ? 0 : 1, plainLoss ? 0 : 1];
}

function comparePriorities(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * The metric a person watches: `preferred` when the run has it (the user's choice for the run's
 * experiment), else a validation metric before a training one (`val/loss` over `train/loss`), a
 * loss before other metrics, and among equals the first by name.
 */
export function mainMetric(run: RunSummary, preferred?: string | null): { key: string; value: number } | null {
  if (preferred && run.metrics[preferred]) return { key: preferred, value: fromJsonNumber(run.metrics[preferred].last) };
  // The helper's system/* samples (CPU, memory, GPUs) describe the machine, not the training: never
  // the main metric unless chosen (a run that logs `throughput` would otherwise show system/cpu_percent).
  const keys = Object.keys(run.metrics).filter((k) => !k.startsWith('system/')).sort();
  if (!keys.length) return null;
  let key = keys[0]!;
  let best = metricPriority(key);
  for (const k of keys.slice(1)) {
    const priority = metricPriority(k);
    if (comparePriorities(priority, best) < 0) [key, best] = [k, priority];
  }
  return { key, value: fromJsonNumber(run.metrics[key]!.last) };
}

/** Tags Runlane writes to link runs (a sweep block's job, a re-run's original): in tooltips, not rows. */
const LINK_TAGS = new Set(['job', 'rerun_of']);

/**
 * A run Runlane reads from another tool's files or server (TensorBoard, DVCLive, MLflow): nothing of
 * it is Runlane's to stop, rename, tag, note, delete or push; its writer owns it.
 */
export function isReadOnlyRun(run: Pick<RunSummary, 'kind'>): boolean {
  return run.kind === 'tensorboard' || run.kind === 'dvclive' || run.kind === 'mlflow';
}

/**
 * The tags worth a row's room in both editors' run lists: the user's. A TensorBoard run's `logdir`
 * repeats its folder (a DVCLive run's `dvclive` too), and link tags (`job=20261130-…`) pushed the user's tags and the metric out of view.
 */
export function rowTags(run: Pick<RunSummary, 'kind' | 'tags'>): [string, string][] {
  // An MLflow server's run carries MLflow's system tags (mlflow.user, mlflow.source.name, ...): the
  // MLflow UI keeps them out of its lists too; run details still show them.
  // Runlane's own tags (`runlane.sweep=<id>`, `runlane.sweep.trial=5`, `runlane.pruned_step=1`) filled a
  // sweep trial's row with three clipped chips that read the same on every trial: run details show them.
  return Object.entries(run.tags).filter(([k]) => !LINK_TAGS.has(k) && !isRunlaneTag(k) && !(run.kind === 'tensorboard' && k === 'logdir') && !(run.kind === 'dvclive' && k === 'dvclive') && !(run.kind === 'mlflow' && k.startsWith('mlflow.')));
}

/** Whether a tag is one Runlane writes for itself (sweeps, pruning): `runlane.*`. */
export function isRunlaneTag(key: string): boolean {
  return key.startsWith('runlane.');
}

/** A run's `runlane.*` tags, for run details' quieter "Runlane" line. */
export function runlaneTags(run: Pick<RunSummary, 'tags'>): [string, string][] {
  return Object.entries(run.tags).filter(([k]) => isRunlaneTag(k));
}

/** The `runlane.*` tags as one quiet line's text (`sweep=2026…, sweep.trial=5`), or null when there are none. */
export function runlaneTagsText(run: Pick<RunSummary, 'tags'>): string | null {
  const tags = runlaneTags(run).map(([k, v]) => {
    const name = k.slice('runlane.'.length);
    return v ? `${name}=${v}` : name;
  });
  return tags.length ? tags.join(', ') : null;
}

/**
 * `trial 5` for a sweep's trial (its `runlane.sweep.trial` tag), else null: a sweep's trials share one
 * name, so rows show this where the hidden Runlane tags were the only way to tell them apart.
 */
export function trialMark(run: Pick<RunSummary, 'tags'>): string | null {
  const n = run.tags['runlane.sweep.trial'];
  return n ? `trial ${n}` : null;
}

export function matches(run: RunSummary, filter: RunFilter): boolean {
  if (filter.status !== 'all' && run.status !== filter.status) return false;
  if (filter.notebook !== null && run.notebook !== filter.notebook) return false;
  // The same words as the daemon's `q` (searchTermMatches): `lr=0.1` also finds it in a run's name.
  return matchesSearch(run, filter.text);
}

const STATUS_ORDER: Record<RunStatus, number> = { running: 0, queued: 1, failed: 2, crashed: 3, interrupted: 4, cancelled: 5, pruned: 5, finished: 6 };

/** The user's main metric for a run (per experiment), if they chose one. */
export type PreferredMetric = (run: RunSummary) => string | null | undefined;

function compare(a: RunSummary, b: RunSummary, key: SortKey, preferred?: PreferredMetric): number {
  switch (key) {
    case 'name':
      return a.name.localeCompare(b.name);
    case 'experiment':
      return a.experiment.localeCompare(b.experiment) || b.created_at - a.created_at;
    case 'status':
      return STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.created_at - a.created_at;
    case 'target':
      return (targetOf(a) ?? '').localeCompare(targetOf(b) ?? '');
    case 'duration':
      return (a.duration ?? Infinity) - (b.duration ?? Infinity);
    case 'metric': {
      // Runs without the metric (or with NaN) go last in both orders, as spreadsheets do.
      const va = mainMetric(a, preferred?.(a))?.value ?? NaN;
      const vb = mainMetric(b, preferred?.(b))?.value ?? NaN;
      if (Number.isNaN(va) || Number.isNaN(vb)) return Number.isNaN(va) ? (Number.isNaN(vb) ? 0 : 1) : -1;
      return va - vb;
    }
    default:
      return a.created_at - b.created_at;
  }
}

/** `preferred`: the main metric the user chose for a run's experiment, for the `metric` column. */
export function sortRuns(runs: RunSummary[], key: SortKey, order: SortOrder, preferred?: PreferredMetric): RunSummary[] {
  const sign = order === 'asc' ? 1 : -1;
  const valueOf = (r: RunSummary) => mainMetric(r, preferred?.(r))?.value ?? NaN;
  return [...runs].sort((a, b) => {
    const c = compare(a, b, key, preferred);
    if (key === 'metric' && (Number.isNaN(valueOf(a)) || Number.isNaN(valueOf(b)))) return c;
    return sign * c || b.created_at - a.created_at;
  });
}

/**
 * A metric's summary with new points folded in, as the store's reader summarises it: `last` is the
 * value at the greatest step (a later point wins a tie), min and max skip NaN.
 */
export function foldPoints(summary: MetricSummary | undefined, steps: number[], values: JsonNumber[]): MetricSummary {
  let count = summary?.count ?? 0;
  let last = summary ? fromJsonNumber(summary.last) : NaN;
  let lastStep = summary ? (summary as MetricSummary & { last_step?: number }).last_step ?? -Infinity : -Infinity;
  let min = summary?.min === null || summary?.min === undefined ? NaN : fromJsonNumber(summary.min);
  let max = summary?.max === null || summary?.max === undefined ? NaN : fromJsonNumber(summary.max);
  steps.forEach((step, i) => {
    const v = fromJsonNumber(values[i]!);
    count++;
    if (step >= lastStep) {
      lastStep = step;
      last = v;
    }
    if (!Number.isNaN(v)) {
      min = Number.isNaN(min) ? v : Math.min(min, v);
      max = Number.isNaN(max) ? v : Math.max(max, v);
    }
  });
  const folded: MetricSummary & { last_step?: number } = { count, last: jsonNumber(last), min: Number.isNaN(min) ? null : jsonNumber(min), max: Number.isNaN(max) ? null : jsonNumber(max) };
  // Where `last` came from, so that later points compare against it (summaries from the daemon lack it,
  // and the next points of a live run always come after what it summarised).
  Object.defineProperty(folded, 'last_step', { value: lastStep, enumerable: false });
  return folded;
}

/** The runs of one source, kept current by the feed. */
export class RunSet {
  private readonly byId = new Map<string, RunSummary>();

  constructor(readonly source: string) {}

  reset(runs: RunSummary[]): void {
    this.byId.clear();
    for (const r of runs) this.byId.set(r.id, r);
  }

  /** Applies a feed event; true when the set changed (a `reset` event asks the caller to reload). */
  apply(event: StoreEvent): boolean {
    if (!('store' in event) || event.store !== this.source) return false;
    if (event.type === 'run-created' || event.type === 'run-updated') {
      this.byId.set(event.run.id, event.run);
      return true;
    }
    if (event.type === 'run-deleted') return this.byId.delete(event.run_id);
    if (event.type === 'metrics') {
      const run = this.byId.get(event.run_id);
      if (!run) return false;
      // Summaries are rank 0's (and rank-less writers'); another rank only adds itself to `ranks`.
      const rank = event.rank ?? null;
      const ranks = rank === null || (run.ranks ?? []).includes(rank) ? run.ranks : [...(run.ranks ?? []), rank].sort((a, b) => a - b);
      if (rank !== null && rank !== 0) {
        if (ranks === run.ranks) return false;
        this.byId.set(run.id, { ...run, ranks });
        return true;
      }
      this.byId.set(run.id, { ...run, ranks, metrics: { ...run.metrics, [event.key]: foldPoints(run.metrics[event.key], event.steps, event.values) } });
      return true;
    }
    return false;
  }

  get size(): number {
    return this.byId.size;
  }

  get(id: string): RunSummary | undefined {
    return this.byId.get(id);
  }

  all(): RunSummary[] {
    return [...this.byId.values()];
  }

  view(filter: RunFilter, key: SortKey, order: SortOrder): RunSummary[] {
    return sortRuns(this.all().filter((r) => matches(r, filter)), key, order);
  }
}
