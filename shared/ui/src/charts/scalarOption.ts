// buildScalarOption: one metric card as an echarts option, a pure function of data, settings and
// theme (so it is tested without a browser). Each run is drawn twice, TensorBoard-style: the raw
// series faint behind the smoothed one. NaN and +/-Inf cannot sit on a line; they are marked with
// triangles at the top (NaN, +Inf) or bottom (-Inf) of the plot instead of vanishing. A mean over a
// job's ranks carries its min-max band as a shaded area.
import type { EChartsCoreOption } from 'echarts/core';
import { formatTick, formatValue, tickDigits } from './numberFormat.js';
import { percentileRange } from './outliers.js';
import { rankDash } from './ranks.js';
import { smoothTensorBoard } from './smoothing.js';
import type { CardData, ChartSettings, ChartTheme, RunSeries } from './chartTypes.js';

export { formatValue } from './numberFormat.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
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

/**
 * The first and last x of the data: the axis ends where the data ends, not at the next round number
 * (a run that stopped at step 1,490 used to leave an empty tail to 2,000). Null without a span.
 */
export function xExtent(card: CardData, mode: ChartSettings['xAxis']): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of card.series) {
    if (s.steps.length === 0) continue;
    lo = Math.min(lo, xOf(s, 0, mode));
    hi = Math.max(hi, xOf(s, s.steps.length - 1, mode));
  }
  return Number.isFinite(lo) && hi > lo ? [lo, hi] : null;
}

function lineType(s: RunSeries): number[] | 'solid' {
  return rankDash(s.rank);
}

/** Whether a CSS colour (#rgb, #rrggbb or rgb()) is dark; unreadable colours count as light. */
export function isDark(color: string): boolean {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  const rgb = /^rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(color.trim());
  let channels: number[] | null = null;
  if (hex) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
    channels = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
  } else if (rgb) channels = rgb.slice(1, 4).map(Number);
  if (!channels) return false;
  return 0.2126 * channels[0]! + 0.7152 * channels[1]! + 0.0722 * channels[2]! < 128;
}

/**
 * How opaque a mean's min-max band is: clearly visible but light enough for the lines to read through
 * it. A colour at a given opacity shows less on a dark background, so the dark themes get more
 * (at 0.18 users did not see the band at all).
 */
export function bandOpacity(theme: ChartTheme): number {
  return isDark(theme.background) ? 0.4 : 0.28;
}

