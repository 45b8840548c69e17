// One client for an MLflow tracking server's REST API (/api/2.0/mlflow/...): credentials from the
// environment as MLflow's own clients take them, a timeout, retries with jittered backoff on the
// failures that pass (connection errors, 5xx, 429), and one error class with a sentence a user can act on.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

export type MlflowErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'unreachable'
  | 'not_found'
  | 'bad_request'
  | 'server'
  | 'rate_limited';

export class MlflowError extends Error {
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
    /** MLflow's own `error_code` (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, ...), when it sent one. */
    readonly mlflowCode?: string,
  ) {
    super(message);
    this.name = 'MlflowError';
  }
}

export interface MlflowHttpOptions {
  /** Where MLFLOW_TRACKING_* come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Per request, in ms (default MLFLOW_HTTP_REQUEST_TIMEOUT seconds, else 30 s). */
  timeoutMs?: number;
  /** Retries after the first try on retryable failures (default MLFLOW_HTTP_REQUEST_MAX_RETRIES, else 4). */
  retries?: number;
  /** First backoff in ms, doubled each retry, capped at 10 s, with jitter (default 300). */
  backoffMs?: number;
}

export interface RequestOptions {
  /** Overrides the client's retries for this call (a poller that has its own backoff passes 0). */
  retries?: number;
  signal?: AbortSignal;
}

type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

const MAX_BACKOFF_MS = 10_000;
const MAX_RETRY_AFTER_MS = 60_000;
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** The URI as a user may show it: any user:password in it removed. */
export function redactUri(uri: string): string {
  try {
    const u = new URL(uri);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return uri;
  }
}

/** Checks a tracking URI given by a user; throws a sentence saying what is accepted. */
export function parseTrackingUri(uri: string): URL {
  let url: URL;
  try {
    url = new URL(uri.trim());
  } catch {
    throw new MlflowError('bad_request', `"${uri}" is not a URI: give the MLflow tracking server's address, such as http://mlflow.example.com:5000.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MlflowError(
      'bad_request',
      `Runlane reads MLflow tracking servers over http(s) only, not "${url.protocol}" URIs such as ${redactUri(uri)}: start \`mlflow server\` on that store and give its http:// address.`,
    );
  }
  return url;
}

function envFlag(v: string | undefined): boolean {
  return v !== undefined && ['true', '1', 'yes'].includes(v.trim().toLowerCase());
}

function envNumber(v: string | undefined): number | undefined {
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason as Error); }, { once: true });
  });

interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string; bytes: Buffer }

