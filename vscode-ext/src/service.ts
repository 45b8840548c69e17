// The extension's one connection to Runlane: the store it shows, the runs (listed in-process, so
// browsing needs no daemon) kept live by the daemon's feed, and the daemon client for everything that
// changes something (jobs, renames). The daemon is found through its runtime file or started from
// the bundled CLI with VS Code's own Node.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DaemonClient, findStoreDir, StoreReader } from '@runlane/core';
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { RunSet } from '@runlane/ui';

export class RunlaneService implements vscode.Disposable {
  readonly runs: RunSet;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The run list changed (the tree, the status bar and the badges follow it). */
  readonly onDidChange = this.changed.event;
  private readonly feed = new vscode.EventEmitter<StoreEvent>();
  /** Every event of the store's feed (webviews forward them to their views). */
  readonly onEvent = this.feed.event;
  private client: Promise<DaemonClient> | null = null;
  private stopFeed: () => void = () => {};
  private poller: NodeJS.Timeout | null = null;

  constructor(
    readonly store: string,
    private readonly cliBundle: string,
    private readonly log: vscode.OutputChannel,
    /** `runlane.targetsFile`, resolved; undefined for the runlane.toml beside the store. */
    private readonly targetsFile?: string,
  ) {
    this.runs = new RunSet(store);
  }

  /** The targets file of the settings (relative to the workspace), or undefined. */
  static targetsFileFor(folder: string | undefined): string | undefined {
    const setting = vscode.workspace.getConfiguration('runlane').get<string>('targetsFile', '').trim();
    return setting ? path.resolve(folder ?? process.cwd(), setting) : undefined;
  }

  /** The store of the settings, else RUNLANE_DIR, else the nearest .runlane/ from the workspace. */
  static storeFor(folder: string | undefined): string {
    const setting = vscode.workspace.getConfiguration('runlane').get<string>('storeFolder', '').trim();
    if (setting) return path.resolve(folder ?? process.cwd(), setting);
    return findStoreDir(folder ?? process.cwd());
  }

  async load(): Promise<void> {
    try {
      const reader = await StoreReader.open(this.store, (message) => this.log.appendLine(message));
      this.runs.reset(await reader.listRuns());
    } catch (err) {
      this.log.appendLine(`Runlane: could not read the store ${this.store}: ${(err as Error).message}`);
      this.runs.reset([]);
    }
    this.changed.fire();
    this.follow();
  }

  daemon(): Promise<DaemonClient> {
    this.client ??= DaemonClient.connect({
      store: this.store,
      targetsFile: this.targetsFile,
      serveCommand: { command: process.execPath, args: [this.cliBundle], env: { ELECTRON_RUN_AS_NODE: '1' } },
    }).catch((err: Error) => {
      this.client = null;
      throw err;
    });
    return this.client;
  }

  run(id: string): RunSummary | undefined {
    return this.runs.get(id);
  }

  private follow(): void {
    this.stopFeed();
    if (!existsSync(this.store)) {
      // No store yet: look again now and then, without starting a daemon for nothing.
      this.poller ??= setInterval(() => existsSync(this.store) && (clearInterval(this.poller!), (this.poller = null), void this.load()), 2000);
      return;
    }
    void this.daemon().then(
      (client) => {
        this.stopFeed = client.events((event) => {
          if (event.type === 'reset') void this.load();
          else if (this.runs.apply(event)) this.changed.fire();
          this.feed.fire(event);
        });
      },
      (err: Error) => this.log.appendLine(`Runlane: the daemon is not available (${err.message}); the list will not update live.`),
    );
  }

  dispose(): void {
    this.stopFeed();
    if (this.poller) clearInterval(this.poller);
    this.changed.dispose();
    this.feed.dispose();
  }
}
