// The daemon's live view of one store: a LiveRun per run, refreshed only for the files that changed,
// turned into StoreEvents for the feed. Seeded with one full read when the store is first asked for.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { jsonNumber, type MetricSeries, type RunDetail, type RunStatus, type RunSummary, type RunSync, type StoreEvent } from '@runlane/protocol';
import { detailOf, LiveRun, parseStorePath, StoreError, StoreReader, validateRunId, type LiveRunUpdate } from '../store/index.js';
import type { SeriesOptions } from '../store/series.js';
import type { RunSource } from './runSource.js';
import { isMediaIndex, mediaIndexFiles, MediaTail } from '../store/media.js';
import { StoreWatcher } from '../watch/storeWatcher.js';

/** Live runs are re-read this often even without a file event: a watcher can miss a change made
 * while it was still setting up a new folder, and a crash changes no file at all. */
const LIVE_CHECK_MS = 2_000;

export class StoreIndex implements RunSource {
  private readonly runs = new Map<string, LiveRun>();
  /** The status each run was last announced with, to notice changes no file shows (crashes). */
  private readonly announced = new Map<string, RunStatus>();
  /** The runs last announced running or queued: what checkLiveRuns re-reads (a few, of 100,000). */
  private readonly live = new Set<string>();
  private watcher: StoreWatcher | null = null;
  private liveTimer: NodeJS.Timeout | null = null;
  /** Serialises refreshes, so the file offsets of a LiveRun are never advanced by two reads at once. */
  private queue: Promise<void> = Promise.resolve();
  /** A run's sync to an MLflow server, which no run file holds (the daemon's syncService.ts sets it). */
  syncOf: (runId: string) => RunSync | undefined = () => undefined;
  /** What the feed told of each media index (images, texts, histograms: docs/store-format.md "Media"). */
  private readonly media = new MediaTail(Date.now() / 1000);

  private constructor(
    readonly reader: StoreReader,
    private readonly publish: (event: StoreEvent) => void,
  ) {}

  static async open(dir: string, publish: (event: StoreEvent) => void): Promise<StoreIndex> {
    const index = new StoreIndex(await StoreReader.open(dir, () => {}), publish);
    index.watcher = new StoreWatcher(index.dir, (files) => index.enqueue(() => index.onFiles(files)));
    await index.watcher.start(true);
    const checked = new Map<string, string>();
    for (const run of await index.reader.loadRuns(checked)) {
      index.runs.set(run.runId, run);
      index.announce(run.runId, run.summary()!.status);
    }
    for (const id of index.live) index.watcher.setLive(id, true);
    index.watcher.startSweep(checked);
    index.liveTimer = setInterval(() => index.enqueue(() => index.checkLiveRuns()), LIVE_CHECK_MS);
    index.liveTimer.unref();
    return index;
  }

  get dir(): string {
    return this.reader.dir;
  }

  summaries(): RunSummary[] {
    // One pass into one array: at 100,000 runs every intermediate copy shows in the list's reply.
    const out: RunSummary[] = [];
    for (const run of this.runs.values()) {
      const summary = this.withSync(run.summary());
      if (summary) out.push(summary);
    }
    return out;
  }

  private announce(runId: string, status: RunStatus | null): void {
    if (status === null) this.announced.delete(runId);
    else this.announced.set(runId, status);
    if (status !== null && isLive(status)) this.live.add(runId);
    else this.live.delete(runId);
  }

  async detail(id: string): Promise<RunDetail> {
    // A run taken from the run index holds only its summary: its files are read (in the queue,
    // like every read) the first time its details are asked for.
    if ((await this.found(id)).seeded) await this.sync(id);
    return this.withSync(await detailOf(this.known(id)));
  }

  private withSync<T extends RunSummary | null>(run: T): T {
    const sync = run && this.syncOf(run.id);
    return sync ? { ...run, sync } : run;
  }

  async series(id: string, key: string, options: SeriesOptions): Promise<MetricSeries> {
    await this.found(id); // an unknown run is a 404 before any of its files is read
    return this.reader.readSeries(id, key, options);
  }

  /**
   * The run, also when it is asked for before the watcher told of it: a writer that just made it (its
   * client had the id at once), or the first run of a store made after the daemon opened it, whose
   * runs/ the watcher looks for once a second. Its folder is looked for on disk, and read, at once.
   */
  private async found(id: string): Promise<LiveRun> {
    if (!this.runs.get(validateRunId(id))?.summary() && existsSync(path.join(this.dir, 'runs', id))) {
      this.watcher?.lookForRuns();
      await this.sync(id);
    }
    return this.known(id);
  }

