// The runs table's columns: the fixed ones (status, name, duration, target, tags, note), one per param
// and one per metric (showing its last, min or max, chosen per column), built from the runs shown.
// DOM-free: the view, the sort, the filter values and the export all read cells through here.
import { fromJsonNumber, type MetricSummary, type RunSummary } from '@runlane/protocol';
import { targetOf } from '../common/targetLabels.js';
import { isRunlaneTag } from '../runs/runList.js';
import { formatDuration, formatNumber, formatParam, formatParamShort } from '../views/format.js';

export type MetricField = 'last' | 'min' | 'max';
export type ColumnKind = 'status' | 'name' | 'duration' | 'target' | 'tags' | 'note' | 'param' | 'metric';

export interface TableColumn {
  /** Stable id: `status`, `name`, …, `param:lr`, `metric:val/loss`. */
  id: string;
  kind: ColumnKind;
  /** The param or metric key; the id's own name for the fixed columns. */
  key: string;
  /** The header's text. */
  label: string;
}

export const FIXED_COLUMNS: readonly TableColumn[] = [
  { id: 'status', kind: 'status', key: 'status', label: 'status' },
  { id: 'name', kind: 'name', key: 'name', label: 'name' },
  { id: 'duration', kind: 'duration', key: 'duration', label: 'duration' },
  { id: 'target', kind: 'target', key: 'target', label: 'target' },
  { id: 'tags', kind: 'tags', key: 'tags', label: 'tags' },
  { id: 'note', kind: 'note', key: 'note', label: 'note' },
];

/** A run's free-text note ('' when it has none, or comes from a daemon older than notes). */
export function noteOf(run: RunSummary): string {
  return typeof run.note === 'string' ? run.note : '';
}

/** Every column the runs have, fixed ones first, then params and metrics by key. */
export function buildColumns(runs: Iterable<RunSummary>): TableColumn[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const run of runs) {
    for (const k in run.params) params.add(k);
    for (const k in run.metrics) metrics.add(k);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  // A param or metric named as a fixed column (a job's param `target` beside the built-in `target`) is marked too.
  const fixed = new Set(FIXED_COLUMNS.map((c) => c.key));
  return [
    ...FIXED_COLUMNS,
    // A param named as a metric (`loss = 2.0` captured beside the metric `loss`) is headed `loss (param)`:
    // two `loss` headers could not be told apart, in the grid or in an export. Bare `loss` filters the metric.
    ...[...params].sort(byName).map((k): TableColumn => ({ id: `param:${k}`, kind: 'param', key: k, label: metrics.has(k) || fixed.has(k) ? `${k} (param)` : k })),
    ...[...metrics].sort(byName).map((k): TableColumn => ({ id: `metric:${k}`, kind: 'metric', key: k, label: fixed.has(k) ? `${k} (metric)` : k })),
  ];
}

/** A cell's value for sorting and filtering: a number, a string, or null where the run has none. */
export type CellValue = number | string | null;

function metricValue(summary: MetricSummary | undefined, field: MetricField): number | null {
  if (!summary) return null;
  const raw = summary[field];
  if (raw === null) return null;
  const v = fromJsonNumber(raw);
  return Number.isNaN(v) ? null : v;
}

function paramValue(value: unknown): CellValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value && typeof value === 'object' && '$float' in value) return fromJsonNumber((value as { $float: 'NaN' | 'Infinity' | '-Infinity' }).$float);
  return formatParam(value);
}

/**
 * A run's tags as text. The tags column leaves out Runlane's own (`runlane.sweep=…`, `runlane.sweep.trial=5`):
 * they crowded every sweep trial's cell alike; `all` keeps them for full-text search.
 */
export function tagsText(run: RunSummary, all = false): string {
  return Object.entries(run.tags)
    .filter(([k]) => all || !isRunlaneTag(k))
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join(', ');
}

/** The value a column holds for a run (what sort and filter compare). */
export function cellValue(column: TableColumn, run: RunSummary, field: MetricField = 'last'): CellValue {
  switch (column.kind) {
    case 'status':
      return run.status;
    case 'name':
      return run.name;
    case 'duration':
      return run.duration;
    case 'target':
      return targetOf(run);
    case 'tags':
      return tagsText(run) || null;
    case 'note':
      return noteOf(run) || null;
    case 'param':
      return paramValue(run.params[column.key]);
    case 'metric':
      return metricValue(run.metrics[column.key], field);
  }
}

