// The "Runlane jobs" notebook controller: with it selected, each executed cell runs as a job on a
// target (`runlane.jobs.defaultTarget`, or the cell's own `%%runlane --on TARGET --workers N` line),
// with no Python kernel in the editor. Every worker's output is appended to the cell live (prefixed,
// progress bars in place, at most ~20 updates a second, head and tail of a flood); interrupting the
// cell cancels the job and every worker; the run is tracked like any job.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DaemonClient } from '@runlane/core';
import { FINAL_STATUSES, type RunStatus, type StoreEvent } from '@runlane/protocol';
import { JobsControllerId } from '../commandIds';
import type { RunlaneService } from '../service';
import { cellJson, executionSuccess, jobEndMessage, jobOfCell, readResultText } from './jobCell';
import { runLinkBundle, RUN_MIME, type RunLink } from './runLink';
import { startSweep, sweepBestText, sweepLine } from './sweepCell';
import { WorkerOutput } from './workerOutput';

const UPDATE_MS = 50; // at most ~20 cell updates a second

/** The cell output that names the job's run (contract C3). */
export function runLinkOutput(run: RunLink): vscode.NotebookCellOutput {
  const bundle = runLinkBundle(run);
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.json(bundle[RUN_MIME], RUN_MIME), vscode.NotebookCellOutputItem.text(bundle['text/plain'] as string)]);
}