  private known(id: string): LiveRun {
    const run = this.runs.get(validateRunId(id));
    if (!run || !run.summary()) throw new StoreError('not_found', `No run "${id}" in the store ${this.dir}.`);
    return run;
  }

  log(id: string, writer: string, stream: string, offset: number, length: number): Promise<{ bytes: Buffer; size: number }> {
    return this.reader.readLog(id, writer, stream, offset, length);
  }

  /** Reads a run the daemon itself just wrote, so the next request sees it without waiting for the watcher. */
  async sync(runId: string): Promise<void> {
    this.enqueue(() => this.refreshRun(runId, []));
    await this.queue;
  }

  async close(): Promise<void> {
    if (this.liveTimer) clearInterval(this.liveTimer);
    await this.watcher?.close();
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      process.stderr.write(`runlane daemon: ${(err as Error).message}\n`);
    });
  }

  private async onFiles(files: string[]): Promise<void> {
    const byRun = new Map<string, string[]>();
    const mediaFiles: [string, string][] = [];
    for (const file of files) {
      const where = parseStorePath(this.dir, file);
      // A media index touches no summary: only its new lines are read, and told as media events.
      if (where && isMediaIndex(file)) {
        mediaFiles.push([where.runId, file]);
        continue;
      }
      const runId = where?.runId ?? runFolderOf(this.dir, file);
      if (!runId) continue;
      // The run folder itself (queued once its new folders are watched): a new writer's media index
      // written before its folder's watch began is read now (the tail tells each line once).
      if (file === path.join(this.dir, 'runs', runId)) for (const index of await mediaIndexFiles(file)) mediaFiles.push([runId, index]);
      const list = byRun.get(runId) ?? [];
      if (where && where.kind !== 'other') list.push(file);
      byRun.set(runId, list);
    }
    for (const [runId, changed] of byRun) await this.refreshRun(runId, changed);
    for (const [runId, file] of mediaFiles) {
      const { items, histograms, rankHistograms } = await this.media.read(file);
      if (items.length) this.publish({ type: 'media', store: this.dir, run_id: runId, items });
      for (const [key, steps] of histograms) this.publish({ type: 'histograms', store: this.dir, run_id: runId, key, steps });
      for (const [rank, byKey] of rankHistograms ?? []) for (const [key, steps] of byKey) this.publish({ type: 'histograms', store: this.dir, run_id: runId, key, steps, rank });
    }
  }

  private async refreshRun(runId: string, changed: string[]): Promise<void> {
    let run = this.runs.get(runId);
    if (!existsSync(path.join(this.dir, 'runs', runId))) {
      if (run) {
        this.runs.delete(runId);
        this.announce(runId, null);
        this.publish({ type: 'run-deleted', store: this.dir, run_id: runId });
      }
      return;
    }
    const isNew = !run;
    if (!run) this.runs.set(runId, (run = new LiveRun(this.dir, runId, () => {})));
    const before = this.announced.get(runId) ?? null;
    const updates: LiveRunUpdate[] = [];
    if (isNew || changed.length === 0) updates.push(await run.refresh());
    else for (const file of changed) updates.push(await run.refresh(file));
    this.publishUpdates(run, updates, before);
  }

  private publishUpdates(run: LiveRun, updates: LiveRunUpdate[], before: RunStatus | null): void {
    const summary = this.withSync(run.summary());
    if (!summary) return;
    const store = this.dir;
    if (before === null) this.publish({ type: 'run-created', store, run: summary });
    else if (updates.some((u) => u.metaChanged) || summary.status !== before) {
      this.publish({ type: 'run-updated', store, run: summary, previous_status: before });
    }
    this.announce(run.runId, summary.status);
    this.watcher?.setLive(run.runId, isLive(summary.status));
    for (const update of updates) {
      for (const m of update.metrics) {
        this.publish({ type: 'metrics', store, run_id: run.runId, key: m.key, rank: m.rank, steps: m.steps, times: m.times, values: m.values.map(jsonNumber) });
      }
      for (const l of update.logs) this.publish({ type: 'log', store, run_id: run.runId, ...l });
    }
  }

  /** Re-reads live runs (only what was appended): catches missed file events, and crashed writers. */
  private async checkLiveRuns(): Promise<void> {
    // A copy of the few live ids, not of every run: a refresh may end a run (and so edit the set).
    for (const runId of [...this.live]) await this.refreshRun(runId, []);
  }
}

/** Runs whose files are still being written: watched folder by folder, the others only swept. */
function isLive(status: RunStatus): boolean {
  return status === 'running' || status === 'queued';
}

function runFolderOf(storeDir: string, file: string): string | null {
  const rel = path.relative(path.join(storeDir, 'runs'), file);
  if (!rel || rel.startsWith('..')) return null;
  return rel.split(path.sep)[0] ?? null;
}
