// Opening the runs table in JupyterLab: the command `Open Runs Table` (palette; with an `experiment`
// argument, that experiment's table), a "Table" button beside the sidebar's Charts button (the
// selected runs when several are selected, else the selected run's experiment, else every run), and
// "Open Table of Experiment" on a run's context menu in the sidebar. Asking for a table that is open
// (the same experiment, or the same runs) brings its tab forward (tableTitle.ts says why).
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { ICommandPalette, IThemeManager } from '@jupyterlab/apputils';
import type { SourcedRun } from '@runlane/protocol';
import { tableKey, tableTitle, type RunRef, type TableScope } from '@runlane/ui';
import { CommandIds } from './commandIds';
import { TableWidget } from './panels/tableWidget';
import type { RunsSidebar } from './sidebar/runsSidebar';
import type { SourcesBridge } from './sources';

export interface TableHost {
  bridge: SourcesBridge;
  sidebar: RunsSidebar;
  themes: IThemeManager | null;
  palette: ICommandPalette | null;
  openCharts(runs: SourcedRun[]): void;
  openDetails(run: SourcedRun): void;
}

export function setUpRunsTable(app: JupyterFrontEnd, host: TableHost): void {
  const { sidebar } = host;
  const asSourced = (refs: RunRef[]): SourcedRun[] => refs.map((r) => sidebar.run(`${r.source}::${r.id}`)).filter((r): r is SourcedRun => r !== undefined);
  const openTables = new Map<string, TableWidget>();
  const open = (experiment: string | null, runs: RunRef[] | null) => {
    const scope: TableScope = { experiment, runs };
    const key = tableKey(scope);
    const already = openTables.get(key);
    if (already && !already.isDisposed) {
      app.shell.activateById(already.id);
      return already;
    }
    const named = (ref: RunRef) => sidebar.run(`${ref.source}::${ref.id}`)?.run ?? { name: ref.id, id: ref.id };
    const title = tableTitle(scope, named, sidebar.allRuns().map((r) => r.run));
    const widget = new TableWidget(host.bridge, scope, title, host.themes, {
      openCharts: (refs) => host.openCharts(asSourced(refs)),
      openDetails: (ref) => asSourced([ref]).forEach((r) => host.openDetails(r)),
    });
    openTables.set(key, widget);
    widget.disposed.connect(() => openTables.get(key) === widget && openTables.delete(key));
    app.shell.add(widget, 'main');
    app.shell.activateById(widget.id);
    return widget;
  };
  const experimentOf = () => (sidebar.contextRun ?? sidebar.selectedRuns()[0])?.run.experiment ?? null;
  app.commands.addCommand(CommandIds.openTable, {
    label: (args) => (typeof args.experiment === 'string' ? `Open Runs Table of “${args.experiment}”` : args.fromContext ? `Open Table of “${experimentOf() ?? 'this experiment'}”` : 'Open Runs Table'),
    caption: 'The runs as a table: every param and metric as a column, sort, filter, select, tag, export',
    execute: (args) => {
      if (typeof args.experiment === 'string') return open(args.experiment, null);
      if (args.fromContext) return open(experimentOf(), null);
      const selected = sidebar.selectedRuns();
      if (selected.length > 1) return open(null, selected.map((r) => ({ source: r.source, id: r.run.id })));
      return open(selected[0]?.run.experiment ?? null, null);
    },
  });
  app.contextMenu.addItem({ command: CommandIds.openTable, selector: '.rl-run-row', rank: 0.5, args: { fromContext: true } });
  host.palette?.addItem({ command: CommandIds.openTable, category: 'Runlane' });
  const button = document.createElement('button');
  button.className = 'rl-button rl-open-table';
  button.textContent = 'Table';
  button.title = 'Open the runs as a table (the selected runs; one selected: its experiment; none: every run)';
  button.addEventListener('click', () => void app.commands.execute(CommandIds.openTable));
  sidebar.chartsButtonNode.before(button);
}
