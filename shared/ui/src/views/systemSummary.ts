// The run's system metrics (the Python helper's `system/*` samples: docs/python-helper.md) summed up
// in the details view: peak resident memory, and per GPU its mean utilisation, peak memory and mean
// power, with the CPU's mean and peak. Peaks are the metric summaries' max; means are not in the
// summaries, so they are read from the series, again only when a summary's point count has changed
// (a live run adds one point per interval, while the view re-renders twice a second).
import { fromJsonNumber, type MetricSeries, type RunDetail } from '@runlane/protocol';
import { formatValue } from '../charts/numberFormat.js';
import { el } from './dom.js';

export const SYSTEM_GROUP = 'system';

/** Chart groups in order: the user's groups by name, then ungrouped keys, then the system group. */
export function compareGroups(a: string, b: string): number {
  const rank = (g: string) => (g === SYSTEM_GROUP ? 2 : g === '' ? 1 : 0);
  return rank(a) - rank(b) || a.localeCompare(b);
}

export interface SystemRow {
  label: string;
  mean: string;
  peak: string;
}

interface Row {
  label: string;
  key: string;
  unit: string;
  mean: boolean;
}

/** The rows the run's system metrics give, GPUs in number order; [] when it has none. */
export function systemRowSpecs(metrics: RunDetail['metrics']): Row[] {
  const rows: Row[] = [];
  if (metrics['system/cpu_percent']) rows.push({ label: 'CPU', key: 'system/cpu_percent', unit: '%', mean: true });
  if (metrics['system/memory_mb']) rows.push({ label: 'Memory (RSS)', key: 'system/memory_mb', unit: ' MiB', mean: false });
  const gpus = [...new Set(Object.keys(metrics).map((k) => /^system\/gpu(\d+)\//.exec(k)?.[1]).filter((n): n is string => n !== undefined))];
  for (const n of gpus.sort((a, b) => Number(a) - Number(b))) {
    const add = (field: string, label: string, unit: string, mean: boolean) => {
      if (metrics[`system/gpu${n}/${field}`]) rows.push({ label: `GPU ${n} ${label}`, key: `system/gpu${n}/${field}`, unit, mean });
    };
    add('util', 'utilisation', '%', true);
    add('memory_mb', 'memory', ' MiB', false);
    add('power_w', 'power', ' W', true);
  }
  return rows;
}

/** Memory as nvidia-smi counts it (MiB), in GiB from 1 GiB on: an 80 GB GPU reads 79.6 GiB. */
export function mebibytes(v: number): string {
  return Math.abs(v) >= 1024 ? `${(v / 1024).toFixed(1)} GiB` : `${Math.round(v)} MiB`;
}

export function meanOf(series: Pick<MetricSeries, 'values'>): number | null {
  const values = series.values.map((v) => fromJsonNumber(v)).filter((v) => Number.isFinite(v));
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

/** The "System" section of a run's details; `refresh` re-renders it once a mean has been read. */
export class SystemSummary {
  private means = new Map<string, { count: number; mean: number | null }>();
  private reading = new Set<string>();

  constructor(
    private readonly readSeries: (key: string) => Promise<MetricSeries>,
    private readonly refresh: () => void,
  ) {}

  rows(run: RunDetail): SystemRow[] {
    return systemRowSpecs(run.metrics).map((row) => {
      const summary = run.metrics[row.key]!;
      const fmt = (v: number | null) => (v === null ? '—' : row.unit === ' MiB' ? mebibytes(v) : `${formatValue(v)}${row.unit}`);
      let mean = '';
      if (row.mean) {
        const known = this.means.get(row.key);
        if (!known || known.count !== summary.count) this.readMean(row.key, summary.count);
        mean = known ? fmt(known.mean) : '…';
      }
      return { label: row.label, mean, peak: fmt(summary.max === null ? null : fromJsonNumber(summary.max)) };
    });
  }

  /** The section, or null for a run without system metrics. */
  render(run: RunDetail): HTMLElement | null {
    const rows = this.rows(run);
    if (!rows.length) return null;
    const head = el('tr', {}, ...['', 'mean', 'peak'].map((h) => el('th', { textContent: h })));
    const body = rows.map((r) => el('tr', {}, el('td', { textContent: r.label }), el('td', { className: 'rl-num', textContent: r.mean }), el('td', { className: 'rl-num', textContent: r.peak })));
    const table = el('table', { className: 'rl-table rl-system-summary' }, el('thead', {}, head), el('tbody', {}, ...body));
    // A job's ranks each sample their own processes and GPUs; the summaries are rank 0's.
    const note = run.ranks.length > 1 ? el('div', { className: 'rl-muted', textContent: 'Rank 0; each rank\'s series are in the charts.' }) : null;
    return el('div', {}, table, ...(note ? [note] : []));
  }

  private readMean(key: string, count: number): void {
    if (this.reading.has(key)) return;
    this.reading.add(key);
    this.readSeries(key).then(
      (series) => {
        this.means.set(key, { count, mean: meanOf(series) });
        this.reading.delete(key);
        this.refresh();
      },
      () => {
        this.means.set(key, { count, mean: null }); // not retried until the next point arrives
        this.reading.delete(key);
      },
    );
  }
}
