// The HTTP API v1 (shared/protocol/src/api.ts): one table of routes, one place for errors.
// Plain node:http with a small pattern table: the API is a handful of GET routes, and a framework
// would add weight to every client that embeds the daemon (VS Code bundles it).
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { API_PREFIX, LOG_SIZE_HEADER, RUN_TOTAL_HEADER, type ApiError, type RunPatch, type RunQuery, type RunSummary, type RunSync, type TargetInfo } from '@runlane/protocol';
import { filterRuns, inspectFolder, listArtifacts, parseRunQuery, readArtifact, StoreError, summarizeExperiments, trashRun, restoreRun, validateRunId, validateRunName, validateNote } from '../store/index.js';
import type { RunSource } from './runSource.js';
import { mediaRoutes, withMediaKeys } from './mediaRoutes.js';
import type { JobManager } from '../jobs/jobManager.js';
import { parseJobSpec, parseRerunRequest } from '../jobs/jobSpec.js';
import { stopRun } from '../jobs/stopRun.js';
import { MlflowError } from '../mlflow/http.js';
import { MlflowSource } from '../mlflow/mlflowSource.js';
import { findTargetsFile } from '../targets/targetsFile.js';
import { loadStores } from '../targets/storesFile.js';

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
  targets: (store: string, only?: string, targetsFile?: string) => Promise<TargetInfo[]>;
  body: () => Promise<unknown>;
  /** Makes the store's index see a run the daemon just wrote. */
  sync: (runId: string) => Promise<void>;
  /** Queues a run's push to an MLflow server (a URI or a declared store's name); its state now. */
  push?: (runId: string, to: string) => Promise<RunSync>;
}

type Handler = (ctx: RouteContext) => Promise<unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  // Encoded once: a length taken from the text and a second encoding by end() cost two passes over
  // a 100,000-run list's tens of MB.
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
  res.end(bytes);
}

