// Runlane for JupyterLab: the Runs sidebar, charts and run-details tabs, "Run Cell as Experiment"
// (palette, context menu, cell toolbar, Accel+Shift+Enter), badges under cells that made runs, and the
// notebook toolbar's automatic-tracking switch. Everything reaches the daemon through the Jupyter
// server (runlane_jupyterlab's handlers).
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Clipboard, Dialog, ICommandPalette, InputDialog, IThemeManager, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';
import type { RunDetail, RunSummary } from '@runlane/protocol';
import { applyParamsToSource, editableParams, parseEditedParams, type ChartSettings } from '@runlane/ui';
import { CommandIds } from './commandIds';
import { RunlaneConnection } from './connection';
import { runlaneIcon } from './icon';
import { createAutoTrackingSwitch } from './notebook/autoTrackingToolbar';
import { updateBadges } from './notebook/cellBadges';
import type { AutoMode } from './notebook/kernelHelper';
import { loadHelper } from './notebook/kernelHelper';
import { runCellAsExperiment } from './notebook/runCell';
import { ChartsWidget } from './panels/chartsWidget';
import { DetailsWidget } from './panels/detailsWidget';
import { RunsSidebar } from './sidebar/runsSidebar';

const PLUGIN_ID = 'runlane-jupyterlab:plugin';

/** A dialog with a multi-line text box; the text, or null when cancelled. */
async function editText(title: string, text: string, okLabel: string): Promise<string | null> {
  const body = new Widget();
  const area = document.createElement('textarea');
  area.className = 'rl-edit-json';
  area.value = text;
  area.rows = Math.min(16, text.split('\n').length + 1);
  body.node.appendChild(area);
  const answer = await showDialog({ title, body, buttons: [Dialog.cancelButton(), Dialog.okButton({ label: okLabel })], focusNodeSelector: 'textarea' });
  return answer.button.accept ? area.value : null;
}

