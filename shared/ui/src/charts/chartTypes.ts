// The chart's own data model (kept apart from the wire shapes; converted once in seriesData.ts).

export type XAxisMode = 'step' | 'relative' | 'wall';

export interface ChartSettings {
  /** TensorBoard's smoothing weight, 0 (none) to 0.999. */
  smoothing: number;
  xAxis: XAxisMode;
  yScale: 'linear' | 'log';
  ignoreOutliers: boolean;
}

export const DEFAULT_SETTINGS: ChartSettings = { smoothing: 0.6, xAxis: 'step', yScale: 'linear', ignoreOutliers: true };

/** One run's points on one card, as plain numbers (NaN and +/-Infinity kept). */
export interface RunSeries {
  runKey: string;
  label: string;
  color: string;
  steps: number[];
  times: number[];
  values: number[];
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
