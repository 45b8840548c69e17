// A HostBridge over the daemon's HTTP API from a browser page, for hosts that front the daemon on
// the page's origin (JupyterLab through the Jupyter server, the test page through its proxy): the
// front adds the daemon's token, so the page never holds it.
import {
  LOG_SIZE_HEADER,
  RUN_TOTAL_HEADER,
  type ArtifactInfo,
  type HistogramSeries,
  type MediaItem,
  type JobCreated,
  type MetricSeries,
  type RunDetail,
  type RunPatch,
  type RunRef,
  type RunSummary,
  type SeriesRequest,
  type SourcedRun,
  type StoreEvent,
} from '@runlane/protocol';
import type { HostBridge } from '../hostBridge.js';

export interface HttpSource {
  /** The URL parameter the daemon reads the source from: `?store=`, `?logdir=`, `?mlflow=` (contract M5). */
  kind: 'store' | 'logdir' | 'mlflow';
  /** Absolute path of the store folder or TensorBoard log directory, or an MLflow server's URI. */
  path: string;
}

type Query = Record<string, string>;

export class HttpHostBridge implements HostBridge {
  /**
   * @param baseUrl where `/api/v1` lives, e.g. `/runlane` behind the Jupyter server ('' for the page's origin)
   * @param init extra fetch options for every request (a client of the daemon itself adds its token this way)
   * @param query extra query parameters on every URL, the feed's included (an EventSource sends no
   *   headers, so a front that authenticates by token gets it here)
   * @param request how a request is sent (JupyterLab's goes through ServerConnection.makeRequest and
   *   throws its own error sentence); the page's fetch by default
   */
  constructor(
    private readonly baseUrl: string,
    private readonly sources: HttpSource[],
    private readonly init: () => RequestInit = () => ({}),
    private readonly query: Query = {},
    private readonly request: (url: string, init: RequestInit) => Promise<Response> = (url, init) => fetch(url, init),
  ) {}

  async listRuns(): Promise<SourcedRun[]> {
    const lists = await Promise.all(
      this.sources.map(async (s) => (await this.json<RunSummary[]>('GET', '/runs', s)).map((run) => ({ source: s.path, run }))),
    );
    return lists.flat();
  }

  /**
   * Every source's newest `limit` runs, and how many runs the sources hold in all: a big store's whole
   * list takes seconds to cross and parse, its first page paints at once (docs/jupyterlab.md).
   */
  async listRunsPage(limit: number): Promise<{ runs: SourcedRun[]; total: number }> {
    const pages = await Promise.all(
      this.sources.map(async (s) => {
        const res = await this.fetch('GET', '/runs', s, { sort: 'created_at', order: 'desc', limit: String(limit) });
        const runs = (await res.json()) as RunSummary[];
        // A daemon that does not say the total (an older one): a full page may have more behind it.
        const said = res.headers.get(RUN_TOTAL_HEADER);
        const total = said !== null ? Number(said) : runs.length < limit ? runs.length : runs.length + 1;
        return { runs: runs.map((run) => ({ source: s.path, run })), total };
      }),
    );
    return { runs: pages.flatMap((p) => p.runs), total: pages.reduce((sum, p) => sum + p.total, 0) };
  }

  getSeries(run: RunRef, key: string, request: SeriesRequest): Promise<MetricSeries> {
    const query: Query = { points: String(request.points) };
    if (request.fromStep !== undefined) query.from_step = String(request.fromStep);
    if (request.toStep !== undefined) query.to_step = String(request.toStep);
    if (request.rank !== undefined) query.rank = String(request.rank);
    return this.json('GET', `${runPath(run)}/metrics/${encodeURIComponent(key)}`, this.source(run), query);
  }

  getRun(run: RunRef): Promise<RunDetail> {
    return this.json('GET', runPath(run), this.source(run));
  }

  async readLog(run: RunRef, writer: string, stream: string, offset: number, length?: number): Promise<{ bytes: Uint8Array; size: number }> {
    const query: Query = { offset: String(offset) };
    if (length !== undefined) query.length = String(length);
    const res = await this.fetch('GET', `${runPath(run)}/logs/${encodeURIComponent(writer)}/${encodeURIComponent(stream)}`, this.source(run), query);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { bytes, size: Number(res.headers.get(LOG_SIZE_HEADER) ?? offset + bytes.length) };
  }

  listArtifacts(run: RunRef): Promise<ArtifactInfo[]> {
    return this.json('GET', `${runPath(run)}/artifacts`, this.source(run));
  }