export class MlflowHttp {
  /** The server's address as shown to users (no credentials), without a trailing slash. */
  readonly uri: string;
  private readonly base: URL;
  private readonly auth: string | undefined;
  private readonly authHint: string;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(uri: string, options: MlflowHttpOptions = {}) {
    const env = options.env ?? process.env;
    const url = parseTrackingUri(uri);
    // user:password in the URI works like MLFLOW_TRACKING_USERNAME/PASSWORD, and is never shown.
    const user = env.MLFLOW_TRACKING_USERNAME ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = env.MLFLOW_TRACKING_PASSWORD ?? (url.password ? decodeURIComponent(url.password) : undefined);
    url.username = '';
    url.password = '';
    this.base = new URL(url.toString().replace(/\/+$/, '') + '/');
    this.uri = this.base.toString().replace(/\/$/, '');
    if (user !== undefined && password !== undefined) {
      this.auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
      this.authHint = `the user "${user}" and password from MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD were refused: set them right`;
    } else if (env.MLFLOW_TRACKING_TOKEN) {
      this.auth = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
      this.authHint = 'the token in MLFLOW_TRACKING_TOKEN was refused: set a valid one, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD for HTTP Basic';
    } else {
      this.auth = undefined;
      this.authHint = 'no credentials were given: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (HTTP Basic) or MLFLOW_TRACKING_TOKEN (a bearer token) where Runlane runs';
    }
    const secure = url.protocol === 'https:';
    const tls: https.AgentOptions = {};
    if (secure) {
      // As mlflow: MLFLOW_TRACKING_INSECURE_TLS skips verification; MLFLOW_TRACKING_SERVER_CERT_PATH is a CA bundle.
      if (envFlag(env.MLFLOW_TRACKING_INSECURE_TLS)) tls.rejectUnauthorized = false;
      else if (env.MLFLOW_TRACKING_SERVER_CERT_PATH) tls.ca = readFileSync(env.MLFLOW_TRACKING_SERVER_CERT_PATH);
    }
    // Keep-alive: a poller asks every second or two, and a page of runs comes in many requests.
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 8, ...tls }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
    const envTimeout = envNumber(env.MLFLOW_HTTP_REQUEST_TIMEOUT);
    this.timeoutMs = options.timeoutMs ?? (envTimeout !== undefined ? envTimeout * 1000 : 30_000);
    this.retries = options.retries ?? envNumber(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES) ?? 4;
    this.backoffMs = options.backoffMs ?? 300;
  }

  /** GET `/api/2.0/mlflow/<path>` (or `path` as is when it starts with '/', e.g. '/ajax-api/...'). */
  get<T>(path: string, query: Query = {}, options: RequestOptions = {}): Promise<T> {
    return this.call<T>('GET', this.withQuery(this.url(path), query), undefined, options);
  }

  /** POST a JSON body to `/api/2.0/mlflow/<path>`. */
  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.call<T>('POST', this.url(path), JSON.stringify(body), options);
  }

  /** PUT raw bytes: an artifact upload through the server's proxy (`/api/2.0/mlflow-artifacts/artifacts/...`). */
  put<T>(path: string, bytes: Buffer, options: RequestOptions = {}): Promise<T> {
    return this.call<T>('PUT', this.url(path), bytes, options);
  }

  /** GET raw bytes (an artifact download through '/api/2.0/mlflow-artifacts/artifacts/...'). */
  getBytes(path: string, query: Query = {}, options: RequestOptions = {}): Promise<Buffer> {
    return this.call<Buffer>('GET', this.withQuery(this.url(path), query), undefined, options, true);
  }

  /** Closes kept-alive connections (a daemon dropping a source, a test ending). */
  close(): void {
    this.agent.destroy();
  }

  private withQuery(url: URL, query: Query): URL {
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
    return url;
  }

  private url(path: string): URL {
    const rel = path.startsWith('/') ? path.slice(1) : `api/2.0/mlflow/${path}`;
    return new URL(rel, this.base);
  }

  private async call<T>(method: string, url: URL, body: string | Buffer | undefined, options: RequestOptions, raw = false): Promise<T> {
    const retries = options.retries ?? this.retries;
    for (let attempt = 0; ; attempt++) {
      let failure: MlflowError;
      let retryAfterMs: number | undefined;
      try {
        const res = await this.once(method, url, body, options.signal, raw);
        if (res.status >= 200 && res.status < 300) return raw ? (res.bytes as T) : this.parse<T>(res, url);
        failure = this.statusError(res, url, retries > 0);
        retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        if (!RETRYABLE_STATUS.has(res.status)) throw failure;
      } catch (err) {
        if (err instanceof MlflowError && err.code !== 'unreachable') throw err;
        if (options.signal?.aborted) throw err;
        failure = err instanceof MlflowError ? err : this.networkError(err);
      }
      if (attempt >= retries) throw failure;
      const backoff = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2 ** attempt);
      // Full jitter (half fixed, half random) keeps many clients from retrying in step.
      const wait = retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
      await sleep(Math.min(wait, MAX_RETRY_AFTER_MS), options.signal);
    }
  }

  private once(method: string, url: URL, body: string | Buffer | undefined, signal?: AbortSignal, raw = false): Promise<RawResponse> {
    const lib = url.protocol === 'https:' ? https : http;
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (this.auth) headers.authorization = this.auth;
    if (body !== undefined) {
      headers['content-type'] = typeof body === 'string' ? 'application/json' : 'application/octet-stream';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          // Raw bytes are not decoded, except for an error's message.
          resolve({ status, headers: res.headers, body: raw && status < 300 ? '' : bytes.toString('utf8'), bytes });
        });
        res.on('error', reject);
      });
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(new MlflowError('unreachable', `The MLflow server at ${this.uri} did not answer ${method} ${url.pathname} within ${Math.round(this.timeoutMs / 1000)} s: it may be overloaded or stopped; try again, or raise MLFLOW_HTTP_REQUEST_TIMEOUT (seconds).`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  private parse<T>(res: RawResponse, url: URL): T {
    try {
      return (res.body === '' ? {} : JSON.parse(res.body)) as T;
    } catch {
      throw new MlflowError('server', `${this.uri} answered ${url.pathname} with something that is not JSON: is it an MLflow tracking server (\`mlflow server\`)? Check the URI, including any path prefix.`, res.status);
    }
  }

  private statusError(res: RawResponse, url: URL, retried: boolean): MlflowError {
    let code: string | undefined;
    let said = '';
    try {
      const parsed = JSON.parse(res.body) as { error_code?: unknown; message?: unknown };
      if (typeof parsed.error_code === 'string') code = parsed.error_code;
      if (typeof parsed.message === 'string') said = parsed.message;
    } catch {
      said = res.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    }
    // One line, and short: a server's message may carry a whole database error.
    said = said.replace(/\s+/g, ' ').trim();
    if (said.length > 300) said = `${said.slice(0, 299)}…`;
    const tail = said ? `: ${said}` : '';
    const s = res.status;
    if (s === 401) return new MlflowError('unauthorized', `The MLflow server at ${this.uri} asks for credentials (HTTP 401), and ${this.authHint}.`, s, code);
    if (s === 403) return new MlflowError('forbidden', `The MLflow server at ${this.uri} refused ${url.pathname} to these credentials (HTTP 403${tail}): ask its admin for permission on the experiment.`, s, code);
    if (s === 404) return new MlflowError('not_found', `Not found on the MLflow server at ${this.uri} (${url.pathname}${tail}).`, s, code);
    if (s === 429) return new MlflowError('rate_limited', `The MLflow server at ${this.uri} is limiting requests (HTTP 429) and still did after retries: try again in a minute.`, s, code);
    if (s >= 500) return new MlflowError('server', `The MLflow server at ${this.uri} failed on ${url.pathname} (HTTP ${s}${tail})${retried ? ', also when retried' : ''}: see the server's log.`, s, code);
    return new MlflowError('bad_request', `The MLflow server at ${this.uri} rejected ${url.pathname} (HTTP ${s}${tail}).`, s, code);
  }

  private networkError(err: unknown): MlflowError {
    const e = err as NodeJS.ErrnoException;
    const why = e.code ?? e.message ?? String(err);
    return new MlflowError(
      'unreachable',
      `Cannot reach the MLflow server at ${this.uri} (${why}): check that it is running and that the URI (scheme, host, port) is right.`,
    );
  }
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
function parseRetryAfter(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return undefined;
  const secs = Number(s);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(s);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
