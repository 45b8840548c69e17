// The Node client of the daemon (CLI, VS Code extension host): finds the daemon through the runtime
// file, starts it when none runs, and follows the SSE feed, restarting the daemon if it died.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import * as path from 'node:path';
import {
  API_PREFIX,
  type ExperimentSummary,
  type Health,
  type JobCreated,
  type JobSpec,
  type TargetInfo,
  type MetricSeries,
  type RunDetail,
  type RunQuery,
  type RunSummary,
  type RuntimeInfo,
  type StoreEvent,
} from '@runlane/protocol';
import { processIsAlive } from '../processAlive.js';
import { readRuntime, runtimeDir } from '../runtime/runtimeFile.js';
import { SseParser } from './sseParser.js';

export interface ConnectOptions {
  /** Start a daemon when none answers (default true). */
  start?: boolean;
  runtimeDir?: string;
  /** The command that starts `runlane serve` (default: this Node and the CLI script running now). */
  serveCommand?: { command: string; args: string[] };
  /** The store the started daemon serves by default, and that this client's requests name. */
  store?: string;
  /** Ask about a TensorBoard log directory instead of a store. */
  logdir?: string;
  timeoutMs?: number;
}

export class DaemonError extends Error {
  constructor(
    message: string,
    readonly status = 0,
  ) {
    super(message);
  }
}

/** Raw HTTP request to the daemon; the one function every request goes through. */
function send(info: RuntimeInfo, pathAndQuery: string, headers: Record<string, string> = {}, body?: unknown): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: info.port,
        path: pathAndQuery,
        method: payload ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${info.token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function get(info: RuntimeInfo, pathAndQuery: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return send(info, pathAndQuery, headers);
}

async function readBody(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function healthy(info: RuntimeInfo): Promise<boolean> {
  try {
    const res = await get(info, `${API_PREFIX}/health`);
    await readBody(res);
    return res.statusCode === 200;
  } catch {
    return false;
  }
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

  async request<T>(route: string, query: Record<string, string | number | undefined> = {}, payload?: unknown): Promise<T> {
    const res = await this.send(route, query, {}, payload);
    const body = await readBody(res);
    if (res.statusCode !== 200) {
      let message = `The daemon answered ${res.statusCode}.`;
      try {
        message = (JSON.parse(body.toString('utf8')) as { error: string }).error;
      } catch {
        // not a JSON error body
      }
      throw new DaemonError(message, res.statusCode);
    }
    return JSON.parse(body.toString('utf8')) as T;
  }

  targets(): Promise<TargetInfo[]> {
    return this.request('/targets');
  }

  submitJob(spec: JobSpec): Promise<JobCreated> {
    return this.request('/jobs', {}, spec);
  }

  async cancelJob(id: string): Promise<void> {
    await this.request(`/jobs/${encodeURIComponent(id)}/cancel`, {}, {});
  }

  health(): Promise<Health> {
    return this.request('/health');
  }

  experiments(): Promise<ExperimentSummary[]> {
    return this.request('/experiments');
  }

  runs(query: RunQuery = {}): Promise<RunSummary[]> {
    const { status, ...rest } = query;
    return this.request('/runs', { ...rest, status: status?.join(',') } as Record<string, string | number | undefined>);
  }

  run(id: string): Promise<RunDetail> {
    return this.request(`/runs/${encodeURIComponent(id)}`);
  }

  series(id: string, key: string, options: { points?: number; fromStep?: number; toStep?: number } = {}): Promise<MetricSeries> {
    return this.request(`/runs/${encodeURIComponent(id)}/metrics/${encodeURIComponent(key)}`, {
      points: options.points,
      from_step: options.fromStep,
      to_step: options.toStep,
    });
  }

  async log(id: string, writer: string, stream: string, offset = 0): Promise<{ bytes: Buffer; size: number }> {
    const res = await this.send(`/runs/${encodeURIComponent(id)}/logs/${encodeURIComponent(writer)}/${encodeURIComponent(stream)}`, { offset });
    const bytes = await readBody(res);
    if (res.statusCode !== 200) throw new DaemonError(`Could not read the log ${writer}/${stream} (${res.statusCode}).`, res.statusCode);
    return { bytes, size: Number(res.headers['x-runlane-log-size'] ?? bytes.length) };
  }

  /**
   * Follows the SSE feed. When the connection drops it reconnects with Last-Event-ID; when the
   * daemon is gone it starts a new one (which answers with a `reset`). Returns a stop function.
   */
  events(onEvent: (event: StoreEvent) => void, options: { lastEventId?: string } = {}): () => void {
    let stopped = false;
    let lastId = options.lastEventId ?? null;
    let current: IncomingMessage | null = null;
    const loop = async (): Promise<void> => {
      while (!stopped) {
        try {
          const res = await this.send('/events', {}, lastId ? { 'last-event-id': lastId } : {});
          if (res.statusCode !== 200) throw new DaemonError(`The event feed answered ${res.statusCode}.`);
          current = res;
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
        if (!(await healthy(this.info))) {
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
      (current as IncomingMessage | null)?.destroy();
    };
  }

  private send(route: string, query: Record<string, string | number | undefined>, headers: Record<string, string> = {}, body?: unknown): Promise<IncomingMessage> {
    const params = new URLSearchParams();
    if (this.options.logdir) params.set('logdir', path.resolve(this.options.logdir));
    else if (this.store) params.set('store', path.resolve(this.store));
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return send(this.info, `${API_PREFIX}${route}${qs ? `?${qs}` : ''}`, headers, body);
  }
}

async function findOrStart(options: ConnectOptions): Promise<RuntimeInfo> {
  const dir = options.runtimeDir ?? runtimeDir();
  const existing = readRuntime(dir);
  if (existing && (await healthy(existing))) return existing;
  if (options.start === false) {
    throw new DaemonError('No Runlane daemon is running. Start one with `runlane serve`.');
  }
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  const lock = path.join(dir, 'daemon.lock');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Only one client starts a daemon; the others wait for its runtime file.
  const owner = tryLock(lock);
  if (owner) spawnDaemon(dir, options);
  try {
    while (Date.now() < deadline) {
      await sleep(50);
      const info = readRuntime(dir);
      if (info && (await healthy(info))) return info;
    }
  } finally {
    if (owner) unlinkQuiet(lock);
  }
  throw new DaemonError(`The Runlane daemon did not start within ${Math.round((options.timeoutMs ?? 15_000) / 1000)} s. See its log: ${path.join(dir, 'daemon.log')}`);
}

function tryLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx', 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch {
    // Held by another client; take it over if that client died while starting a daemon.
    try {
      const pid = Number(readFileSync(lock, 'utf8'));
      if (!processIsAlive(pid)) {
        unlinkQuiet(lock);
        return tryLock(lock);
      }
    } catch {
      // vanished meanwhile
    }
    return false;
  }
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function spawnDaemon(dir: string, options: ConnectOptions): void {
  const serve = options.serveCommand ?? { command: process.execPath, args: [process.argv[1]!] };
  const args = [...serve.args, 'serve'];
  if (options.store) args.push('--dir', path.resolve(options.store));
  const log = openSync(path.join(dir, 'daemon.log'), 'a', 0o600);
  const child = spawn(serve.command, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, RUNLANE_RUNTIME_DIR: dir },
  });
  child.unref();
  closeSync(log);
}
