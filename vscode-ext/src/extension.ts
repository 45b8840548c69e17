// Runlane for VS Code: the Runs and Targets views, the Charts and Run-details panels (the shared views
// of shared/ui in webviews), "Run Cell as Experiment", "Run File as Experiment", the "Runlane jobs"
// notebook controller, the run-link renderer of cell outputs, and a status bar item. Activated lazily:
// by its views, commands, notebooks and restored panels (package.json's activation events).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findStoreDir, inspectFolder } from '@runlane/core';
import type { RunDetail, RunRef, RunSummary, TargetInfo } from '@runlane/protocol';
import { withRunlaneMagic, parseMlflowUri, editableParams, parseEditedParams, parseTagInput, runLabel, scriptPathOf, sweepIdOf, TAG_PLACEHOLDER, TAG_PROMPT } from '@runlane/ui';
import { CommandIds, ContextKeys, focusViewCommand, InternalCommandIds, RendererIds, ViewIds } from './commandIds';
import { installCommand } from './commands/install';
import { pickTarget } from './commands/pickTarget';
import { addMlflowServer, declaredServers, MLFLOW_SETTING, pushRuns, removeMlflowServer, settingServers } from './commands/teamStores';
import { splitArgs } from './commands/targetChoices';
import { JobController } from './notebook/jobController';
import { namesMessage, type RunLinkMessage } from './notebook/runLink';
import { RunlaneService } from './service';
import { workspaceSources } from './sources';
import { targetsFileFor } from './targetsFor';
import { RunsTree, runOf, type RunsNode } from './views/runsTree';
import { jobOf, TargetsTree } from './views/targetsTree';
import { RunlanePanels } from './webviewHost';
import { StatusItem } from './statusItem';
import { DaemonWarnings } from './daemonWarnings';

