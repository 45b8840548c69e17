// The folders the page shows runs from, and one HostBridge over all of them. A kernel writes to the
// store it finds from its notebook's folder, so the page shows the store of every open notebook beside
// the default one, plus the TensorBoard log folders the user opened: sources come and go while the
// page lives, which the fixed source list of HttpHostBridge does not allow, so each source gets one.
import { HttpHostBridge, type HostBridge, type HttpSource, type RunRef, type SeriesRequest } from '@runlane/ui';
import type { RunPatch, RunSummary, SourcedRun, StoreEvent } from '@runlane/protocol';

export interface ShownSource extends HttpSource {
  /** Why it is shown, in words ("the server's store", "the store of sub/nb.ipynb", ...). */
  why: string;
  /** The user opened it (a TensorBoard log folder) and may remove it. */
  removable: boolean;
}

type Listener = (event: StoreEvent) => void;

export class SourcesBridge implements HostBridge {
  private readonly bridges = new Map<string, { source: ShownSource; bridge: HttpHostBridge }>();
  private readonly listeners = new Map<Listener, Map<string, () => void>>();

  constructor(private readonly make: (source: HttpSource) => HttpHostBridge) {}

  sources(): ShownSource[] {
    return [...this.bridges.values()].map((b) => b.source);
  }

  has(path: string): boolean {
    return this.bridges.has(path);
  }

  /** Adds a source (true) or returns false when it is shown already; live listeners follow it too. */
  add(source: ShownSource): boolean {
    if (this.bridges.has(source.path)) return false;
    const bridge = this.make({ kind: source.kind, path: source.path });
    this.bridges.set(source.path, { source, bridge });
    for (const [listener, stops] of this.listeners) stops.set(source.path, bridge.subscribe(listener));
    return true;
  }

  remove(path: string): void {
    this.bridges.delete(path);
    for (const stops of this.listeners.values()) {
      stops.get(path)?.();
      stops.delete(path);
    }
  }

  /** One source's runs; its error is the caller's (the sidebar names the source that failed). */
  async listSource(path: string): Promise<RunSummary[]> {
    return (await this.of(path).listRuns()).map((s) => s.run);
  }

  /** Every source's runs; a source that cannot be read is left out (the sidebar says why). */
  async listRuns(): Promise<SourcedRun[]> {
    const lists = await Promise.allSettled([...this.bridges.values()].map((b) => b.bridge.listRuns()));
    return lists.flatMap((l) => (l.status === 'fulfilled' ? l.value : []));
  }

  subscribe(onEvent: Listener): () => void {
    const stops = new Map<string, () => void>();
    for (const [path, { bridge }] of this.bridges) stops.set(path, bridge.subscribe(onEvent));
    this.listeners.set(onEvent, stops);
    return () => {
      stops.forEach((stop) => stop());
      this.listeners.delete(onEvent);
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
  updateRun(run: RunRef, patch: RunPatch) {
    return this.of(run.source).updateRun(run, patch);
  }
  deleteRun(run: RunRef) {
    return this.of(run.source).deleteRun(run);
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

  private of(path: string): HttpHostBridge {
    const found = this.bridges.get(path);
    if (!found) throw new Error(`Runlane no longer shows ${path}; open it again to see its runs.`);
    return found.bridge;
  }
}
