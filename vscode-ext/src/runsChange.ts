// What a feed event changed in the run list, so that views redraw only that: one run's row (new
// metrics, params or tags: nothing else shows them), or everything (a run created or deleted, or a
// name, experiment or status change, which moves rows, renumbers experiment counts, or changes how
// other rows with the same name are labelled).
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import type { RunSet } from '@runlane/ui';

export type RunsChange = { kind: 'run'; source: string; before: RunSummary; after: RunSummary } | { kind: 'all' };

export const EVERYTHING: RunsChange = { kind: 'all' };

/** Applies a feed event to a source's runs; what changed, or null when nothing did. */
export function applyEvent(runs: RunSet, event: StoreEvent): RunsChange | null {
  const id = event.type === 'metrics' ? event.run_id : event.type === 'run-updated' ? event.run.id : null;
  const before = id === null ? undefined : runs.get(id);
  if (!runs.apply(event)) return null;
  const after = id === null ? undefined : runs.get(id);
  if (!before || !after) return EVERYTHING;
  return moved(before, after) ? EVERYTHING : { kind: 'run', source: runs.source, before, after };
}

/** A change of name, experiment or status moves a row (or relabels its same-named peers). */
function moved(before: RunSummary, after: RunSummary): boolean {
  return before.name !== after.name || before.experiment !== after.experiment || before.status !== after.status;
}

/**
 * Replaces a source's runs with a fresh listing; what that changed: nothing ([]), some runs' own
 * data (one change each), or everything (runs added, removed or moved).
 */
export function relistChanges(runs: RunSet, listed: RunSummary[]): RunsChange[] {
  const before = new Map(runs.all().map((run) => [run.id, run]));
  runs.reset(listed);
  if (before.size !== listed.length) return [EVERYTHING];
  const changes: RunsChange[] = [];
  for (const after of listed) {
    const previous = before.get(after.id);
    if (!previous || moved(previous, after)) return [EVERYTHING];
    if (JSON.stringify(previous) !== JSON.stringify(after)) changes.push({ kind: 'run', source: runs.source, before: previous, after });
  }
  return changes;
}