interface Settings {
  store: string;
  autoTracking: AutoMode;
  threshold: number;
  smoothing: number;
  xAxis: ChartSettings['xAxis'];
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Runlane: experiment tracking and GPU jobs in JupyterLab',
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager],
  optional: [ICommandPalette, ISettingRegistry, IThemeManager, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    docs: IDocumentManager,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null,
    themes: IThemeManager | null,
  ) => {
    // Registered before anything is awaited: the cell toolbar and the shortcut look the command up
    // as soon as a notebook opens.
    let settingsReady: (value: void) => void = () => {};
    const settingsLoaded = new Promise<void>((resolve) => (settingsReady = resolve));
    const connecting = settingsLoaded.then(() => RunlaneConnection.open(settings.store));
    app.commands.addCommand(CommandIds.runCellAsExperiment, {
      label: 'Run Cell as Experiment',
      caption: 'Run this cell as a tracked Runlane run, in this kernel or as a job on a target',
      icon: runlaneIcon,
      isEnabled: () => notebooks.activeCell?.model.type === 'code',
      isVisible: () => notebooks.activeCell?.model.type !== 'markdown',
      execute: async (args) => {
        const panel = notebooks.currentWidget;
        if (!panel) return;
        try {
          await runCellAsExperiment(panel, await connecting, args.pick !== false);
        } catch (err) {
          await showErrorMessage('Run Cell as Experiment', (err as Error).message);
        }
      },
    });

    const settings: Settings = { store: '', autoTracking: 'off', threshold: 10, smoothing: 0.6, xAxis: 'step' };
    if (registry) {
      try {
        const loaded = await registry.load(PLUGIN_ID);
        const read = () => Object.assign(settings, loaded.composite as Partial<Settings>);
        read();
        loaded.changed.connect(read);
      } catch (err) {
        console.warn('Runlane: settings could not be loaded; using the defaults.', err);
      }
    }

    settingsReady();
    let connection: RunlaneConnection;
    try {
      connection = await connecting;
    } catch (err) {
      const broken = new Widget();
      broken.id = 'runlane-runs';
      broken.title.icon = runlaneIcon;
      broken.title.caption = 'Runlane';
      broken.addClass('rl-sidebar');
      broken.node.textContent = `Runlane is not available: ${(err as Error).message}`;
      app.shell.add(broken, 'left', { rank: 600 });
      return;
    }

    const sidebar = new RunsSidebar(connection);
    sidebar.title.icon = runlaneIcon;
    app.shell.add(sidebar, 'left', { rank: 600 });
    void sidebar.load();

    const chartSettings = (): Partial<ChartSettings> => ({ smoothing: settings.smoothing, xAxis: settings.xAxis });
    const ref = (run: { id: string }) => ({ source: connection.source, id: run.id });
    const openCharts = (runs: RunSummary[] | null) => {
      const widget = new ChartsWidget(connection, runs ? runs.map(ref) : null, themes, chartSettings());
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    };
    const details = new Map<string, DetailsWidget>();
    const openDetails = (run: RunSummary): DetailsWidget => {
      let widget = details.get(run.id);
      if (!widget || widget.isDisposed) {
        widget = new DetailsWidget(connection, ref(run), run.name, themes, {
          openCharts: () => openCharts([run]),
          openSource: (detail) => void goToCell(detail),
        });
        details.set(run.id, widget);
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(widget.id);
      return widget;
    };
    const goToCell = async (run: RunSummary | RunDetail): Promise<NotebookPanel | null> => {
      const path = run.notebook ? connection.relativePath(run.notebook) : null;
      if (!path) {
        await showErrorMessage('Go to cell', `The notebook of this run (${run.notebook ?? 'none'}) is not under this server's folder.`);
        return null;
      }
      const panel = docs.openOrReveal(path) as NotebookPanel | undefined;
      if (!panel) return null;
      await panel.context.ready;
      const index = panel.content.widgets.findIndex((c) => c.model.id === run.cell_id);
      if (index < 0) {
        await showErrorMessage('Go to cell', `The cell ${run.cell_id} is no longer in ${path}.`);
        return panel;
      }
      panel.content.activeCellIndex = index;
      await panel.content.scrollToItem(index, 'center');
      return panel;
    };

    // The run a command acts on: the one given by id (badges, palette), else the context menu's,
    // else the sidebar's selection.
    const target = (args: { id?: unknown }): RunSummary | null =>
      (typeof args.id === 'string' ? (sidebar.run(args.id) ?? null) : null) ?? sidebar.contextRun ?? sidebar.selectedRuns()[0] ?? null;
    const guard = (label: string, action: (run: RunSummary) => Promise<unknown> | unknown) => (args: { id?: unknown }) => {
      const run = target(args);
      if (!run) return showErrorMessage(label, 'Select a run in the Runs panel first.');
      return Promise.resolve(action(run)).catch((err: Error) => showErrorMessage(label, err.message));
    };

    const { commands } = app;
    commands.addCommand(CommandIds.openRuns, { label: 'Show Runs', icon: runlaneIcon, execute: () => app.shell.activateById(sidebar.id) });
    commands.addCommand(CommandIds.refresh, { label: 'Refresh Runs', execute: () => sidebar.load() });
    commands.addCommand(CommandIds.openCharts, {
      label: (args) => (args.all ? 'Open Charts of All Runs' : 'Open Charts'),
      execute: (args) => openCharts(args.all ? null : typeof args.id === 'string' && sidebar.run(args.id) ? [sidebar.run(args.id)!] : sidebar.selection()),
    });
    commands.addCommand(CommandIds.openDetails, { label: 'Open Details', execute: guard('Open details', (run) => openDetails(run)) });
    commands.addCommand(CommandIds.showLogs, { label: 'Show Logs', execute: guard('Show logs', (run) => openDetails(run).showLogs()) });
    commands.addCommand(CommandIds.goToCell, { label: 'Go to Source Cell', execute: guard('Go to cell', (run) => goToCell(run)) });
    commands.addCommand(CommandIds.copyId, { label: 'Copy Run Id', execute: guard('Copy run id', (run) => Clipboard.copyToSystem(run.id)) });
    commands.addCommand(CommandIds.rename, {
      label: 'Rename…',
      execute: guard('Rename', async (run) => {
        const answer = await InputDialog.getText({ title: 'Rename run', text: run.name, okLabel: 'Rename' });
        if (answer.button.accept && answer.value && answer.value !== run.name) await connection.bridge.updateRun(ref(run), { name: answer.value });
      }),
    });
    commands.addCommand(CommandIds.tag, {
      label: 'Tag…',
      execute: guard('Tag', async (run) => {
        const answer = await InputDialog.getText({ title: 'Tag run', placeholder: 'name, or name=value; -name removes it', okLabel: 'Tag' });
        const text = answer.value?.trim();
        if (!answer.button.accept || !text) return;
        const tags = text.startsWith('-') ? { [text.slice(1)]: null } : { [text.split('=')[0]!.trim()]: text.includes('=') ? text.slice(text.indexOf('=') + 1).trim() : '' };
        await connection.bridge.updateRun(ref(run), { tags });
      }),
    });
    commands.addCommand(CommandIds.delete, {
      label: 'Delete…',
      execute: guard('Delete', async (run) => {
        const runs = sidebar.selectedRuns().some((r) => r.id === run.id) ? sidebar.selectedRuns() : [run];
        const answer = await showDialog({
          title: runs.length === 1 ? 'Delete run' : `Delete ${runs.length} runs`,
          body: `${runs.map((r) => r.name).slice(0, 5).join(', ')}${runs.length > 5 ? '…' : ''} will move to the store's trash folder (nothing is erased).`,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
        });
        if (answer.button.accept) for (const r of runs) await connection.bridge.deleteRun(ref(r));
      }),
    });
    commands.addCommand(CommandIds.cancel, {
      label: 'Cancel Job',
      isEnabled: () => ['running', 'queued'].includes(target({})?.status ?? '') && target({})?.kind === 'job',
      execute: guard('Cancel job', (run) => connection.bridge.cancelJob(ref(run))),
    });
    commands.addCommand(CommandIds.rerun, {
      label: 'Re-run with Edited Params…',
      execute: guard('Re-run', async (run) => {
        const params = editableParams(run.params);
        const text = await editText(`Re-run “${run.name}” with these params`, JSON.stringify(params, null, 1), 'Re-run');
        if (text === null) return;
        const edited = parseEditedParams(text);
        if (run.kind === 'job') {
          await connection.bridge.rerunJob(ref(run), edited);
          return;
        }
        const panel = await goToCell(run);
        const cell = panel?.content.activeCell;
        if (!panel || !cell || cell.model.id !== run.cell_id) return;
        const { source, unused } = applyParamsToSource(cell.model.sharedModel.getSource(), edited);
        if (unused.length) throw new Error(`The cell assigns no ${unused.join(', ')} at its top level; edit the cell instead.`);
        cell.model.sharedModel.setSource(source);
        await loadHelper(panel.sessionContext);
        await NotebookActions.run(panel.content, panel.sessionContext);
      }),
    });
    sidebar.openRequested.connect((_, run) => openDetails(run));
    sidebar.chartsButtonNode.addEventListener('click', () => openCharts(sidebar.selection()));

    for (const [command, rank] of [
      [CommandIds.openCharts, 0],
      [CommandIds.openDetails, 1],
      [CommandIds.showLogs, 2],
      [CommandIds.goToCell, 3],
      [CommandIds.copyId, 4],
      [CommandIds.rename, 5],
      [CommandIds.tag, 6],
      [CommandIds.rerun, 7],
      [CommandIds.cancel, 8],
      [CommandIds.delete, 9],
    ] as const) {
      app.contextMenu.addItem({ command, selector: '.rl-run-row', rank });
    }
    app.contextMenu.addItem({ command: CommandIds.runCellAsExperiment, selector: '.jp-Notebook .jp-CodeCell', rank: 0 });
    for (const command of [CommandIds.runCellAsExperiment, CommandIds.openRuns, CommandIds.openCharts, CommandIds.refresh]) {
      palette?.addItem({ command, category: 'Runlane', args: command === CommandIds.openCharts ? { all: true } : {} });
    }

    // Badges under the cells of every open notebook, current with the live run list.
    const absolute = (panel: NotebookPanel) => connection.absolutePath(panel.context.path);
    const refreshBadges = () => {
      notebooks.forEach((panel) =>
        updateBadges(panel, absolute(panel), sidebar.allRuns(), { openDetails: (run) => openDetails(run), openCharts: (run) => openCharts([run]) }),
      );
    };
    sidebar.runsChanged.connect(refreshBadges);
    notebooks.widgetAdded.connect((_, panel) => {
      void panel.context.ready.then(refreshBadges);
      panel.content.model?.cells.changed.connect(refreshBadges);
      panel.toolbar.insertItem(10, 'runlaneTracking', createAutoTrackingSwitch(panel, () => settings.autoTracking, () => settings.threshold));
    });
    notebooks.currentChanged.connect((_, panel) => sidebar.setCurrentNotebook(panel ? absolute(panel) : null));
    sidebar.setCurrentNotebook(notebooks.currentWidget ? absolute(notebooks.currentWidget) : null);
  },
};

export default plugin;
