// One run's row in the Runs sidebar, filled in place (its elements stay: a double-click needs both
// clicks on the same ones). Line one: the status dot, the run's name, its tags and sync mark; line
// two: the facts (experiment, time, metric, target) and, with several folders shown, the folder's
// coloured mark. The mark sat on line one, where the sidebar's default width left the name a few
// letters short of whole; on line two it gives way to nothing a user reads first. On line one the
// name shrinks last (base.css): tags and the sync mark give way first. The full name is on hover.
import type { RunSummary, SourcedRun } from '@runlane/protocol';
import { elapsedText, formatValue, isRunlaneTag, rowTags, runlaneTagsText, runLabel, runTargetText, syncMark, trialMark } from '@runlane/ui';
import { div, input, text } from './dom';
import type { FolderMark } from './folderMarks';

export interface RowContext {
  /** The run's key (`source::id`). */
  key: string;
  selected: boolean;
  /** How the run's folder is named to the user. */
  sourceLabel: string;
  /** The metric the row shows (the user's choice for its experiment). */
  metric: { key: string; value: number } | null;
  /** The folder's mark, when several folders are shown. */
  mark: FolderMark | undefined;
  /** Names shared by runs shown (those get their short id). */
  duplicates: Set<string>;
}

interface RowParts {
  box: HTMLInputElement;
  status: HTMLElement;
  name: HTMLElement;
  tags: HTMLElement;
  facts: HTMLElement;
  folder: HTMLElement;
  sync: HTMLElement;
}

const rowParts = new WeakMap<HTMLElement, RowParts>();

function partsOf(row: HTMLElement): RowParts {
  let parts = rowParts.get(row);
  if (!parts) {
    const box = input('checkbox', 'rl-row-check', '');
    box.tabIndex = -1;
    const status = text('span', '');
    const name = text('span', '', 'rl-row-name');
    const tags = text('span', '', 'rl-row-tags');
    const facts = text('div', '', 'rl-row-facts');
    const folder = text('span', '', 'rl-row-folder');
    const sync = text('span', '', 'rl-row-sync');
    row.replaceChildren(box, div('rl-row-body', div('rl-row-line', status, name, tags, sync), div('rl-row-sub', facts, folder)));
    parts = { box, status, name, tags, facts, folder, sync };
    rowParts.set(row, parts);
  }
  return parts;
}

export function fillRunRow(row: HTMLElement, item: SourcedRun, ctx: RowContext): void {
  const { run } = item;
  const parts = partsOf(row);
  const { metric, mark } = ctx;
  row.className = `rl-vrow rl-run-row${ctx.selected ? ' rl-selected' : ''}`;
  row.dataset.runId = run.id;
  row.dataset.runKey = ctx.key;
  row.title = tooltip(run, ctx.sourceLabel);
  parts.box.checked = ctx.selected;
  parts.status.className = `rl-dot rl-dot-${run.status}`;
  parts.status.title = run.status;
  parts.name.textContent = runLabel(run, ctx.duplicates);
  // A sweep's trials share a name: `trial 5` tells them apart (their runlane.* tags are not chips).
  const trial = trialMark(run);
  const chips: [string, string][] = [...(trial ? [[trial, 'rl-tag rl-tag-trial'] as [string, string]] : []), ...rowTags(run).slice(0, 3).map(([k, v]): [string, string] => [v ? `${k}: ${v}` : k, 'rl-tag'])];
  // Replaced only when they change: a live run's row is filled again every second, and chips new
  // under the pointer between a double-click's two clicks made it no double-click.
  const shown = JSON.stringify(chips);
  if (parts.tags.dataset.shown !== shown) {
    parts.tags.dataset.shown = shown;
    parts.tags.replaceChildren(...chips.map(([label, className]) => text('span', label, className)));
  }
  parts.facts.textContent = [run.experiment, elapsedText(run), metric ? `${metric.key} ${formatValue(metric.value)}` : '', runTargetText(run)].filter(Boolean).join(' · ');
  // A local run pushed to a team store: where its sync stands ("not yet synced" while queued).
  const sync = syncMark(run);
  parts.sync.textContent = sync?.text ?? '';
  parts.sync.title = sync?.title ?? '';
  parts.sync.className = sync ? `rl-row-sync rl-sync-${sync.state}` : 'rl-row-sync';
  parts.sync.style.display = sync ? '' : 'none';
  parts.folder.textContent = mark?.text ?? '';
  parts.folder.className = mark ? `rl-row-folder rl-folder-${mark.colour}` : 'rl-row-folder';
  parts.folder.style.display = mark ? '' : 'none';
  parts.folder.title = mark ? `In ${item.source}` : '';
}

function tooltip(run: RunSummary, source: string): string {
  const params = Object.entries(run.params).map(([k, v]) => `  ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const tags = Object.entries(run.tags).filter(([k]) => !isRunlaneTag(k)).map(([k, v]) => (v ? `${k}: ${v}` : k));
  const runlane = runlaneTagsText(run);
  return [
    `${run.name} (${run.status})`,
    `${run.id} in ${source}`,
    ...(tags.length ? [`tags: ${tags.join(', ')}`] : []),
    ...(runlane ? [`runlane: ${runlane}`] : []),
    ...(params.length ? ['params:', ...params.slice(0, 20)] : []),
  ].join('\n');
}
