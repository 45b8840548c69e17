// The daemon's HTTP API v1 and its Server-Sent Events feed: the one contract for every client.
//
// Every request carries the daemon's token as `Authorization: Bearer <token>` (or `X-Runlane-Token`).
// Every request about a store names it with `?store=<absolute path>`; without it the daemon uses the
// store it was started for. Errors come back as `ApiError` with a 4xx/5xx status. A request may name
// instead a TensorBoard log folder (`?logdir=<absolute path>`) or an MLflow tracking server
// (`?mlflow=<http(s) URI, URL-encoded>`): the read routes and /events then serve its runs, read-only
// (edits answer 400; an MLflow server that fails answers 502 or 403 with code `upstream`; docs/mlflow.md).
//
//   GET  /api/v1/health                                  -> Health
//   GET  /api/v1/experiments                             -> ExperimentSummary[]
//   GET  /api/v1/runs?experiment&status&q&sort&order&limit&notebook&cell_id
//                                                        -> RunSummary[]
//   GET  /api/v1/runs/:id                                -> RunDetail
//   GET  /api/v1/runs/:id/metrics/:key?points&from_step&to_step&rank
//                                                        -> MetricSeries (key URL-encoded;
//                                                           points = target count, 0 or absent = all;
//                                                           rank = one worker's series, absent = primary)
//   GET  /api/v1/runs/:id/logs/:writer/:stream?offset&length
//                                                        -> raw bytes (application/octet-stream),
//                                                           header X-Runlane-Log-Size = current size
//   PATCH /api/v1/runs/:id  body RunPatch                -> RunSummary (rename, tag: events by the daemon)
//   DELETE /api/v1/runs/:id                              -> { ok: true } (the folder moves to <store>/trash/;
//                                                           409 while a job still runs)
//   POST /api/v1/runs/:id/restore                        -> RunSummary (back from <store>/trash/, the latest
//                                                           trashed copy; 404 when none, 409 when the id is taken)
//   GET  /api/v1/runs/:id/artifacts                      -> ArtifactInfo[]
//   GET  /api/v1/runs/:id/artifacts/<path>               -> raw bytes (path segments URL-encoded)
//   POST /api/v1/runs/:id/rerun  body RerunRequest       -> JobCreated (job runs only)
//   POST /api/v1/runs/:id/push  body {"to": URI or NAME} -> RunSync (queued; progress: run-updated events
//                                                           whose run carries `sync`; docs/mlflow.md)
//   GET  /api/v1/stores?targets                          -> { name, kind: 'mlflow', uri, sync: 'auto' | 'off' }[]
//                                                           (runlane.toml's [stores.NAME]; docs/mlflow.md)
//   GET  /api/v1/targets?name&targets                    -> TargetInfo[] (each checked; `name`: only that one;
//                                                           `targets`: another runlane.toml, absolute)
//   POST /api/v1/jobs  body JobSpec                      -> JobCreated
//   POST /api/v1/jobs/:id/cancel                         -> { ok: true }
//   POST /api/v1/runs/:id/stop                           -> { ok: true } (a job: cancelled; a cell or script
//                                                           run on the daemon's host: SIGINT to its process,
//                                                           recorded `interrupted`; 409 with a sentence otherwise)
//   GET  /api/v1/sources/inspect?path=ABS               -> FolderInspection (what a folder is, before
//                                                           using it as a store or a log folder)
//   GET  /api/v1/runs/:id/media, /media/<ref>, /histograms/:key  -> media.ts
//   GET  /api/v1/events  (text/event-stream; Last-Event-ID header or ?last_event_id to resume)
//                                                        -> StoreEvent messages

import type { MediaEvent } from './media.js';
import type { RunStatus, RunSummary } from './runs.js';

export const API_VERSION = 1;
export const API_PREFIX = '/api/v1';
export const TOKEN_HEADER = 'x-runlane-token';
export const LOG_SIZE_HEADER = 'x-runlane-log-size';
/** On `GET /runs`: how many runs matched before `limit` cut the list (a first page says how many more there are). */
export const RUN_TOTAL_HEADER = 'x-runlane-total';

export interface Health {
  ok: true;
  version: string;
  api: typeof API_VERSION;
  pid: number;
  /** Changes on every daemon start; SSE ids from another incarnation cannot be resumed. */
  incarnation: string;
  stores: string[];
  clients: number;
  /** Problems the daemon works around, one sentence each, saying what to do (e.g. the system's limit
   * of file watches: it polls instead). Absent from older daemons. */
  warnings?: string[];
}

/** What PATCH /runs/:id changes; absent fields stay as they are, a `null` tag value removes the tag. */
export interface RunPatch {
  name?: string;
  tags?: Record<string, string | null>;
  /** The run's free-text note; `null` or "" clears it. */
  note?: string | null;
}

/** A file under a run's `artifacts/` folder; `path` uses `/` and is relative to that folder. */
export interface ArtifactInfo {
  path: string;
  size: number;
  /** Modification time, Unix seconds. */
  mtime: number;
}

/** Re-runs a job with the same spec; `params` override the cell's top-level literal assignments. */
export interface RerunRequest {
  params?: Record<string, unknown>;
}

export interface ApiError {
  error: string;
  /**
   * Machine-readable reason: bad_request, unauthorized, not_found, conflict, store_version, internal;
   * upstream: an MLflow server (`?mlflow=`) is unreachable, failing, or refused the credentials.
   */
  code: 'bad_request' | 'unauthorized' | 'not_found' | 'conflict' | 'store_version' | 'internal' | 'upstream' | 'store_full';
}

/** What a folder is: writers create a store only in a `store`, an `empty` or a `missing` one. */
export type FolderKind = 'store' | 'tensorboard' | 'empty' | 'missing' | 'other';

/** GET /sources/inspect: `detail` is a phrase for people, e.g. "a TensorBoard log folder (3 runs of event files)". */
export interface FolderInspection {
  path: string;
  kind: FolderKind;
  detail: string;
}

/** The runtime file through which clients find the one daemon (mode 0600). */
export interface RuntimeInfo {
  port: number;
  token: string;
  pid: number;
  version: string;
  started_at: number;
}

/** SSE messages: `event: <type>`, `id: <incarnation>:<seq>`, `data: <JSON of the message>`. */
export type StoreEvent =
  | { type: 'hello'; incarnation: string }
  /** The client's Last-Event-ID could not be resumed (too old or another daemon): refetch everything. */
  | { type: 'reset'; reason: string }
  | { type: 'run-created'; store: string; run: RunSummary }
  | { type: 'run-updated'; store: string; run: RunSummary; previous_status: RunStatus | null }
  | { type: 'run-deleted'; store: string; run_id: string }
  | {
      type: 'metrics';
      store: string;
      run_id: string;
      key: string;
      /** The writer's rank (`r<rank>-` writer id); null for a writer without a rank. */
      rank: number | null;
      /** The new points, columnar; non-finite values as JsonNumber strings. */
      steps: number[];
      times: number[];
      values: (number | 'NaN' | 'Infinity' | '-Infinity')[];
    }
  | { type: 'log'; store: string; run_id: string; writer: string; stream: string; offset: number; length: number }
  /** New images, texts or histogram steps of a run (media.ts). */
  | MediaEvent;

export type StoreEventType = StoreEvent['type'];