/** StoreErrors carry the store's own sentence; they map to the status a client can act on. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof StoreError) {
    if (err.code === 'bad_name' || err.code === 'bad_query') return new HttpError(400, 'bad_request', err.message);
    if (err.code === 'not_found') return new HttpError(404, 'not_found', err.message);
    if (err.code === 'store_version') return new HttpError(409, 'store_version', err.message);
    if (err.code === 'conflict') return new HttpError(409, 'conflict', err.message);
    if (err.code === 'not_a_store') return new HttpError(400, 'bad_request', err.message);
    if (err.code === 'io') return new HttpError(507, 'store_full', err.message); // a full disk: free space, try again
  }
  if (err instanceof MlflowError) {
    // The MLflow server's own 401 is not the daemon's: clients read a 401 as "the Runlane token is wrong".
    if (err.code === 'not_found') return new HttpError(404, 'not_found', err.message);
    if (err.code === 'bad_request') return new HttpError(400, 'bad_request', err.message);
    return new HttpError(err.code === 'unauthorized' || err.code === 'forbidden' ? 403 : 502, 'upstream', err.message);
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
  [
    'GET',
    /^\/targets$/,
    async (ctx) => {
      const file = ctx.url.searchParams.get('targets') ?? undefined;
      if (file !== undefined && (!path.isAbsolute(file) || !existsSync(file))) throw new HttpError(404, 'not_found', `The targets file ${file} does not exist (give an absolute path to a runlane.toml).`);
      return ctx.targets(ctx.storeDir, ctx.url.searchParams.get('name') ?? undefined, file);
    },
  ],
  [
    'POST',
    /^\/jobs$/,
    async (ctx) => {
      const spec = parseJobSpec(await ctx.body()); // a bad field: 400 naming it
      const created = await ctx.jobs.submit(ctx.storeDir, spec);
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
  [
    'POST',
    /^\/runs\/([^/]+)\/stop$/,
    async (ctx) => {
      refuseLogdir(ctx);
      await ctx.source(); // opening the store re-adopts the jobs a previous daemon left running
      await stopRun(ctx.jobs, ctx.storeDir, ctx.params[0]!);
      return { ok: true };
    },
  ],
  [
    'GET',
    /^\/sources\/inspect$/,
    async (ctx) => {
      const dir = ctx.url.searchParams.get('path');
      if (!dir || !path.isAbsolute(dir)) throw new HttpError(400, 'bad_request', `Give the folder as an absolute path: /sources/inspect?path=/abs/folder${dir ? `, not "${dir}"` : ''}.`);
      return inspectFolder(dir);
    },
  ],
  [
    'GET',
    /^\/stores$/,
    async (ctx) => {
      // The team stores of the store's project (runlane.toml [stores.NAME]), so editors list them unasked.
      const file = ctx.url.searchParams.get('targets') ?? findTargetsFile(ctx.storeDir);
      if (file !== null && (!path.isAbsolute(file) || !existsSync(file))) throw new HttpError(404, 'not_found', `The targets file ${file} does not exist (give an absolute path to a runlane.toml).`);
      return loadStores(file);
    },
  ],
  ['GET', /^\/experiments$/, async (ctx) => summarizeExperiments((await ctx.source()).summaries())],
  [
    'GET',
    /^\/runs$/,
    async (ctx) => {
      const query = runQuery(ctx.url);
      const matched = filterRuns((await ctx.source()).summaries(), { ...query, limit: undefined });
      ctx.res.setHeader(RUN_TOTAL_HEADER, matched.length);
      return query.limit !== undefined && query.limit >= 0 ? matched.slice(0, query.limit) : matched;
    },
  ],
  ['GET', /^\/runs\/([^/]+)$/, async (ctx) => withMediaKeys(ctx, await (await ctx.source()).detail(ctx.params[0]!))],
  [
    'PATCH',
    /^\/runs\/([^/]+)$/,
    async (ctx): Promise<RunSummary> => {
      refuseLogdir(ctx);
      const id = validateRunId(ctx.params[0]!);
      const patch = runPatch(await ctx.body());
      await ctx.sync(id); // the index may not have seen a run created a moment ago
      await (await ctx.source()).detail(id); // 404 for a run that does not exist, before writing
      const writer = await ctx.jobs.writer(ctx.storeDir);
      if (patch.name !== undefined) writer.appendEvent(id, { type: 'name', name: patch.name });
      if (patch.tags && Object.keys(patch.tags).length > 0) writer.appendEvent(id, { type: 'tags', tags: patch.tags });
      if (patch.note !== undefined) writer.appendEvent(id, { type: 'note', note: patch.note || null });
      await ctx.sync(id);
      return (await ctx.source()).detail(id);
    },
  ],
  [
    'DELETE',
    /^\/runs\/([^/]+)$/,
    async (ctx) => {
      refuseLogdir(ctx);
      const id = validateRunId(ctx.params[0]!);
      await ctx.sync(id);
      const run = await (await ctx.source()).detail(id);
      if (LIVE.has(run.status)) throw new HttpError(409, 'conflict', `Run ${id} is ${run.status}; cancel or stop it before deleting it.`);
      await trashRun(ctx.storeDir, id);
      await ctx.sync(id);
      return { ok: true };
    },
  ],
  [
    'POST',
    /^\/runs\/([^/]+)\/restore$/,
    async (ctx): Promise<RunSummary> => {
      refuseLogdir(ctx);
      const id = validateRunId(ctx.params[0]!);
      await restoreRun(ctx.storeDir, id);
      await ctx.sync(id); // listed again now, and a run-created event tells every client
      return (await ctx.source()).detail(id);
    },
  ],
  [
    'GET',
    /^\/runs\/([^/]+)\/artifacts$/,
    async (ctx) => {
      if (ctx.url.searchParams.has('logdir')) return [];
      const source = ctx.url.searchParams.has('mlflow') ? await ctx.source() : null;
      return source instanceof MlflowSource ? source.artifacts(ctx.params[0]!) : listArtifacts(ctx.storeDir, ctx.params[0]!);
    },
  ],
  [
    'GET',
    /^\/runs\/([^/]+)\/artifacts\/(.+)$/,
    async (ctx) => {
      const [id, relPath] = ctx.params as [string, string];
      const source = ctx.url.searchParams.has('mlflow') ? await ctx.source() : null;
      const bytes = source instanceof MlflowSource ? await source.readArtifact(id, relPath) : await readArtifact(ctx.storeDir, id, relPath);
      ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      ctx.res.end(bytes);
      return undefined;
    },
  ],
  [
    'POST',
    /^\/runs\/([^/]+)\/rerun$/,
    async (ctx) => {
      refuseLogdir(ctx);
      const request = parseRerunRequest(await ctx.body());
      const created = await ctx.jobs.rerun(ctx.storeDir, ctx.params[0]!, request.params);
      await ctx.sync(created.run_id);
      return created;
    },
  ],
  [
    'POST',
    /^\/runs\/([^/]+)\/push$/,
    async (ctx) => {
      refuseLogdir(ctx);
      const body = (await ctx.body()) as { to?: unknown } | undefined;
      if (typeof body?.to !== 'string' || body.to.trim() === '') {
        throw new HttpError(400, 'bad_request', 'Say where to push: {"to": "<an MLflow server URI, or the name of a [stores.NAME] in runlane.toml>"}.');
      }
      const id = validateRunId(ctx.params[0]!);
      await ctx.sync(id); // a run created a moment ago
      try {
        return await ctx.push!(id, body.to);
      } catch (err) {
        if (err instanceof MlflowError) throw new HttpError(400, 'bad_request', err.message);
        throw err;
      }
    },
  ],
  [
    'GET',
    /^\/runs\/([^/]+)\/metrics\/(.+)$/,
    async (ctx) => {
      const [id, key] = ctx.params as [string, string];
      const points = intParam(ctx.url, 'points');
      if (points !== undefined && points < 0) throw new HttpError(400, 'bad_request', 'points must be 0 (all) or a positive number.');
      const rank = intParam(ctx.url, 'rank');
      if (rank !== undefined && rank < 0) throw new HttpError(400, 'bad_request', 'rank must be a worker rank (0 or more); leave it out for the primary series.');
      // A TensorBoard run has one series per tag and no ranks: another rank must not get it back.
      if (rank !== undefined && ctx.url.searchParams.has('logdir')) {
        throw new HttpError(404, 'not_found', `Run "${id}" is a TensorBoard run; it has no rank ${rank}. Leave rank out to read its series.`);
      }
      return (await ctx.source()).series(id, key, {
        points,
        fromStep: intParam(ctx.url, 'from_step'),
        toStep: intParam(ctx.url, 'to_step'),
        rank,
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
  ...mediaRoutes,
];

/** Checks a PATCH body before anything is written: all of it applies, or none. */
function runPatch(body: unknown): RunPatch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'bad_request', 'Send a JSON object like {"name": "...", "tags": {"key": "value"}}.');
  const { name, tags, note, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new HttpError(400, 'bad_request', `Only "name", "tags" and "note" can be changed, not ${unknown.map((k) => JSON.stringify(k)).join(', ')}.`);
  if (note !== undefined && note !== null && typeof note !== 'string') throw new HttpError(400, 'bad_request', 'note must be text, or null to clear it.');
  if (typeof note === 'string') validateNote(note);
  if (name !== undefined && typeof name !== 'string') throw new HttpError(400, 'bad_request', 'name must be a string.');
  if (name !== undefined) validateRunName(name);
  if (tags !== undefined) {
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new HttpError(400, 'bad_request', 'tags must be an object of tag to text (null removes a tag).');
    for (const [key, value] of Object.entries(tags)) {
      if (value !== null && typeof value !== 'string') throw new HttpError(400, 'bad_request', `The tag ${JSON.stringify(key)} must be text or null, not ${typeof value}.`);
    }
  }
  return { name, tags: tags as RunPatch['tags'], ...(note !== undefined ? { note } : {}) };
}

