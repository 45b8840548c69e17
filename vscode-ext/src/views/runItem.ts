// What the Runs tree shows for a run, as plain data (the tree turns it into a TreeItem; tests read it
// without VS Code): label, description (main metric and time), a tooltip with params, the status icon
// and the context value that decides its menu.
import type { RunSummary } from '@runlane/protocol';
import { formatDuration, formatParam, formatValue, mainMetric, targetOf } from '@runlane/ui';

export interface RunItemData {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon id and its theme colour id. */
  icon: { id: string; color: string | null };
  /** `run`, `run-job` or `run-live-job` (a queued or running job can be cancelled). */
  contextValue: string;
}

const ICONS: Record<string, { id: string; color: string | null }> = {
  running: { id: 'sync~spin', color: 'charts.blue' },
  queued: { id: 'clock', color: 'charts.blue' },
  finished: { id: 'pass-filled', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  crashed: { id: 'error', color: 'testing.iconFailed' },
  interrupted: { id: 'circle-slash', color: 'charts.yellow' },
  cancelled: { id: 'circle-slash', color: 'charts.yellow' },
};

export function runItem(run: RunSummary, now = Date.now() / 1000): RunItemData {
  const metric = mainMetric(run);
  const time = run.status === 'running' && run.started_at ? formatDuration(now - run.started_at) : run.duration !== null ? formatDuration(run.duration) : '';
  const target = targetOf(run);
  const description = [metric ? `${metric.key} ${formatValue(metric.value)}` : '', time, target ? `on ${target}` : ''].filter(Boolean).join(' · ');
  const params = Object.entries(run.params).map(([k, v]) => `${k} = ${formatParam(v)}`);
  const tooltip = [`${run.name}`, `${run.status} · ${run.experiment} · ${run.id}`, ...(params.length ? ['', ...params.slice(0, 30)] : []), ...(run.error ? ['', run.error.split('\n')[0]!] : [])].join('\n');
  const job = run.kind === 'job';
  const live = run.status === 'running' || run.status === 'queued';
  return {
    label: run.name,
    description,
    tooltip,
    icon: ICONS[run.status] ?? { id: 'circle-outline', color: null },
    contextValue: job ? (live ? 'run-live-job' : 'run-job') : 'run',
  };
}
