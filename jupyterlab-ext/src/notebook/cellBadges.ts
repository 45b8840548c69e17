// A badge under each cell that produced runs: the newest run's name, status, main metric, and links to
// its details and charts. Kept current by the sidebar's live run list.
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { RunSummary } from '@runlane/protocol';
import { formatDuration, formatValue, mainMetric } from '@runlane/ui';

export interface BadgeActions {
  openDetails(run: RunSummary): void;
  openCharts(run: RunSummary): void;
}

/** The newest run of each cell of one notebook (absolute path as the helper records it). */
export function newestRunPerCell(runs: RunSummary[], notebook: string): Map<string, { run: RunSummary; count: number }> {
  const byCell = new Map<string, { run: RunSummary; count: number }>();
  for (const run of runs) {
    if (run.notebook !== notebook || !run.cell_id) continue;
    const seen = byCell.get(run.cell_id);
    if (!seen) byCell.set(run.cell_id, { run, count: 1 });
    else byCell.set(run.cell_id, { run: run.created_at > seen.run.created_at ? run : seen.run, count: seen.count + 1 });
  }
  return byCell;
}

export function updateBadges(panel: NotebookPanel, notebook: string, runs: RunSummary[], actions: BadgeActions): void {
  const newest = newestRunPerCell(runs, notebook);
  for (const cell of panel.content.widgets) {
    const found = newest.get(cell.model.id);
    let badge = cell.node.querySelector<HTMLElement>(':scope > .rl-cell-badge');
    if (!found) {
      badge?.remove();
      continue;
    }
    if (!badge) {
      badge = document.createElement('div');
      badge.className = 'rl-cell-badge';
      cell.node.appendChild(badge);
    }
    fill(badge, found.run, found.count, actions);
  }
}

function fill(badge: HTMLElement, run: RunSummary, count: number, actions: BadgeActions): void {
  const metric = mainMetric(run);
  const time = run.status === 'running' && run.started_at ? formatDuration(Date.now() / 1000 - run.started_at) : run.duration !== null ? formatDuration(run.duration) : '';
  const dot = document.createElement('span');
  dot.className = `rl-dot rl-dot-${run.status}`;
  const name = document.createElement('span');
  name.className = 'rl-badge-name';
  name.textContent = run.name;
  const facts = document.createElement('span');
  facts.className = 'rl-muted';
  facts.textContent = [run.status, time, metric ? `${metric.key} ${formatValue(metric.value)}` : '', count > 1 ? `${count} runs of this cell` : ''].filter(Boolean).join(' · ');
  badge.dataset.runId = run.id;
  badge.replaceChildren(dot, name, facts, link('Details', () => actions.openDetails(run)), link('Charts', () => actions.openCharts(run)));
}

function link(label: string, onClick: () => void): HTMLElement {
  const a = document.createElement('button');
  a.className = 'rl-link';
  a.textContent = label;
  a.addEventListener('click', onClick);
  return a;
}
