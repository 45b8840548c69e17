// The title of a charts tab: its runs by their labels (contract C5), so two tabs of two "baseline"
// runs are told apart; long lists are cut to what fits a tab.
import { runLabel } from '@runlane/ui';

const MAX_LENGTH = 48;

/** `runs`: the tab's runs (null: all runs, following new ones); `dup`: names shared in view. */
export function chartsTabTitle(runs: { id: string; name: string }[] | null, dup: Set<string>): string {
  if (runs === null) return 'Charts: all runs';
  if (!runs.length) return 'Charts: no runs';
  const labels = runs.map((r) => runLabel(r, dup));
  const all = `Charts: ${labels.join(', ')}`;
  if (all.length <= MAX_LENGTH || runs.length === 1) return all;
  let title = `Charts: ${runs.length} runs (${labels[0]}, …)`;
  for (let n = 2; n < labels.length; n++) {
    const more = `Charts: ${runs.length} runs (${labels.slice(0, n).join(', ')}, …)`;
    if (more.length > MAX_LENGTH) break;
    title = more;
  }
  return title;
}