export class JobController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private readonly selection: vscode.Disposable;

  /** Notebooks (uri strings) whose selected controller is this one. */
  private readonly selected = new Set<string>();

  constructor(
    private readonly service: RunlaneService,
    private readonly helperDir: string,
    private readonly python: () => string,
    /** The store a notebook's runs go to (the helper's discovery rule from its folder). */
    private readonly storeFor: (notebook: vscode.NotebookDocument) => string | undefined,
    /** The runlane.toml whose targets a notebook's cells run on (undefined: the daemon's rule). */
    private readonly targetsFileFor: (notebook: vscode.NotebookDocument) => string | undefined = () => undefined,
  ) {
    this.controller = vscode.notebooks.createNotebookController(JobsControllerId, 'jupyter-notebook', 'Runlane jobs');
    this.controller.supportedLanguages = ['python'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = 'Runs each cell as a Runlane job (local GPUs, SSH, Slurm)';
    this.controller.executeHandler = (cells, notebook) => this.executeAll(cells, notebook);
    this.selection = this.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
      if (selected) this.selected.add(notebook.uri.toString());
      else this.selected.delete(notebook.uri.toString());
    });
  }

  /** Whether the notebook runs its cells with this controller (then there is no kernel to run in). */
  isSelectedFor(notebook: vscode.NotebookDocument): boolean {
    return this.selected.has(notebook.uri.toString());
  }

  private order = 0;

  private async executeAll(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    for (const cell of cells) await this.execute(cell, notebook);
  }

  private async execute(cell: vscode.NotebookCell, notebook: vscode.NotebookDocument): Promise<void> {
    const execution = this.controller.createNotebookCellExecution(cell);
    execution.executionOrder = ++this.order;
    execution.start(Date.now());
    await execution.clearOutput();
    const settings = vscode.workspace.getConfiguration('runlane');
    const source = cell.document.getText();
    const job = jobOfCell(source, settings.get<string>('jobs.defaultTarget', 'local'));
    if (job.subcommand !== null) return this.executeSweep(cell, notebook, execution, source, job);
    const input = mkdtempSync(path.join(os.tmpdir(), 'runlane-cell-'));
    let client: DaemonClient;
    let runId: string;
    let link: RunLink;
    let store: string;
    try {
      writeFileSync(path.join(input, 'cell.py'), job.body);
      // Tracebacks name the cell "Cell In[N]" and number its lines as the editor does.
      writeFileSync(path.join(input, 'cell.json'), JSON.stringify(cellJson(source, job.hasMagic, execution.executionOrder)));
      // The notebook's own store when the Runs view shows it (it does for an open notebook).
      const own = this.storeFor(notebook);
      store = own && this.service.sources().some((src) => src.path === own) ? own : this.service.store;
      client = await this.service.daemon(store);
      const notebookName = path.basename(notebook.uri.fsPath);
      const created = await client.submitJob({
        target: job.target,
        targetsFile: this.targetsFileFor(notebook),
        command: [this.python(), '-m', 'runlane.worker'],
        workers: job.workers,
        gpusPerWorker: job.gpus,
        name: job.name ?? `${notebookName} cell ${cell.index + 1}`,
        experiment: job.experiment ?? notebookName.replace(/\.ipynb$/, ''), // the magic's --experiment, as in a kernel
        cwd: notebook.uri.scheme === 'file' ? path.dirname(notebook.uri.fsPath) : undefined,
        env: { PYTHONPATH: this.helperDir },
        input,
        cell: {
          notebook: notebook.uri.scheme === 'file' ? notebook.uri.fsPath : null,
          cell_id: (cell.metadata as { id?: string }).id ?? null,
          source,
          execution_count: execution.executionOrder ?? null,
        },
      });
      runId = created.run_id;
      link = { id: runId, name: job.name ?? `${notebookName} cell ${cell.index + 1}`, experiment: job.experiment ?? notebookName.replace(/\.ipynb$/, ''), store, kind: 'job' };
      await execution.replaceOutput(runLinkOutput(link));
    } catch (err) {
      await execution.replaceOutput(cellError(err as Error));
      execution.end(false, Date.now());
      return;
    } finally {
      rmSync(input, { recursive: true, force: true }); // the run keeps its own copy
    }
    const status = await this.follow(client, runId, execution, runLinkOutput(link));
    // Rank 0's last expression (or runlane.result()), as the kernel would show it: the cell's last output.
    const result = status === 'finished' ? readResultText(store, runId) : null;
    if (result !== null) await execution.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(result, 'text/plain')]));
    execution.end(executionSuccess(status), Date.now());
  }

  /** A `%%runlane sweep` cell: the sweep it declares, followed like a job; its best trial is the last output. */
  private async executeSweep(
    cell: vscode.NotebookCell,
    notebook: vscode.NotebookDocument,
    execution: vscode.NotebookCellExecution,
    source: string,
    job: ReturnType<typeof jobOfCell>,
  ): Promise<void> {
    let client: DaemonClient;
    let link: RunLink;
    try {
      if (job.subcommand !== 'sweep') throw new Error(`%%runlane ${job.subcommand} is not a cell magic: a cell starts with %%runlane, %%runlane --on TARGET or %%runlane sweep.`);
      const own = this.storeFor(notebook);
      const store = own && this.service.sources().some((src) => src.path === own) ? own : this.service.store;
      client = await this.service.daemon(store); // started if need be: the helper talks to this daemon
      const notebookName = path.basename(notebook.uri.fsPath);
      const started = await startSweep(this.python(), this.helperDir, {
        line: sweepLine(source, job.target),
        body: job.body,
        store,
        cwd: notebook.uri.scheme === 'file' ? path.dirname(notebook.uri.fsPath) : undefined,
        targetsFile: this.targetsFileFor(notebook), // where its job cells find their targets
        name: `${notebookName} cell ${cell.index + 1}`,
        experiment: notebookName.replace(/\.ipynb$/, ''),
        cell: { notebook: notebook.uri.scheme === 'file' ? notebook.uri.fsPath : null, cell_id: (cell.metadata as { id?: string }).id ?? null, source, execution_count: execution.executionOrder ?? null },
      });
      link = { id: started.run_id, name: started.name, experiment: started.experiment, store, kind: 'job' };
      await execution.replaceOutput(runLinkOutput(link));
    } catch (err) {
      await execution.replaceOutput(cellError(err as Error));
      execution.end(false, Date.now());
      return;
    }
    const status = await this.follow(client, link.id, execution, runLinkOutput(link));
    const best = status === 'finished' ? sweepBestText(link.store, link.id) : null;
    if (best !== null) await execution.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(best, 'text/plain')]));
    execution.end(executionSuccess(status), Date.now());
  }

  /** Streams the run's logs into the cell until the job ends; its final status (null: unknown). */
  private follow(client: DaemonClient, runId: string, execution: vscode.NotebookCellExecution, link: vscode.NotebookCellOutput): Promise<RunStatus | null> {
    const output = new WorkerOutput();
    const offsets = new Map<string, number>();
    let shown = '';
    let timer: NodeJS.Timeout | null = null;
    let reading = Promise.resolve();
    const item = (text: string) => new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stdout(text)]);
    const flush = () => {
      const text = output.render();
      if (text !== shown) {
        shown = text;
        void execution.replaceOutput([link, item(text)]);
      }
    };
    const schedule = () => (timer ??= setTimeout(() => ((timer = null), flush()), UPDATE_MS));
    const readAll = () =>
      (reading = reading.then(async () => {
        const detail = await client.run(runId);
        for (const log of detail.logs) {
          const key = `${log.writer}/${log.stream}`;
          const offset = offsets.get(key) ?? 0;
          if (log.size <= offset || log.writer === 'runlane') continue;
          const { bytes } = await client.log(runId, log.writer, log.stream, offset);
          offsets.set(key, offset + bytes.length);
          output.push(log.writer, log.stream, bytes);
        }
        schedule();
        return FINAL_STATUSES.includes(detail.status) ? detail.status : null;
      }).then(() => undefined, () => undefined));
    return new Promise<RunStatus | null>((resolve) => {
      let done = false;
      const finish = async () => {
        if (done) return;
        done = true;
        stop();
        clearInterval(poll);
        cancel.dispose();
        await readAll();
        output.end();
        flush();
        const run = await client.run(runId).catch(() => null);
        const why = run ? jobEndMessage(run.status, run.error) : null;
        if (why) await execution.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.stderr(`${why}\n`)]));
        resolve(run?.status ?? null);
      };
      const check = async () => {
        await readAll();
        const run = await client.run(runId).catch(() => null);
        if (run && FINAL_STATUSES.includes(run.status)) void finish();
      };
      const stop = client.events((event: StoreEvent) => {
        if ((event.type === 'log' && event.run_id === runId) || (event.type === 'run-updated' && event.run.id === runId)) void check();
      });
      // The feed wakes the reads; the poll is the safety net for a missed event.
      const poll = setInterval(() => void check(), 500);
      const cancel = execution.token.onCancellationRequested(() => void client.cancelJob(runId).catch(() => undefined));
      void check();
    });
  }

  dispose(): void {
    this.selection.dispose();
    this.controller.dispose();
  }
}

/**
 * A cell's error that Runlane says (a refused target, a missing package): its sentence alone. The
 * extension's stack under it ("at .../dist/extension.js:215:121") read as a crash of the tool.
 */
function cellError(err: Error): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name: 'Runlane', message: err.message })]);
}
