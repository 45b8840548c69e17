// Watches a store at the cost of what is live, not of what exists: one watch on runs/ (new and
// deleted runs), one per folder of each followed run (running or queued ones, and new ones until
// their status is known), none per file and none for finished runs, whose edits by other processes
// (renames, tags) an EditSweep finds by stat. 10,000 finished runs and 10 running: 41 watches. A live
// run quiet for 10 minutes (its writer likely killed elsewhere) gives its watches back too.
// What cannot be watched (the system's limit, see watchDir.ts) is polled every second.
// Changes are coalesced for a few milliseconds, so a burst of appends costs one incremental read.
// A store not made yet is not made here (an editor opening on a folder must not choose where the
// helper's runs go): its runs/ is looked for every 50 ms (a stat), and watched once a writer has made it.
import { existsSync, readdirSync, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { EditSweep } from './editSweep.js';
import { isWatchLimit, warnWatchLimit, watchDir } from './watchDir.js';

export type ChangeHandler = (files: string[]) => void;

const COALESCE_MS = 3;
const POLL_MS = 1_000;
const AWAIT_MS = 50;
/** A run stays followed this long after it ends: its writer may still flush its last points and logs. */
const UNFOLLOW_AFTER_MS = 5_000;
/** A live run with no file change for this long loses its watches: a writer killed on another host
 * (a Slurm node) leaves its run "running" forever. The store index still re-reads live runs every
 * 2 s, so a quiet run that logs again is shown within 2 s. */
const QUIET_MS = 10 * 60_000;
/** Pause between two edit sweeps: at least this, and long enough that sweeping costs at most ~3% of a core. */
const SWEEP_GAP_MS = 2_000;
const SWEEP_DUTY = 30;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
/** A run's folders that hold files the readers follow (artifacts/ is read on demand, not followed). */
const FOLLOWED = ['events', 'metrics', 'logs', 'media'];

interface Followed {
  watchers: Map<string, FSWatcher>;
  /** Some folder could not be watched: the whole run is re-read every POLL_MS. */
  polled: boolean;
  /** When the run was seen ended (ms), null while live. */
  endedAt: number | null;
  /** The last file event from its folders (ms). */
  activeAt: number;
  /** Quiet for quietMs: its watches closed, left to the store index's re-read of live runs. */
  quiet: boolean;
}

export class StoreWatcher {
  private readonly runsDir: string;
  private runsWatcher: FSWatcher | null = null;
  /** Run folders in runs/, as last seen (the sweep's list; the poll's baseline without a watch). */
  private readonly names = new Set<string>();
  private readonly followed = new Map<string, Followed>();
  private readonly sweep: EditSweep;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** runs/ did not exist at the start: looked for every AWAIT_MS, and watched once a writer has made it. */
  private awaitingRuns = false;
  private awaitTimer: NodeJS.Timeout | null = null;
  /** The open's checks, handed to the sweep when its first round starts (not on the open's path). */
  private checked: { runs: Map<string, string>; at: number } | null = null;

  constructor(
    private readonly storeDir: string,
    private readonly onChange: ChangeHandler,
    private readonly quietMs = QUIET_MS,
  ) {
    this.runsDir = path.join(storeDir, 'runs');
    this.sweep = new EditSweep(this.runsDir, (files) => files.forEach((f) => this.queue(f)));
  }

  /** Resolves once runs/ is watched (or polled) and listed, so no run created after it is missed.
   * `sweepLater`: the edit sweep waits for startSweep (the store's open is reading the runs: a sweep
   * then would compete with it and redo its checks). */
  async start(sweepLater = false): Promise<void> {
    const started = Date.now();
    if (existsSync(this.runsDir)) this.watchRuns();
    else {
      // Looked for often (a stat): a store's first run is seen while it starts, so its points are told
      // live; once a second (the poll) would take its first second of points as its past.
      this.awaitingRuns = true;
      this.awaitTimer = setInterval(() => this.lookForRuns(), AWAIT_MS);
      this.awaitTimer.unref();
    }
    for (const name of this.listRuns()) {
      this.names.add(name);
      this.sweep.add(name, started);
    }
    this.pollTimer = setInterval(() => this.poll(), POLL_MS);
    this.pollTimer.unref();
    if (!sweepLater) this.scheduleSweep();
  }

  /** Starts the edit sweep after start(true); `checked`: the runs the open vouched for, by the
   * print of their two folders, which the sweep takes as its baseline instead of re-reading them. */
  startSweep(checked: Map<string, string>): void {
    this.checked = { runs: checked, at: Date.now() };
    this.scheduleSweep();
  }

  /** Whether a run is live (followed with watches) or ended (left to the edit sweep, after a grace). */
  setLive(runId: string, live: boolean): void {
    const run = this.followed.get(runId);
    if (live) {
      if (run) run.endedAt = null;
      else this.follow(runId);
    } else if (run && run.endedAt === null) {
      run.endedAt = Date.now();
    }
  }

  /** How many folders are watched now (runs/ included). */
  get watchCount(): number {
    let n = this.runsWatcher ? 1 : 0;
    for (const run of this.followed.values()) n += run.watchers.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.timer, this.pollTimer, this.sweepTimer, this.awaitTimer]) if (t) clearTimeout(t);
    this.runsWatcher?.close();
    for (const id of [...this.followed.keys()]) this.unfollow(id);
  }

  private follow(runId: string): void {
    const run: Followed = { watchers: new Map(), polled: false, endedAt: null, activeAt: Date.now(), quiet: false };
    this.followed.set(runId, run);
    this.sweep.remove(runId);
    this.watchRunFolders(runId, run);
  }

  private unfollow(runId: string): void {
    const run = this.followed.get(runId);
    if (!run) return;
    for (const w of run.watchers.values()) w.close();
    this.followed.delete(runId);
    // From now on the sweep looks after it; what changed since it ended is reported once.
    if (this.names.has(runId) && !this.closed) this.sweep.add(runId, run.endedAt ?? Date.now());
  }

  /** Closes a quiet live run's watches; it stays followed (no sweep) until it ends. */
  private quieten(run: Followed): void {
    for (const w of run.watchers.values()) w.close();
    run.watchers.clear();
    run.quiet = true; // and no new ones
  }

  /** Watches the run's folders not watched yet, then asks for a full re-read of the run: whatever was
   * written before a watch existed is read then, and everything after is reported by the watch. */
  private watchRunFolders(runId: string, run: Followed): void {
    const runDir = path.join(this.runsDir, runId);
    // Each folder is watched before it is listed: a subfolder made in between is then reported.
    const watch = (dir: string, depth: number): void => {
      if (run.polled || run.quiet || run.watchers.has(dir)) return;
      const watcher = this.tryWatch(dir, (event, name) => name && this.onRunEntry(runId, dir, depth, event, name), run);
      if (watcher) run.watchers.set(dir, watcher);
    };
    watch(runDir, 0);
    for (const sub of FOLLOWED) {
      const dir = path.join(runDir, sub);
      if (!existsSync(dir)) continue;
      watch(dir, 1);
      if (sub !== 'events') for (const writer of listDirs(dir)) watch(path.join(dir, writer), 2);
    }
    this.queue(runDir);
  }

  /** A watch, or null when the system would give no more (the caller is then polled) or the folder went. */
  private tryWatch(dir: string, listener: (event: 'rename' | 'change', name: string | null) => void, run: Followed | null): FSWatcher | null {
    const fallBack = (err: unknown): void => {
      if (isWatchLimit(err)) warnWatchLimit(err as NodeJS.ErrnoException);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // deleted meanwhile
      else process.stderr.write(`runlane daemon: cannot watch ${dir} (${(err as Error).message}); checking it every second instead.\n`);
      if (run) run.polled = true;
      else if (dir === this.runsDir) this.runsWatcher = null;
    };
    try {
      return watchDir(dir, listener, fallBack);
    } catch (err) {
      fallBack(err);
      return null;
    }
  }

  private onRunsEntry(name: string): void {
    if (!RUN_ID.test(name)) return;
    const exists = existsSync(path.join(this.runsDir, name));
    if (exists && !this.names.has(name)) {
      this.names.add(name);
      this.follow(name); // a new run: followed until its status says it has ended
    } else if (!exists && this.names.has(name)) {
      this.names.delete(name);
      this.sweep.remove(name);
      this.unfollow(name);
    }
    this.queue(path.join(this.runsDir, name));
  }

  /** An entry of a followed run's folder: `depth` 0 is the run folder, 1 events/metrics/logs, 2 a writer's. */
  private onRunEntry(runId: string, dir: string, depth: number, event: 'rename' | 'change', name: string): void {
    if (name.includes('.tmp-')) return;
    const run = this.followed.get(runId);
    if (!run) return;
    run.activeAt = Date.now();
    const file = path.join(dir, name);
    const sub = depth === 0 ? '' : path.relative(path.join(this.runsDir, runId), dir).split(path.sep)[0];
    if (depth === 0 && name === 'meta.json') return this.queue(file);
    if ((depth === 0 && FOLLOWED.includes(name)) || (depth === 1 && sub !== 'events')) {
      if (event === 'rename') this.watchRunFolders(runId, run); // a new folder (or a writer's)
      return;
    }
    // Only the files readers follow: other files (derived summaries, say) would re-read the run for nothing.
    if ((sub === 'events' && name.endsWith('.jsonl')) || (sub === 'metrics' && name.endsWith('.rlm')) || (sub === 'logs' && depth === 2) || (sub === 'media' && depth === 2 && name === 'index.jsonl')) this.queue(file);
  }

  /** A store made after the daemon opened it: runs/ is watched, and its runs told, once it exists. */
  lookForRuns(): void {
    if (this.awaitingRuns && existsSync(this.runsDir)) {
      // Watched before it is listed (below): a run made in between is then reported by both, once.
      this.awaitingRuns = false;
      if (this.awaitTimer) clearInterval(this.awaitTimer);
      this.watchRuns();
      for (const name of this.listRuns()) if (!this.names.has(name)) this.onRunsEntry(name);
    }
  }

  private watchRuns(): void {
    this.runsWatcher = this.tryWatch(this.runsDir, (_event, name) => name && this.onRunsEntry(name), null);
  }

  /** Every POLL_MS: runs/ when it has no watch, followed runs that could not be watched, ended runs' grace. */
  private poll(): void {
    this.lookForRuns();
    if (!this.runsWatcher) {
      const now = new Set(this.listRuns());
      for (const name of now) if (!this.names.has(name)) this.onRunsEntry(name);
      for (const name of [...this.names]) if (!now.has(name)) this.onRunsEntry(name);
    }
    const now = Date.now();
    for (const [id, run] of this.followed) {
      if (run.endedAt !== null && now - run.endedAt > UNFOLLOW_AFTER_MS) this.unfollow(id);
      else if (run.polled) this.queue(path.join(this.runsDir, id));
      else if (!run.quiet && now - run.activeAt > this.quietMs) this.quieten(run);
    }
  }

  private scheduleSweep(delay = SWEEP_GAP_MS): void {
    if (this.closed) return;
    this.sweepTimer = setTimeout(() => {
      const began = performance.now();
      if (this.checked) {
        for (const [id, dirs] of this.checked.runs) if (this.names.has(id) && !this.followed.has(id)) this.sweep.addChecked(id, dirs, this.checked.at);
        this.checked = null;
      }
      const ended = [...this.names].filter((id) => !this.followed.has(id));
      void this.sweep.sweep(ended, () => this.closed).finally(() => {
        this.scheduleSweep(Math.max(SWEEP_GAP_MS, (performance.now() - began) * SWEEP_DUTY));
      });
    }, delay);
    this.sweepTimer.unref();
  }

  private listRuns(): string[] {
    return listDirs(this.runsDir).filter((name) => RUN_ID.test(name));
  }

  private queue(file: string): void {
    if (this.closed) return;
    this.pending.add(file);
    this.timer ??= setTimeout(() => {
      this.timer = null;
      const files = [...this.pending];
      this.pending.clear();
      this.onChange(files);
    }, COALESCE_MS);
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
