// The sweep view's two charts: the best value so far by trials done, and the parallel coordinates of
// the params against the metric (the compare view's chart, buildParallelOption, reused) with the best
// trial drawn wide in the accent colour and the others muted, so it stands out among twenty lines.
import type { RunSummary } from '@runlane/protocol';
import type { ChartTheme } from '../charts/chartTypes.js';
import type { EChartsCoreOption } from '../charts/echarts.js';
import { buildParallelOption } from '../views/compareRows.js';
import type { SweepModel } from './trials.js';

export function bestSoFarOption(model: SweepModel, theme: ChartTheme): EChartsCoreOption {
  const metric = model.settings.metric ?? 'metric';
  return {
    animation: false,
    textStyle: { color: theme.foreground, fontFamily: theme.fontFamily },
    grid: { left: 64, right: 24, top: 28, bottom: 36 },
    tooltip: {
      trigger: 'axis',
      // Text only: the formatter's string is set as text by echarts' tooltip (renderMode 'richText').
      renderMode: 'richText',
      formatter: (items: { dataIndex: number }[]) => {
        const point = model.bestSoFar[items[0]?.dataIndex ?? -1];
        return point ? `after ${point.done} trials: ${metric} = ${point.value} (trial ${point.trial})` : '';
      },
    },
    xAxis: { type: 'value', name: 'trials done', nameLocation: 'middle', nameGap: 24, minInterval: 1, axisLabel: { color: theme.muted }, axisLine: { lineStyle: { color: theme.grid } } },
    yAxis: { type: 'value', name: `best ${metric} (${model.settings.mode})`, scale: true, axisLabel: { color: theme.muted }, splitLine: { lineStyle: { color: theme.grid } } },
    series: [{ type: 'line', step: 'end', symbolSize: 6, color: theme.accent, data: model.bestSoFar.map((p) => [p.done, p.value]) }],
  };
}

/** The trials that ended with a value (finished or pruned) or run now: the lines of the parallel chart. */
export function parallelTrials(model: SweepModel): RunSummary[] {
  return model.trials.filter((t) => t.value !== null).map((t) => t.ref.run);
}

export function sweepParallelOption(model: SweepModel, theme: ChartTheme, width: number): EChartsCoreOption | null {
  const metric = model.settings.metric;
  const runs = parallelTrials(model);
  if (!metric || runs.length < 2) return null;
  const best = model.best?.ref.run.id;
  const colors = new Map(runs.map((r) => [r.id, r.id === best ? theme.accent : theme.muted]));
  const option = buildParallelOption(runs, metric, colors, (r) => r.id, theme, width) as { series: { name: string; lineStyle: Record<string, unknown>; z?: number }[] };
  option.series.forEach((s, i) => {
    const isBest = runs[i]!.id === best;
    s.lineStyle = { ...s.lineStyle, width: isBest ? 4 : 1.5, opacity: isBest ? 1 : 0.45 };
    if (isBest) s.z = 10; // drawn over the others
  });
  return option;
}
