// The folders the page shows runs from, and one HostBridge over all of them. A kernel writes to the
// store it finds from its notebook's folder, so the page shows the store of every open notebook beside
// the default one, plus the TensorBoard log folders the user opened: sources come and go while the
// page lives, which the fixed source list of HttpHostBridge does not allow, so each source gets one.
// The live feed is one EventSource for every source and every view: a browser keeps at most six
// connections to a server, and one feed per source per tab used them all up (requests then hung).
import { HttpHostBridge, type HostBridge, type HttpSource, type RunRef, type SeriesRequest } from '@runlane/ui';
import type { RunPatch, RunSummary, SourcedRun, StoreEvent } from '@runlane/protocol';

export interface ShownSource extends HttpSource {
  /** Why it is shown, in words ("the server's store", "the store of sub/nb.ipynb", ...). */
  why: string;
  /** The user opened it (a TensorBoard log folder) and may remove it. */
  removable: boolean;
}

type Listener = (event: StoreEvent) => void;

const EVENT_TYPES = ['hello', 'reset', 'run-created', 'run-updated', 'run-deleted', 'metrics', 'log'];

export class SourcesBridge implements HostBridge {
  private readonly bridges = new Map<string, { source: ShownSource; bridge: HttpHostBridge }>();
  private readonly listeners = new Set<Listener>();
  private feed: EventSource | null = null;
  /** Told when a source is added or removed (the runs table lists every source's runs again). */
  private readonly sourceListeners = new Set<() => void>();

  /**
   * @param make the bridge of one source
   * @param feedUrl the daemon's feed of every folder it follows (a folder is followed once listed)
   */
  constructor(
    private readonly make: (source: HttpSource) => HttpHostBridge,
    private readonly feedUrl: string,
  ) {}

  sources(): ShownSource[] {
    return [...this.bridges.values()].map((b) => b.source);
  }

  has(path: string): boolean {
    return this.bridges.has(path);
  }

  /** Adds a source (true) or returns false when it is shown already. */
  add(source: ShownSource): boolean {
    if (this.bridges.has(source.path)) return false;
    this.bridges.set(source.path, { source, bridge: this.make({ kind: source.kind, path: source.path }) });
    this.sourcesChanged();
    return true;
  }

  remove(path: string): void {
    if (this.bridges.delete(path)) this.sourcesChanged();
  }

  /** Calls `listener` after each source added or removed; returns the function that stops it. */
  onSourcesChanged(listener: () => void): () => void {
    this.sourceListeners.add(listener);
    return () => this.sourceListeners.delete(listener);
  }

  private sourcesChanged(): void {
    for (const listener of [...this.sourceListeners]) listener();
  }

  /** One source's runs; its error is the caller's (the sidebar names the source that failed). */
  async listSource(path: string): Promise<RunSummary[]> {
    return (await this.of(path).listRuns()).map((s) => s.run);
  }

  /** One source's newest `limit` runs and how many it has in all (a big store's first paint). */
  listSourcePage(path: string, limit: number): Promise<{ runs: RunSummary[]; total: number }> {
    return this.of(path)
      .listRunsPage(limit)
      .then(({ runs, total }) => ({ runs: runs.map((s) => s.run), total }));
  }

  /** Every source's runs; a source that cannot be read is left out (the sidebar says why). */
  async listRuns(): Promise<SourcedRun[]> {
    const lists = await Promise.allSettled([...this.bridges.values()].map((b) => b.bridge.listRuns()));
    return lists.flatMap((l) => (l.status === 'fulfilled' ? l.value : []));
  }

  /** The feed, shared: opened for the first listener, closed after the last (the browser reconnects it). */
  subscribe(onEvent: Listener): () => void {
    this.listeners.add(onEvent);
    if (!this.feed) {
      const feed = (this.feed = new EventSource(this.feedUrl));
      const handle = (message: MessageEvent<string>) => {
        const event = JSON.parse(message.data) as StoreEvent;
        if ('store' in event && !this.bridges.has(event.store)) return; // a folder another client follows
        for (const listener of [...this.listeners]) listener(event);
      };
      for (const type of EVENT_TYPES) feed.addEventListener(type, handle as EventListener);
    }
    return () => {
      this.listeners.delete(onEvent);
      if (!this.listeners.size) {
        this.feed?.close();
        this.feed = null;
      }
    };
  }

  getSeries(run: RunRef, key: string, request: SeriesRequest) {
    return this.of(run.source).getSeries(run, key, request);
  }
  getRun(run: RunRef) {
    return this.of(run.source).getRun(run);
  }
  readLog(run: RunRef, writer: string, stream: string, offset: number, length?: number) {
    return this.of(run.source).readLog(run, writer, stream, offset, length);
  }
  listArtifacts(run: RunRef) {
    return this.of(run.source).listArtifacts(run);
  }
  readArtifact(run: RunRef, path: string) {
    return this.of(run.source).readArtifact(run, path);
  }
  // The charts panel's image, text and histogram cards (shared/ui/src/media), from the run's source.
  listMedia(run: RunRef, key?: string) {
    return this.of(run.source).listMedia(run, key);
  }
  readMedia(run: RunRef, ref: string) {
    return this.of(run.source).readMedia(run, ref);
  }
  getHistograms(run: RunRef, key: string, rank?: number) {
    return this.of(run.source).getHistograms(run, key, rank);
  }
  updateRun(run: RunRef, patch: RunPatch) {
    return this.of(run.source).updateRun(run, patch);
  }
  deleteRun(run: RunRef) {
    return this.of(run.source).deleteRun(run);
  }
  restoreRun(run: RunRef) {
    return this.of(run.source).restoreRun(run);
  }
  cancelJob(run: RunRef) {
    return this.of(run.source).cancelJob(run);
  }
  rerunJob(run: RunRef, params?: Record<string, unknown>) {
    return this.of(run.source).rerunJob(run, params);
  }
  /** Contract C2: a job is cancelled, a cell or script run on this host gets SIGINT. */
  stopRun(run: RunRef): Promise<void> {
    return this.of(run.source).stopRun(run);
  }

  /** Contract M4: queues a local run's push to a team store (a declared store's name or a server URI). */
  pushRun(run: RunRef, to: string): Promise<void> {
    return this.of(run.source).pushRun(run, to);
  }

  private of(path: string): HttpHostBridge {
    const found = this.bridges.get(path);
    if (!found) throw new Error(`Runlane no longer shows ${path}; open it again to see its runs.`);
    return found.bridge;
  }
}
