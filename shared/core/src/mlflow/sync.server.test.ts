// The daemon's sync to a real MLflow server (sqlite; one with the basic-auth app for credentials):
// `sync = "auto"` mirrors a live run within seconds, a daemon killed with -9 is resumed by the next
// one with exact counts, a server down (or answering 503/429) leaves runs "pending" until it is back,
// a wrong password fails naming the variable, and a run deleted on the server is reported, not made
// again. Each test has its own project, store and daemon (`runlane serve`, a real process).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowServer, type MlflowServer } from '../../../../test/helpers/mlflowServer.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { DaemonClient } from '../client/daemonClient.js';
import { readRuntime } from '../runtime/runtimeFile.js';
import { StoreWriter } from '../store/index.js';
import { MlflowHttp } from './http.js';
import { serverPoints } from './pushMetrics.js';
import { journalFile, type SyncJournal } from './syncJournal.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');
const PASSWORD = 'team-s3cret-password';

let tmp: string;
let server: MlflowServer;
let http: MlflowHttp;
const daemons: ChildProcess[] = [];

beforeAll(async () => {
  tmp = makeTempDir('sync');
  server = await startMlflowServer({ dir: path.join(tmp, 'mlflow') });
  http = new MlflowHttp(server.uri, { env: server.env });
}, 120_000);

afterEach(() => {
  for (const d of daemons.splice(0)) if (d.exitCode === null) d.kill('SIGKILL');
});

afterAll(async () => {
  http?.close();
  await server?.stop();
  removeTempDir(tmp);
});

/** A project whose runlane.toml declares the server as an auto-synced store; returns its store. */
function project(name: string, uri = server.uri): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'runlane.toml'), `[stores.team]\nkind = "mlflow"\nuri = "${uri}"\nsync = "auto"\n`);
  return path.join(dir, '.runlane');
}

/** `runlane serve` for a store, with these MLflow credentials; resolves once it answers. */
async function serve(store: string, env: Record<string, string>): Promise<{ child: ChildProcess; client: DaemonClient }> {
  const runtimeDir = path.join(path.dirname(store), `runtime-${daemons.length}`);
  const child = spawn(process.execPath, [bin, 'serve', '--dir', store, '--idle-timeout', '0'], {
    env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir, MLFLOW_TRACKING_USERNAME: '', MLFLOW_TRACKING_PASSWORD: '', ...env },
    stdio: 'ignore',
  });
  daemons.push(child);
  await waitFor(() => readRuntime(runtimeDir)?.pid === child.pid, 30_000);
  return { child, client: await DaemonClient.connect({ runtimeDir, start: false, store }) };
}

/**
 * A thin seam in front of the real server: its first log-batch requests fail with `failures` (as an
 * overloaded server's or a rate-limiting proxy's would: 429 with Retry-After), everything else passes
 * through; down() stops listening (a client gets "connection refused"), up() listens again.
 */
interface Proxy {
  uri: string;
  down: () => Promise<void>;
  up: () => Promise<void>;
  close: () => Promise<void>;
  /**
   * Lets `n` log-batches with metrics through, then sends the next ones to the server but holds
   * their answers back: the server has the points and the daemon does not know it (the uncertain
   * batch a crash leaves behind). null: answer everything again.
   */
  holdMetricBatchesAfter: (n: number | null) => void;
  /** Log-batch answers the server gave and the proxy held back. */
  readonly held: number;
}

