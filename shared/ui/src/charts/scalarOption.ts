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
  for (const s of card.series) {
    const smoothed = smooth ? smoothTensorBoard(s.values, settings.smoothing) : null;
    const raw = s.values.map((v, i) => [xOf(s, i, settings.xAxis), plottable(v, log), s.steps[i]]);
    if (smoothed) {
      series.push({
        id: `${s.runKey}:raw`, name: s.label, type: 'line', data: raw, showSymbol: false, silent: true, connectNulls: false,
        lineStyle: { width: 1, opacity: 0.25, color: s.color }, itemStyle: { color: s.color }, z: 1, animation: false,
      });
    }
    const main = smoothed ? Array.from(smoothed, (v, i) => [xOf(s, i, settings.xAxis), plottable(v, log), s.steps[i], s.values[i]]) : raw.map((p, i) => [...p, s.values[i]]);
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
  const labels = new Map(card.series.map((s) => [s.label, s.color]));
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
      formatter: (params: unknown) => tooltipHtml(params as TooltipParam[], labels),
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

interface TooltipParam {
  seriesId: string;
  seriesName: string;
  value: [number, number | null, number, number?];
}

/** Every run's value at the hovered x, largest first; names are escaped: they are user text. */
function tooltipHtml(params: TooltipParam[], colors: Map<string, string>): string {
  const rows = params
    .filter((p) => p.seriesId.endsWith(':main'))
    .map((p) => ({ name: p.seriesName, step: p.value[2], smoothed: p.value[1], raw: p.value[3] ?? p.value[1] }))
    .sort((a, b) => (b.smoothed ?? -Infinity) - (a.smoothed ?? -Infinity));
  if (rows.length === 0) return '';
  const head = `<div style="opacity:.7;margin-bottom:2px">step ${escapeHtml(String(rows[0]!.step))}</div>`;
  const body = rows
    .map((r) => {
      const dot = `<span style="display:inline-block;width:8px;height:8px;border-radius:4px;margin-right:6px;background:${colors.get(r.name) ?? '#888'}"></span>`;
      const raw = r.raw === null || r.raw === undefined ? '' : ` <span style="opacity:.6">(${formatValue(r.raw)})</span>`;
      return `<div>${dot}${escapeHtml(r.name)}: <b>${r.smoothed === null ? '-' : formatValue(r.smoothed)}</b>${raw}</div>`;
    })
    .join('');
  return head + body;
}
