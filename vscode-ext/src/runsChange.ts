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
  const moved = before.name !== after.name || before.experiment !== after.experiment || before.status !== after.status;
  return moved ? EVERYTHING : { kind: 'run', source: runs.source, before, after };
}
