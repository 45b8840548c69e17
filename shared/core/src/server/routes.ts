// The HTTP API v1 (shared/protocol/src/api.ts): one table of routes, one place for errors.
// Plain node:http with a small pattern table: the API is a handful of GET routes, and a framework
// would add weight to every client that embeds the daemon (VS Code bundles it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_PREFIX, LOG_SIZE_HEADER, type ApiError, type JobSpec, type RunQuery, type TargetInfo } from '@runlane/protocol';
import { filterRuns, parseRunQuery, StoreError, summarizeExperiments } from '../store/index.js';
import type { RunSource } from './runSource.js';
import type { JobManager } from '../jobs/jobManager.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiError['code'],
    message: string,
  ) {
    super(message);
  }
}

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  source: () => Promise<RunSource>;
  /** The store a request is about (jobs always run in a store, never in a log directory). */
  storeDir: string;
  jobs: JobManager;
  targets: (store: string) => Promise<TargetInfo[]>;
  body: () => Promise<unknown>;
  /** Makes the store's index see a run the daemon just wrote. */
  sync: (runId: string) => Promise<void>;
}

type Handler = (ctx: RouteContext) => Promise<unknown>;
type Method = 'GET' | 'POST';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** StoreErrors carry the store's own sentence; they map to the status a client can act on. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreError) {
    if (err.code === 'bad_name' || err.code === 'bad_query') return new HttpError(400, 'bad_request', err.message);
    if (err.code === 'not_found') return new HttpError(404, 'not_found', err.message);
    if (err.code === 'store_version') return new HttpError(409, 'store_version', err.message);
  }
  return new HttpError(500, 'internal', `The daemon failed: ${(err as Error).message}`);
}

function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new HttpError(400, 'bad_request', `The query parameter "${name}" must be an integer, not "${raw}".`);
  return value;
}

function runQuery(url: URL): RunQuery {
  const q = url.searchParams;
  const one = (name: string) => q.get(name) ?? undefined;
  return parseRunQuery({
    experiment: one('experiment'),
    status: q.getAll('status'),
    q: one('q'),
    sort: one('sort'),
    order: one('order'),
    limit: one('limit'),
    notebook: one('notebook'),
    cell_id: one('cell_id'),
  });
}

const routes: [Method, RegExp, Handler][] = [
  ['GET', /^\/targets$/, async (ctx) => ctx.targets(ctx.storeDir)],
  [
    'POST',
    /^\/jobs$/,
    async (ctx) => {
      const created = await ctx.jobs.submit(ctx.storeDir, (await ctx.body()) as JobSpec);
      await ctx.sync(created.run_id);
      return created;
    },
  ],
  [
    'POST',
    /^\/jobs\/([^/]+)\/cancel$/,
    async (ctx) => {
      await ctx.jobs.cancel(ctx.storeDir, ctx.params[0]!);
      return { ok: true };
    },
  ],
  ['GET', /^\/experiments$/, async (ctx) => summarizeExperiments((await ctx.source()).summaries())],
  ['GET', /^\/runs$/, async (ctx) => filterRuns((await ctx.source()).summaries(), runQuery(ctx.url))],
  ['GET', /^\/runs\/([^/]+)$/, async (ctx) => (await ctx.source()).detail(ctx.params[0]!)],
  [
    'GET',
    /^\/runs\/([^/]+)\/metrics\/(.+)$/,
    async (ctx) => {
      const [id, key] = ctx.params as [string, string];
      const points = intParam(ctx.url, 'points');
      if (points !== undefined && points < 0) throw new HttpError(400, 'bad_request', 'points must be 0 (all) or a positive number.');
      return (await ctx.source()).series(id, key, {
        points,
        fromStep: intParam(ctx.url, 'from_step'),
        toStep: intParam(ctx.url, 'to_step'),
      });
    },
  ],
  [
    'GET',
    /^\/runs\/([^/]+)\/logs\/([^/]+)\/([^/]+)$/,
    async (ctx) => {
      const [id, writer, stream] = ctx.params as [string, string, string];
      const offset = intParam(ctx.url, 'offset') ?? 0;
      const length = intParam(ctx.url, 'length');
      if (offset < 0 || (length !== undefined && length < 0)) throw new HttpError(400, 'bad_request', 'offset and length must not be negative.');
      const { bytes, size } = await (await ctx.source()).log(id, writer, stream, offset, length ?? Infinity);
      ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length, [LOG_SIZE_HEADER]: size });
      ctx.res.end(bytes);
      return undefined;
    },
  ],
];

/** Finds the route for `pathname` (already past API_PREFIX); null when none matches. */
export function matchRoute(method: string, pathname: string): { handler: Handler; params: string[] } | null {
  if (!pathname.startsWith(API_PREFIX)) return null;
  const rest = pathname.slice(API_PREFIX.length);
  for (const [routeMethod, pattern, handler] of routes) {
    const m = pattern.exec(rest);
    if (m && routeMethod !== method) throw new HttpError(405, 'bad_request', `${method} ${pathname} is not supported; use ${routeMethod}.`);
    if (m) {
      try {
        return { handler, params: m.slice(1).map((p) => decodeURIComponent(p)) };
      } catch {
        throw new HttpError(400, 'bad_request', `The path ${pathname} is not validly URL-encoded.`);
      }
    }
  }
  return null;
}