  async readArtifact(run: RunRef, path: string): Promise<Uint8Array> {
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    const res = await this.fetch('GET', `${runPath(run)}/artifacts/${encoded}`, this.source(run));
    return new Uint8Array(await res.arrayBuffer());
  }

  updateRun(run: RunRef, patch: RunPatch): Promise<RunSummary> {
    return this.json('PATCH', runPath(run), this.source(run), {}, patch);
  }

  async deleteRun(run: RunRef): Promise<void> {
    await this.fetch('DELETE', runPath(run), this.source(run));
  }

  /** The undo of deleteRun: the run comes back from the store's trash (a run-created event follows). */
  restoreRun(run: RunRef): Promise<RunSummary> {
    return this.json('POST', `${runPath(run)}/restore`, this.source(run), {}, {});
  }

  async cancelJob(run: RunRef): Promise<void> {
    await this.fetch('POST', `/jobs/${encodeURIComponent(run.id)}/cancel`, this.source(run), {}, {});
  }

  async stopRun(run: RunRef): Promise<void> {
    await this.fetch('POST', `${runPath(run)}/stop`, this.source(run), {}, {});
  }

  rerunJob(run: RunRef, params?: Record<string, unknown>): Promise<JobCreated> {
    return this.json('POST', `${runPath(run)}/rerun`, this.source(run), {}, params ? { params } : {});
  }

  listMedia(run: RunRef, key?: string): Promise<MediaItem[]> {
    return this.json('GET', `${runPath(run)}/media`, this.source(run), key === undefined ? {} : { key });
  }

  async readMedia(run: RunRef, ref: string): Promise<Uint8Array> {
    const res = await this.fetch('GET', `${runPath(run)}/media/${encodeURIComponent(ref)}`, this.source(run));
    return new Uint8Array(await res.arrayBuffer());
  }

  getHistograms(run: RunRef, key: string, rank?: number): Promise<HistogramSeries> {
    return this.json('GET', `${runPath(run)}/histograms/${encodeURIComponent(key)}`, this.source(run), rank ? { rank: String(rank) } : {});
  }

  /**
   * Pushes a local run to a team store (contract M4): `to` is a declared store's name or a server URI.
   * Answers once queued; the run's `sync` then moves on the feed (run-updated events).
   */
  async pushRun(run: RunRef, to: string): Promise<void> {
    await this.fetch('POST', `${runPath(run)}/push`, this.source(run), {}, { to });
  }

  /** One EventSource per source (the browser reconnects with Last-Event-ID by itself). */
  subscribe(onEvent: (event: StoreEvent) => void): () => void {
    const streams = this.sources.map((s) => {
      const es = new EventSource(this.url('/events', s));
      const handle = (message: MessageEvent<string>) => onEvent(JSON.parse(message.data) as StoreEvent);
      for (const type of ['hello', 'reset', 'run-created', 'run-updated', 'run-deleted', 'metrics', 'log', 'media', 'histograms']) es.addEventListener(type, handle as EventListener);
      return es;
    });
    return () => streams.forEach((es) => es.close());
  }

  private source(run: RunRef): HttpSource {
    const source = this.sources.find((s) => s.path === run.source);
    if (!source) throw new Error(`Runlane does not know the source ${run.source}.`);
    return source;
  }

  private url(route: string, source: HttpSource, query: Query = {}): string {
    const params = new URLSearchParams({ ...this.query, [source.kind]: source.path, ...query });
    return `${this.baseUrl}/api/v1${route}?${params}`;
  }

  /** Every request goes through here: one place for headers and for the daemon's error sentences. */
  private async fetch(method: string, route: string, source: HttpSource, query: Query = {}, body?: unknown): Promise<Response> {
    const init = this.init();
    const headers = new Headers(init.headers);
    if (body !== undefined) headers.set('content-type', 'application/json');
    const res = await this.request(this.url(route, source, query), { ...init, method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) {
      const error = (await res.json().catch(() => null)) as { error?: string } | null;
      throw new Error(error?.error ?? `The Runlane daemon answered ${res.status}.`);
    }
    return res;
  }

  private async json<T>(method: string, route: string, source: HttpSource, query: Query = {}, body?: unknown): Promise<T> {
    return (await (await this.fetch(method, route, source, query, body)).json()) as T;
  }
}

function runPath(run: RunRef): string {
  return `/runs/${encodeURIComponent(run.id)}`;
}
