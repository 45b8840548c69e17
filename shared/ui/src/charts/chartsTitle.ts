// The title of a charts tab: the runs it shows by their labels (contract C5), so two tabs of two
// "baseline" runs no longer both read "Charts: 2 runs".
import type { RunSummary } from '@runlane/protocol';
import { duplicateNames, runLabel } from '../runs/runLabel.js';

type Named = Pick<RunSummary, 'name' | 'id'>;

const MAX_LENGTH = 48;

/**
 * `runs`: the runs the tab shows (null: all runs). `peers`: the other runs the user can see (the
 * sidebar's list), so a name shared with any of them gets its short id. `kind`: the tab's word (the
 * runs table's tabs are named the same way: "Table: a, b").
 */
export function chartsTitle(runs: Named[] | null, peers: Named[] = [], kind = 'Charts'): string {
  if (runs === null) return `${kind}: all runs`;
  if (runs.length === 0) return `${kind}: no runs`;
  const dup = duplicateNames([...peers, ...runs]);
  const labels = runs.map((r) => runLabel(r, dup));
  const all = `${kind}: ${labels.join(', ')}`;
  if (all.length <= MAX_LENGTH || runs.length === 1) return all;
  let shown = `${kind}: ${runs.length} runs (${labels[0]}, …)`;
  for (let n = 2; n < labels.length; n++) {
    const more = `${kind}: ${runs.length} runs (${labels.slice(0, n).join(', ')}, …)`;
    if (more.length > MAX_LENGTH) break;
    shown = more;
  }
  return shown;
}
