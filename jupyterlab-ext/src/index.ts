// Runlane for JupyterLab: the Runs sidebar (the stores the open notebooks write to, and TensorBoard
// log folders), charts and run-details tabs, "Run Cell as Experiment" (palette, context menu, cell
// toolbar, Accel+Shift+Enter), badges under cells that made runs, and the notebook toolbar's
// automatic-tracking switch. Everything reaches the daemon through the Jupyter server
// (runlane_jupyterlab's handlers).
import { ILayoutRestorer, type JupyterFrontEnd, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Clipboard, Dialog, ICommandPalette, InputDialog, IThemeManager, Notification, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';
import type { RunDetail, RunRef, RunSummary, SourcedRun } from '@runlane/protocol';
import { applyParamsToSource, chartsTitle, duplicateNames, editableParams, isReadOnlyRun, mainMetric, parseEditedParams, parseTagInput, runKey, runLabel, scriptPathOf, sweepIdOf, TAG_PROMPT, type ChartSettings } from '@runlane/ui';
import { CommandIds } from './commandIds';
import { RunlaneConnection } from './connection';
import { runlaneIcon } from './icon';
import { createAutoTrackingSwitch } from './notebook/autoTrackingToolbar';
import { runsPerCell, updateBadges } from './notebook/cellBadges';
import type { AutoMode } from './notebook/kernelHelper';
import { loadHelper } from './notebook/kernelHelper';
import { runCellAsExperiment } from './notebook/runCell';
import { ChartsWidget } from './panels/chartsWidget';
import { DetailsWidget } from './panels/detailsWidget';
import { SweepWidget } from './panels/sweepWidget';
import { refreshRunOutputs, setRunOutputActions, type RunOutput } from './runOutput';
import { ShownSources } from './shownSources';
import { RunsSidebar } from './sidebar/runsSidebar';
import { followDaemonWarnings } from './sidebar/daemonWarnings';
import { setUpTeamStores } from './teamStores';
import { setUpRunsTable } from './runsTable';

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
  /** TensorBoard log folders the user opened (absolute), shown again after a reload. */
  logdirs: string[];
  /** Team MLflow servers shown beside the local stores (URIs; credentials come from the daemon's environment). */
  mlflowStores: string[];
  /** The metric rows show, per experiment (the user's choice; absent: the default rule). */
  mainMetrics: Record<string, string>;
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
    let ready: (value: { connection: RunlaneConnection; shown: ShownSources }) => void = () => {};
    const started = new Promise<{ connection: RunlaneConnection; shown: ShownSources }>((resolve) => (ready = resolve));
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
          const { connection, shown } = await started;
          await runCellAsExperiment(panel, connection, shown.storeOf(panel.context.path), args.pick !== false);
        } catch (err) {
          await showErrorMessage('Run Cell as Experiment', (err as Error).message);
        }
      },
    });

    const settings: Settings = { store: '', logdirs: [], mlflowStores: [], mainMetrics: {}, autoTracking: 'off', threshold: 10, smoothing: 0.6, xAxis: 'step' };
    let saveSetting: (key: keyof Settings, value: unknown) => void = () => {};
    let storeChanged: (store: string) => void = () => {};
    let mlflowChanged: (uris: string[]) => void = () => {};
    if (registry) {
      try {
        const loaded = await registry.load(PLUGIN_ID);
        const read = () => {
          const before = settings.store;
          const mlflowBefore = JSON.stringify(settings.mlflowStores);
          Object.assign(settings, loaded.composite as Partial<Settings>);
          if (settings.store !== before) storeChanged(settings.store);
          if (JSON.stringify(settings.mlflowStores) !== mlflowBefore) mlflowChanged(settings.mlflowStores ?? []);
        };
        read();
        loaded.changed.connect(read);
        saveSetting = (key, value) => void loaded.set(key, value as never).catch((err: Error) => console.warn(`Runlane: the ${key} setting could not be saved.`, err));
      } catch (err) {
        console.warn('Runlane: settings could not be loaded; using the defaults.', err);
      }
    }

    let connection: RunlaneConnection;
    try {
      connection = await RunlaneConnection.open();
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
    const shown = new ShownSources(connection, sidebar, settings.logdirs ?? [], (logdirs) => saveSetting('logdirs', logdirs), {
      stores: settings.mlflowStores ?? [],
      remember: (uris) => saveSetting('mlflowStores', uris),
    });
    await shown.setDefault(settings.store);
    shown.restoreLogdirs();
    await shown.showTeamStores();
    mlflowChanged = (uris) => void shown.setMlflowStores(uris);
    // A store setting changed in the Settings Editor is shown at once (the one shown before stays).
    storeChanged = (store) => void shown.setDefault(store).then(() => sidebar.load());
    ready({ connection, shown });

    // The metric a row, a badge and the sort show: the user's choice for the run's experiment when
    // the run has it, else the default rule (validation metrics first).
    const metricOf = (run: RunSummary) => mainMetric(run, settings.mainMetrics?.[run.experiment]);
    sidebar.setMetricChooser(metricOf);
    void sidebar.load();
    // Problems the daemon works around (the watch limit: it polls), one line each above the runs.
    sidebar.disposed.connect(followDaemonWarnings(sidebar));

    const chartSettings = (): Partial<ChartSettings> => ({ smoothing: settings.smoothing, xAxis: settings.xAxis });
    const ref = (item: SourcedRun) => ({ source: item.source, id: item.run.id });
    const charts = new Set<ChartsWidget>();
    const details = new Map<string, DetailsWidget>();
    const peers = () => duplicateNames(sidebar.allRuns().map((r) => r.run));
    let outputPeers: Set<string> | null = null; // the names run lines mark, until the run list changes
    // Tab titles follow renames, and carry a short id when another run shares the name.
    const retitle = () => {
      const all = sidebar.allRuns().map((r) => r.run);
      const dup = duplicateNames(all);
      for (const [key, widget] of details) {
        const run = sidebar.run(key)?.run;
        if (widget.isDisposed) details.delete(key);
        else if (run && widget.title.label !== runLabel(run, dup)) widget.title.label = runLabel(run, dup);
      }
      for (const widget of charts) {
        if (widget.isDisposed) charts.delete(widget);
        else {
          const runs = widget.runs ? widget.runs.map((r) => sidebar.run(runKey(r))?.run ?? { id: r.id, name: r.id }) : null;
          const title = chartsTitle(runs, all);
          if (widget.title.label !== title) widget.title.label = title;
        }
      }
    };
    const openCharts = (runs: SourcedRun[] | null) => {
      const widget = new ChartsWidget(connection.bridge, runs ? runs.map(ref) : null, themes, chartSettings());
      charts.add(widget);
      retitle();
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    };
    const openDetails = (item: SourcedRun): DetailsWidget => {
      const key = runKey(ref(item));
      let widget = details.get(key);
      if (!widget || widget.isDisposed) {
        widget = new DetailsWidget(connection.bridge, ref(item), runLabel(item.run, peers()), themes, {
          openCharts: () => openCharts([sidebar.run(key) ?? item]),
          openSource: (detail) => void goToCell(detail),
          openScript: (_, path) => void openScript(path).catch((err: Error) => showErrorMessage('Open script', err.message)),
          // A TensorBoard or MLflow server's run is stopped by the program writing it, not from here.
          stopRun: isReadOnlyRun(item.run) ? undefined : (r) => stopRun({ source: r.source, run: sidebar.run(runKey(r))?.run ?? item.run }),
          openSweep: (r) => openSweep(r),
        });
        details.set(key, widget);
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(widget.id);
      return widget;
    };
    const sweeps = new Map<string, SweepWidget>();
    /** A sweep's live view (one tab per sweep); the sweep run or a trial's details open it. */
    const openSweep = (sweep: RunRef) => {
      const key = runKey(sweep);
      let widget = sweeps.get(key);
      if (!widget || widget.isDisposed) {
        const run = sidebar.run(key)?.run;
        widget = new SweepWidget(connection.bridge, sweep, run ? runLabel(run, peers()) : sweep.id, themes, {
          openCharts: (runs) => openCharts(runs.map((r) => sidebar.run(runKey(r))).filter((r): r is SourcedRun => r !== undefined)),
          openRun: (r) => {
            const item = sidebar.run(runKey(r));
            if (item) openDetails(item);
          },
        });
        sweeps.set(key, widget);
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(widget.id);
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
    const openScript = async (path: string): Promise<void> => {
      const relative = connection.relativePath(path);
      if (!relative) throw new Error(`The script ${path} is not under the folder JupyterLab serves (${connection.config.root_dir}); open it from a terminal.`);
      docs.openOrReveal(relative);
    };
    // Contract C2: a job is cancelled; a cell or script run on this host is interrupted (SIGINT).
    const stopRun = (item: SourcedRun): Promise<void> => connection.bridge.stopRun(ref(item));

    // A cell's run output (contract C3) names its store; that store is shown from then on.
    const fromOutput = async (output: { id: string; name: string; store: string }): Promise<SourcedRun> => {
      await shown.showStore(output.store);
      const known = sidebar.run(runKey({ source: output.store, id: output.id }));
      if (known) return known;
      return { source: output.store, run: await connection.bridge.getRun({ source: output.store, id: output.id }) };
    };
    // The runs of each cell (notebook and cell id), newest first, for the run lines in cells; computed
    // again only after the run list changed.
    let cellRunsCache: Map<string, SourcedRun[]> | null = null;
    const cellRunsOf = (run: RunSummary): SourcedRun[] => {
      if (!run.notebook || !run.cell_id) return [];
      if (!cellRunsCache) {
        cellRunsCache = new Map();
        const all = sidebar.allRuns();
        for (const notebook of new Set(all.map((r) => r.run.notebook).filter((n): n is string => !!n))) {
          for (const [cell, runs] of runsPerCell(all, notebook)) cellRunsCache.set(`${notebook}\n${cell}`, runs);
        }
      }
      return cellRunsCache.get(`${run.notebook}\n${run.cell_id}`) ?? [];
    };
    const known = (output: RunOutput) => sidebar.run(runKey({ source: output.store, id: output.id }));
    setRunOutputActions({
      openDetails: (output) => void fromOutput(output).then(openDetails, (err: Error) => showErrorMessage('Runlane run', err.message)),
      openCharts: (output) => void fromOutput(output).then((r) => openCharts([r]), (err: Error) => showErrorMessage('Runlane run', err.message)),
      openCellRuns: (output) => {
        const item = known(output);
        if (item) openCharts(cellRunsOf(item.run));
      },
      describe: (output) => {
        const item = known(output);
        if (!item) return null;
        const runs = cellRunsOf(item.run);
        const newest = runs[0]?.run.id === item.run.id;
        return { run: item.run, label: runLabel(item.run, outputPeers ??= peers()), metric: metricOf(item.run), cellRuns: newest && runs.length > 1 ? runs.length : 0 };
      },
    });
    sidebar.runsChanged.connect(() => {
      cellRunsCache = null;
      outputPeers = null;
      refreshRunOutputs();
    });

    // The run a command acts on: the one given by key or id (badges, palette), else the context
    // menu's, else the sidebar's selection.
    const target = (args: { id?: unknown }): SourcedRun | null =>
      (typeof args.id === 'string' ? (sidebar.run(args.id) ?? null) : null) ?? sidebar.contextRun ?? sidebar.selectedRuns()[0] ?? null;
    const guard = (label: string, action: (run: SourcedRun) => unknown) => (args: { id?: unknown }) => {
      const run = target(args);
      if (!run) return showErrorMessage(label, 'Select a run in the Runs panel first.');
      return Promise.resolve(action(run)).catch((err: Error) => showErrorMessage(label, err.message));
    };
    const isRunning = () => ['running', 'queued'].includes(target({})?.run.status ?? '') && !isReadOnlyRun(target({})!.run);

    const { commands } = app;
    commands.addCommand(CommandIds.openRuns, { label: 'Show Runs', icon: runlaneIcon, execute: () => app.shell.activateById(sidebar.id) });
    commands.addCommand(CommandIds.refresh, { label: 'Refresh Runs', execute: () => sidebar.load() });
    commands.addCommand(CommandIds.openCharts, {
      label: (args) => (args.all ? 'Open Charts of All Runs' : 'Open Charts'),
      execute: (args) => openCharts(args.all ? null : typeof args.id === 'string' && sidebar.run(args.id) ? [sidebar.run(args.id)!] : sidebar.selection()),
    });
    commands.addCommand(CommandIds.openDetails, { label: 'Open Details', execute: guard('Open details', (run) => openDetails(run)) });
    commands.addCommand(CommandIds.openSweep, {
      label: 'Open Sweep',
      // A sweep run, or one of its trials: the sweep's live view.
      isVisible: () => !!target({}) && sweepIdOf(target({})!.run) !== null,
      execute: guard('Open sweep', (run) => openSweep({ source: run.source, id: sweepIdOf(run.run) ?? run.run.id })),
    });
    commands.addCommand(CommandIds.showLogs, { label: 'Show Logs', execute: guard('Show logs', (run) => openDetails(run).showLogs()) });
    commands.addCommand(CommandIds.goToCell, {
      label: 'Go to Source Cell',
      isVisible: () => !!target({})?.run.notebook,
      execute: guard('Go to cell', (run) => goToCell(run.run)),
    });
    commands.addCommand(CommandIds.openScript, {
      label: 'Open Script',
      // Runs without a notebook: scripts, and jobs that ran one.
      isVisible: () => !!target({}) && !target({})?.run.notebook && !isReadOnlyRun(target({})!.run),
      execute: guard('Open script', async (run) => {
        const path = scriptPathOf(await connection.bridge.getRun(ref(run)));
        if (!path) throw new Error(`The run “${run.run.name}” does not record which script it ran.`);
        await openScript(path);
      }),
    });
    commands.addCommand(CommandIds.copyId, { label: 'Copy Run Id', execute: guard('Copy run id', (run) => Clipboard.copyToSystem(run.run.id)) });
    commands.addCommand(CommandIds.rename, {
      label: 'Rename…',
      execute: guard('Rename', async (run) => {
        const answer = await InputDialog.getText({ title: 'Rename run', text: run.run.name, okLabel: 'Rename' });
        if (answer.button.accept && answer.value && answer.value !== run.run.name) await connection.bridge.updateRun(ref(run), { name: answer.value });
      }),
    });
    commands.addCommand(CommandIds.tag, {
      label: 'Tag…',
      execute: guard('Tag', async (run) => {
        const answer = await InputDialog.getText({ title: 'Tag run', label: TAG_PROMPT, placeholder: 'best lr=high', okLabel: 'Tag' });
        const text = answer.value?.trim();
        if (!answer.button.accept || !text) return;
        const parsed = parseTagInput(text);
        if ('error' in parsed) throw new Error(parsed.error); // said in a dialog by guard()
        await connection.bridge.updateRun(ref(run), { tags: parsed.tags });
      }),
    });
    commands.addCommand(CommandIds.mainMetric, {
      label: () => `Main Metric for “${target({})?.run.experiment ?? 'this experiment'}”…`,
      execute: guard('Main metric', async (run) => {
        const experiment = run.run.experiment;
        const keys = [...new Set(sidebar.allRuns().filter((r) => r.run.experiment === experiment).flatMap((r) => Object.keys(r.run.metrics)))].sort();
        if (!keys.length) throw new Error(`The runs of “${experiment}” logged no metrics yet.`);
        const automatic = 'Automatic (validation metrics first)';
        const answer = await InputDialog.getItem({
          title: `Main metric for “${experiment}”`,
          label: 'The metric the Runs list and the badges show, and “Main metric” sorts by',
          items: [automatic, ...keys],
          current: settings.mainMetrics?.[experiment] ?? automatic,
          okLabel: 'Use',
        });
        if (!answer.button.accept || answer.value === null) return;
        const chosen = { ...(settings.mainMetrics ?? {}) };
        if (answer.value === automatic) delete chosen[experiment];
        else chosen[experiment] = answer.value;
        settings.mainMetrics = chosen;
        saveSetting('mainMetrics', chosen);
        sidebar.setMetricChooser(metricOf);
      }),
    });
    commands.addCommand(CommandIds.delete, {
      label: 'Delete…',
      execute: guard('Delete', async (run) => {
        const key = runKey(ref(run));
        const runs = sidebar.selectedRuns().some((r) => runKey(ref(r)) === key) ? sidebar.selectedRuns() : [run];
        const answer = await showDialog({
          title: runs.length === 1 ? 'Delete run' : `Delete ${runs.length} runs`,
          body: `${runs.map((r) => r.run.name).slice(0, 5).join(', ')}${runs.length > 5 ? '…' : ''} will move to the store's trash folder (nothing is erased).`,
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
        });
        if (!answer.button.accept) return;
        for (const r of runs) await connection.bridge.deleteRun(ref(r));
        // The undo: the runs are whole in the trash; Undo moves them back and the sidebar lists them again.
        const restore = async () => {
          for (const r of runs) await connection.bridge.restoreRun(ref(r));
        };
        Notification.info(runs.length === 1 ? `Moved “${runs[0]!.run.name}” to the store's trash.` : `Moved ${runs.length} runs to the store's trash.`, {
          autoClose: 15_000,
          actions: [{ label: 'Undo', callback: () => void restore().catch((err: Error) => void showErrorMessage('Restore', err.message)) }],
        });
      }),
    });
    commands.addCommand(CommandIds.stop, {
      label: 'Stop Run',
      caption: 'A job is cancelled; a cell or script run is interrupted, as Ctrl-C would',
      isEnabled: isRunning,
      execute: guard('Stop run', (run) => stopRun(run)),
    });
    commands.addCommand(CommandIds.cancel, {
      label: 'Cancel Job',
      isEnabled: () => isRunning() && target({})?.run.kind === 'job',
      execute: guard('Cancel job', (run) => connection.bridge.cancelJob(ref(run))),
    });
    commands.addCommand(CommandIds.rerun, {
      label: 'Re-run with Edited Params…',
      execute: guard('Re-run', async (item) => {
        const run = item.run;
        const params = editableParams(run.params);
        const text = await editText(`Re-run “${run.name}” with these params`, JSON.stringify(params, null, 1), 'Re-run');
        if (text === null) return;
        const edited = parseEditedParams(text);
        if (run.kind === 'job') {
          await connection.bridge.rerunJob(ref(item), edited);
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
    commands.addCommand(CommandIds.openLogdir, {
      label: 'Open TensorBoard Log Folder…',
      caption: 'Show the runs of a TensorBoard log folder or a DVCLive folder in the Runs panel, beside the store’s',
      execute: async () => {
        const answer = await InputDialog.getText({
          title: 'Open TensorBoard Log Folder',
          label: `A folder relative to ${connection.config.root_dir}, or an absolute one`,
          placeholder: 'runs/',
          okLabel: 'Open',
        });
        if (!answer.button.accept || !answer.value?.trim()) return;
        try {
          await shown.openLogdir(answer.value);
          app.shell.activateById(sidebar.id);
        } catch (err) {
          await showErrorMessage('Open TensorBoard Log Folder', (err as Error).message);
        }
      },
    });
    sidebar.openRequested.connect((_, run) => openDetails(run));
    sidebar.removeRequested.connect((_, path) => shown.removeSource(path));
    sidebar.chartsButtonNode.addEventListener('click', () => openCharts(sidebar.selection()));
    sidebar.logdirButtonNode.addEventListener('click', () => void commands.execute(CommandIds.openLogdir));
    setUpTeamStores(app, connection, shown, sidebar, palette);
    setUpRunsTable(app, { bridge: connection.bridge, sidebar, themes, palette, openCharts, openDetails });

    for (const [command, rank] of [
      [CommandIds.openCharts, 0],
      [CommandIds.openDetails, 1],
      [CommandIds.openSweep, 1],
      [CommandIds.showLogs, 2],
      [CommandIds.goToCell, 3],
      [CommandIds.openScript, 3],
      [CommandIds.copyId, 4],
      [CommandIds.rename, 5],
      [CommandIds.tag, 6],
      [CommandIds.mainMetric, 7],
      [CommandIds.rerun, 8],
      [CommandIds.stop, 9],
      [CommandIds.cancel, 10],
      [CommandIds.delete, 11],
    ] as const) {
      app.contextMenu.addItem({ command, selector: '.rl-run-row', rank });
    }
    app.contextMenu.addItem({ command: CommandIds.runCellAsExperiment, selector: '.jp-Notebook .jp-CodeCell', rank: 0 });
    for (const command of [CommandIds.runCellAsExperiment, CommandIds.openRuns, CommandIds.openCharts, CommandIds.openLogdir, CommandIds.refresh]) {
      palette?.addItem({ command, category: 'Runlane', args: command === CommandIds.openCharts ? { all: true } : {} });
    }

    // Badges under the cells of every open notebook, current with the live run list; tab titles too.
    const absolute = (panel: NotebookPanel) => connection.absolutePath(panel.context.path);
    const refreshBadges = () => {
      badgeFrame = 0;
      notebooks.forEach((panel) =>
        updateBadges(panel, absolute(panel), sidebar.allRuns(), {
          openDetails: (run) => openDetails(run),
          openCharts: (runs) => openCharts(runs),
          metric: metricOf,
          cellChanged: scheduleBadges,
        }),
      );
    };
    // Outputs change with every streamed line: the badges are looked at again once a frame at most.
    let badgeFrame = 0;
    function scheduleBadges(): void {
      if (!badgeFrame) badgeFrame = requestAnimationFrame(refreshBadges);
    }
    sidebar.runsChanged.connect(refreshBadges);
    sidebar.runsChanged.connect(retitle);
    // Each open notebook's store is shown; one not created yet is looked for again after a cell ran.
    const follow = (panel: NotebookPanel) => void shown.followNotebook(panel.context.path).catch((err: Error) => console.warn('Runlane:', err.message));
    const setUp = (panel: NotebookPanel) => {
      void panel.context.ready.then(() => {
        follow(panel);
        refreshBadges();
      });
      panel.context.pathChanged.connect(() => follow(panel));
      panel.disposed.connect(() => shown.forgetNotebook(panel.context.path));
      panel.content.model?.cells.changed.connect(refreshBadges);
      panel.toolbar.insertItem(10, 'runlaneTracking', createAutoTrackingSwitch(panel, () => settings.autoTracking, () => settings.threshold));
    };
    notebooks.forEach(setUp); // restored with the layout before this plugin was ready
    notebooks.widgetAdded.connect((_, panel) => setUp(panel));
    NotebookActions.executed.connect((_, { notebook }) => {
      const panel = notebooks.find((p) => p.content === notebook);
      if (panel && !connection.bridge.has(shown.storeOf(panel.context.path))) follow(panel);
    });
    notebooks.currentChanged.connect((_, panel) => sidebar.setCurrentNotebook(panel ? absolute(panel) : null));
    sidebar.setCurrentNotebook(notebooks.currentWidget ? absolute(notebooks.currentWidget) : null);
  },
};

export default plugin;
