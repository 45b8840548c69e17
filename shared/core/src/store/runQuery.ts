// Filtering and sorting of run summaries (RunQuery), shared by the CLI and the daemon's index.
import { matchesSearch, RUN_STATUSES, type ExperimentSummary, type RunQuery, type RunStatus, type RunSummary } from '@runlane/protocol';
import { StoreError } from './names.js';

function compareBy(field: NonNullable<RunQuery['sort']>): (a: RunSummary, b: RunSummary) => number {
  return (a, b) => {
    const x = a[field];
    const y = b[field];
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  };
}

export function filterRuns(runs: RunSummary[], query: RunQuery = {}): RunSummary[] {
  const q = query.q;
  const statuses = query.status && query.status.length > 0 ? new Set(query.status) : null;
  const kept = runs.filter(
    (run) =>
      (query.experiment === undefined || run.experiment === query.experiment) &&
      (statuses === null || statuses.has(run.status)) &&
      (query.notebook === undefined || run.notebook === query.notebook) &&
      (query.cell_id === undefined || run.cell_id === query.cell_id) &&
      // The sidebar's words (matchesSearch), and param keys and values as plain text too.
      (q === undefined || matchesSearch(run, q, { params: true })),
  );
  const field = query.sort ?? 'created_at';
  const order = query.order ?? (field === 'created_at' ? 'desc' : 'asc');
  const compare = compareBy(field);
  // Ties fall back to newest first, so the order is stable across calls.
  kept.sort((a, b) => (order === 'asc' ? compare(a, b) : compare(b, a)) || b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
  return query.limit !== undefined && query.limit >= 0 ? kept.slice(0, query.limit) : kept;
}

export function summarizeExperiments(runs: RunSummary[]): ExperimentSummary[] {
  const byName = new Map<string, ExperimentSummary>();
  for (const run of runs) {
    const e = byName.get(run.experiment) ?? { name: run.experiment, run_count: 0, running_count: 0, last_created_at: 0 };
    e.run_count++;
    if (run.status === 'running' || run.status === 'queued') e.running_count++;
    e.last_created_at = Math.max(e.last_created_at, run.created_at);
    byName.set(run.experiment, e);
  }
  return [...byName.values()].sort((a, b) => b.last_created_at - a.last_created_at);
}

const SORT_FIELDS = ['created_at', 'name', 'status', 'duration', 'experiment'];

/** The query as text (CLI flags, URL parameters), checked: a bad value gets a sentence, code bad_query. */
export interface RunQueryText {
  experiment?: string;
  status?: string[];
  q?: string;
  sort?: string;
  order?: string;
  limit?: string;
  notebook?: string;
  cell_id?: string;
}

export function parseRunQuery(text: RunQueryText): RunQuery {
  const bad = (message: string): never => {
    throw new StoreError('bad_query', message);
  };
  const statuses = (text.status ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of statuses) {
    if (!(RUN_STATUSES as readonly string[]).includes(s)) bad(`Unknown status "${s}"; use one of ${RUN_STATUSES.join(', ')}.`);
  }
  if (text.sort !== undefined && !SORT_FIELDS.includes(text.sort)) bad(`Cannot sort by "${text.sort}"; use ${SORT_FIELDS.join(', ')}.`);
  if (text.order !== undefined && text.order !== 'asc' && text.order !== 'desc') bad(`The order is asc or desc, not "${text.order}".`);
  let limit: number | undefined;
  if (text.limit !== undefined) {
    limit = Number(text.limit);
    if (!Number.isInteger(limit) || limit < 0) bad(`The limit is a whole number, not "${text.limit}".`);
  }
  return {
    experiment: text.experiment,
    status: statuses.length ? (statuses as RunStatus[]) : undefined,
    q: text.q,
    sort: text.sort as RunQuery['sort'],
    order: text.order as RunQuery['order'],
    limit,
    notebook: text.notebook,
    cell_id: text.cell_id,
  };
}
