// Runlane for VS Code: the Runs and Targets views, the Charts and Run-details panels (the shared views
// of shared/ui in webviews), "Run Cell as Experiment", "Run File as Experiment", the "Runlane jobs"
// notebook controller, and a status bar item. Activated lazily: by its views, commands, notebooks
// and restored panels (package.json's activation events).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { withRunlaneMagic, editableParams, parseEditedParams } from '@runlane/ui';
import type { RunRef, RunSummary, TargetInfo } from '@runlane/protocol';
import { CommandIds, ViewIds } from './commandIds';
import { JobController } from './notebook/jobController';
import { RunlaneService } from './service';
import { RunsTree, runOf, type RunsNode } from './views/runsTree';
import { TargetsTree } from './views/targetsTree';
import { RunlanePanels } from './webviewHost';
import { StatusItem } from './statusItem';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Runlane');
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dist = vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath;
  const service = new RunlaneService(RunlaneService.storeFor(folder), path.join(dist, 'runlane.cjs'), log, RunlaneService.targetsFileFor(folder));
  const runsTree = new RunsTree(service);
  const runsView = vscode.window.createTreeView(ViewIds.runs, { treeDataProvider: runsTree, canSelectMany: true, showCollapseAll: true });
  const targetsTree = new TargetsTree(service);
  const panels = new RunlanePanels(context.extensionUri, service, {
    openCharts: (runs) => panels.openCharts(runs),
    openSource: (run) => void goToCell(run),
  });
  const python = () => {
    const setting = vscode.workspace.getConfiguration('runlane').get<string>('pythonPath', '').trim();
    if (setting) return setting;
    const venv = folder ? path.join(folder, '.venv', 'bin', 'python') : '';
    return venv && existsSync(venv) ? venv : 'python3';
  };
  const jobs = new JobController(service, path.join(dist, 'python'), python);
  const status = new StatusItem(service);
  context.subscriptions.push(log, service, runsView, runsTree, panels, jobs, status, vscode.window.registerTreeDataProvider(ViewIds.targets, targetsTree));
  void service.load();

  const ref = (run: RunSummary): RunRef => ({ source: service.store, id: run.id });
  const pickRun = (arg: unknown): RunSummary | undefined => {
    const run = runOf(arg, service, runsView.selection as readonly RunsNode[]);
    if (!run) void vscode.window.showInformationMessage('Select a run in the Runlane Runs view first.');
    return run;
  };
  const selectedRuns = (arg: unknown): RunSummary[] => {
    const chosen = (runsView.selection as readonly RunsNode[]).flatMap((n) => (n.kind === 'run' ? [n.run] : []));
    const clicked = runOf(arg, service, []);
    return clicked && !chosen.some((r) => r.id === clicked.id) ? [clicked] : chosen;
  };
  const guarded = (action: (arg: unknown, ...rest: unknown[]) => unknown) => async (arg: unknown, ...rest: unknown[]) => {
    try {
      await action(arg, ...rest);
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlane: ${(err as Error).message}`);
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

  async function pickTarget(current: string | null): Promise<string | null | undefined> {
    let targets: TargetInfo[] = [];
    try {
      targets = await (await service.daemon()).targets();
    } catch (err) {
      log.appendLine(`Runlane: targets are not available: ${(err as Error).message}`);
    }
    const items = [
      { label: 'This kernel', description: 'tracked in the notebook’s own kernel', target: null as string | null, picked: current === null },
      ...targets.map((t) => ({ label: t.name, description: `${t.kind} · ${t.ok ? t.detail : `unavailable: ${t.detail}`}`, target: t.name as string | null, picked: current === t.name })),
    ];
    const choice = await vscode.window.showQuickPick(items, { title: 'Run Cell as Experiment', placeHolder: 'Where the cell runs' });
    return choice === undefined ? undefined : choice.target;
  }

  const register = (id: string, action: (arg: unknown, ...rest: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, guarded(action)));
  register(CommandIds.refresh, () => {
    void service.load();
    targetsTree.refresh();
  });
  register(CommandIds.filter, async () => {
    const text = await vscode.window.showInputBox({ title: 'Filter runs', value: runsTree.filter.text, prompt: 'Words that must all match: text, key=value (a param or tag), status:running, tag:best' });
    if (text === undefined) return;
    runsTree.filter = { ...runsTree.filter, text };
    runsView.description = text ? `filter: ${text}` : undefined;
    runsTree.refresh();
  });
  register(CommandIds.toggleThisNotebook, () => {
    const notebook = vscode.window.activeNotebookEditor?.notebook.uri.fsPath ?? null;
    runsTree.filter = { ...runsTree.filter, notebook: runsTree.filter.notebook ? null : notebook };
    runsView.message = runsTree.filter.notebook ? `Runs of ${path.basename(runsTree.filter.notebook)} only` : undefined;
    runsTree.refresh();
  });
  register(CommandIds.openCharts, (arg) => {
    const runs = selectedRuns(arg);
    panels.openCharts(runs.length ? runs.map(ref) : null);
  });
  register(CommandIds.openDetails, (arg) => {
    const run = pickRun(arg);
    if (run) panels.openDetails(ref(run));
  });
  register(CommandIds.showLogs, (arg) => {
    const run = pickRun(arg);
    if (run) panels.openDetails(ref(run), true);
  });
  register(CommandIds.goToCell, (arg) => {
    const run = pickRun(arg);
    return run ? goToCell(run) : undefined;
  });
  register(CommandIds.copyId, async (arg) => {
    const run = pickRun(arg);
    if (run) await vscode.env.clipboard.writeText(run.id);
  });
  register(CommandIds.rename, async (arg) => {
    const run = pickRun(arg);
    if (!run) return;
    const name = await vscode.window.showInputBox({ title: 'Rename run', value: run.name });
    if (name && name !== run.name) await (await service.daemon()).updateRun(run.id, { name });
  });
  register(CommandIds.tag, async (arg) => {
    const run = pickRun(arg);
    if (!run) return;
    const text = (await vscode.window.showInputBox({ title: `Tag ${run.name}`, prompt: 'name, or name=value; -name removes it' }))?.trim();
    if (!text) return;
    const tags = text.startsWith('-') ? { [text.slice(1)]: null } : { [text.split('=')[0]!.trim()]: text.includes('=') ? text.slice(text.indexOf('=') + 1).trim() : '' };
    await (await service.daemon()).updateRun(run.id, { tags });
  });
  register(CommandIds.delete, async (arg) => {
    const runs = selectedRuns(arg);
    if (!runs.length) return;
    const answer = await vscode.window.showWarningMessage(
      runs.length === 1 ? `Delete the run “${runs[0]!.name}”?` : `Delete ${runs.length} runs?`,
      { modal: true, detail: "The run folders move to the store's trash/ folder; nothing is erased." },
      'Delete',
    );
    if (answer !== 'Delete') return;
    const client = await service.daemon();
    for (const r of runs) await client.deleteRun(r.id);
  });
  register(CommandIds.rerun, async (arg) => {
    const run = pickRun(arg);
    if (!run) return;
    const text = await vscode.window.showInputBox({ title: `Re-run ${run.name}`, prompt: 'The params, as JSON (a cell run as a job gets them as its top-level assignments)', value: JSON.stringify(editableParams(run.params)) });
    if (text === undefined) return;
    const created = await (await service.daemon()).rerun(run.id, parseEditedParams(text));
    void vscode.window.showInformationMessage(`Runlane: re-run submitted as ${created.run_id} (${created.status}).`);
  });
  register(CommandIds.cancel, async (arg) => {
    const run = pickRun(arg);
    if (run) await (await service.daemon()).cancelJob(run.id);
  });
  register(CommandIds.runCellAsExperiment, async (arg) => {
    const editor = vscode.window.activeNotebookEditor;
    const cell = arg && typeof arg === 'object' && 'document' in (arg as object) ? (arg as vscode.NotebookCell) : editor?.notebook.cellAt(editor.selections[0]?.start ?? 0);
    if (!editor || !cell || cell.kind !== vscode.NotebookCellKind.Code) throw new Error('Select a code cell of a notebook first.');
    const source = cell.document.getText();
    const current = /^%%runlane\s.*--on[\s=]+["']?([^\s"']+)/.exec(source)?.[1] ?? null;
    const target = await pickTarget(current);
    if (target === undefined) return;
    const updated = withRunlaneMagic(source, target);
    if (updated !== source) {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(cell.document.uri, new vscode.Range(0, 0, cell.document.lineCount, 0), updated);
      await vscode.workspace.applyEdit(edit);
    }
    await vscode.commands.executeCommand('notebook.cell.execute', { ranges: [{ start: cell.index, end: cell.index + 1 }], document: cell.notebook.uri });
  });
  register(CommandIds.runFileAsExperiment, async (arg) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !uri.fsPath.endsWith('.py')) throw new Error('Open or select a Python file.');
    const target = (await pickTarget('local')) ?? 'local';
    const client = await service.daemon();
    const created = await client.submitJob({ target, command: [python(), uri.fsPath], workers: 1, gpusPerWorker: 0, name: path.basename(uri.fsPath), cwd: path.dirname(uri.fsPath), env: { PYTHONPATH: path.join(dist, 'python') } });
    panels.openDetails({ source: service.store, id: created.run_id }, true);
  });

  // Automatic tracking in Jupyter kernels: the Jupyter extension's startup commands load the helper.
  const applyAutoTracking = () => {
    const mode = vscode.workspace.getConfiguration('runlane').get<string>('autoTracking', 'off');
    const jupyter = vscode.workspace.getConfiguration('jupyter');
    const commands = (jupyter.get<string[]>('runStartupCommands') ?? []).filter((c) => !c.includes('runlane'));
    if (mode !== 'off') commands.push('%load_ext runlane', `%runlane auto ${mode}`);
    void Promise.resolve(jupyter.update('runStartupCommands', commands, vscode.ConfigurationTarget.Workspace)).catch(() => undefined);
  };
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('runlane.autoTracking') && applyAutoTracking()));
  log.appendLine(`Runlane activated in ${(performance.now() - started).toFixed(1)} ms; store ${service.store}`);
}

export function deactivate(): void {}
