// The extension's one connection to Runlane: the sources the Runs view shows (the stores the
// workspace's notebooks and scripts write to, and TensorBoard log folders the user opened), each with
// its runs (stores listed in-process, so browsing needs no daemon) kept live by the daemon's feed, and
// a daemon client per source for everything else (series, jobs, renames). The daemon is found through
// its runtime file or started from the bundled CLI with VS Code's own Node.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DaemonClient, StoreReader } from '@runlane/core';
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { RunSet } from '@runlane/ui';
import { applyEvent, EVERYTHING, relistChanges, type RunsChange } from './runsChange';
import type { Source } from './sources';

/** Runs shown at once on a source's first listing, the rest following (JupyterLab's sidebar pages the same). */
export const FIRST_PAGE = 200;

class SourceState {
  readonly runs: RunSet;
  client: Promise<DaemonClient> | null = null;
  stopFeed: () => void = () => {};
  /** Counts follow() calls: a feed whose client arrives after a newer follow() began is not started. */
  follows = 0;
  poller: NodeJS.Timeout | null = null;
  /** Why the source could not be read, shown in the tree instead of its runs. */
  error: string | null = null;
  /** While only a first page is shown: how many runs the source holds in all (null: the whole list). */
  total: number | null = null;

  constructor(readonly source: Source) {
    this.runs = new RunSet(source.path);
  }

  dispose(): void {
    this.stopFeed();
    if (this.poller) clearInterval(this.poller);
  }
}

