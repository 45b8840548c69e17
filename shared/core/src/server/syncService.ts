// The daemon's side of syncing local runs to MLflow servers (docs/mlflow.md "Pushing and syncing"):
// pushes asked for over the API (`POST /runs/:id/push`), and with `sync = "auto"` on a store declared
// in runlane.toml, every new run of the project, live while it runs. Each run is pushed by passes of
// pushRun (the journal in its folder says what the server holds), so a daemon restart resumes where
// the last acknowledged batch left off. Faults: a server down or busy keeps the run `pending` and is
// retried with backoff; what needs the user (a wrong password, a run deleted on the server) makes it
// `failed` with the sentence, and is not retried until pushed again.
import { statSync } from 'node:fs';
import * as path from 'node:path';
import type { RunSummary, RunSync, StoreEvent } from '@runlane/protocol';
import { MlflowHttp } from '../mlflow/http.js';
import { isRetryable, PushBusyError, pushRun } from '../mlflow/pushRun.js';
import { readJournals, SYNC_FOLDER, syncOf } from '../mlflow/syncJournal.js';
import { declaredStores, resolveStoreUri } from '../mlflow/syncTargets.js';
import type { StoreIndex } from './storeIndex.js';

/** New points of a live run are pushed this long after they were written (several writes, one pass). */
const LIVE_DEBOUNCE_MS = 500;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 10_000;
/** Passes running at once, over every run and server: a sync must not starve the daemon's reads. */
const MAX_PASSES = 3;

interface Entry {
  index: StoreIndex;
  runId: string;
  uri: string;
  timer: NodeJS.Timeout | null;
  running: boolean;
  /** Something changed while a pass ran: another pass follows. */
  dirty: boolean;
  retryMs: number;
  /** failed: waits for the user (an explicit push starts it again). */
  stopped: boolean;
}

const LIVE = new Set(['running', 'queued']);

export class SyncService {
  private readonly entries = new Map<string, Entry>();
  /** Per store and run: the sync its summaries show (the latest of its servers'). */
  private readonly states = new Map<string, RunSync>();
  private readonly clients = new Map<string, MlflowHttp>();
  /** Stores with servers to mirror every new run to (`sync = "auto"`). */
  private readonly autoTo = new Map<string, string[]>();
  private passes = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(private readonly publish: (event: StoreEvent) => void) {}

