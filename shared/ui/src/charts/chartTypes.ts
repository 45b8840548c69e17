// The chart's own data model (kept apart from the wire shapes; converted once in seriesData.ts).
import type { BandKind } from '../groups/aggregate.js';
import type { GroupBy } from '../groups/groupRuns.js';

export type XAxisMode = 'step' | 'relative' | 'wall';

/**
 * Which workers' points a job run shows (contract C1): its primary series (rank 0, the default),
 * one line per rank, or the mean of the ranks with their min-max band.
 */
export type RankMode = 'primary' | 'all' | 'mean';

export interface ChartSettings {
  /** TensorBoard's smoothing weight, 0 (none) to 0.999. */
  smoothing: number;
  xAxis: XAxisMode;
  yScale: 'linear' | 'log';
  /** Off by default: a percentile range cut the first (largest) points of every loss curve. */
  ignoreOutliers: boolean;
  ranks: RankMode;
  /** Runs grouped into one line each (groups/): absent or `none` draws every run. */
  groupBy?: GroupBy;
  /** The band around a group's (or a job's ranks') mean: min-max (the default) or ±1 std. */
  band?: BandKind;
}

export const DEFAULT_SETTINGS: ChartSettings = { smoothing: 0.6, xAxis: 'step', yScale: 'linear', ignoreOutliers: false, ranks: 'primary' };

/** One run's points on one card, as plain numbers (NaN and +/-Infinity kept). */
export interface RunSeries {
  /** Unique per line on a card: the run key, with `#<rank>` or `#mean` for a job's other series. */
  runKey: string;
  label: string;
  color: string;
  steps: number[];
  times: number[];
  values: number[];
  /** The rank these points are from (null: the primary series or a mean over ranks). */
  rank?: number | null;
  /** A mean over ranks: each step's min and max over the ranks, drawn as a band around the line. */
  band?: { lower: number[]; upper: number[]; /** ±1 std around the mean instead of min-max (the tooltip says which). */ kind?: BandKind };
  /** A group's mean (groups/groupChart.ts): values and band are already smoothed member by member; `raw` is the mean of the raw members. */
  presmoothed?: { raw: number[] };
  /** A group's member line, drawn thin and translucent beside the group's mean. */
  member?: boolean;
}

export interface CardData {
  key: string;
  series: RunSeries[];
}

export interface ChartTheme {
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  accent: string;
  fontFamily: string;
}
