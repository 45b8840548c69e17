// The comparison of selected runs: params and final/min/max metrics side by side, with the params
// whose values differ between runs marked (like MLflow's compare view), and the parallel-coordinates
// chart of numeric params against one metric (like TensorBoard's HParams).
import type { EChartsCoreOption } from 'echarts/core';
import type { JsonNumber, RunSummary } from '@runlane/protocol';
import type { ChartTheme } from '../charts/chartTypes.js';

export interface CompareRow {
  label: string;
  kind: 'param' | 'metric';
  cells: string[];
  differs: boolean;
}

function text(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function num(v: JsonNumber | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return typeof v === 'number' ? String(Number(v.toPrecision(5))) : v;
}

export function buildCompareRows(runs: RunSummary[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  for (const key of paramKeys) {
    const cells = runs.map((r) => text(r.params[key]));
    rows.push({ label: key, kind: 'param', cells, differs: new Set(cells).size > 1 });
  }
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  for (const key of metricKeys) {
    for (const [what, pick] of [['last', (r: RunSummary) => r.metrics[key]?.last], ['min', (r: RunSummary) => r.metrics[key]?.min], ['max', (r: RunSummary) => r.metrics[key]?.max]] as const) {
      const cells = runs.map((r) => num(pick(r)));
      rows.push({ label: `${key} (${what})`, kind: 'metric', cells, differs: false });
    }
  }
  return rows;
}

/** Numeric params (and the metric's last value) as parallel axes, one line per run. */
export function buildParallelOption(runs: RunSummary[], metric: string, colors: Map<string, string>, keyOf: (r: RunSummary) => string, theme: ChartTheme): EChartsCoreOption {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))]
    .filter((k) => runs.every((r) => r.params[k] === undefined || typeof r.params[k] === 'number'))
    .sort();
  const dims = [...paramKeys, metric];
  const axisStyle = { nameTextStyle: { color: theme.foreground }, axisLine: { lineStyle: { color: theme.grid } }, axisLabel: { color: theme.muted } };
  return {
    animation: false,
    textStyle: { color: theme.foreground, fontFamily: theme.fontFamily },
    parallel: { left: 40, right: 90, top: 36, bottom: 24 },
    parallelAxis: dims.map((name, dim) => ({ dim, name: dim === dims.length - 1 ? `${name} (last)` : name, ...axisStyle })),
    series: runs.map((r) => ({
      type: 'parallel',
      name: r.name,
      lineStyle: { width: 2, color: colors.get(keyOf(r)) ?? theme.accent, opacity: 0.85 },
      data: [dims.map((d, i) => (i === dims.length - 1 ? lastNumber(r, metric) : (r.params[d] as number | undefined) ?? null))],
    })),
  };
}

function lastNumber(run: RunSummary, metric: string): number | null {
  const last = run.metrics[metric]?.last;
  return typeof last === 'number' ? last : null;
}
