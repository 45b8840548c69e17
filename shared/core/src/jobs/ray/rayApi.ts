// Ray's Jobs REST API, as the dashboard serves it (ray[default] 2.60.0 checked; ANCHORS "Ray"): the
// daemon needs no Python Ray client. Every failure becomes a sentence that says what to do: the head
// cannot be reached, the token is missing or wrong (naming the variable to set), or what Ray answered.
import * as http from 'node:http';
import * as https from 'node:https';
import { StoreError } from '../../store/index.js';
import type { RayTarget } from './rayTarget.js';

const TIMEOUT_MS = 10_000;

export type RayJobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';

export interface RayJobInfo {
  status: RayJobStatus;
  message?: string | null;
  error_type?: string | null;
  driver_exit_code?: number | null;
}

export interface RayCluster {
  rayVersion: string;
  nodes: number;
  cpus: { free: number; total: number };
  gpus: { free: number; total: number };
}

const bad = (message: string) => new StoreError('bad_query', message);

/**
 * One HTTP exchange with node:http, not fetch: fetch sends `Sec-Fetch-Mode`, by which Ray's dashboard
 * takes the request for a browser's and refuses every PUT and POST ("not allowed for browser traffic").
 */
function exchange(url: string, method: string, headers: Record<string, string>, body: Buffer | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? https : http).request(url, { method, headers: { ...headers, ...(body ? { 'Content-Length': String(body.length) } : {}) }, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${TIMEOUT_MS / 1000} s`), { code: `no answer in ${TIMEOUT_MS / 1000} s` })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers for every request: the token when the target names one. */
export function rayHeaders(t: RayTarget, extra: Record<string, string> = {}): Record<string, string> {
  return { ...extra, ...(t.authorization ? { Authorization: t.authorization } : {}) };
}

/** The sentence for a refused credential (401 / 403), naming what to set. */
export function authProblem(t: RayTarget, status: number): string {
  if (!t.tokenEnv) return `The Ray cluster at ${t.address} asks for a token (HTTP ${status}); set token_env = "NAME" on target "${t.name}" and put the cluster's token in that variable.`;
  return `The Ray cluster at ${t.address} refused the token in ${t.tokenEnv} (HTTP ${status}); set ${t.tokenEnv} to the cluster's token (ray get-auth-token prints it on the head).`;
}

/** One request to the head; `what` names it in errors ("submit the job"). `json`: the body parsed (null for none). */
export async function rayRequest(t: RayTarget, method: string, route: string, what: string, body?: unknown, okStatus: number[] = [200]): Promise<{ status: number; json: unknown }> {
  const res = await rayRequestText(t, method, route, what, body, okStatus);
  try {
    return { status: res.status, json: res.text ? (JSON.parse(res.text) as unknown) : null };
  } catch {
    throw bad(`${t.address} answered, but not as Ray's Jobs API does (to ${what}); is address the dashboard's (port 8265 by default)?`);
  }
}

/** The same, the body as text (Ray answers some routes, and their 404s, in plain text). */
export async function rayRequestText(t: RayTarget, method: string, route: string, what: string, body?: unknown, okStatus: number[] = [200]): Promise<{ status: number; text: string }> {
  let res: { status: number; text: string };
  const isBytes = body instanceof Uint8Array;
  try {
    res = await exchange(
      `${t.address}${route}`,
      method,
      rayHeaders(t, body === undefined ? {} : { 'Content-Type': isBytes ? 'application/octet-stream' : 'application/json' }),
      body === undefined ? undefined : isBytes ? Buffer.from(body) : Buffer.from(JSON.stringify(body)),
    );
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw bad(`Cannot reach the Ray cluster at ${t.address} to ${what} (${why}); check that the head is up and that address points at its dashboard (port 8265 by default).`);
  }
  const text = res.text;
  if (res.status === 401 || res.status === 403) throw bad(authProblem(t, res.status));
  if (!okStatus.includes(res.status)) {
    const last = text.trim().split('\n').filter((l) => l.trim() !== '').pop()?.trim() ?? '';
    throw bad(`The Ray cluster at ${t.address} refused to ${what} (HTTP ${res.status}${last ? `: ${last.slice(0, 500)}` : ''}).`);
  }
  return { status: res.status, text };
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Reachable, Ray's version, and its nodes, CPUs and GPUs (free and in all), or a sentence thrown. */
export async function rayCluster(t: RayTarget): Promise<RayCluster> {
  const version = (await rayRequest(t, 'GET', '/api/version', 'say its version')).json as { ray_version?: string } | null;
  if (typeof version?.ray_version !== 'string') throw bad(`${t.address} answered, but not as a Ray dashboard does; is address the dashboard's (port 8265 by default)?`);
  // The nodes and their resources from the state API (what the GCS knows now); what is in use from the
  // autoscaler's load report, which a head fills in a few seconds after it starts (until then: all free).
  const [nodes, status] = await Promise.all([
    rayRequest(t, 'GET', '/api/v0/nodes?limit=10000', 'list its nodes'),
    rayRequest(t, 'GET', '/api/cluster_status', 'say what is in use'),
  ]);
  const list = ((nodes.json as { data?: { result?: { result?: { state?: string; resources_total?: Record<string, number> }[] } } } | null)?.data?.result?.result ?? []).filter((n) => n.state === 'ALIVE');
  const usage = (status.json as { data?: { clusterStatus?: { loadMetricsReport?: { usage?: Record<string, [number, number]> } } } } | null)?.data?.clusterStatus?.loadMetricsReport?.usage ?? {};
  const pair = (key: string) => {
    const total = list.reduce((sum, n) => sum + num(n.resources_total?.[key]), 0);
    const round = (n: number) => Math.round(n * 100) / 100; // fractional requests (0.5 GPU) add up unevenly
    return { free: round(Math.max(0, total - num(usage[key]?.[0]))), total: round(total) };
  };
  return { rayVersion: version.ray_version, nodes: list.length, cpus: pair('CPU'), gpus: pair('GPU') };
}

/** Uploads a package unless the cluster has it already (its name is its content's hash). */
export async function uploadPackage(t: RayTarget, name: string, zip: Uint8Array): Promise<void> {
  const route = `/api/packages/gcs/${encodeURIComponent(name)}`;
  const have = await rayRequestText(t, 'GET', route, 'look for the job\'s package', undefined, [200, 404]);
  if (have.status === 200) return;
  await rayRequestText(t, 'PUT', route, 'take the job\'s package', zip);
}

export interface RaySubmission {
  entrypoint: string;
  submission_id: string;
  runtime_env: { working_dir: string; env_vars: Record<string, string> };
  metadata?: Record<string, string>;
}

export async function submitRayJob(t: RayTarget, job: RaySubmission): Promise<void> {
  await rayRequest(t, 'POST', '/api/jobs/', 'submit the job', job);
}

/** The job's status as Ray has it, or null when Ray does not know it (deleted, or another cluster). */
export async function rayJob(t: RayTarget, submissionId: string): Promise<RayJobInfo | null> {
  const res = await rayRequestText(t, 'GET', `/api/jobs/${encodeURIComponent(submissionId)}`, 'say how the job is doing', undefined, [200, 404]);
  if (res.status === 404) return null;
  try {
    return JSON.parse(res.text) as RayJobInfo;
  } catch {
    throw bad(`${t.address} answered, but not as Ray's Jobs API does (to say how the job is doing).`);
  }
}

/** Asks Ray to stop the job (SIGTERM to its driver, SIGKILL 3 s later); a job already over is left as it is. */
export async function stopRayJob(t: RayTarget, submissionId: string): Promise<void> {
  await rayRequestText(t, 'POST', `/api/jobs/${encodeURIComponent(submissionId)}/stop`, 'stop the job', undefined, [200, 404]);
}
