// Watches a store's runs/ folder and reports which run files changed. Changes are coalesced per
// file for a few milliseconds, so a burst of appends costs one incremental read, not hundreds.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export type ChangeHandler = (files: string[]) => void;

const COALESCE_MS = 3;

export class StoreWatcher {
  private watcher: FSWatcher | null = null;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly storeDir: string,
    private readonly onChange: ChangeHandler,
  ) {}

  /** Resolves once the initial scan is done, so no change after it is missed. */
  start(): Promise<void> {
    const runs = path.join(this.storeDir, 'runs');
    mkdirSync(runs, { recursive: true });
    // No awaitWriteFinish: files are append-only and readers stop at torn tails, and waiting
    // for writes to settle would add its whole delay to every live chart update.
    this.watcher = watch(runs, { ignoreInitial: true, depth: 4, ignored: (p) => p.includes('.tmp-') });
    this.watcher.on('add', (file) => this.queue(file));
    this.watcher.on('change', (file) => this.queue(file));
    this.watcher.on('addDir', (dir) => this.queue(dir));
    this.watcher.on('unlinkDir', (dir) => this.queue(dir));
    // chokidar drops a file's 'change' events within 50 ms of the previous one, and never re-emits
    // them: appends in that window would go unseen until the next change. Its 'raw' events (one per
    // inotify event, unthrottled) close that gap and keep live latency at the flush interval.
    this.watcher.on('raw', (_event, name, details) => {
      const watched = (details as { watchedPath?: string }).watchedPath;
      if (typeof name !== 'string' || !watched || name.includes('.tmp-')) return;
      this.queue(watched.endsWith(path.sep + name) ? watched : path.join(watched, name));
    });
    return new Promise((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    this.watcher = null;
  }

  private queue(file: string): void {
    this.pending.add(file);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const files = [...this.pending];
      this.pending.clear();
      this.onChange(files);
    }, COALESCE_MS);
  }
}
