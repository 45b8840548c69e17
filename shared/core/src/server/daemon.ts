// `runlane serve`: the one daemon per user and machine. Loopback only, a token on every request,
// found by clients through the runtime file, exits after an idle period with no client.
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { API_PREFIX, API_VERSION, TOKEN_HEADER, type Health, type StoreEvent, type TargetInfo } from '@runlane/protocol';
import { JobManager } from '../jobs/jobManager.js';
import { describeTarget } from '../jobs/launchers/index.js';
import { findTargetsFile, loadTargets, type TargetConfig } from '../targets/targetsFile.js';
import { assertStoreFolder, checkStoreVersion, StoreError } from '../store/index.js';
import { newToken, removeRuntime, writeRuntime } from '../runtime/runtimeFile.js';
import { RUNLANE_VERSION } from '../version.js';
import { EventHub } from './eventHub.js';
import { HttpError, matchRoute, sendJson, toHttpError } from './routes.js';
import { LogdirIndex } from './logdirIndex.js';
import { MlflowSource } from '../mlflow/mlflowSource.js';
import { MlflowHttp } from '../mlflow/http.js';
import type { RunSource } from './runSource.js';
import { StoreIndex } from './storeIndex.js';
import { SyncService } from './syncService.js';
import { watchWarnings } from '../watch/watchDir.js';
import { jobsOwnerWarnings } from './jobsOwnerWarnings.js';

export interface DaemonOptions {
  /** The store used when a request names none. */
  defaultStore: string;
  port?: number;
  /** Seconds without requests and SSE clients before the daemon exits; 0 = never. */
  idleTimeout?: number;
  /** Where the runtime file goes; null = write none (embedded use, tests). */
  runtimeDir: string | null;
  token?: string;
  /** The targets file (runlane.toml); default: the one beside the store, else in the working folder. */
  targetsFile?: string;
}

const MAX_BODY = 1 << 20;

/** A JSON request body of at most 1 MiB. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'bad_request', 'The request body is over 1 MiB.');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_request', 'The request body is not valid JSON.');
  }
}

/**
 * Refuses a store this Runlane cannot read, and one whose parent folder is missing: a mistyped path
 * must not grow a tree of folders when a job writes there. A missing store itself is read as empty
 * and not made (storeWatcher.ts): its first writer makes it.
 */
async function checkStoreFolder(dir: string): Promise<void> {
  if (!existsSync(path.dirname(dir))) {
    throw new StoreError('not_found', `No folder ${path.dirname(dir)} for the store ${dir}; check the path, or create the folder first.`);
  }
  await assertStoreFolder(dir); // a job's runs/ is never made inside a TensorBoard or project folder
  await checkStoreVersion(dir);
}

