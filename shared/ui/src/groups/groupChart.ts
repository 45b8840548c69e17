// A card's lines when runs are grouped: per group one line, the mean of its members, inside a min-max
// or ±std band; an expanded group also draws its members, thin, in the group's colour. Pure (tested
// without a browser; the benchmark charts 1,000 runs with it).
import type { RunSeries } from '../charts/chartTypes.js';
import { meanLabel } from '../charts/ranks.js';
import { aggregateSeries, bandOf, type BandKind } from './aggregate.js';
import type { RunGroup } from './groupRuns.js';

export interface GroupChartOptions {
  /** The charts' smoothing weight: applied to each member before the mean (aggregate.ts). */
  smoothing: number;
  band: BandKind;
  /** Keys of the groups whose members are drawn too. */
  expanded: ReadonlySet<string>;
  colors: ReadonlyMap<string, string>;
  /** Members' labels by run key (runLabel: duplicate names told apart). */
  labels: ReadonlyMap<string, string>;
}

export function groupLineLabel(group: RunGroup, members: number): string {
  return `${group.label} [${members === 1 ? '1 run' : `mean of ${members} runs`}]`;
}

/**
 * The lines of one card. `byRun` holds the card's series by run key (each run's primary series: a
 * job's rank 0, as the charts show by default). A group none of whose members logged this key has no
 * line on the card.
 */
export function groupCardSeries(groups: RunGroup[], byRun: ReadonlyMap<string, RunSeries>, opts: GroupChartOptions): RunSeries[] {
  const out: RunSeries[] = [];
  for (const group of groups) {
    const members = group.members.flatMap((rk) => byRun.get(rk) ?? []);
    if (members.length === 0) continue;
    const color = opts.colors.get(group.key) ?? '#888';
    const agg = aggregateSeries(members, opts.smoothing);
    // The faint line behind the smoothed one (as for a run) is the mean of the raw members.
    const raw = agg.rawMean;
    out.push({
      runKey: `group:${group.key}`,
      label: groupLineLabel(group, members.length),
      color,
      steps: agg.steps,
      times: agg.times,
      values: agg.mean,
      rank: null,
      band: bandOf(agg, opts.band),
      ...(raw ? { presmoothed: { raw } } : {}),
    });
    if (!opts.expanded.has(group.key)) continue;
    for (const m of members) {
      const rk = m.runKey;
      out.push({ ...m, runKey: `group:${group.key}:${rk}`, label: opts.labels.get(rk) ?? m.label, color, rank: null, member: true });
    }
  }
  return out;
}

/**
 * A job's ranks as their mean with a ±std band (the ranks' min-max band is ranks.ts's meanOverRanks),
 * on the union of the ranks' steps like every group.
 */
export function meanStdOverRanks(ranks: RunSeries[], runKey: string, label: string, color: string): RunSeries {
  const agg = aggregateSeries(ranks, 0);
  return { runKey, label: meanLabel(label, ranks.length), color, steps: agg.steps, times: agg.times, values: agg.mean, rank: null, band: bandOf(agg, 'std') };
}
