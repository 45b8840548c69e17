// A HostBridge over the daemon's HTTP API from a browser page, for hosts that front the daemon on
// the page's origin (JupyterLab through the Jupyter server, the test page through its proxy): the
// front adds the daemon's token, so the page never holds it.
import type { MetricSeries, RunRef, RunSummary, SeriesRequest, SourcedRun, StoreEvent } from '@runlane/protocol';
import type { HostBridge } from '../hostBridge.js';

export interface HttpSource {
  kind: 'store' | 'logdir';
  /** Absolute path of the store folder or TensorBoard log directory. */
  path: string;
}

export class HttpHostBridge implements HostBridge {
  constructor(
    private readonly baseUrl: string,
    private readonly sources: HttpSource[],
  ) {}

  async listRuns(): Promise<SourcedRun[]> {
    const lists = await Promise.all(
      this.sources.map(async (s) => (await this.get<RunSummary[]>('/runs', s)).map((run) => ({ source: s.path, run }))),
    );
    return lists.flat();
  }

  getSeries(run: RunRef, key: string, request: SeriesRequest): Promise<MetricSeries> {
    const source = this.sources.find((s) => s.path === run.source);
    if (!source) return Promise.reject(new Error(`Unknown source ${run.source}`));
    const query: Record<string, string> = { points: String(request.points) };
    if (request.fromStep !== undefined) query.from_step = String(request.fromStep);
    if (request.toStep !== undefined) query.to_step = String(request.toStep);
    return this.get(`/runs/${encodeURIComponent(run.id)}/metrics/${encodeURIComponent(key)}`, source, query);
  }

  /** One EventSource per source (the browser reconnects with Last-Event-ID by itself). */
  subscribe(onEvent: (event: StoreEvent) => void): () => void {
    const streams = this.sources.map((s) => {
      const es = new EventSource(this.url('/events', s));
      const handle = (message: MessageEvent<string>) => onEvent(JSON.parse(message.data) as StoreEvent);
      for (const type of ['hello', 'reset', 'run-created', 'run-updated', 'run-deleted', 'metrics', 'log']) es.addEventListener(type, handle as EventListener);
      return es;
    });
    return () => streams.forEach((es) => es.close());
  }

  private url(route: string, source: HttpSource, query: Record<string, string> = {}): string {
    const params = new URLSearchParams({ [source.kind]: source.path, ...query });
    return `${this.baseUrl}/api/v1${route}?${params}`;
  }

  private async get<T>(route: string, source: HttpSource, query: Record<string, string> = {}): Promise<T> {
    const res = await fetch(this.url(route, source, query));
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: string } | null;
      throw new Error(body?.error ?? `The Runlane daemon answered ${res.status}.`);
    }
    return (await res.json()) as T;
  }
}
