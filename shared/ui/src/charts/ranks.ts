// A job's workers each log their own series (contract C1). These helpers name a rank's line and fold
// the ranks of one run into their mean with a min-max band.
import type { RankMode, RunSeries } from './chartTypes.js';

export function rankLabel(label: string, rank: number): string {
  return `${label} [rank ${rank}]`;
}

export function meanLabel(label: string, ranks: number): string {
  return `${label} [mean of ${ranks} ranks]`;
}

/** Rank lines of one run share its colour; the dash tells the ranks apart (rank 0 solid). */
const RANK_DASHES: (number[] | 'solid')[] = ['solid', [6, 3], [2, 2], [8, 3, 2, 3]];

export function rankDash(rank: number | null | undefined): number[] | 'solid' {
  return typeof rank === 'number' ? RANK_DASHES[rank % RANK_DASHES.length]! : 'solid';
}

/** One line of a run as the legend shows it: its label and how it is drawn. */
export interface LegendLine {
  label: string;
  dash: number[] | 'solid';
  /** A mean over ranks, drawn with its min-max band. */
  band: boolean;
}

/**
 * The legend's lines for one run, matching what the cards draw (chartsPanel's cardData): its name
 * alone, or with every rank each rank's own label and dash, or the mean's label with its band. Without
 * this the legend said only "ddp toy" beside a solid and a dashed line.
 */
export function legendLines(label: string, ranks: number[], mode: RankMode): LegendLine[] {
  if (mode === 'all' && ranks.length > 0) return ranks.map((rank) => ({ label: rankLabel(label, rank), dash: rankDash(rank), band: false }));
  if (mode === 'mean' && ranks.length > 1) return [{ label: meanLabel(label, ranks.length), dash: 'solid', band: true }];
  return [{ label, dash: 'solid', band: false }];
}

/**
 * A rank's value at `step`: its own point there, else the straight line between its neighbouring
 * points. Ranks are fetched downsampled, each into its own buckets, so their steps rarely coincide;
 * without this the "mean" at most steps would be one rank's value and the band would zigzag.
 * Undefined outside the rank's steps or next to a NaN/Inf point.
 */
function valueAt(steps: number[], values: number[], step: number): number | undefined {
  let lo = 0;
  let hi = steps.length - 1;
  if (hi < 0 || step < steps[0]! || step > steps[hi]!) return undefined;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  if (steps[lo] === step) return Number.isFinite(values[lo]!) ? values[lo] : undefined;
  const [s0, s1, v0, v1] = [steps[lo - 1]!, steps[lo]!, values[lo - 1]!, values[lo]!];
  if (!Number.isFinite(v0) || !Number.isFinite(v1)) return undefined;
  return v0 + ((v1 - v0) * (step - s0)) / (s1 - s0);
}

/**
 * The mean of the ranks at every step any rank logged, with the min and max beside it. A step where
 * no rank has a finite value is NaN (drawn as a gap); the time is the earliest rank's at that step.
 */
export function meanOverRanks(ranks: RunSeries[], runKey: string, label: string, color: string): RunSeries {
  const times = new Map<number, number>();
  for (const s of ranks) s.steps.forEach((step, i) => times.set(step, Math.min(times.get(step) ?? Infinity, s.times[i]!)));
  const steps = [...times.keys()].sort((a, b) => a - b);
  const values: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  for (const step of steps) {
    const at = ranks.map((s) => valueAt(s.steps, s.values, step)).filter((v): v is number => v !== undefined);
    values.push(at.length ? at.reduce((a, b) => a + b, 0) / at.length : NaN);
    lower.push(at.length ? Math.min(...at) : NaN);
    upper.push(at.length ? Math.max(...at) : NaN);
  }
  return { runKey, label: meanLabel(label, ranks.length), color, steps, times: steps.map((s) => times.get(s)!), values, rank: null, band: { lower, upper } };
}