async function startProxy(failures: number[]): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let holdAfter: number | null = null;
  let metricBatches = 0;
  let held = 0;
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url?.endsWith('/runs/log-batch') && failures.length > 0) {
        const status = failures.shift()!;
        res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '1' } : {}) });
        res.end(JSON.stringify({ error_code: status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE', message: 'try later' }));
        return;
      }
      const withMetrics = req.url?.endsWith('/runs/log-batch') === true && ((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metrics?: unknown[] }).metrics?.length ?? 0) > 0;
      const hold = withMetrics && holdAfter !== null && ++metricBatches > holdAfter;
      const up = httpRequest(`${server.uri}${req.url}`, { method: req.method, headers: req.headers }, (upRes) => {
        if (hold) {
          upRes.resume();
          upRes.on('end', () => held++);
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  });
  proxy.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (proxy.address() as AddressInfo).port;
  const down = () =>
    new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return {
    uri: `http://127.0.0.1:${port}`,
    down,
    up: () => listen(port),
    close: () => (proxy.listening ? down() : Promise.resolve()),
    holdMetricBatchesAfter: (n) => {
      holdAfter = n;
      metricBatches = 0;
    },
    get held() {
      return held;
    },
  };
}

const serverIds = new Map<string, string>();

async function serverRunOf(localId: string): Promise<string | null> {
  const known = serverIds.get(localId);
  if (known) return known;
  const found = await http.post<{ runs?: { info: { run_id: string } }[] }>('runs/search', { experiment_ids: await experimentIds(), filter: `tags.\`runlane.run_id\` = '${localId}'`, run_view_type: 'ALL' });
  const id = found.runs?.[0]?.info.run_id ?? null;
  if (id) serverIds.set(localId, id);
  return id;
}

async function experimentIds(): Promise<string[]> {
  const r = await http.post<{ experiments?: { experiment_id: string }[] }>('experiments/search', { max_results: 1000 });
  return (r.experiments ?? []).map((e) => e.experiment_id);
}

async function count(localId: string, key = 'loss'): Promise<number> {
  const runId = await serverRunOf(localId);
  return runId ? (await serverPoints(http, runId, key)).size : 0;
}

async function startRun(store: string, points: number): Promise<{ id: string; w: StoreWriter }> {
  const w = await StoreWriter.open(store);
  const id = await w.createRun({ name: 'synced', experiment: 'sync-tests', kind: 'script' });
  w.appendEvent(id, { type: 'status', status: 'running' });
  const t0 = Date.now() / 1000;
  if (points > 0) w.logMetrics(id, 'loss', Array.from({ length: points }, (_, i) => ({ step: i, time: t0 + i / 1000, value: 1 / (i + 1) })));
  return { id, w };
}

/** The run's sync as the daemon reports it; undefined until the daemon has seen the run. */
async function syncOf(client: DaemonClient, id: string): Promise<RunSummary['sync']> {
  try {
    return (await client.run(id)).sync;
  } catch {
    return undefined;
  }
}

describe('daemon sync to MLflow (sync = "auto")', () => {
  it('mirrors a live run: new points on the server within seconds, then its end, with exact counts', async () => {
    const store = project('live');
    mkdirSync(store, { recursive: true });
    const { client } = await serve(store, server.env);
    const { id, w } = await startRun(store, 100);
    await waitFor(async () => (await count(id)) === 100, 20_000, 300);
    const logged = Date.now();
    w.logMetric(id, 'loss', 100, 0.5);
    await waitFor(async () => (await count(id)) === 101, 10_000, 100);
    const lagMs = Date.now() - logged;
    expect(lagMs).toBeLessThan(5000);
    w.appendEvent(id, { type: 'status', status: 'finished' });
    await waitFor(async () => (await http.get<{ run: { info: { status: string } } }>('runs/get', { run_id: (await serverRunOf(id))! })).run.info.status === 'FINISHED', 15_000, 250);
    expect(await count(id)).toBe(101);
    await waitFor(async () => (await syncOf(client, id))?.state === 'synced', 10_000);
    expect(await syncOf(client, id)).toMatchObject({ to: server.uri, state: 'synced', server_run_id: await serverRunOf(id) });
  }, 60_000);

  it('a daemon killed with -9 mid-sync is resumed by the next one: exactly the local points', async () => {
    // The kill lands while a batch the server has stored is still unanswered (the proxy holds its
    // answer): the next daemon must settle that batch with the server, neither resend nor skip it.
    const proxy = await startProxy([]);
    const store = project('restart', proxy.uri);
    mkdirSync(store, { recursive: true });
    try {
      proxy.holdMetricBatchesAfter(1);
      const first = await serve(store, server.env);
      const { id, w } = await startRun(store, 8_000);
      w.appendEvent(id, { type: 'status', status: 'finished' });
      const journal = () => JSON.parse(readFileSync(journalFile(path.join(store, 'runs', id), proxy.uri), 'utf8')) as SyncJournal;
      const acknowledged = () => {
        try {
          return Object.values(journal().files).reduce((a, n) => a + n, 0);
        } catch {
          return 0;
        }
      };
      await waitFor(() => proxy.held > 0, 30_000, 20);
      first.child.kill('SIGKILL');
      expect(journal().state).toBe('syncing');
      const before = acknowledged();
      expect(before).toBeLessThan(8_000);
      expect(await count(id)).toBeGreaterThan(before); // the held batch is on the server, unacknowledged
      proxy.holdMetricBatchesAfter(null);
      await serve(store, server.env);
      await waitFor(() => journal().state === 'synced', 60_000, 200);
      expect(await count(id)).toBe(8_000);
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('a server that is down: the run is pending ("not yet synced") on the feed, and synced once it is back', async () => {
    // Down as a client sees it: nothing listens at the server's address (the real server behind the
    // seam keeps its data; push.server.test.ts kills and restarts one for real).
    const proxy = await startProxy([]);
    const store = project('outage', proxy.uri);
    mkdirSync(store, { recursive: true });
    const { client } = await serve(store, server.env);
    const events: StoreEvent[] = [];
    const stop = client.events((e) => events.push(e));
    try {
      await proxy.down();
      const { id, w } = await startRun(store, 500);
      w.appendEvent(id, { type: 'status', status: 'finished' });
      await waitFor(async () => (await syncOf(client, id))?.state === 'pending', 15_000, 100);
      expect((await syncOf(client, id))?.message).toContain(`Cannot reach the MLflow server at ${proxy.uri}`);
      await waitFor(() => events.some((e) => e.type === 'run-updated' && e.run.id === id && e.run.sync?.state === 'pending'), 5_000);
      await proxy.up();
      await waitFor(async () => (await syncOf(client, id))?.state === 'synced', 30_000, 200);
      expect(await count(id)).toBe(500);
    } finally {
      stop();
      await proxy.close();
    }
  }, 60_000);

  it('a server answering 503 and 429 (Retry-After): pending with backoff, then synced with exact counts', async () => {
    const failures = [503, 503, 429, 429, 503];
    const proxy = await startProxy(failures);
    try {
      const store = project('busy', proxy.uri);
      mkdirSync(store, { recursive: true });
      const { client } = await serve(store, server.env);
      const events: StoreEvent[] = [];
      const stop = client.events((e) => events.push(e));
      try {
        const { id, w } = await startRun(store, 3000);
        w.appendEvent(id, { type: 'status', status: 'finished' });
        await waitFor(async () => (await syncOf(client, id))?.state === 'synced', 45_000, 200);
        expect(failures).toEqual([]);
        expect(events.some((e) => e.type === 'run-updated' && e.run.id === id && e.run.sync?.state === 'pending')).toBe(true);
        expect(await count(id)).toBe(3000);
      } finally {
        stop();
      }
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('a wrong password fails the sync with a sentence naming the variables, and is not retried', async () => {
    // MLflow's basic-auth app hashes the password on every request: a server of its own, only here.
    const authServer = await startMlflowServer({ dir: path.join(tmp, 'mlflow-auth'), auth: { adminPassword: PASSWORD } });
    try {
      const store = project('auth', authServer.uri);
      mkdirSync(store, { recursive: true });
      const { client } = await serve(store, { ...authServer.env, MLFLOW_TRACKING_PASSWORD: 'wrong' });
      const { id } = await startRun(store, 10);
      await waitFor(async () => (await syncOf(client, id))?.state === 'failed', 15_000, 100);
      const sync = await syncOf(client, id);
      expect(sync?.message).toContain('MLFLOW_TRACKING_PASSWORD');
      expect(sync?.message).toContain('HTTP 401');
    } finally {
      await authServer.stop();
    }
  }, 60_000);

  it('a run deleted on the server is reported when pushed again, never re-created', async () => {
    const store = project('deleted');
    mkdirSync(store, { recursive: true });
    const { client } = await serve(store, server.env);
    const { id, w } = await startRun(store, 10);
    w.appendEvent(id, { type: 'status', status: 'finished' });
    await waitFor(async () => (await syncOf(client, id))?.state === 'synced', 15_000, 100);
    const serverId = (await serverRunOf(id))!;
    await http.post('runs/delete', { run_id: serverId });
    const queued = await client.request<{ state: string }>(`/runs/${id}/push`, {}, { to: 'team' }, 'POST');
    expect(queued.state).toBe('pending');
    await waitFor(async () => (await syncOf(client, id))?.state === 'failed', 15_000, 100);
    expect((await syncOf(client, id))?.message).toContain(`was deleted on the MLflow server at ${server.uri} (server run ${serverId})`);
    const all = await http.post<{ runs?: unknown[] }>('runs/search', { experiment_ids: await experimentIds(), filter: `tags.\`runlane.run_id\` = '${id}'`, run_view_type: 'ALL' });
    expect(all.runs).toHaveLength(1);
  }, 30_000);
});
