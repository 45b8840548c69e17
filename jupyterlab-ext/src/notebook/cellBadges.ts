// A badge under a cell that produced runs: the newest run's name, status, main metric, and links to
// its details and charts; "N runs of this cell" opens the charts of all of them. Kept current by the
// sidebar's live run list. The cell's run-link output (runOutput.ts) is the same line, live, so the
// badge is shown only where the outputs carry no link of the newest run: outputs cleared, or a
// notebook opened from disk without them (a cell said it twice before, and the output line kept the
// old name after a rename).
import type { Cell, ICodeCellModel } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { RunSummary, SourcedRun } from '@runlane/protocol';
import { elapsedText, formatValue } from '@runlane/ui';
import { RUN_MIME } from '../runOutput';

export interface BadgeActions {
  openDetails(run: SourcedRun): void;
  openCharts(runs: SourcedRun[]): void;
  metric(run: RunSummary): { key: string; value: number } | null;
  /** Called when a cell's outputs or execution state change: whether it needs a badge may change. */
  cellChanged(): void;
}

/** The run ids the cell's outputs link to (contract C3). */
export function linkedRunIds(outputs: { data: Record<string, unknown> }[]): Set<string> {
  const ids = new Set<string>();
  for (const output of outputs) {
    const link = output.data[RUN_MIME] as { id?: unknown } | undefined;
    if (link && typeof link.id === 'string') ids.add(link.id);
  }
  return ids;
}

const watched = new WeakSet<object>();

/** Whether the cell shows no line of its newest run: no link in its outputs, and not running again. */
function needsBadge(cell: Cell, newest: string, actions: BadgeActions): boolean {
  if (cell.model.type !== 'code') return true;
  const model = cell.model as ICodeCellModel;
  if (!watched.has(model)) {
    watched.add(model);
    model.outputs.changed.connect(() => actions.cellChanged());
    model.stateChanged.connect((_, change) => change.name === 'executionState' && actions.cellChanged());
  }
  // While the cell runs again its old outputs are gone and the new run's line is about to come.
  // executionState came in JupyterLab 4.1: on 4.0 it is undefined, and the badge shows until the
  // new line arrives.
  if ((model as { executionState?: string }).executionState === 'running') return false;
  const outputs = Array.from({ length: model.outputs.length }, (_, i) => ({ data: model.outputs.get(i).data }));
  return !linkedRunIds(outputs).has(newest);
}

/** Every run of each cell of one notebook (absolute path as the helper records it), newest first. */
export function runsPerCell(runs: SourcedRun[], notebook: string): Map<string, SourcedRun[]> {
  const byCell = new Map<string, SourcedRun[]>();
  for (const item of runs) {
    if (item.run.notebook !== notebook || !item.run.cell_id) continue;
    const list = byCell.get(item.run.cell_id) ?? [];
    list.push(item);
    byCell.set(item.run.cell_id, list);
  }
  for (const list of byCell.values()) list.sort((a, b) => b.run.created_at - a.run.created_at);
  return byCell;
}

export function updateBadges(panel: NotebookPanel, notebook: string, runs: SourcedRun[], actions: BadgeActions): void {
  const perCell = runsPerCell(runs, notebook);
  for (const cell of panel.content.widgets) {
    const found = perCell.get(cell.model.id);
    let badge = cell.node.querySelector<HTMLElement>(':scope > .rl-cell-badge');
    if (!found || !needsBadge(cell, found[0]!.run.id, actions)) {
      badge?.remove();
      continue;
    }
    if (!badge) {
      badge = document.createElement('div');
      badge.className = 'rl-cell-badge';
      cell.node.appendChild(badge);
    }
    fill(badge, found, actions);
  }
}

function fill(badge: HTMLElement, runs: SourcedRun[], actions: BadgeActions): void {
  const newest = runs[0]!;
  const run = newest.run;
  const metric = actions.metric(run);
  const time = elapsedText(run);
  const dot = document.createElement('span');
  dot.className = `rl-dot rl-dot-${run.status}`;
  const name = document.createElement('span');
  name.className = 'rl-badge-name';
  name.textContent = run.name;
  const facts = document.createElement('span');
  facts.className = 'rl-muted';
  facts.textContent = [run.status, time, metric ? `${metric.key} ${formatValue(metric.value)}` : ''].filter(Boolean).join(' · ');
  badge.dataset.runId = run.id;
  const parts: HTMLElement[] = [dot, name, facts, link('Details', () => actions.openDetails(newest)), link('Charts', () => actions.openCharts([newest]))];
  if (runs.length > 1) {
    const all = link(`${runs.length} runs of this cell`, () => actions.openCharts(runs));
    all.classList.add('rl-badge-all');
    all.title = 'Open the charts of every run of this cell';
    parts.push(all);
  }
  badge.replaceChildren(...parts);
}

function link(label: string, onClick: () => void): HTMLElement {
  const a = document.createElement('button');
  a.className = 'rl-link';
  a.textContent = label;
  a.addEventListener('click', onClick);
  return a;
}