export function buildScalarOption(card: CardData, settings: ChartSettings, theme: ChartTheme): EChartsCoreOption {
  const log = settings.yScale === 'log';
  const smooth = settings.smoothing > 0;
  const allValues = card.series.flatMap((s) => (s.band ? [...s.values, ...s.band.lower, ...s.band.upper] : s.values));
  const finite = allValues.filter((v) => plottable(v, log) !== null);
  const range = settings.ignoreOutliers ? percentileRange(finite) : null;
  // A loop, not Math.max(...finite): a live series can outgrow the engine's argument limit.
  let [dataMin, dataMax] = [0, 0];
  let [lowest, highest] = [Infinity, -Infinity]; // the values' own extent, which need not reach 0
  for (const v of finite) {
    if (v < dataMin) dataMin = v;
    if (v > dataMax) dataMax = v;
    if (v < lowest) lowest = v;
    if (v > highest) highest = v;
  }
  const yTop = range ? range[1] : dataMax;
  const yBottom = range ? range[0] : dataMin;
  const series: object[] = [];
  const lookups: TooltipRun[] = [];
  for (const s of card.series) {
    const xs = s.values.map((_, i) => xOf(s, i, settings.xAxis));
    const smoothed = s.presmoothed ? s.values : smooth ? smoothTensorBoard(s.values, settings.smoothing) : null;
    lookups.push({ run: s, xs, shown: smoothed ?? s.values });
    // Points are [x, y] only: the tooltip looks the step and raw value up by index (fewer, smaller
    // arrays for echarts to process on every live update and zoom).
    const raw = (s.presmoothed?.raw ?? s.values).map((v, i) => [xs[i], plottable(v, log)]);
    if (s.band && !log) series.push(...bandSeries(s, xs, smooth && !s.presmoothed ? settings.smoothing : 0, bandOpacity(theme)));
    if (smoothed && !s.member) {
      series.push({
        id: `${s.runKey}:raw`, name: s.label, type: 'line', data: raw, showSymbol: false, silent: true, connectNulls: false,
        lineStyle: { width: 1, opacity: 0.25, color: s.color, type: lineType(s) }, itemStyle: { color: s.color }, z: 1, animation: false,
      });
    }
    const main = smoothed ? Array.from(smoothed, (v, i) => [xs[i], plottable(v, log)]) : raw;
    // A line needs two points: a series of one (an add_hparams metric, a final score) is drawn as a dot.
    const lonely = s.values.length < 2;
    series.push({
      id: `${s.runKey}:main`, name: s.label, type: 'line', data: main, showSymbol: lonely, symbolSize: lonely ? 7 : 4, connectNulls: false,
      lineStyle: { width: s.member ? 1 : 1.6, opacity: s.member ? 0.5 : 1, color: s.color, type: lineType(s) }, itemStyle: { color: s.color }, z: 2, animation: false,
      emphasis: { focus: 'series', lineStyle: { width: 2.4 } },
    });
    const marks = s.values.flatMap((v, i) =>
      Number.isFinite(v) ? [] : [{ value: [xs[i], v === -Infinity ? yBottom : yTop, s.steps[i], v], symbolRotate: v === -Infinity ? 180 : 0 }],
    );
    if (marks.length) {
      series.push({
        id: `${s.runKey}:nonfinite`, name: s.label, type: 'scatter', data: marks, symbol: 'triangle', symbolSize: 9,
        itemStyle: { color: s.color, borderColor: theme.foreground, borderWidth: 1 }, z: 3, animation: false,
      });
    }
  }
  const extent = xExtent(card, settings.xAxis);
  const magnitude = range ? Math.max(Math.abs(range[0]), Math.abs(range[1])) : Math.max(-dataMin, dataMax);
  const digits = tickDigits(magnitude, range ? range[1] - range[0] : highest - lowest);

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
      formatter: (params: unknown) => tooltipHtml((params as { axisValue?: number }[])[0]?.axisValue, lookups, smooth),
    },
    xAxis: {
      type: settings.xAxis === 'wall' ? 'time' : 'value',
      name: settings.xAxis === 'step' ? 'step' : settings.xAxis === 'relative' ? 'seconds' : '',
      nameLocation: 'end', nameGap: 4, nameTextStyle: { color: theme.muted, fontSize: 10, verticalAlign: 'top', padding: [18, 0, 0, 0] },
      scale: true,
      min: extent?.[0],
      max: extent?.[1],
      axisLine: { lineStyle: { color: theme.grid } },
      axisLabel: { color: theme.muted, hideOverlap: true, ...(settings.xAxis === 'relative' ? { formatter: (v: number) => formatValue(v) } : {}) },
      splitLine: { show: false },
    },
    yAxis: {
      type: log ? 'log' : 'value',
      scale: true,
      min: range ? range[0] : undefined,
      max: range ? range[1] : undefined,
      axisLine: { show: false },
      // With an outlier-free range the bounds are not round numbers: their labels would crowd the ticks.
      axisLabel: { color: theme.muted, formatter: (v: number) => formatTick(v, magnitude, digits), showMinLabel: !range, showMaxLabel: !range },
      splitLine: { lineStyle: { color: theme.grid, opacity: 0.6 } },
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none', zoomOnMouseWheel: true, moveOnMouseMove: false },
      { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 14, bottom: 6, borderColor: theme.grid, textStyle: { color: theme.muted }, showDetail: false },
    ],
    series,
  };
}

/**
 * The min-max band of a mean over ranks: an invisible lower line and the band's height stacked on it.
 * With smoothing on, the bounds are smoothed like the mean (the moving average keeps their order), so
 * the band surrounds the line drawn instead of the raw points the line no longer follows.
 */
function bandSeries(s: RunSeries, xs: number[], smoothing: number, opacity: number): object[] {
  const lower = smoothing > 0 ? smoothTensorBoard(s.band!.lower, smoothing) : s.band!.lower;
  const upper = smoothing > 0 ? smoothTensorBoard(s.band!.upper, smoothing) : s.band!.upper;
  const ok = (i: number) => Number.isFinite(lower[i]!) && Number.isFinite(upper[i]!);
  const stack = `${s.runKey}:band`;
  const common = { type: 'line', stack, stackStrategy: 'all', showSymbol: false, silent: true, connectNulls: false, animation: false, z: 0, lineStyle: { opacity: 0 } };
  return [
    { ...common, id: `${s.runKey}:band-lower`, name: s.label, data: xs.map((x, i) => [x, ok(i) ? lower[i]! : null]) },
    { ...common, id: `${s.runKey}:band`, name: s.label, data: xs.map((x, i) => [x, ok(i) ? upper[i]! - lower[i]! : null]), areaStyle: { color: s.color, opacity } },
  ];
}

/**
 * The card as a picture that stands alone (the PNG export): the metric's name as a title and a legend
 * of the runs' lines above the plot, without the zoom slider.
 */