/** Log directories are TensorBoard's files: Runlane reads them and never writes into them. */
function refuseLogdir(ctx: RouteContext): void {
  if (ctx.url.searchParams.has('mlflow')) throw new HttpError(400, 'bad_request', 'Runs on an MLflow server are read-only in Runlane for now: rename, tag, stop or delete them in MLflow (its UI or client).');
  if (ctx.url.searchParams.has('logdir')) throw new HttpError(400, 'bad_request', 'Runs read from a log folder (TensorBoard event files, DVCLive) are read-only; change them in the program that wrote them.');
}

/** Runs that still change: a running job would lose its output if its folder moved. */
const LIVE = new Set(['queued', 'running']);

/** Finds the route for `pathname` (already past API_PREFIX); null when none matches. */
export function matchRoute(method: string, pathname: string): { handler: Handler; params: string[] } | null {
  if (!pathname.startsWith(API_PREFIX)) return null;
  const rest = pathname.slice(API_PREFIX.length);
  const allowed: string[] = [];
  for (const [routeMethod, pattern, handler] of routes) {
    const m = pattern.exec(rest);
    if (!m) continue;
    if (routeMethod !== method) {
      allowed.push(routeMethod);
      continue;
    }
    try {
      return { handler, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    } catch {
      throw new HttpError(400, 'bad_request', `The path ${pathname} is not validly URL-encoded.`);
    }
  }
  if (allowed.length) throw new HttpError(405, 'bad_request', `${method} ${pathname} is not supported; use ${allowed.join(' or ')}.`);
  return null;
}
