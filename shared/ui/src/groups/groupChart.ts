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
  /**
   * Group lines computed before, reused while their members' series are the same objects with as many
   * points: a live point redraws its card, and only its run's group is aggregated again.
   */
  cache?: GroupLineCache;
}

export type GroupLineCache = Map<string, { signature: string; line: RunSeries }>;

const ids = new WeakMap<RunSeries, number>();
let nextId = 0;
/** A series object's identity (a zoom or a refetch replaces the object; a live point appends to it). */
function idOf(s: RunSeries): number {
  let id = ids.get(s);
  if (id === undefined) ids.set(s, (id = ++nextId));
  return id;
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
    // A sweep's run (the group's head) is drawn with its trials but is in the mean only on a card
    // no trial logged (its `sweep/best`): the trials' loss is not averaged with the controller's cpu.
    const head = group.head === undefined ? undefined : byRun.get(group.head);
    const summed = head === undefined ? members : members.filter((m) => m !== head);
    const meanOf = summed.length > 0 ? summed : members;
    const color = opts.colors.get(group.key) ?? '#888';
    const signature = `${opts.smoothing}|${opts.band}|${color}|${group.label}|${meanOf.map((m) => `${idOf(m)}:${m.values.length}`).join(',')}`;
    const cached = opts.cache?.get(group.key);
    if (cached?.signature === signature) out.push(cached.line);
    else {
      const line = groupLine(group, meanOf, color, opts);
      opts.cache?.set(group.key, { signature, line });
      out.push(line);
    }
    if (!opts.expanded.has(group.key)) continue;
    for (const m of members) {
      const rk = m.runKey;
      out.push({ ...m, runKey: `group:${group.key}:${rk}`, label: opts.labels.get(rk) ?? m.label, color, rank: null, member: true });
    }
  }
  return out;
}

function groupLine(group: RunGroup, members: RunSeries[], color: string, opts: GroupChartOptions): RunSeries {
  const agg = aggregateSeries(members, opts.smoothing);
  // The faint line behind the smoothed one (as for a run) is the mean of the raw members.
  const raw = agg.rawMean;
  return {
    runKey: `group:${group.key}`,
    label: groupLineLabel(group, members.length),
    color,
    steps: agg.steps,
    times: agg.times,
    values: agg.mean,
    rank: null,
    band: bandOf(agg, opts.band),
    ...(raw ? { presmoothed: { raw } } : {}),
  };
}

/**
 * A job's ranks as their mean with a ±std band (the ranks' min-max band is ranks.ts's meanOverRanks),
 * on the union of the ranks' steps like every group.
 */
export function meanStdOverRanks(ranks: RunSeries[], runKey: string, label: string, color: string): RunSeries {
  const agg = aggregateSeries(ranks, 0);
  return { runKey, label: meanLabel(label, ranks.length), color, steps: agg.steps, times: agg.times, values: agg.mean, rank: null, band: bandOf(agg, 'std') };
}