export function buildExportOption(card: CardData, settings: ChartSettings, theme: ChartTheme, legendRows: number): EChartsCoreOption {
  const option = buildScalarOption(card, settings, theme) as Record<string, unknown>;
  const top = 36 + legendRows * 20;
  return {
    ...option,
    backgroundColor: theme.background,
    title: { text: card.key, left: 12, top: 8, textStyle: { color: theme.foreground, fontSize: 14, fontWeight: 600, fontFamily: theme.fontFamily } },
    legend: {
      data: card.series.map((s) => ({ name: s.label, itemStyle: { color: s.color }, lineStyle: { color: s.color }, ...dashIcon(rankDash(s.rank)) })),
      top: 32, left: 12, right: 12, icon: 'roundRect', itemWidth: 14, itemHeight: 4, textStyle: { color: theme.foreground, fontSize: 12 },
    },
    grid: { left: 56, right: 24, top, bottom: 32 },
    dataZoom: [],
    tooltip: undefined,
  };
}

/**
 * A legend icon drawn with a rank's dash (the picture has no tooltip to tell the ranks apart):
 * the dash pattern laid out as small bars along a 24-unit line. Solid lines keep the default icon.
 */
export function dashIcon(dash: number[] | 'solid'): { icon?: string } {
  if (dash === 'solid') return {};
  const bars: string[] = [];
  for (let x = 0, i = 0; x < 24; i++) {
    const len = dash[i % dash.length]!;
    if (i % 2 === 0) bars.push(`M${x},0h${Math.min(len, 24 - x)}v2h-${Math.min(len, 24 - x)}z`);
    x += len;
  }
  return { icon: `path://${bars.join('')}` };
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
 * Every run's value at the hovered x, largest first, as a small table whose columns say which value
 * is smoothed and which is raw. Runs are looked up here rather than taken from echarts' axis tooltip,
 * which lists only the series with a point at exactly the snapped x: runs downsampled into different
 * buckets would go missing. Names are escaped: they are user text.
 */
export function tooltipHtml(x: number | undefined, runs: TooltipRun[], smoothed: boolean): string {
  if (x === undefined) return '';
  const rows = runs
    .filter((r) => r.xs.length > 0)
    .map((r) => {
      const i = nearestIndex(r.xs, x);
      const band = r.run.band ? `${formatValue(r.run.band.lower[i]!)} – ${formatValue(r.run.band.upper[i]!)}` : '';
      return { name: r.run.label, color: r.run.color, dash: rankDash(r.run.rank), step: r.run.steps[i], shown: r.shown[i]!, raw: (r.run.presmoothed?.raw ?? r.run.values)[i]!, band };
    })
    .sort((a, b) => (Number.isFinite(b.shown) ? b.shown : -Infinity) - (Number.isFinite(a.shown) ? a.shown : -Infinity));
  if (rows.length === 0) return '';
  const anyBand = rows.some((r) => r.band);
  const cell = 'padding:1px 0 1px 12px;text-align:right;font-variant-numeric:tabular-nums';
  const headCell = `${cell};font-weight:normal;opacity:.7`;
  const head =
    `<tr><th style="text-align:left;font-weight:normal;opacity:.7">step ${escapeHtml(String(rows[0]!.step))}</th>` +
    (smoothed ? `<th style="${headCell}">smoothed</th><th style="${headCell}">raw</th>` : `<th style="${headCell}">value</th>`) +
    (anyBand ? `<th style="${headCell}">${runs.some((r) => r.run.band?.kind === 'std') ? 'mean ± 1 std' : 'min – max'}</th>` : '') +
    '</tr>';
  const body = rows
    .map((r) => {
      const dot = r.dash === 'solid'
        ? `<span style="display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:6px;background:${r.color}"></span>`
        : lineSampleSvg(r.color, r.dash); // a rank's line: its dash, as on the chart
      const values = smoothed ? `<td style="${cell}"><b>${formatValue(r.shown)}</b></td><td style="${cell};opacity:.75">${formatValue(r.raw)}</td>` : `<td style="${cell}"><b>${formatValue(r.raw)}</b></td>`;
      return `<tr><td>${dot}${escapeHtml(r.name)}</td>${values}${anyBand ? `<td style="${cell};opacity:.75">${r.band}</td>` : ''}</tr>`;
    })
    .join('');
  return `<table style="border-collapse:collapse">${head}${body}</table>`;
}

/**
 * A short line drawn as a card draws it (colour, dash), for the legend and the tooltip. Colours come
 * from the palette, never from user text.
 */
export function lineSampleSvg(color: string, dash: number[] | 'solid', band = false, bandAlpha = 0.28): string {
  const dashAttr = dash === 'solid' ? '' : ` stroke-dasharray="${dash.join(' ')}"`;
  const fill = band ? `<rect x="0" y="1" width="24" height="8" fill="${color}" fill-opacity="${bandAlpha}"/>` : '';
  return `<svg width="24" height="10" viewBox="0 0 24 10" style="vertical-align:middle;margin-right:6px;flex:none" aria-hidden="true">${fill}<line x1="0" y1="5" x2="24" y2="5" stroke="${color}" stroke-width="2"${dashAttr}/></svg>`;
}