export { formatNumber };

/** A cell's text as shown (and exported). */
export function cellText(column: TableColumn, run: RunSummary, field: MetricField = 'last'): string {
  if (column.kind === 'duration') return run.duration === null ? '' : formatDuration(run.duration);
  if (column.kind === 'param') {
    const raw = run.params[column.key];
    return raw === undefined ? '' : formatParamShort(raw);
  }
  const v = cellValue(column, run, field);
  if (v === null) return '';
  return typeof v === 'number' ? formatNumber(v) : v;
}

/** A cell's tooltip: its whole text (a clipped cell), a metric's value unrounded; '' for an empty cell. */
export function cellTitle(column: TableColumn, run: RunSummary, field: MetricField = 'last'): string {
  if (column.kind === 'metric') {
    const v = cellValue(column, run, field);
    return v === null ? '' : String(v);
  }
  if (column.kind === 'param') {
    const raw = run.params[column.key];
    return raw === undefined ? '' : formatParam(raw);
  }
  return cellText(column, run, field);
}

/** A cell as an export writes it: metrics and params at full precision (the grid rounds them), the rest as shown. */
export function exportValue(column: TableColumn, run: RunSummary, field: MetricField = 'last'): CellValue {
  if (column.kind === 'metric') return cellValue(column, run, field);
  if (column.kind === 'param') return cellTitle(column, run, field);
  return cellText(column, run, field);
}

/**
 * A cell for the CSV, read by scripts: as exportValue, but a duration is its seconds as a number
 * ("2.5", its header "duration (s)"), not the table's "2.5 s" text a spreadsheet cannot add up.
 */
export function csvValue(column: TableColumn, run: RunSummary, field: MetricField = 'last'): CellValue {
  return column.kind === 'duration' ? run.duration : exportValue(column, run, field);
}

export function csvHeader(column: TableColumn, field: MetricField = 'last'): string {
  return column.kind === 'duration' ? `${column.label} (s)` : headerText(column, field);
}

/** The header's text: a metric column names its field when it is not the last value. */
export function headerText(column: TableColumn, field: MetricField = 'last'): string {
  return column.kind === 'metric' && field !== 'last' ? `${column.label} (${field})` : column.label;
}

/** Whether a column holds numbers (right-aligned). */
export function isNumeric(column: TableColumn): boolean {
  return column.kind === 'metric' || column.kind === 'duration';
}

/**
 * The values a filter expression (filterExpr.ts) reads for a run: params and metrics by key (a metric's last value;
 * `key.min`, `key.max`, `key.last` for the others; a param also as `params.key`), and status, name, tags, duration, target, note.
 */
export function rowValues(run: RunSummary): Record<string, CellValue | readonly string[]> {
  const values: Record<string, CellValue | readonly string[]> = {
    status: run.status,
    name: run.name,
    duration: run.duration,
    target: targetOf(run),
    // A list of each tag's name and `name=value`: `tags == "best"` finds a run tagged best (with any value).
    tags: Object.entries(run.tags).flatMap(([k, v]) => (v ? [k, `${k}=${v}`] : [k])),
    note: noteOf(run),
    id: run.id,
    experiment: run.experiment,
  };
  // `params.loss` reads the param even where a metric `loss` takes the bare name (the metric is set below).
  // A param or metric named as a built-in (`target`) leaves the bare name to the built-in: `params.target`, `target.last`.
  const builtIn = new Set(Object.keys(values));
  for (const [k, v] of Object.entries(run.params)) {
    const value = paramValue(v);
    values[`params.${k}`] = value;
    if (!builtIn.has(k)) values[k] = value;
  }
  for (const [k, s] of Object.entries(run.metrics)) {
    if (!builtIn.has(k)) values[k] = metricValue(s, 'last');
    values[`${k}.last`] = metricValue(s, 'last');
    values[`${k}.min`] = metricValue(s, 'min');
    values[`${k}.max`] = metricValue(s, 'max');
  }
  return values;
}

/** Every text of a run a full-text search looks in: name, id, experiment, tags, note, params. */
export function searchText(run: RunSummary): string {
  const parts = [run.name, run.id, run.experiment, run.status, tagsText(run, true), noteOf(run)];
  for (const [k, v] of Object.entries(run.params)) parts.push(`${k}=${formatParam(v)}`);
  return parts.join('\n').toLowerCase();
}
