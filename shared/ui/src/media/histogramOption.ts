// The distributions view of a histogram card as an echarts option (TensorBoard's "distributions"):
// per run, the min-max, ±1.5σ, ±1σ and ±0.5σ percentile bands over steps, shaded darker inward, and
// the median as a line, in the run's colour. Bands are stacked areas: a transparent lower edge, then
// the band's height on top of it.
import type { EChartsCoreOption } from '../charts/echarts.js';
import type { ChartTheme } from '../charts/chartTypes.js';
import { formatValue as formatNumber } from '../charts/numberFormat.js';
import { bandSeries } from './histogramBands.js';
import type { HistogramRun } from './histogramTypes.js';

/** Percentile index pairs of the bands, outermost first, and each band's fill opacity. */
const BANDS: [number, number, number][] = [
  [0, 8, 0.12],
  [1, 7, 0.16],
  [2, 6, 0.2],
  [3, 5, 0.26],
];

export function distributionOption(runs: HistogramRun[], theme: ChartTheme): EChartsCoreOption {
  const series: object[] = [];
  for (const run of runs) {
    const { steps, percentiles } = bandSeries(run.steps);
    BANDS.forEach(([lo, hi, alpha], b) => {
      const stack = `${run.key}#${b}`;
      const common = { type: 'line', stack, symbol: 'none', silent: true, animation: false, lineStyle: { width: 0 }, z: 1 };
      series.push({ ...common, name: `${run.label} lower ${b}`, data: steps.map((s, i) => [s, percentiles[i]![lo]]) });
      series.push({
        ...common,
        name: `${run.label} band ${b}`,
        areaStyle: { color: run.color, opacity: alpha },
        data: steps.map((s, i) => [s, percentiles[i]![hi]! - percentiles[i]![lo]!]),
      });
    });
    series.push({ type: 'line', name: run.label, symbol: 'none', animation: false, lineStyle: { color: run.color, width: 1.5 }, itemStyle: { color: run.color }, z: 2, data: steps.map((s, i) => [s, percentiles[i]![4]]) });
  }
  const axis = { axisLine: { lineStyle: { color: theme.grid } }, axisLabel: { color: theme.muted, fontFamily: theme.fontFamily }, splitLine: { lineStyle: { color: theme.grid, opacity: 0.5 } } };
  return {
    animation: false,
    backgroundColor: 'transparent',
    grid: { left: 56, right: 16, top: 12, bottom: 28 },
    xAxis: { type: 'value', name: 'step', nameLocation: 'end', nameTextStyle: { color: theme.muted }, scale: true, ...axis, axisLabel: { ...axis.axisLabel, formatter: (v: number) => formatNumber(v) } },
    yAxis: { type: 'value', scale: true, ...axis, axisLabel: { ...axis.axisLabel, formatter: (v: number) => formatNumber(v) } },
    tooltip: {
      trigger: 'axis',
      confine: true,
      backgroundColor: theme.background,
      borderColor: theme.grid,
      textStyle: { color: theme.foreground, fontFamily: theme.fontFamily },
      // Only the medians (the band series are scaffolding). echarts shows a formatter's string as HTML:
      // the lines are escaped, run names included, and only the line breaks are markup.
      formatter: (params: { seriesName: string; value: [number, number] }[]) =>
        escapeHtml(params.filter((p) => !/ (lower|band) \d$/.test(p.seriesName)).map((p) => `${p.seriesName}: median ${formatNumber(p.value[1])} at step ${p.value[0]}`).join('\n')).replace(/\n/g, '<br>'),
    },
    series,
  };
}

/** echarts puts a formatter's string into the tooltip as HTML: user names are escaped first. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
