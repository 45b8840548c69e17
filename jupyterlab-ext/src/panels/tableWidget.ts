// The shared runs table (shared/ui/src/table) in a main-area tab: an experiment's runs (live, new
// ones included) or a fixed selection. CSV is downloaded by the browser, Markdown goes to the
// clipboard; selected runs open in a charts tab and a double-clicked run in its details tab.
import type { IThemeManager } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { RunsTable, type HostBridge, type RunRef, type RunsTableActions } from '@runlane/ui';
import { followTheme } from './themeWatcher';

let counter = 0;

/** Saves text as a file through the browser's download (JupyterLab has no save dialog for generated files). */
export function downloadText(fileName: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000); // the download has read it by then
}

export class TableWidget extends Widget {
  readonly table: RunsTable;
  private readonly unfollow: () => void;

  /** `experiment`: its runs (null: every run); `runs`: a fixed selection instead. */
  constructor(bridge: HostBridge, readonly experiment: string | null, readonly runs: RunRef[] | null, themes: IThemeManager | null, actions: Omit<RunsTableActions, 'saveText'>) {
    super();
    this.id = `runlane-table-${++counter}`;
    this.addClass('rl-table-widget');
    this.title.closable = true;
    this.title.label = runs ? `Table: ${runs.length} runs` : `Table: ${experiment ?? 'all runs'}`;
    this.title.caption = runs ? 'Runlane runs table of the selected runs' : `Runlane runs table of ${experiment === null ? 'every run' : `the experiment “${experiment}”`}`;
    this.table = new RunsTable(this.node, bridge, { experiment, runs, actions: { ...actions, saveText: (name, text) => downloadText(name, text) } });
    this.unfollow = followTheme(themes, (dark) => this.table.setDark(dark));
    void this.table.load();
  }

  override dispose(): void {
    this.unfollow();
    this.table.dispose();
    super.dispose();
  }
}