  /** Runs being pushed or waiting for a server: the daemon does not exit idle while there are any. */
  get activeCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (!e.stopped) n++;
    return n;
  }

  syncOf(store: string, runId: string): RunSync | undefined {
    return this.states.get(`${store}\0${runId}`);
  }

  /**
   * A store the daemon opened: its runs' journals give their sync states, unfinished syncs resume,
   * and with an auto-synced store declared, its live runs are mirrored (new ones as they appear).
   */
  async attach(index: StoreIndex): Promise<void> {
    index.syncOf = (runId) => this.syncOf(index.dir, runId);
    let auto: string[] = [];
    try {
      auto = declaredStores(index.dir).filter((s) => s.sync === 'auto').map((s) => new MlflowHttp(s.uri).uri); // URIs as the journals name them
    } catch (err) {
      // A runlane.toml being edited: its targets' checks say what is wrong; the journals are still read.
      process.stderr.write(`runlane daemon: no auto-sync for ${index.dir}: ${(err as Error).message}\n`);
    }
    this.autoTo.set(index.dir, auto);
    for (const run of await withSyncFolder(index, index.summaries(), () => this.closed)) {
      if (this.closed) return;
      const journals = await readJournals(path.join(index.dir, 'runs', run.id));
      for (const j of journals) {
        this.setState(index, run.id, syncOf(j));
        // Not finished when the last daemon stopped: resume. A failed one waits for the user.
        if (j.state === 'pending' || j.state === 'syncing' || (j.state === 'synced' && LIVE.has(run.status))) this.queue(index, run.id, j.to);
      }
      if (LIVE.has(run.status)) for (const uri of auto) if (!journals.some((j) => j.to === uri)) this.queue(index, run.id, uri);
    }
  }

  /** The store's feed: new runs under auto-sync are queued; new points or a status of a synced run start a pass. */
  onEvent(index: StoreIndex, event: StoreEvent): void {
    if (this.closed) return;
    if (event.type === 'run-created') {
      for (const uri of this.autoTo.get(index.dir) ?? []) this.queue(index, event.run.id, uri);
      return;
    }
    const runId = event.type === 'run-updated' ? event.run.id : event.type === 'metrics' || event.type === 'log' ? event.run_id : null;
    if (event.type === 'run-deleted') {
      for (const [key, e] of this.entries) if (e.index === index && e.runId === event.run_id) this.drop(key, e);
      return;
    }
    if (runId === null) return;
    for (const e of this.entries.values()) if (e.index === index && e.runId === runId && !e.stopped) this.kick(e, LIVE_DEBOUNCE_MS);
  }

  /**
   * `POST /runs/:id/push`: queues a push of a run the index knows (again, also after a failure) and
   * answers with its state; progress follows on the feed.
   */
  async push(index: StoreIndex, runId: string, to: string): Promise<RunSync> {
    const run = await index.detail(runId); // 404 for an unknown run, before anything is queued
    const uri = new MlflowHttp(resolveStoreUri(index.dir, to)).uri;
    const entry = this.queue(index, runId, uri);
    entry.stopped = false;
    entry.retryMs = FIRST_RETRY_MS;
    // Asked for now: a backoff still waiting (the server was down) does not delay it.
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    this.kick(entry, 0);
    const state: RunSync = { to: uri, state: 'pending' };
    this.setState(index, runId, state, run);
    return state;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    for (const c of this.clients.values()) c.close();
    for (const wake of this.waiting.splice(0)) wake();
  }

  private queue(index: StoreIndex, runId: string, uri: string): Entry {
    const key = `${index.dir}\0${runId}\0${uri}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { index, runId, uri, timer: null, running: false, dirty: false, retryMs: FIRST_RETRY_MS, stopped: false };
      this.entries.set(key, entry);
      this.kick(entry, 0);
    }
    return entry;
  }

  private drop(key: string, e: Entry): void {
    if (e.timer) clearTimeout(e.timer);
    e.stopped = true;
    this.entries.delete(key);
  }

  private kick(e: Entry, delayMs: number): void {
    if (this.closed) return;
    if (e.running) {
      e.dirty = true;
      return;
    }
    if (e.timer) return; // a pass is already due
    e.timer = setTimeout(() => {
      e.timer = null;
      void this.pass(e);
    }, delayMs);
  }

  private client(uri: string): MlflowHttp {
    let c = this.clients.get(uri);
    // The client's own retries are short: the pass's backoff (up to 30 s) rides out an outage.
    if (!c) this.clients.set(uri, (c = new MlflowHttp(uri, { retries: 1 })));
    return c;
  }

  private async slot(): Promise<void> {
    while (this.passes >= MAX_PASSES && !this.closed) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.passes++;
  }

  private release(): void {
    this.passes--;
    this.waiting.shift()?.();
  }

  private async pass(e: Entry): Promise<void> {
    if (e.stopped || this.closed) return;
    e.running = true;
    e.dirty = false;
    await this.slot();
    let next: number | null = null;
    let run: RunSummary | undefined;
    try {
      if (this.closed) return;
      const detail = await e.index.detail(e.runId);
      run = detail;
      // A live run in sync stays "synced" (as of pushed_at) through its passes; others say "syncing".
      const now = this.syncOf(e.index.dir, e.runId);
      if (now?.to !== e.uri || (now.state !== 'synced' && now.state !== 'syncing')) this.setState(e.index, e.runId, { to: e.uri, state: 'syncing' }, run);
      const result = await pushRun(this.client(e.uri), { summary: detail, meta: detail.meta, env: detail.env, runDir: path.join(e.index.dir, 'runs', e.runId) });
      this.setState(e.index, e.runId, syncOf(result.journal), run);
      e.retryMs = FIRST_RETRY_MS;
      if (e.dirty) next = LIVE_DEBOUNCE_MS;
      else if (!LIVE.has(detail.status)) this.entries.delete(`${e.index.dir}\0${e.runId}\0${e.uri}`); // done until pushed again
      // A live run stays: its next points or its end start the next pass.
    } catch (err) {
      if (this.closed) return;
      const message = (err as Error).message;
      if (isRetryable(err) || err instanceof PushBusyError) {
        this.setState(e.index, e.runId, { to: e.uri, state: 'pending', message }, run);
        next = e.retryMs;
        e.retryMs = Math.min(e.retryMs * 2, MAX_RETRY_MS);
      } else {
        // A wrong password, a run deleted on the server, a run gone here: the user has to act.
        e.stopped = true;
        this.setState(e.index, e.runId, { to: e.uri, state: 'failed', message }, run);
      }
    } finally {
      this.release();
      e.running = false;
      if (next !== null && !e.stopped) this.kick(e, next);
    }
  }

  /**
   * Records a run's sync state and, given the run's summary, tells the feed when the state or its
   * message changed (a run-updated carrying `sync`; not every acknowledged batch of a live run).
   */
  private setState(index: StoreIndex, runId: string, state: RunSync, run?: RunSummary): void {
    const key = `${index.dir}\0${runId}`;
    const before = this.states.get(key);
    this.states.set(key, state);
    if (!run || (before && before.to === state.to && before.state === state.state && before.message === state.message)) return;
    this.publish({ type: 'run-updated', store: index.dir, run: { ...run, sync: state }, previous_status: run.status });
  }
}

/** Runs stat-ed between two yields to the event loop (about a millisecond of work). */
const ATTACH_SLICE = 500;

/** The runs that have a sync folder (pushed at least once; few of a big store's): one synchronous
 * stat each, a slice at a time, instead of a thread-pool readdir of every run's missing folder
 * (100,000 of them at a big store's start, each failing with an exception). */
async function withSyncFolder(index: StoreIndex, runs: RunSummary[], stopped: () => boolean): Promise<RunSummary[]> {
  const out: RunSummary[] = [];
  for (let i = 0; i < runs.length && !stopped(); i += ATTACH_SLICE) {
    for (const run of runs.slice(i, i + ATTACH_SLICE)) {
      // (a template, not path.join: ids are checked folder names, and join's normalising was a fifth of this loop)
      if (statSync(`${index.dir}/runs/${run.id}/${SYNC_FOLDER}`, { throwIfNoEntry: false })?.isDirectory()) out.push(run);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}