export class RunlaneService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsChange>();
  /** The run list changed (the tree, the status bar and the badges follow it): one run's row, or everything. */
  readonly onDidChange = this.changed.event;
  private readonly feed = new vscode.EventEmitter<StoreEvent>();
  /** Every event of every source's feed (webviews forward them to their views). */
  readonly onEvent = this.feed.event;
  private states: SourceState[] = [];
  /** A whole-view redraw asked for by the feed, due at the next turn (see feedChanged). */
  private redrawDue: NodeJS.Timeout | null = null;

  constructor(
    private readonly cliBundle: string,
    private readonly log: vscode.OutputChannel,
    /** `runlane.targetsFile`, resolved; undefined for the runlane.toml beside the store. */
    private readonly targetsFile?: string,
  ) {}

  /** The targets file of the settings (relative to the workspace), or undefined. */
  static targetsFileFor(folder: string | undefined): string | undefined {
    const setting = vscode.workspace.getConfiguration('runlane').get<string>('targetsFile', '').trim();
    return setting ? path.resolve(folder ?? process.cwd(), setting) : undefined;
  }

  /** The primary store: where jobs started from the tree or a file without a store of its own go. */
  get store(): string {
    return this.states.find((s) => s.source.kind === 'store')?.source.path ?? '';
  }

  sources(): Source[] {
    return this.states.map((s) => s.source);
  }

  /** Why a source shows no runs (unreadable), or null. */
  errorOf(where: string): string | null {
    return this.states.find((s) => s.source.path === where)?.error ?? null;
  }

  /** Shows exactly these sources: new ones are loaded, gone ones stop following. */
  setSources(sources: Source[]): void {
    // Compared before the kept states take their new sources: a changed reason alone redraws the tree.
    const key = (list: Source[]) => JSON.stringify(list.map((s) => [s.kind, s.path, s.label, s.reason]));
    const same = key(this.sources()) === key(sources);
    const next = sources.map((source) => {
      const old = this.states.find((s) => s.source.path === source.path && s.source.kind === source.kind);
      if (old) return Object.assign<SourceState, { source: Source }>(old, { source });
      return new SourceState(source);
    });
    for (const s of this.states) if (!next.includes(s)) s.dispose();
    const added = next.filter((s) => !this.states.includes(s));
    this.states = next;
    for (const s of added) void this.loadOne(s);
    // Only a real change refreshes the tree (a refresh can drop the tree's selection mid-click).
    if (!same) this.changed.fire(EVERYTHING);
  }

  async load(): Promise<void> {
    await Promise.all(this.states.map((s) => this.loadOne(s)));
  }

  /**
   * Lists a source again (when shown, on the feed's `reset`, on Refresh) and follows its feed. Only
   * what the listing changed is redrawn: the same runs again (a reset after a reconnect, a TensorBoard
   * folder re-read) redraw nothing, so a row being clicked is not redrawn under the click.
   */
  private async loadOne(state: SourceState): Promise<void> {
    const errorBefore = state.error;
    let listed: RunSummary[] = [];
    let error: string | null = null;
    try {
      const whole = state.source.kind === 'store'
        ? StoreReader.open(state.source.path, (message) => this.log.appendLine(message)).then((reader) => reader.listRuns())
        : this.daemon(state.source.path).then((client) => client.runs());
      if (!state.runs.size && state.error === null) void this.showFirstPage(state, whole);
      listed = await whole;
    } catch (err) {
      const missing = state.source.kind === 'store' && !existsSync(state.source.path);
      if (!missing) {
        error = (err as Error).message;
        this.log.appendLine(`Runlane: could not read ${state.source.path}: ${error}`);
      }
    }
    state.error = error;
    const paged = state.total !== null;
    state.total = null;
    const changes = relistChanges(state.runs, listed);
    if (!this.states.includes(state)) return;
    for (const change of error === errorBefore && !paged ? changes : [EVERYTHING]) this.changed.fire(change);
    this.follow(state);
  }

  /**
   * A source's first listing: the daemon's newest FIRST_PAGE runs are shown while the whole list comes
   * (100,000 runs are tens of MB to read and parse), as JupyterLab's sidebar does; the whole list
   * replaces them. A page that comes after the whole list, or fails, is dropped: the whole list speaks.
   */
  private async showFirstPage(state: SourceState, whole: Promise<unknown>): Promise<void> {
    let done = false;
    void whole.then(() => (done = true), () => (done = true));
    if (state.source.kind === 'store' && !existsSync(state.source.path)) return;
    const page = await this.daemon(state.source.path).then((client) => client.runsPage(FIRST_PAGE)).catch(() => null);
    if (!page || done || state.runs.size || page.runs.length >= page.total || !this.states.includes(state)) return;
    state.runs.reset(page.runs);
    state.total = page.total;
    this.changed.fire(EVERYTHING);
  }

  /** How many runs a source holds while only its newest FIRST_PAGE are shown, else null. */
  totalOf(where: string): number | null {
    return this.states.find((s) => s.source.path === where)?.total ?? null;
  }

  /** The daemon's client for one source (by path; default: the primary store). */
  daemon(source?: string): Promise<DaemonClient> {
    const state = source === undefined ? this.states.find((s) => s.source.kind === 'store') : this.states.find((s) => s.source.path === source);
    if (!state) return Promise.reject(new Error(source === undefined ? 'No Runlane store is open: open a folder, or set runlane.storeFolder.' : `Runlane does not show ${source} any more.`));
    const where = state.source.kind === 'logdir' ? { logdir: state.source.path } : state.source.kind === 'mlflow' ? { mlflow: state.source.path } : { store: state.source.path };
    state.client ??= DaemonClient.connect({
      ...where,
      targetsFile: this.targetsFile,
      serveCommand: { command: process.execPath, args: [this.cliBundle], env: { ELECTRON_RUN_AS_NODE: '1' } },
    }).catch((err: Error) => {
      state.client = null;
      throw err;
    });
    return state.client;
  }

  /** Every run shown, with the source it comes from. */
  all(): { source: Source; run: RunSummary }[] {
    return this.states.flatMap((s) => s.runs.all().map((run) => ({ source: s.source, run })));
  }

  runsOf(where: string): RunSummary[] {
    return this.states.find((s) => s.source.path === where)?.runs.all() ?? [];
  }

  /** A run by id (in `source` when given, else the first source that has it). */
  run(id: string, source?: string): RunSummary | undefined {
    for (const s of this.states) if (source === undefined || s.source.path === source) {
      const run = s.runs.get(id);
      if (run) return run;
    }
    return undefined;
  }

  /** The source path a run id belongs to (the first that has it). */
  sourceOf(id: string): string | undefined {
    return this.states.find((s) => s.runs.get(id))?.source.path;
  }

  private follow(state: SourceState): void {
    state.stopFeed();
    state.stopFeed = () => {};
    const followed = ++state.follows;
    if (state.source.kind === 'store' && !existsSync(state.source.path)) {
      // No store yet: look again now and then, without starting a daemon for nothing.
      state.poller ??= setInterval(() => existsSync(state.source.path) && (clearInterval(state.poller!), (state.poller = null), void this.loadOne(state)), 2000);
      return;
    }
    void this.daemon(state.source.path).then(
      (client) => {
        // A newer follow() (a second reset while this client was coming) starts the one feed.
        if (!this.states.includes(state) || state.follows !== followed) return;
        state.stopFeed = client.events((event) => {
          if (event.type === 'reset') void this.loadOne(state);
          else {
            const change = applyEvent(state.runs, event);
            if (change) this.feedChanged(change);
          }
          this.feed.fire(event);
        });
      },
      (err: Error) => this.log.appendLine(`Runlane: the daemon is not available (${err.message}); ${state.source.path} will not update live.`),
    );
  }

  /**
   * A feed's change: one run's row at once; a whole-view redraw (runs created, moved) once for a burst.
   * An MLflow server's runs arrive a page of thousands of run-created events at a time: a redraw of
   * the tree and the status item for each one held the extension host for seconds.
   */
  private feedChanged(change: RunsChange): void {
    if (change.kind === 'run') return this.changed.fire(change);
    this.redrawDue ??= setTimeout(() => {
      this.redrawDue = null;
      this.changed.fire(EVERYTHING);
    }, 0);
  }

  dispose(): void {
    if (this.redrawDue) clearTimeout(this.redrawDue);
    for (const s of this.states) s.dispose();
    this.changed.dispose();
    this.feed.dispose();
  }
}
