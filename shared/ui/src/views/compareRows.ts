// The comparison of selected runs: params and final/min/max metrics side by side, with the params
// whose values differ between runs marked (like MLflow's compare view), and the parallel-coordinates
// chart of numeric params against one metric (like TensorBoard's HParams). Numbers read as they do
// on the charts (charts/numberFormat.ts).
import type { EChartsCoreOption } from 'echarts/core';
import { fromJsonNumber, type JsonNumber, type RunSummary } from '@runlane/protocol';
import type { ChartTheme } from '../charts/chartTypes.js';
import { formatTick, formatValue } from '../charts/numberFormat.js';
import { JOB_FACTS } from '../runs/editParams.js';

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
  return formatValue(fromJsonNumber(v)); // 'Infinity' reads +Inf, as on the charts
}

export function buildCompareRows(runs: RunSummary[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  for (const key of paramKeys) {
    const cells = runs.map((r) => text(r.params[key]));
    // How a job ran (target, workers, command) is no difference from a run that was not a job: only
    // jobs that ran differently are marked. A user's param missing in one run is a difference.
    const compared = JOB_FACTS.has(key) ? cells.filter((_, i) => runs[i]!.params[key] !== undefined) : cells;
    rows.push({ label: key, kind: 'param', cells, differs: new Set(compared).size > 1 });
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

export interface CompareHeader {
  label: string;
  /** The run's colour on the charts (legend and lines): the mark beside its name. */
  color: string;
  /** Said as a word beside the mark, not as a second colour that reads like the run's. */
  status: string;
  title: string;
}

/**
 * The table's column heads: each run's label (contract C5), marked with its chart colour. The marks
 * used to be status dots, all green for finished runs, which users read as run colours that did not
 * match the lines.
 */
export function compareHeaders(runs: RunSummary[], labels: string[], colors: Map<string, string>, keyOf: (r: RunSummary) => string, fallback: string): CompareHeader[] {
  return runs.map((r, i) => ({ label: labels[i]!, color: colors.get(keyOf(r)) ?? fallback, status: r.status, title: `${r.id} (${r.status})` }));
}

/** The numeric params whose value differs between the runs: a constant one is a flat line that says nothing. */
export function parallelParams(runs: RunSummary[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.params)))]
    .filter((k) => !JOB_FACTS.has(k)) // how a job ran (workers, GPUs) is no hyperparameter
    .filter((k) => runs.every((r) => r.params[k] === undefined || typeof r.params[k] === 'number'))
    .filter((k) => new Set(runs.map((r) => r.params[k])).size > 1)
    .sort();
}

const CHAR_WIDTH = 7; // px per character at 12px, a safe upper bound for axis names and labels

/**
 * Numeric params that vary (and the metric's last value) as parallel axes, one line per run. `width`
 * is the plot's: axis names wrap to the room between axes and the outer margins fit the first and
 * last names and the tick labels, so no label is cut off at the edge or drawn over its neighbour.
 */
export function buildParallelOption(runs: RunSummary[], metric: string, colors: Map<string, string>, keyOf: (r: RunSummary) => string, theme: ChartTheme, width = 800): EChartsCoreOption {
  const paramKeys = parallelParams(runs);
  const dims = [...paramKeys, metric];
  const names = dims.map((name, dim) => (dim === dims.length - 1 ? `${name} (last)` : name));
  const axisValues = (dim: number) =>
    runs.map((r) => (dim === dims.length - 1 ? lastNumber(r, metric) : (r.params[dims[dim]!] as number | undefined))).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const tickWidth = (dim: number) => Math.max(4, ...axisValues(dim).map((v) => formatValue(v).length + 2)) * CHAR_WIDTH + 12;
  const nameWidth = (name: string) => name.length * CHAR_WIDTH;
  const firstHalf = nameWidth(names[0]!) / 2;
  const lastHalf = nameWidth(names.at(-1)!) / 2;
  const left = Math.ceil(Math.max(24, Math.min(firstHalf, width / 4) + 8));
  const right = Math.ceil(Math.max(tickWidth(dims.length - 1), Math.min(lastHalf, width / 4) + 8));
  const between = dims.length > 1 ? (width - left - right) / (dims.length - 1) : width - left - right;
  const nameRoom = Math.max(60, Math.floor(between - 8));
  const axisStyle = {
    nameTextStyle: { color: theme.foreground, width: nameRoom, overflow: 'break', lineHeight: 14 },
    axisLine: { lineStyle: { color: theme.grid } },
    axisLabel: { color: theme.muted },
  };
  const lines = Math.max(...names.map((n) => Math.ceil(nameWidth(n) / nameRoom)));
  return {
    animation: false,
    textStyle: { color: theme.foreground, fontFamily: theme.fontFamily },
    parallel: { left, right, top: 22 + 14 * Math.min(lines, 4), bottom: 24 },
    parallelAxis: dims.map((_, dim) => {
      const magnitude = Math.max(0, ...axisValues(dim).map(Math.abs));
      // scale: each axis spans its values, not 0 to max (final losses of 0.68-0.70 fell on one point).
      return { dim, name: names[dim], scale: true, ...axisStyle, axisLabel: { ...axisStyle.axisLabel, formatter: (v: number) => formatTick(v, magnitude) } };
    }),
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
