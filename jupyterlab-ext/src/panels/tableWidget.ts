// The shared runs table (shared/ui/src/table) in a main-area tab: an experiment's runs (live, new
// ones included, from every source shown: a TensorBoard or DVCLive folder or an MLflow server added
// after the tab opened too) or a fixed selection. CSV is downloaded by the browser, Markdown goes to
// the clipboard; selected runs open in a charts tab and a double-clicked run in its details tab.
import type { IThemeManager } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { RunsTable, type RunsTableActions, type TableScope } from '@runlane/ui';
import type { SourcesBridge } from '../sources';
import { followingSources } from './followingSources';
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

  /** `scope`: an experiment's runs (null: every run), or a fixed selection; `title`: the tab's (tableTitle). */
  constructor(bridge: SourcesBridge, readonly scope: TableScope, title: string, themes: IThemeManager | null, actions: Omit<RunsTableActions, 'saveText'>) {
    super();
    this.id = `runlane-table-${++counter}`;
    this.addClass('rl-table-widget');
    this.title.closable = true;
    this.title.label = title;
    const { experiment, runs } = scope;
    this.title.caption = runs ? `Runlane runs table of the ${runs.length} runs selected` : `Runlane runs table of ${experiment === null ? 'every run' : `the experiment “${experiment}”`}, live`;
    this.table = new RunsTable(this.node, followingSources(bridge), { experiment, runs, actions: { ...actions, saveText: (name, text) => downloadText(name, text) } });
    this.unfollow = followTheme(themes, (dark) => this.table.setDark(dark));
    void this.table.load();
  }

  /** Closing the tab ends the table (its feed, its frames): a plain Lumino widget is only detached on
   * close, which kept a closed table listening and made asking for it again bring back nothing. */
  protected override onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  override dispose(): void {
    this.unfollow();
    this.table.dispose();
    super.dispose();
  }
}