export class Daemon {
  readonly token: string;
  readonly hub = new EventHub();
  private readonly stores = new Map<string, Promise<StoreIndex>>();
  private readonly logdirs = new Map<string, Promise<LogdirIndex>>();
  private readonly mlflows = new Map<string, Promise<MlflowSource>>();
  readonly jobs = new JobManager((store, file) => this.targetsOf(store, file));
  /** Pushes local runs to MLflow servers: asked for, or every new run with `sync = "auto"` (docs/mlflow.md). */
  readonly syncs = new SyncService((event) => this.hub.publish(event));
  private server: Server | null = null;
  private lastActivity = Date.now();
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Resolves when the daemon has shut down (idle, signal or close()). */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(private readonly options: DaemonOptions) {
    this.token = options.token ?? newToken();
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    try {
      // Fail fast on a store this Runlane cannot read (not a store, a newer format), without waiting
      // for its runs: a big store's first open (no run index yet, as after an upgrade) takes longer
      // than clients wait for a start. Requests for it wait for the open.
      await checkStoreFolder(path.resolve(this.options.defaultStore));
      void this.store(this.options.defaultStore).catch(() => {}); // the error reaches its requests
    } catch (err) {
      await this.close(); // nothing may keep a daemon that never announced itself alive
      throw err;
    }
    if (this.options.runtimeDir) {
      await writeRuntime(this.options.runtimeDir, { port: this.port, token: this.token, pid: process.pid, version: RUNLANE_VERSION, started_at: Date.now() / 1000 });
    }
    const idle = this.options.idleTimeout ?? 600;
    if (idle > 0) {
      this.idleTimer = setInterval(() => {
        const idleNow = this.hub.clientCount === 0 && this.jobs.activeCount === 0 && this.syncs.activeCount === 0;
        if (idleNow && Date.now() - this.lastActivity > idle * 1000) void this.close();
      }, Math.min(idle * 1000, 5_000));
      this.idleTimer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    if (this.options.runtimeDir) removeRuntime(this.options.runtimeDir);
    this.hub.close();
    this.syncs.close();
    await this.jobs.close();
    for (const index of [...this.stores.values(), ...this.logdirs.values(), ...this.mlflows.values()]) await (await (index as Promise<RunSource>).catch(() => null))?.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.resolveDone();
  }

  /** The index of a store, opened (and watched) on first use. */
  store(dir: string): Promise<StoreIndex> {
    const abs = path.resolve(dir);
    let index = this.stores.get(abs);
    if (!index) {
      index = checkStoreFolder(abs).then(async () => {
        let opened: StoreIndex | null = null;
        opened = await StoreIndex.open(abs, (event: StoreEvent) => {
          this.hub.publish(event);
          if (opened) this.syncs.onEvent(opened, event);
        });
        await this.jobs.adopt(abs, opened.summaries()); // workers that outlived a previous daemon
        const index = opened;
        void this.syncs.attach(index).catch((err: unknown) => process.stderr.write(`runlane daemon: sync: ${(err as Error).message}\n`));
        return index;
      });
      index.catch(() => this.stores.delete(abs)); // a fixed store can be retried
      this.stores.set(abs, index);
    }
    return index;
  }

  /** The targets of a store's project (its runlane.toml), the implicit `local` one included. */
  /** The targets of `file` (a request's own runlane.toml), else the daemon's, else the store's. */
  targetsOf(store: string, file?: string): TargetConfig[] {
    return loadTargets(file ?? this.options.targetsFile ?? findTargetsFile(store));
  }

  /** Every target checked (`only`: just the one with that name, e.g. before submitting to it). */
  private targetInfo(store: string, only?: string, file?: string): Promise<TargetInfo[]> {
    return Promise.all(
      this.targetsOf(store, file).filter((t) => only === undefined || t.name === only).map((t) => describeTarget(t)), // by its kind's launcher
    );
  }

  /** A TensorBoard log directory, read and followed on first use. */
  logdir(dir: string): Promise<LogdirIndex> {
    const abs = path.resolve(dir);
    let index = this.logdirs.get(abs);
    if (!index) {
      index = LogdirIndex.open(abs, (event: StoreEvent) => this.hub.publish(event));
      index.catch(() => this.logdirs.delete(abs));
      this.logdirs.set(abs, index);
    }
    return index;
  }

  /** An MLflow tracking server, read and (while a client follows its feed) polled on first use. */
  mlflow(uri: string): Promise<MlflowSource> {
    const key = new MlflowHttp(uri, { env: {} }).uri; // one source per server however its URI is spelled
    let source = this.mlflows.get(key);
    if (!source) {
      // Opened with the URI as given: a user:password in it is used (and never shown: the key has none).
      source = MlflowSource.open(uri, { publish: (event) => this.hub.publish(event), watched: () => this.hub.watching(key) });
      source.catch(() => this.mlflows.delete(key)); // a server that comes back can be retried
      this.mlflows.set(key, source);
    }
    return source;
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7) : req.headers[TOKEN_HEADER];
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.lastActivity = Date.now();
    try {
      if (!this.authorized(req)) throw new HttpError(401, 'unauthorized', 'A valid Runlane token is required (Authorization: Bearer <token> from the runtime file).');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // ?dvclive=DIR is ?logdir=DIR: a log directory's DVCLive folders (DIR itself, too) are its runs.
      if (!url.searchParams.has('logdir') && url.searchParams.has('dvclive')) url.searchParams.set('logdir', url.searchParams.get('dvclive')!);
      const storeParam = url.searchParams.get('store');
      const logdirParam = url.searchParams.get('logdir');
      const mlflowParam = url.searchParams.get('mlflow');
      for (const [name, value] of [['store', storeParam], ['logdir', logdirParam]] as const) {
        if (value !== null && !path.isAbsolute(value)) throw new HttpError(400, 'bad_request', `The ${name} must be an absolute path, not "${value}".`);
      }
      const storeDir = storeParam ?? this.options.defaultStore;
      if (url.pathname === `${API_PREFIX}/health`) return sendJson(res, 200, this.health());
      if (url.pathname === `${API_PREFIX}/events`) {
        const lastId = (req.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('last_event_id');
        // Start watching before the first event; a feed for a log directory carries only its events.
        if (mlflowParam !== null) await this.mlflow(mlflowParam);
        else if (logdirParam !== null) await this.logdir(logdirParam);
        else if (storeParam !== null) await this.store(storeDir);
        const only = logdirParam ?? storeParam;
        const feed = mlflowParam !== null ? (await this.mlflow(mlflowParam)).dir : only === null ? null : path.resolve(only);
        this.hub.attach(res, lastId, feed, () => (this.lastActivity = Date.now()));
        return;
      }
      const route = matchRoute(req.method ?? 'GET', url.pathname);
      if (!route) throw new HttpError(404, 'not_found', `No API route ${url.pathname}; see ${API_PREFIX}/health.`);
      const source = async (): Promise<RunSource> => {
        if (mlflowParam === null) return logdirParam !== null ? this.logdir(logdirParam) : this.store(storeDir);
        const server = await this.mlflow(mlflowParam);
        await server.fresh(); // nobody watching: the cache is brought up to date by this request
        return server;
      };
      const body = await route.handler({
        req,
        res,
        url,
        params: route.params,
        source,
        storeDir: path.resolve(storeDir),
        jobs: this.jobs,
        targets: (store, only, file) => this.targetInfo(store, only, file),
        body: () => readJsonBody(req),
        sync: async (runId) => (await this.store(storeDir)).sync(runId),
        push: async (runId, to) => this.syncs.push(await this.store(storeDir), runId, to),
      });
      if (body !== undefined) sendJson(res, 200, body);
    } catch (err) {
      const httpError = toHttpError(err);
      if (!res.headersSent) sendJson(res, httpError.status, { error: httpError.message, code: httpError.code });
      else res.end();
    }
  }

  private health(): Health {
    return {
      ok: true,
      version: RUNLANE_VERSION,
      api: API_VERSION,
      pid: process.pid,
      incarnation: this.hub.incarnation,
      stores: [...this.stores.keys(), ...this.logdirs.keys(), ...this.mlflows.keys()],
      clients: this.hub.clientCount,
      warnings: [...watchWarnings(), ...jobsOwnerWarnings(this.stores.keys())],
    };
  }
}