const LOGDIRS_KEY = 'runlane.logdirs';
const MAIN_METRIC_KEY = 'runlane.mainMetric';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Runlane');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dist = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
  const state = context.workspaceState;
  const service = new RunlaneService(path.join(dist, 'runlane.cjs'), log, RunlaneService.targetsFileFor(folder));
  const mainMetrics = () => state.get<Record<string, string>>(MAIN_METRIC_KEY, {});
  const runsTree = new RunsTree(service, (experiment) => mainMetrics()[experiment] ?? null);
  const runsView = vscode.window.createTreeView(ViewIds.runs, { treeDataProvider: runsTree, canSelectMany: true, showCollapseAll: true });
  // The Targets view lists the targets of the active editor's file (the last notebook or script shown).
  let targetsFile: string | undefined;
  const targetsTree = new TargetsTree(service, async () => {
    const client = await service.daemon();
    return targetsFile ? client.request<TargetInfo[]>('/targets', { targets: targetsFile }) : client.targets();
  });
  const targetsView = vscode.window.createTreeView(ViewIds.targets, { treeDataProvider: targetsTree });
  const panels = new RunlanePanels(context.extensionUri, service, {
    openCharts: (runs) => panels.openCharts(runs),
    openSource: (run) => void goToCell(run).catch((err: Error) => void vscode.window.showErrorMessage(`Runlane: ${err.message}`)),
    openScript: (file) => void vscode.window.showTextDocument(vscode.Uri.file(file)),
  });
  const python = () => {
    const setting = vscode.workspace.getConfiguration('runlane').get<string>('pythonPath', '').trim();
    if (setting) return setting;
    const venv = folder ? path.join(folder, '.venv', 'bin', 'python') : '';
    return venv && existsSync(venv) ? venv : 'python3';
  };
  const storeOfFile = (file: string) => findStoreDir(path.dirname(file));
  const fileFolders = () => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  /** The runlane.toml a file's jobs use (the nearest one, as `runlane targets` in its folder finds it). */
  const targetsFileOf = (file: string | undefined): string | undefined =>
    // No file: the workspace folder's own (a name inside it, so that the search starts there).
    targetsFileFor(file ?? path.join(folder ?? process.cwd(), 'runlane.toml'), { setting: RunlaneService.targetsFileFor(folder), folders: fileFolders(), storeFor: (dir) => findStoreDir(dir) });
  const jobs = new JobController(service, path.join(dist, 'python'), python, (nb) => (nb.uri.scheme === 'file' ? storeOfFile(nb.uri.fsPath) : undefined), (nb) => (nb.uri.scheme === 'file' ? targetsFileOf(nb.uri.fsPath) : undefined));
  const status = new StatusItem(service, (experiment) => mainMetrics()[experiment] ?? null);
  const renderer = vscode.notebooks.createRendererMessaging(RendererIds.runLink);
  context.subscriptions.push(log, service, runsView, runsTree, panels, jobs, status, targetsView, targetsTree);

  // Which sources the Runs view shows; recomputed when notebooks and scripts open or close, and when
  // a store appears in the workspace.
  const warned = new Set<string>();
  // The view's message line: a store setting that is not a store, and the "this notebook only" filter.
  const messages = { setting: '', filter: '', warning: '' };
  const showMessages = () => (runsView.message = [messages.warning, messages.setting, messages.filter].filter(Boolean).join(' ') || undefined);
  // Problems the daemon works around (the watch limit: it polls), first in that line.
  context.subscriptions.push(new DaemonWarnings(service, log, (line) => ((messages.warning = line), showMessages())));
  const openFiles = (): string[] => {
    const files = new Set<string>();
    for (const nb of vscode.workspace.notebookDocuments) if (nb.uri.scheme === 'file' && nb.notebookType === 'jupyter-notebook') files.add(nb.uri.fsPath);
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        const uri = input instanceof vscode.TabInputText || input instanceof vscode.TabInputNotebook ? input.uri : null;
        if (uri?.scheme === 'file' && /\.(py|ipynb)$/.test(uri.fsPath)) files.add(uri.fsPath);
      }
    }
    return [...files];
  };
  async function updateSources(): Promise<void> {
    const raw = vscode.workspace.getConfiguration('runlane').get<string>('storeFolder', '').trim();
    let setting: string | null = null;
    messages.setting = '';
    if (raw) {
      const found = await inspectFolder(path.resolve(folder ?? process.cwd(), raw));
      if (found.kind === 'store' || found.kind === 'empty' || found.kind === 'missing') setting = found.path;
      else {
        messages.setting = `The store setting points at a folder that is not a Runlane store: ${describe(found)}. Nothing is written there.`;
        if (!warned.has(found.path)) {
          warned.add(found.path);
          void notAStore(found.path, found.kind, describe(found));
        }
      }
    }
    showMessages();
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const mlflow = [...declaredMlflow, ...settingServers((line) => log.appendLine(line))];
    const sources = workspaceSources({ setting, folders, files: openFiles(), found: [...foundStores], kept: [...keptStores], logdirs: state.get<string[]>(LOGDIRS_KEY, []), mlflow, storeFor: (dir) => findStoreDir(dir) });
    // A store shown once stays for this window (one that exists: a would-be store of a closed file goes).
    for (const s of sources) if (s.kind === 'store' && existsSync(s.path)) keptStores.add(s.path);
    service.setSources(sources);
  }
  // The MLflow servers runlane.toml declares beside the primary store (asked of the daemon once it runs).
  let declaredMlflow: { uri: string; reason: string }[] = [];
  const findDeclared = async () => {
    if (!service.store || !existsSync(service.store)) return;
    const declared = await declaredServers(await service.daemon());
    const next = declared.map((d) => ({ uri: parseUri(d.uri), reason: `runlane.toml [stores.${d.name}]` }));
    if (JSON.stringify(next) !== JSON.stringify(declaredMlflow)) {
      declaredMlflow = next;
      await updateSources();
    }
  };
  // Every store in the workspace folders, found by its marker (once now, then as markers appear).
  const foundStores = new Set<string>();
  const keptStores = new Set<string>();
  const STORE_GLOB = '**/.runlane/runlane-store.json';
  const NOT_SEARCHED = '{**/node_modules/**,**/.git/**,**/.venv/**}';
  const searched = (uri: vscode.Uri) => uri.scheme === 'file' && !/[\\/](node_modules|\.git|\.venv)[\\/]/.test(uri.fsPath);
  async function findStores(): Promise<void> {
    const markers = await vscode.workspace.findFiles(STORE_GLOB, NOT_SEARCHED);
    for (const uri of markers) if (searched(uri)) foundStores.add(path.dirname(uri.fsPath));
  }
  const storeWatcher = vscode.workspace.createFileSystemWatcher(STORE_GLOB, false, true, true);
  const storeCreated = storeWatcher.onDidCreate((uri) => {
    if (!searched(uri)) return;
    foundStores.add(path.dirname(uri.fsPath));
    refreshSources();
  });
  context.subscriptions.push(storeCreated, storeWatcher);
  const refreshSources = () => void updateSources().catch((err: Error) => log.appendLine(`Runlane: ${err.message}`));
  async function notAStore(where: string, kind: string, what: string): Promise<void> {
    const open = 'Open as TensorBoard Log Folder';
    const actions = kind === 'tensorboard' ? [open, 'Open Settings'] : ['Open Settings'];
    const answer = await vscode.window.showWarningMessage(`Runlane: the store setting points at a folder that is not a Runlane store: ${what}. Nothing was written there.`, ...actions);
    if (answer === open) await addLogdir(where);
    else if (answer === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'runlane.storeFolder');
  }
  async function addLogdir(dir: string): Promise<void> {
    const list = state.get<string[]>(LOGDIRS_KEY, []);
    if (!list.includes(dir)) await state.update(LOGDIRS_KEY, [...list, dir]);
    await updateSources();
  }
  context.subscriptions.push(
    vscode.window.tabGroups.onDidChangeTabs(refreshSources),
    vscode.workspace.onDidOpenNotebookDocument(refreshSources),
    vscode.workspace.onDidCloseNotebookDocument(refreshSources),
    vscode.workspace.onDidChangeWorkspaceFolders(refreshSources),
    vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('runlane.storeFolder') || e.affectsConfiguration(`runlane.${MLFLOW_SETTING}`)) && refreshSources()),
    renderer.onDidReceiveMessage(({ editor, message }) => {
      const m = message as RunLinkMessage;
      if (m?.type === 'names?' && Array.isArray(m.ids)) {
        const ids = m.ids.filter((id): id is string => typeof id === 'string');
        for (const id of ids) linkedRuns.add(id);
        void renderer.postMessage(runNames(ids), editor);
        return;
      }
      if (m?.type !== 'open' || typeof m.run?.id !== 'string') return;
      const source = service.sourceOf(m.run.id) ?? m.run.store;
      if (m.view === 'details') panels.openDetails({ source, id: m.run.id });
      else panels.openCharts([{ source, id: m.run.id }]);
    }),
  );
  const updateTargetsFile = () => {
    const uri = vscode.window.activeNotebookEditor?.notebook.uri ?? vscode.window.activeTextEditor?.document.uri;
    const active = uri?.scheme === 'file' && /\.(py|ipynb)$/.test(uri.fsPath) ? uri.fsPath : undefined;
    if (!active && targetsFile !== undefined) return; // a panel or another file: keep the last file's targets
    const next = targetsFileOf(active);
    const shown = next ? vscode.workspace.asRelativePath(next) : 'no runlane.toml: local only';
    if (next === targetsFile && targetsView.description === shown) return;
    targetsFile = next;
    targetsView.description = shown;
    targetsTree.refresh();
  };
  context.subscriptions.push(vscode.window.onDidChangeActiveNotebookEditor(updateTargetsFile), vscode.window.onDidChangeActiveTextEditor(updateTargetsFile));
  updateTargetsFile();
  // Run links in cell outputs show each run's current label: sent again when the runs change.
  const linkedRuns = new Set<string>();
  const runNames = (ids: Iterable<string>) => {
    const peers = service.all().map((r) => r.run);
    return namesMessage(ids, (id) => {
      const run = service.run(id);
      return run && runLabel(run, peers);
    });
  };
  let sentNames = '';
  context.subscriptions.push(service.onDidChange((change) => {
    if (!linkedRuns.size || change.kind === 'run') return; // a row's own data (metrics, tags): no name changed
    const message = runNames(linkedRuns);
    const key = JSON.stringify(message);
    if (key !== sentNames) void renderer.postMessage(message).then((delivered) => delivered && (sentNames = key));
  }));
  refreshSources();
  void findStores().then(refreshSources, (err: Error) => log.appendLine(`Runlane: could not look for stores in the workspace: ${err.message}`));
  void updateSources().then(findDeclared).catch((err: Error) => log.appendLine(`Runlane: could not read the team stores of runlane.toml: ${err.message}`));

  const ref = (picked: { run: RunSummary; source: string }): RunRef => ({ source: picked.source, id: picked.run.id });
  /** How prompts and messages name a run: with its short id, so two runs of one name are told apart. */
  const label = (run: RunSummary) => runLabel(run, service.all().map((r) => r.run), true);
  // The selection as ids: what a refresh cannot take away.
  let selected: { id: string; source: string }[] = [];
  context.subscriptions.push(runsView.onDidChangeSelection((e) => (selected = (e.selection as readonly RunsNode[]).flatMap((n) => (n.kind === 'run' ? [{ id: n.run.id, source: n.source.path }] : [])))));
  const pickRun = (arg: unknown) => {
    // No argument (a click on a row: rows' commands carry none, see RunsTree): the tree's selection, which that click set.
    const last = selected.length === 1 ? selected[0]! : undefined;
    const fallback = last && service.run(last.id, last.source);
    const picked = runOf(arg, service, runsView.selection) ?? (last && fallback ? { run: fallback, source: last.source } : undefined);
    if (!picked) void vscode.window.showInformationMessage('Select a run in the Runlane Runs view first.');
    return picked;
  };
  const selectedRuns = (arg: unknown) => {
    const chosen = selected.flatMap(({ id, source }) => {
      const run = service.run(id, source);
      return run ? [{ run, source }] : [];
    });
    const clicked = runOf(arg, service, []);
    return clicked && !chosen.some((r) => r.run.id === clicked.run.id && r.source === clicked.source) ? [clicked] : chosen;
  };
  const guarded = (action: (arg: unknown, ...rest: unknown[]) => unknown) => async (arg: unknown, ...rest: unknown[]) => {
    try {
      await action(arg, ...rest);
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlane: ${(err as Error).message}`);
    }
  };
  /** The targets a file's jobs can use: its runlane.toml's (see targetsFileOf). */
  const targets = async (file?: string): Promise<TargetInfo[]> => {
    try {
      const client = await service.daemon();
      const toml = targetsFileOf(file);
      return toml ? await client.request<TargetInfo[]>('/targets', { targets: toml }) : await client.targets();
    } catch (err) {
      log.appendLine(`Runlane: targets are not available: ${(err as Error).message}`);
      return [];
    }
  };

  async function goToCell(run: { notebook: string | null; cell_id: string | null }): Promise<void> {
    if (!run.notebook) throw new Error('This run did not come from a notebook.');
    const document = await vscode.workspace.openNotebookDocument(vscode.Uri.file(run.notebook));
    const index = document.getCells().findIndex((c) => (c.metadata as { id?: string }).id === run.cell_id || (c.metadata as { custom?: { id?: string } }).custom?.id === run.cell_id);
    const editor = await vscode.window.showNotebookDocument(document);
    if (index >= 0) {
      const range = new vscode.NotebookRange(index, index + 1);
      editor.selections = [range];
      editor.revealRange(range, vscode.NotebookEditorRevealType.InCenter);
    } else {
      void vscode.window.showWarningMessage(`The cell ${run.cell_id} is no longer in ${path.basename(run.notebook)}.`);
    }
  }

  /** The script a script run (or a job of a script) came from, absolute, or null. */
  async function scriptOf(detail: RunDetail): Promise<string | null> {
    const recorded = scriptPathOf(detail);
    if (recorded) return recorded;
    const command = Array.isArray(detail.params.command) ? (detail.params.command as unknown[]) : [];
    const script = command.find((a): a is string => typeof a === 'string' && a.endsWith('.py'));
    const cwd = typeof detail.meta.cwd === 'string' ? detail.meta.cwd : null;
    if (script) return path.isAbsolute(script) ? script : cwd ? path.join(cwd, script) : null;
    const found = /\.py$/.test(detail.name) ? await vscode.workspace.findFiles(`**/${detail.name}`, '**/node_modules/**', 1) : [];
    return found[0]?.fsPath ?? null;
  }

  const register = (id: string, action: (arg: unknown, ...rest: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, guarded(action)));
  register(CommandIds.refresh, async () => {
    await updateSources();
    await findDeclared().catch((err: Error) => log.appendLine(`Runlane: could not read the team stores of runlane.toml: ${err.message}`));
    await service.load();
    targetsTree.refresh();
  });
  /** Applies the Runs view's filter: the tree, the view's description and message, the Clear Filter button. */
  const setFilter = (filter: typeof runsTree.filter) => {
    runsTree.filter = filter;
    runsView.description = filter.text ? `filter: ${filter.text}` : undefined;
    messages.filter = filter.notebook ? `Runs of ${path.basename(filter.notebook)} only.` : '';
    showMessages();
    void vscode.commands.executeCommand('setContext', ContextKeys.filtered, Boolean(filter.text || filter.notebook));
    runsTree.refresh();
  };
  register(CommandIds.filter, async () => {
    const text = await vscode.window.showInputBox({ title: 'Filter runs', value: runsTree.filter.text, prompt: 'Words that must all match: text, key=value (a param or tag), status:running, tag:best' });
    if (text === undefined) return;
    setFilter({ ...runsTree.filter, text: text.trim() });
  });
  register(CommandIds.clearFilter, () => setFilter({ ...runsTree.filter, text: '', notebook: null }));
  register(CommandIds.toggleThisNotebook, () => {
    const notebook = vscode.window.activeNotebookEditor?.notebook.uri.fsPath ?? null;
    setFilter({ ...runsTree.filter, notebook: runsTree.filter.notebook ? null : notebook });
  });
  register(CommandIds.openCharts, (arg) => {
    const runs = selectedRuns(arg);
    panels.openCharts(runs.length ? runs.map(ref) : null);
  });
  // The runs table: an experiment node's (inline or context menu), a run's experiment, several
  // selected runs as a selection, or every run (the view's title bar with nothing selected).
  register(CommandIds.openTable, (arg) => {
    const node = arg as RunsNode | undefined;
    if (node?.kind === 'experiment') return panels.openTable(node.name, null);
    const runs = selectedRuns(arg);
    if (runs.length > 1) return panels.openTable(null, runs.map(ref));
    panels.openTable(runs[0]?.run.experiment ?? null, null);
  });
  register(CommandIds.openDetails, (arg) => {
    const run = pickRun(arg);
    if (run) panels.openDetails(ref(run));
  });
  register(CommandIds.openSweep, (arg) => {
    const run = pickRun(arg);
    const sweep = run ? sweepIdOf(run.run) : null;
    if (run && sweep) panels.openSweep({ source: run.source, id: sweep });
    else if (run) void vscode.window.showInformationMessage(`Runlane: “${run.run.name}” is not a sweep or a trial of one.`);
  });
  // A click on a job's row in the Targets view: the job that click selected there (its row's command
  // carries no arguments, see TargetsTree).
  register(InternalCommandIds.openTargetsJob, () => {
    const id = jobOf(targetsView.selection);
    const source = id === undefined ? undefined : service.sourceOf(id);
    if (id !== undefined && source !== undefined) panels.openDetails({ source, id });
    else void vscode.window.showInformationMessage('Select a job in the Runlane Targets view first.');
  });
  register(CommandIds.showLogs, (arg) => {
    const run = pickRun(arg);
    if (run) panels.openDetails(ref(run), true);
  });
  register(CommandIds.goToCell, (arg) => {
    const run = pickRun(arg);
    return run ? goToCell(run.run) : undefined;
  });
  register(CommandIds.openScript, async (arg) => {
    const run = pickRun(arg);
    if (!run) return;
    const file = await scriptOf(await (await service.daemon(run.source)).run(run.run.id));
    if (!file) throw new Error(`The run “${label(run.run)}” does not record which script it came from.`);
    await vscode.window.showTextDocument(vscode.Uri.file(file));
  });
  register(CommandIds.copyId, async (arg) => {
    const run = pickRun(arg);
    if (run) await vscode.env.clipboard.writeText(run.run.id);
  });
  register(CommandIds.rename, async (arg) => {
    const run = pickRun(arg);
    if (!run) return;
    const name = await vscode.window.showInputBox({ title: `Rename ${label(run.run)}`, value: run.run.name });
    if (name && name !== run.run.name) await (await service.daemon(run.source)).updateRun(run.run.id, { name });
  });
  register(CommandIds.tag, async (arg) => {
    const run = pickRun(arg);
    if (!run) return;
    const problem = (text: string) => {
      const parsed = text.trim() ? parseTagInput(text) : null;
      return parsed && 'error' in parsed ? parsed.error : null;
    };
    const text = await vscode.window.showInputBox({
      title: `Tag ${label(run.run)}`,
      prompt: TAG_PROMPT,
      placeHolder: TAG_PLACEHOLDER,
      validateInput: problem, // a word that cannot be a tag says why as it is typed; Enter is refused
    });
    if (!text?.trim()) return;
    const parsed = parseTagInput(text);
    if ('error' in parsed) throw new Error(parsed.error);
    await (await service.daemon(run.source)).updateRun(run.run.id, { tags: parsed.tags });
  });
  register(CommandIds.delete, async (arg) => {
    const runs = selectedRuns(arg);
    if (!runs.length) return;
    const answer = await vscode.window.showWarningMessage(
      runs.length === 1 ? `Delete the run “${label(runs[0]!.run)}”?` : `Delete ${runs.length} runs?`,
      { modal: true, detail: `${runs.length > 1 ? `${runs.slice(0, 10).map((r) => label(r.run)).join('\n')}${runs.length > 10 ? `\nand ${runs.length - 10} more` : ''}\n\n` : ''}The run folders move to the store's trash/ folder; nothing is erased.` },
      'Delete',
    );
    if (answer !== 'Delete') return;
    for (const r of runs) await (await service.daemon(r.source)).deleteRun(r.run.id);
    // The undo: the runs are in the trash, whole; Undo moves them back and the view lists them again.
    const moved = runs.length === 1 ? `“${label(runs[0]!.run)}”` : `${runs.length} runs`;
    void vscode.window.showInformationMessage(`Runlane: moved ${moved} to the store's trash.`, 'Undo').then(async (choice) => {
      if (choice !== 'Undo') return;
      for (const r of runs) await (await service.daemon(r.source)).restoreRun(r.run.id);
    }).then(undefined, (err: Error) => void vscode.window.showErrorMessage(`Runlane: the runs could not be restored: ${err.message}`));
  });
  register(CommandIds.rerun, async (arg) => {
    const run = pickRun(arg);
    if (!run) return;
    const text = await vscode.window.showInputBox({ title: `Re-run ${label(run.run)}`, prompt: 'The params, as JSON (a cell run as a job gets them as its top-level assignments)', value: JSON.stringify(editableParams(run.run.params)) });
    if (text === undefined) return;
    const created = await (await service.daemon(run.source)).rerun(run.run.id, parseEditedParams(text));
    void vscode.window.showInformationMessage(`Runlane: re-run of “${label(run.run)}” submitted as ${created.run_id} (${created.status}).`);
  });
  register(CommandIds.cancel, async (arg) => {
    const run = pickRun(arg);
    if (run) await (await service.daemon(run.source)).cancelJob(run.run.id);
  });
  register(CommandIds.stopRun, async (arg) => {
    const run = pickRun(arg);
    if (run) await (await service.daemon(run.source)).stopRun(run.run.id);
  });
  register(CommandIds.runCellAsExperiment, async (arg) => {
    const editor = vscode.window.activeNotebookEditor;
    const cell = arg && typeof arg === 'object' && 'document' in arg ? (arg as vscode.NotebookCell) : editor?.notebook.cellAt(editor.selections[0]?.start ?? 0);
    if (!cell || cell.kind !== vscode.NotebookCellKind.Code) return firstSteps('Run Cell as Experiment runs a code cell of an open notebook: open one and select a cell.');
    const source = cell.document.getText();
    const context = jobs.isSelectedFor(cell.notebook)
      ? ({ kind: 'jobs-cell', source, defaultTarget: vscode.workspace.getConfiguration('runlane').get<string>('jobs.defaultTarget', 'local') } as const)
      : ({ kind: 'kernel-cell', source } as const);
    const target = await pickTarget(context, await targets(cell.notebook.uri.scheme === 'file' ? cell.notebook.uri.fsPath : undefined));
    if (target === undefined) return; // Escape: nothing changes, nothing runs
    const updated = withRunlaneMagic(source, target);
    if (updated !== source) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(cell.document.uri, new vscode.Range(0, 0, cell.document.lineCount, 0), updated);
      await vscode.workspace.applyEdit(edit);
    }
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
  });
  register(CommandIds.runFileAsExperiment, async (arg) => {
    const active = vscode.window.activeTextEditor?.document.uri;
    let uri = arg instanceof vscode.Uri ? arg : active?.fsPath.endsWith('.py') ? active : undefined;
    uri ??= (await vscode.window.showOpenDialog({ title: 'Run File as Experiment: pick a Python script', filters: { Python: ['py'] }, canSelectMany: false, defaultUri: folder ? vscode.Uri.file(folder) : undefined }))?.[0];
    if (!uri) return;
    if (!uri.fsPath.endsWith('.py')) throw new Error(`${path.basename(uri.fsPath)} is not a Python script (.py).`);
    const file = uri.fsPath;
    const target = await pickTarget({ kind: 'file', file, lastTarget: state.get<string>(`runlane.fileTarget:${file}`) ?? null }, await targets(file));
    if (target === undefined || target === null) return; // Escape: nothing runs
    const argsText = await vscode.window.showInputBox({
      title: `Run ${path.basename(file)} as Experiment on ${target}`,
      prompt: `Arguments for ${path.basename(file)}, as on a command line (empty: none; Escape cancels)`,
      placeHolder: '--lr 0.1 --epochs 10',
      value: state.get<string>(`runlane.fileArgs:${file}`, ''),
    });
    if (argsText === undefined) return;
    await state.update(`runlane.fileTarget:${file}`, target);
    await state.update(`runlane.fileArgs:${file}`, argsText);
    const own = storeOfFile(file);
    const store = service.sources().some((s) => s.path === own) ? own : service.store;
    const client = await service.daemon(store);
    const created = await client.submitJob({ target, targetsFile: targetsFileOf(file), command: [python(), file, ...splitArgs(argsText)], workers: 1, gpusPerWorker: 0, name: path.basename(file), cwd: path.dirname(file), env: { PYTHONPATH: path.join(dist, 'python') } });
    panels.openDetails({ source: store, id: created.run_id }, true);
  });
  register(CommandIds.openLogdir, async (arg) => {
    const picked = typeof arg === 'string' ? arg : (await vscode.window.showOpenDialog({ title: 'Open TensorBoard Log Folder', openLabel: 'Open Log Folder', canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: folder ? vscode.Uri.file(folder) : undefined }))?.[0]?.fsPath;
    if (!picked) return;
    const found = await inspectFolder(picked);
    if (found.kind === 'store') {
      const use = await vscode.window.showInformationMessage(`${found.path} is a Runlane store, not a TensorBoard log folder.`, 'Use as the Store');
      if (use) await vscode.workspace.getConfiguration('runlane').update('storeFolder', found.path, vscode.ConfigurationTarget.Workspace);
      return;
    }
    if (found.kind === 'other') {
      // A project folder is not a log folder: adding it would list nothing, silently.
      void vscode.window.showWarningMessage(`Runlane: ${describe(found)}, with no TensorBoard event files in it. Pick the folder your SummaryWriter writes to (its log_dir).`);
      return;
    }
    if (found.kind !== 'tensorboard') void vscode.window.showInformationMessage(`Runlane: ${found.path} has no TensorBoard event files yet; its runs appear as a writer logs there.`);
    await addLogdir(found.path);
  });
  register(CommandIds.addMlflowStore, async () => {
    const uri = await addMlflowServer();
    if (!uri) return;
    await updateSources(); // the setting's change event does it too; the view shows it now
    await vscode.commands.executeCommand(focusViewCommand(ViewIds.runs));
  });
  register(CommandIds.pushToTeamStore, (arg) => pushRuns(service, selectedRuns(arg), label));
  register(CommandIds.removeSource, async (arg) => {
    const node = arg as RunsNode | undefined;
    if (node?.kind === 'source' && node.source.kind === 'mlflow') {
      if (!(await removeMlflowServer(node.source.path))) void vscode.window.showInformationMessage(`Runlane: ${node.source.path} is declared in runlane.toml (${node.source.reason}); remove it there to stop showing it.`);
      return updateSources();
    }
    if (node?.kind !== 'source' || node.source.kind !== 'logdir') return;
    await state.update(LOGDIRS_KEY, state.get<string[]>(LOGDIRS_KEY, []).filter((d) => d !== node.source.path));
    await updateSources();
  });
  register(CommandIds.chooseMainMetric, async (arg) => {
    const node = arg as RunsNode | undefined;
    const experiment = node?.kind === 'experiment' ? node.name : node?.kind === 'run' ? node.run.experiment : undefined;
    if (!experiment) return void vscode.window.showInformationMessage('Pick an experiment in the Runlane Runs view first.');
    const keys = [...new Set(service.all().filter((r) => r.run.experiment === experiment).flatMap((r) => Object.keys(r.run.metrics)))].sort();
    const current = mainMetrics()[experiment];
    const items = [{ label: 'Automatic', description: 'validation metrics before training ones, losses first', key: null as string | null }, ...keys.map((key) => ({ label: key, description: key === current ? 'chosen now' : '', key }))];
    const choice = await vscode.window.showQuickPick(items, { title: `Main metric of ${experiment}`, placeHolder: 'Shown in each run’s row' });
    if (!choice) return;
    const next = { ...mainMetrics() };
    if (choice.key) next[experiment] = choice.key;
    else delete next[experiment];
    await state.update(MAIN_METRIC_KEY, next);
    runsTree.refresh();
    status.update();
  });
  register(CommandIds.installHelper, async () => {
    const py = await interpreter();
    const helper = path.join(dist, 'helper');
    const terminal = vscode.window.createTerminal({ name: 'Runlane: install' });
    terminal.show();
    terminal.sendText(installCommand(py, helper));
  });

  /** The Python the user selected (the Python extension's interpreter), else runlane.pythonPath, .venv, python3. */
  async function interpreter(): Promise<string> {
    try {
      const api = (await vscode.extensions.getExtension('ms-python.python')?.activate()) as { environments?: { getActiveEnvironmentPath(r?: vscode.Uri): { path: string } } } | undefined;
      const found = api?.environments?.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri)?.path;
      if (found && found !== 'python') return found;
    } catch (err) {
      log.appendLine(`Runlane: the Python extension did not say which interpreter is selected: ${(err as Error).message}`);
    }
    return python();
  }

  async function firstSteps(why: string): Promise<void> {
    const file = 'Run a Python File…';
    const install = 'Install runlane into My Python';
    const answer = await vscode.window.showInformationMessage(`Runlane: ${why}`, file, install);
    if (answer === file) await vscode.commands.executeCommand(CommandIds.runFileAsExperiment);
    else if (answer === install) await vscode.commands.executeCommand(CommandIds.installHelper);
  }

  // Automatic tracking in Jupyter kernels: the Jupyter extension's startup commands load the helper.
  const applyAutoTracking = () => {
    const mode = vscode.workspace.getConfiguration('runlane').get<string>('autoTracking', 'off');
    const jupyter = vscode.workspace.getConfiguration('jupyter');
    const commands = (jupyter.get<string[]>('runStartupCommands') ?? []).filter((c) => !c.includes('runlane'));
    if (mode !== 'off') commands.push('%load_ext runlane', `%runlane auto ${mode}`);
    void Promise.resolve(jupyter.update('runStartupCommands', commands, vscode.ConfigurationTarget.Workspace)).catch(() => undefined);
  };
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('runlane.autoTracking') && applyAutoTracking()));
  log.appendLine(`Runlane activated in ${(performance.now() - started).toFixed(1)} ms`);
}

/** "PATH is a TensorBoard log folder (...)", "PATH cannot be read (...)": a folder and what it is, as a clause. */
/** A declared server's URI as the setting would hold it (so that both name one group). */
function parseUri(uri: string): string {
  const parsed = parseMlflowUri(uri);
  return 'uri' in parsed ? parsed.uri : uri;
}

function describe(found: { path: string; detail: string }): string {
  return `${found.path} ${/^(a|an) /.test(found.detail) ? 'is ' : ''}${found.detail}`;
}

export function deactivate(): void {}
