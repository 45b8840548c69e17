// Filtering and sorting of run summaries (RunQuery), shared by the CLI and the daemon's index.
import type { ExperimentSummary, RunQuery, RunSummary } from '@runlane/protocol';

/** Text a run is found by in `q` searches: name, id, experiment, tags and param values. */
function searchText(run: RunSummary): string {
  const tags = Object.entries(run.tags).map(([k, v]) => `${k} ${v}`);
  const params = Object.entries(run.params).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [run.name, run.id, run.experiment, ...tags, ...params].join('\n').toLowerCase();
}

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
  const q = query.q?.toLowerCase();
  const statuses = query.status && query.status.length > 0 ? new Set(query.status) : null;
  const kept = runs.filter(
    (run) =>
      (query.experiment === undefined || run.experiment === query.experiment) &&
      (statuses === null || statuses.has(run.status)) &&
      (query.notebook === undefined || run.notebook === query.notebook) &&
      (query.cell_id === undefined || run.cell_id === query.cell_id) &&
      (q === undefined || searchText(run).includes(q)),
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
