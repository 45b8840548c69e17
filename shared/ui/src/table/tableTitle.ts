// Which runs table a tab shows, as both editors name and find it. Two tabs used to read "Table: 3
// runs" alike. Now a tab is named by what it shows (its experiment, "all runs", or its runs' labels as
// a charts tab is), and asking again for a table that is open brings that tab forward instead of a
// twin, as both editors do for a document already open: the table is live and keeps its layout per
// experiment, so a second copy of it could only drift from the first.
import type { RunRef, RunSummary } from '@runlane/protocol';
import { chartsTitle } from '../charts/chartsTitle.js';
import { runKey } from '../hostBridge.js';

type Named = Pick<RunSummary, 'name' | 'id'>;

/** What a table shows: an experiment's runs (null: every run), or a fixed selection (`runs`, winning). */
export interface TableScope {
  experiment: string | null;
  runs: RunRef[] | null;
}

/** The same key for the same table: one experiment, every run, or one set of runs in any order. */
export function tableKey(scope: TableScope): string {
  if (scope.runs) return `runs:${scope.runs.map(runKey).sort().join('\n')}`;
  return scope.experiment === null ? 'all' : `experiment:${scope.experiment}`;
}

/**
 * The tab's title. `named`: a selected run's name (its id when it is not known); `peers`: every run
 * the user can see, so same-named runs get their short id, as in the charts' titles.
 */
export function tableTitle(scope: TableScope, named: (ref: RunRef) => Named, peers: Named[] = []): string {
  if (scope.runs) return chartsTitle(scope.runs.map(named), peers, 'Table');
  return scope.experiment === null ? 'Table: all runs' : `Table: ${scope.experiment}`;
}
