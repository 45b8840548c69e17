// buildScalarOption: one metric card as an echarts option, a pure function of data, settings and
// theme (so it is tested without a browser). Each run is drawn twice, TensorBoard-style: the raw
// series faint behind the smoothed one. NaN and +/-Inf cannot sit on a line; they are marked with
// triangles at the top (NaN, +Inf) or bottom (-Inf) of the plot instead of vanishing.
import type { EChartsCoreOption } from 'echarts/core';
import { percentileRange } from './outliers.js';
import { smoothTensorBoard } from './smoothing.js';
import type { CardData, ChartSettings, ChartTheme, RunSeries } from './chartTypes.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

/** The x value of point i of a series in the chosen mode (wall time in ms for a time axis). */
export function xOf(series: RunSeries, i: number, mode: ChartSettings['xAxis']): number {
  if (mode === 'step') return series.steps[i]!;
  if (mode === 'wall') return series.times[i]! * 1000;
  return series.times[i]! - (series.times[0] ?? 0);
}

function plottable(v: number, log: boolean): number | null {
  if (!Number.isFinite(v)) return null;
  if (log && v <= 0) return null;
  return v;
}

export function buildScalarOption(card: CardData, settings: ChartSettings, theme: ChartTheme): EChartsCoreOption {
  const log = settings.yScale === 'log';
  const smooth = settings.smoothing > 0;
  const allValues = card.series.flatMap((s) => s.values);
  const finite = allValues.filter((v) => plottable(v, log) !== null);
  const range = settings.ignoreOutliers ? percentileRange(finite) : null;
  const yTop = range ? range[1] : Math.max(...finite, 0);
  const yBottom = range ? range[0] : Math.min(...finite, 0);
  const series: object[] = [];
  const lookups: TooltipRun[] = [];
  for (const s of card.series) {
    const smoothed = smooth ? smoothTensorBoard(s.values, settings.smoothing) : null;
    lookups.push({ run: s, xs: s.values.map((_, i) => xOf(s, i, settings.xAxis)), shown: smoothed ?? s.values });
    // Points are [x, y] only: the tooltip looks the step and raw value up by index (fewer, smaller
    // arrays for echarts to process on every live update and zoom).
    const raw = s.values.map((v, i) => [xOf(s, i, settings.xAxis), plottable(v, log)]);
    if (smoothed) {
      series.push({
        id: `${s.runKey}:raw`, name: s.label, type: 'line', data: raw, showSymbol: false, silent: true, connectNulls: false,
        lineStyle: { width: 1, opacity: 0.25, color: s.color }, itemStyle: { color: s.color }, z: 1, animation: false,
      });
    }
    const main = smoothed ? Array.from(smoothed, (v, i) => [xOf(s, i, settings.xAxis), plottable(v, log)]) : raw;
    series.push({
      id: `${s.runKey}:main`, name: s.label, type: 'line', data: main, showSymbol: false, connectNulls: false,
      lineStyle: { width: 1.6, color: s.color }, itemStyle: { color: s.color }, z: 2, animation: false,
      emphasis: { focus: 'series', lineStyle: { width: 2.4 } },
    });
    const marks = s.values.flatMap((v, i) =>
      Number.isFinite(v) ? [] : [{ value: [xOf(s, i, settings.xAxis), v === -Infinity ? yBottom : yTop, s.steps[i], v], symbolRotate: v === -Infinity ? 180 : 0 }],
    );
    if (marks.length) {
      series.push({
        id: `${s.runKey}:nonfinite`, name: s.label, type: 'scatter', data: marks, symbol: 'triangle', symbolSize: 9,
        itemStyle: { color: s.color, borderColor: theme.foreground, borderWidth: 1 }, z: 3, animation: false,
      });
    }
  }

  return {
    backgroundColor: 'transparent',
    animation: false,
    textStyle: { color: theme.foreground, fontFamily: theme.fontFamily },
    grid: { left: 56, right: 18, top: 14, bottom: 48 },
    tooltip: {
      trigger: 'axis',
      confine: true,
      backgroundColor: theme.background,
      borderColor: theme.grid,
      textStyle: { color: theme.foreground, fontSize: 12 },
      axisPointer: { type: 'line', lineStyle: { color: theme.muted } },
      formatter: (params: unknown) => tooltipHtml((params as { axisValue?: number }[])[0]?.axisValue, lookups),
    },
    xAxis: {
      type: settings.xAxis === 'wall' ? 'time' : 'value',
      name: settings.xAxis === 'step' ? 'step' : settings.xAxis === 'relative' ? 'seconds' : '',
      nameLocation: 'end', nameGap: 4, nameTextStyle: { color: theme.muted, fontSize: 10, verticalAlign: 'top', padding: [18, 0, 0, 0] },
      scale: true,
      axisLine: { lineStyle: { color: theme.grid } },
      axisLabel: { color: theme.muted, hideOverlap: true },
      splitLine: { show: false },
    },
    yAxis: {
      type: log ? 'log' : 'value',
      scale: true,
      min: range ? range[0] : undefined,
      max: range ? range[1] : undefined,
      axisLine: { show: false },
      // With an outlier-free range the bounds are not round numbers: their labels would crowd the ticks.
      axisLabel: { color: theme.muted, formatter: (v: number) => formatValue(v), showMinLabel: !range, showMaxLabel: !range },
      splitLine: { lineStyle: { color: theme.grid, opacity: 0.6 } },
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none', zoomOnMouseWheel: true, moveOnMouseMove: false },
      { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 14, bottom: 6, borderColor: theme.grid, textStyle: { color: theme.muted }, showDetail: false },
    ],
    series,
  };
}

interface TooltipRun {
  run: RunSeries;
  xs: number[];
  /** The values drawn as the main line (smoothed, or raw without smoothing). */
  shown: ArrayLike<number>;
}

/** Index of the point nearest to x in ascending xs (binary search). */
export function nearestIndex(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(xs[lo - 1]! - x) <= Math.abs(xs[lo]! - x) ? lo - 1 : lo;
}

/**
 * Every run's value at the hovered x, largest first. Runs are looked up here rather than taken from
 * echarts' axis tooltip, which lists only the series with a point at exactly the snapped x: runs
 * downsampled into different buckets would go missing. Names are escaped: they are user text.
 */
function tooltipHtml(x: number | undefined, runs: TooltipRun[]): string {
  if (x === undefined) return '';
  const rows = runs
    .filter((r) => r.xs.length > 0)
    .map((r) => {
      const i = nearestIndex(r.xs, x);
      return { name: r.run.label, color: r.run.color, step: r.run.steps[i], shown: r.shown[i]!, raw: r.run.values[i]! };
    })
    .sort((a, b) => (Number.isFinite(b.shown) ? b.shown : -Infinity) - (Number.isFinite(a.shown) ? a.shown : -Infinity));
  if (rows.length === 0) return '';
  const head = `<div style="opacity:.7;margin-bottom:2px">step ${escapeHtml(String(rows[0]!.step))}</div>`;
  const body = rows
    .map((r) => {
      const dot = `<span style="display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:6px;background:${r.color}"></span>`;
      const raw = r.raw === r.shown ? '' : ` <span style="opacity:.6">(${formatValue(r.raw)})</span>`;
      return `<div>${dot}${escapeHtml(r.name)}: <b>${formatValue(r.shown)}</b>${raw}</div>`;
    })
    .join('');
  return head + body;
}
