// What the Runs tree shows for a run, as plain data (the tree turns it into a TreeItem; tests read it
// without VS Code): label (runLabel: a short id mark when another run shown has the same name),
// description (tags, main metric, time, target), a tooltip with tags and params, the status icon and
// the context value that decides its menu.
import type { RunSummary } from '@runlane/protocol';
import { elapsedText, formatParam, formatValue, isRunlaneTag, mainMetric, rowTags, runlaneTagsText, runLabel, runTargetText, sweepIdOf, syncMark, trialMark } from '@runlane/ui';
import { errorSummary } from '../errorText';

export interface RunItemData {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon id and its theme colour id. */
  icon: { id: string; color: string | null };
  /**
   * `run`, then in this order as they apply: `.job`, `.live` (queued or running: cancel or stop),
   * `.notebook` (Go to Source Cell), `.script` (Open Script), `.readonly` (a TensorBoard or MLflow
   * server's run; without it a run can be pushed to a team store).
   */
  contextValue: string;
}

export interface RunItemOptions {
  now?: number;
  /** Names shared by two or more runs in view (duplicateNames). */
  duplicates?: Set<string>;
  /** The metric the user chose for the run's experiment. */
  preferredMetric?: string | null;
  /** A run of a TensorBoard log folder or an MLflow server: nothing to rename, tag, delete or push. */
  readonly?: boolean;
}

const ICONS: Record<string, { id: string; color: string | null }> = {
  running: { id: 'sync~spin', color: 'charts.blue' },
  queued: { id: 'clock', color: 'charts.blue' },
  finished: { id: 'pass-filled', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  crashed: { id: 'error', color: 'testing.iconFailed' },
  interrupted: { id: 'circle-slash', color: 'charts.yellow' },
  cancelled: { id: 'circle-slash', color: 'charts.orange' },
  // A sweep trial the pruner stopped early: purple, as the shared views' `pruned` pill.
  pruned: { id: 'filter', color: 'charts.purple' },
};

/** The metric a row shows: the one chosen for the experiment when the run has it, else the default. */
export function rowMetric(run: RunSummary, preferred?: string | null): { key: string; value: number } | null {
  return mainMetric(run, preferred);
}

/** Tags as people write them: `best`, `lr=high`. */
export function tagText(tags: Record<string, string>): string[] {
  return Object.entries(tags).map(([k, v]) => (v ? `${k}=${v}` : k));
}

export function runItem(run: RunSummary, options: RunItemOptions | number = {}): RunItemData {
  const { now = Date.now() / 1000, duplicates = new Set<string>(), preferredMetric = null, readonly = false } = typeof options === 'number' ? { now: options } : options;
  const metric = rowMetric(run, preferredMetric);
  const time = elapsedText(run, now);
  // Runlane's own tags (a sweep trial's `runlane.sweep.trial=5`...) get a quieter line of their own.
  const tags = tagText(Object.fromEntries(Object.entries(run.tags).filter(([k]) => !isRunlaneTag(k))));
  const runlane = runlaneTagsText(run);
  // A sweep's trials share a name: `trial 5` tells them apart.
  const trial = trialMark(run);
  // A TensorBoard run's `logdir` tag repeats the folder it is listed under: the tooltip keeps it.
  const shownTags = tagText(Object.fromEntries(rowTags(run)));
  // A local run pushed to a team store: where its sync stands ("not yet synced" while queued).
  const sync = syncMark(run);
  const description = [sync ? `${sync.state === 'synced' ? '☁' : '⇡'} ${sync.text}` : '', trial ?? '', shownTags.length ? shownTags.map((t) => `#${t}`).join(' ') : '', metric ? `${metric.key} ${formatValue(metric.value)}` : '', time, runTargetText(run)].filter(Boolean).join(' · ');
  const params = Object.entries(run.params).map(([k, v]) => `${k} = ${formatParam(v)}`);
  const tooltip = [
    runLabel(run, duplicates),
    `${run.status} · ${run.experiment} · ${run.id}`,
    ...(tags.length ? [`tags: ${tags.join(', ')}`] : []),
    ...(runlane ? [`runlane: ${runlane}`] : []),
    ...(params.length ? ['', ...params.slice(0, 30)] : []),
    // What happened and the exception, not a first line that ends at "Its last lines:".
    ...(run.error ? ['', ...errorSummary(run.error)] : []),
    ...(sync ? ['', sync.title] : []),
  ].join('\n');
  const live = run.status === 'running' || run.status === 'queued';
  const script = !run.notebook && (run.kind === 'script' || run.kind === 'job');
  // A read-only run (an MLflow server's, a TensorBoard folder's) is stopped by whoever writes it: no Stop here.
  // `.sweep` last (a sweep run or a trial: Open Sweep); the menus' other patterns read the same with it.
  const context = ['run', run.kind === 'job' && 'job', live && !readonly && 'live', run.notebook && 'notebook', script && 'script', readonly && 'readonly', sweepIdOf(run) !== null && 'sweep'].filter(Boolean).join('.');
  return {
    label: runLabel(run, duplicates),
    description,
    tooltip,
    icon: ICONS[run.status] ?? { id: 'circle-outline', color: null },
    contextValue: context,
  };
}
