// The Node client of the daemon (CLI, VS Code extension host): finds the daemon through the runtime
// file, starts it when none runs, and follows the SSE feed, restarting the daemon if it died.
import * as path from 'node:path';
import type { IncomingMessage } from 'node:http';
import {
  API_PREFIX,
  LOG_SIZE_HEADER,
  RUN_TOTAL_HEADER,
  type ArtifactInfo,
  type ExperimentSummary,
  type FolderInspection,
  type HistogramSeries,
  type MediaItem,
  type Health,
  type JobCreated,
  type JobSpec,
  type TargetInfo,
  type MetricSeries,
  type RunDetail,
  type RunPatch,
  type RunQuery,
  type RunSummary,
  type RuntimeInfo,
  type StoreEvent,
} from '@runlane/protocol';
import { daemonAnswers, DaemonError, isUnreachable, readBody, send } from './daemonHttp.js';
import { findOrStart, type ConnectOptions } from './daemonLauncher.js';
import { SseParser } from './sseParser.js';

export { DaemonError } from './daemonHttp.js';
type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type { ConnectOptions } from './daemonLauncher.js';

export interface EventsOptions {
  lastEventId?: string;
  /**
   * Called when the feed stops for good: the daemon refused the request (a bad or newer store).
   * Dropped connections and a dead daemon are not errors: the feed reconnects by itself.
   */
  onError?: (err: DaemonError) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class DaemonClient {
  private constructor(
    private info: RuntimeInfo,
    private readonly options: ConnectOptions,
    private readonly store: string | undefined,
  ) {}

  get runtime(): RuntimeInfo {
    return this.info;
  }

  /** Connects to the running daemon, starting one when none answers (unless start: false). */
  static async connect(options: ConnectOptions = {}): Promise<DaemonClient> {
    return new DaemonClient(await findOrStart(options), options, options.store);
  }

  async request<T>(route: string, query: Record<string, string | number | undefined> = {}, payload?: unknown, method?: HttpMethod): Promise<T> {
    const res = await this.send(route, query, {}, payload, method);
    if (res.statusCode !== 200) throw await errorOf(res);
    return JSON.parse((await readBody(res)).toString('utf8')) as T;
  }

  targets(): Promise<TargetInfo[]> {
    return this.request('/targets', { targets: this.options.targetsFile });
  }

  /** One target, checked (null when there is no target of that name). */
  async target(name: string): Promise<TargetInfo | null> {
    return (await this.request<TargetInfo[]>('/targets', { name, targets: this.options.targetsFile }))[0] ?? null;
  }

  submitJob(spec: JobSpec): Promise<JobCreated> {
    const targetsFile = spec.targetsFile ?? this.options.targetsFile;
    return this.request('/jobs', {}, targetsFile ? { ...spec, targetsFile } : spec);
  }

  async cancelJob(id: string): Promise<void> {
    await this.request(`/jobs/${encodeURIComponent(id)}/cancel`, {}, {});
  }

  /** Stops a running run: a job is cancelled, a cell or script run on this host interrupted (SIGINT). */
  async stopRun(id: string): Promise<void> {
    await this.request(`/runs/${encodeURIComponent(id)}/stop`, {}, {});
  }

  /** What a folder is (a store, a TensorBoard log folder, ...), to offer to open it as that. */
  inspectFolder(dir: string): Promise<FolderInspection> {
    return this.request('/sources/inspect', { path: dir });
  }

  health(): Promise<Health> {
    return this.request('/health');
  }

  experiments(): Promise<ExperimentSummary[]> {
    return this.request('/experiments');
  }

  runs(query: RunQuery = {}): Promise<RunSummary[]> {
    const { status, ...rest } = query;
    return this.request('/runs', { ...rest, status: status?.join(',') });
  }

  /**
   * The newest `limit` runs and how many the source holds in all (the daemon's x-runlane-total), as
   * HttpHostBridge.listRunsPage asks them: a big store's first paint, before its whole list crosses.
   */
  async runsPage(limit: number): Promise<{ runs: RunSummary[]; total: number }> {
    const res = await this.send('/runs', { sort: 'created_at', order: 'desc', limit });
    if (res.statusCode !== 200) throw await errorOf(res);
    const runs = JSON.parse((await readBody(res)).toString('utf8')) as RunSummary[];
    // A daemon that does not say the total (an older one): a full page may have more behind it.
    const said = res.headers[RUN_TOTAL_HEADER];
    const total = typeof said === 'string' ? Number(said) : runs.length < limit ? runs.length : runs.length + 1;
    return { runs, total };
  }

  run(id: string): Promise<RunDetail> {
    return this.request(`/runs/${encodeURIComponent(id)}`);
  }

  /** `rank`: one worker's series; absent: the primary series (rank 0 and writers without a rank). */
  series(id: string, key: string, options: { points?: number; fromStep?: number; toStep?: number; rank?: number } = {}): Promise<MetricSeries> {
    return this.request(`/runs/${encodeURIComponent(id)}/metrics/${encodeURIComponent(key)}`, {
      points: options.points,
      from_step: options.fromStep,
      to_step: options.toStep,
      rank: options.rank,
    });
  }

  async log(id: string, writer: string, stream: string, offset = 0): Promise<{ bytes: Buffer; size: number }> {
    const res = await this.send(`/runs/${encodeURIComponent(id)}/logs/${encodeURIComponent(writer)}/${encodeURIComponent(stream)}`, { offset });
    if (res.statusCode !== 200) throw await errorOf(res);
    const bytes = await readBody(res);
    return { bytes, size: Number(res.headers[LOG_SIZE_HEADER] ?? bytes.length) };
  }

  /** Renames and tags a run (a `null` tag value removes the tag). */
  updateRun(id: string, patch: RunPatch): Promise<RunSummary> {
    return this.request(`/runs/${encodeURIComponent(id)}`, {}, patch, 'PATCH');
  }

  /** Moves the run to the store's trash folder; refused while a job still runs. */
  async deleteRun(id: string): Promise<void> {
    await this.request(`/runs/${encodeURIComponent(id)}`, {}, undefined, 'DELETE');
  }

  /** Brings a deleted run back from the store's trash; its summary, listed again. */
  restoreRun(id: string): Promise<RunSummary> {
    return this.request(`/runs/${encodeURIComponent(id)}/restore`, {}, {}, 'POST');
  }

  artifacts(id: string): Promise<ArtifactInfo[]> {
    return this.request(`/runs/${encodeURIComponent(id)}/artifacts`);
  }

  async artifact(id: string, relPath: string): Promise<Buffer> {
    const encoded = relPath.split('/').map(encodeURIComponent).join('/');
    const res = await this.send(`/runs/${encodeURIComponent(id)}/artifacts/${encoded}`, {});
    if (res.statusCode !== 200) throw await errorOf(res);
    return readBody(res);
  }

  /** The run's images and texts (of one key when given); docs in @runlane/protocol media.ts. */
  media(id: string, key?: string): Promise<MediaItem[]> {
    return this.request(`/runs/${encodeURIComponent(id)}/media`, { key });
  }

  /** One media item's bytes and content type, by its `ref`. */
  async mediaBytes(id: string, ref: string): Promise<{ bytes: Buffer; mime: string }> {
    const res = await this.send(`/runs/${encodeURIComponent(id)}/media/${encodeURIComponent(ref)}`, {});
    if (res.statusCode !== 200) throw await errorOf(res);
    return { bytes: await readBody(res), mime: String(res.headers['content-type'] ?? 'application/octet-stream') };
  }

  /** `rank`: one job worker's (above 0); absent: the primary writers'. */
  histograms(id: string, key: string, rank?: number): Promise<HistogramSeries> {
    // A query parameter, not `?rank=` in the route: send() adds `?store=...` for a client of a store,
    // which made `?rank=1?store=...` (a rank the daemon refused: VS Code's rank choice drew nothing).
    return this.request(`/runs/${encodeURIComponent(id)}/histograms/${encodeURIComponent(key)}`, { rank: rank || undefined });
  }

  /** Submits a job again with its recorded spec; `params` override the cell's assignments. */
  rerun(id: string, params?: Record<string, unknown>): Promise<JobCreated> {
    return this.request(`/runs/${encodeURIComponent(id)}/rerun`, {}, params ? { params } : {});
  }

  /**
   * Follows the SSE feed. When the connection drops it reconnects with Last-Event-ID; when the
   * daemon is gone it starts a new one (which answers with a `reset`). Returns a stop function.
   */
  events(onEvent: (event: StoreEvent) => void, options: EventsOptions = {}): () => void {
    let stopped = false;
    let lastId = options.lastEventId ?? null;
    let current: IncomingMessage | null = null;
    const loop = async (): Promise<void> => {
      while (!stopped) {
        try {
          const res = await this.send('/events', {}, lastId ? { 'last-event-id': lastId } : {});
          current = res;
          if (res.statusCode !== 200) {
            const refused = await errorOf(res);
            // A 4xx other than 401 will not change by retrying (401: a new daemon took the port).
            if (res.statusCode !== 401 && refused.status < 500) {
              stopped = true;
              options.onError?.(refused);
              return;
            }
            throw refused;
          }
          const parser = new SseParser((message) => {
            if (message.id) lastId = message.id;
            onEvent(JSON.parse(message.data) as StoreEvent);
          });
          for await (const chunk of res) {
            if (stopped) break;
            parser.push(chunk as Buffer);
          }
        } catch {
          // dropped or refused: fall through to reconnect
        }
        current = null;
        if (stopped) return;
        await sleep(200);
        if (!(await daemonAnswers(this.info))) {
          try {
            this.info = await findOrStart(this.options);
          } catch {
            // keep trying: the next loop iteration retries
          }
        }
      }
    };
    void loop();
    return () => {
      stopped = true;
      current?.destroy();
    };
  }

  /**
   * Every request of this client goes through here. A daemon that went away (idle exit, crash) is
   * found or started again once, so a long-lived client never sees a stale port.
   */
  private async send(route: string, query: Record<string, string | number | undefined>, headers: Record<string, string> = {}, body?: unknown, method?: HttpMethod): Promise<IncomingMessage> {
    const params = new URLSearchParams();
    if (this.options.mlflow) params.set('mlflow', this.options.mlflow);
    else if (this.options.logdir) params.set('logdir', path.resolve(this.options.logdir));
    else if (this.store) params.set('store', path.resolve(this.store));
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    const pathAndQuery = `${API_PREFIX}${route}${qs ? `?${qs}` : ''}`;
    try {
      return await send(this.info, pathAndQuery, headers, body, undefined, method);
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      this.info = await findOrStart(this.options);
      return send(this.info, pathAndQuery, headers, body, undefined, method);
    }
  }
}

/** The daemon's ApiError sentence from a non-200 response. */
async function errorOf(res: IncomingMessage): Promise<DaemonError> {
  const body = await readBody(res);
  let message = `The daemon answered ${res.statusCode}.`;
  try {
    message = (JSON.parse(body.toString('utf8')) as { error: string }).error;
  } catch {
    // not a JSON error body
  }
  return new DaemonError(message, res.statusCode ?? 0);
}
