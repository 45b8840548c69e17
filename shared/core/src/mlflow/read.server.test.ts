// Reading a real MLflow server (sqlite) through the daemon (`?mlflow=`) and the CLI (`--mlflow`): runs
// logged by plain mlflow code are listed, detailed and charted (sampled, zoomed, every point); pages
// of runs are read in turn; points logged live reach the feed within about 2 s (lag measured).
import { mkdirSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, TOKEN_HEADER, type MetricSeries, type RunDetail, type RunSummary, type StoreEvent } from '@runlane/protocol';
import { runCli } from '../../../../test/helpers/cliInProcess.js';
import { mlflowPythonJson, runMlflowPython, startMlflowPython } from '../../../../test/helpers/mlflowPython.js';
import { startMlflowServer, type MlflowServer } from '../../../../test/helpers/mlflowServer.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { sleep, waitFor } from '../../../../test/helpers/waitFor.js';
import { SseParser } from '../client/sseParser.js';
import { Daemon } from '../server/daemon.js';
import { MlflowSource } from './mlflowSource.js';

const SEED = `
import json, time, mlflow
from mlflow.entities import Metric
c = mlflow.tracking.MlflowClient()
mlflow.set_experiment("team-exp")
with mlflow.start_run(run_name="finished-run") as run:
    mlflow.log_params({"lr": 0.01, "optimizer": "adam"})
    mlflow.set_tag("team", "vision")
    t = int(time.time() * 1000)
    pts = [Metric("loss", 1.0 / (s + 1), t + s, s) for s in range(3000)]
    for i in range(0, 3000, 1000):
        c.log_batch(run.info.run_id, metrics=pts[i:i + 1000])
    c.log_batch(run.info.run_id, metrics=[Metric("weird", float("nan"), t, 0), Metric("weird", 2.5, t, 1)])
    mlflow.log_text("w", "model/weights.txt")
with mlflow.start_run(run_name="pushed-run") as pushed:
    mlflow.set_tags({"runlane.notebook": "train.ipynb", "runlane.cell_id": "c1", "runlane.status": "interrupted"})
    mlflow.log_text("print('hi')\\n", "runlane/source.py")
    mlflow.log_text('{"python": "3.11"}', "runlane/env.json")
    mlflow.log_text("epoch 1\\nepoch 2\\n", "runlane/logs/w0/stdout.log")
    mlflow.log_metric("acc", 0.5, step=0)
mlflow.tracking.MlflowClient().set_terminated(pushed.info.run_id, "KILLED")
mlflow.set_experiment("many")
e = mlflow.get_experiment_by_name("many").experiment_id
for i in range(30):
    r = c.create_run(e, run_name=f"many-{i:02d}", start_time=1700000000000 + i * 1000)
    c.set_terminated(r.info.run_id)
print(json.dumps({"finished": run.info.run_id, "pushed": pushed.info.run_id}))
`;

let dir: string;
let server: MlflowServer;
let daemon: Daemon;
let ids: { finished: string; pushed: string };

async function api<T>(route: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const sep = route.includes('?') ? '&' : '?';
  const res = await fetch(`http://127.0.0.1:${daemon.port}${API_PREFIX}${route}${sep}mlflow=${encodeURIComponent(server.uri)}`, {
    ...init,
    headers: { [TOKEN_HEADER]: daemon.token, ...(init.headers ?? {}) },
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Follows the daemon's feed for the server; `events` fills as they come, each with its arrival time. */
function follow(): { events: { at: number; event: StoreEvent }[]; stop: () => void } {
  const events: { at: number; event: StoreEvent }[] = [];
  const ac = new AbortController();
  const parser = new SseParser((m) => events.push({ at: Date.now() / 1000, event: JSON.parse(m.data) as StoreEvent }));
  void (async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${daemon.port}${API_PREFIX}/events?mlflow=${encodeURIComponent(server.uri)}`, {
        headers: { [TOKEN_HEADER]: daemon.token },
        signal: ac.signal,
      });
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.push(chunk);
    } catch {
      // aborted at the end of the test
    }
  })();
  return { events, stop: () => ac.abort() };
}

function cli(args: string[]) {
  return runCli([...args, '--dir', path.join(dir, 'store', '.runlane')]);
}

beforeAll(async () => {
  dir = makeTempDir('mlflow-read');
  mkdirSync(path.join(dir, 'store'));
  server = await startMlflowServer({ dir: path.join(dir, 'server'), backend: 'sqlite' });
  ids = await mlflowPythonJson(SEED, server.env, 120_000);
  daemon = new Daemon({ defaultStore: path.join(dir, 'store', '.runlane'), runtimeDir: null, idleTimeout: 0 });
  await daemon.start();
}, 180_000);
afterAll(async () => {
  await daemon?.close();
  await server?.stop();
  removeTempDir(dir);
});

describe('the daemon serving an MLflow server (?mlflow=)', () => {
  it('lists the server runs plain mlflow code logged, with their experiment, params, tags and latest metrics', async () => {
    const { status, body } = await api<RunSummary[]>('/runs?limit=100');
    expect(status).toBe(200);
    expect(body).toHaveLength(32);
    const run = body.find((r) => r.id === ids.finished)!;
    expect(run).toMatchObject({ name: 'finished-run', experiment: 'team-exp', status: 'finished', kind: 'mlflow', params: { lr: 0.01, optimizer: 'adam' } });
    expect(run.tags.team).toBe('vision');
    expect(run.metrics.loss!.last).toBeCloseTo(1 / 3000);
    expect(run.metrics.loss).toMatchObject({ count: 0, min: null, max: null }); // not known from runs/search
    expect(run.ended_at).toBeGreaterThan(run.started_at!);
    const experiments = await api<{ name: string; run_count: number }[]>('/experiments');
    expect(experiments.body.map((e) => [e.name, e.run_count]).sort()).toEqual([['many', 30], ['team-exp', 2]]);
  });

  it('gives a run\'s detail with artifacts, and Runlane\'s source, environment and logs when it carries them', async () => {
    const plain = await api<RunDetail>(`/runs/${ids.finished}`);
    expect(plain.body).toMatchObject({ source: null, env: null, logs: [] });
    // The list has each metric's latest value only; the details have its count and range too.
    expect(plain.body.metrics.loss).toMatchObject({ count: 3000, max: 1 });
    expect(plain.body.metrics.loss!.min).toBeCloseTo(1 / 3000);
    expect(plain.body.metrics.weird).toMatchObject({ count: 2, last: 2.5, min: 2.5, max: 2.5 });
    const artifacts = await api<{ path: string; size: number }[]>(`/runs/${ids.finished}/artifacts`);
    expect(artifacts.body).toEqual([{ path: 'model/weights.txt', size: 1, mtime: 0 }]);
    const pushed = await api<RunDetail>(`/runs/${ids.pushed}`);
    expect(pushed.body).toMatchObject({ status: 'interrupted', notebook: 'train.ipynb', cell_id: 'c1', source: "print('hi')\n", env: { python: '3.11' } });
    expect(pushed.body.logs).toEqual([{ writer: 'w0', stream: 'stdout', size: 16 }]);
    const log = await fetch(`http://127.0.0.1:${daemon.port}${API_PREFIX}/runs/${ids.pushed}/logs/w0/stdout?mlflow=${encodeURIComponent(server.uri)}`, { headers: { [TOKEN_HEADER]: daemon.token } });
    expect(await log.text()).toBe('epoch 1\nepoch 2\n');
  });

  it('charts a series sampled by the server, at full resolution over a zoomed range, and every point on request', async () => {
    const overview = await api<MetricSeries>(`/runs/${ids.finished}/metrics/loss?points=300`);
    expect(overview.body.downsampled).toBe(true);
    expect(overview.body.steps.length).toBeLessThanOrEqual(300);
    expect(overview.body.steps[0]).toBe(0);
    expect(overview.body.steps.at(-1)).toBe(2999);
    const zoom = await api<MetricSeries>(`/runs/${ids.finished}/metrics/loss?points=300&from_step=1000&to_step=1099`);
    expect(zoom.body).toMatchObject({ downsampled: false, total: 100 });
    expect(zoom.body.steps).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    const tail = await api<MetricSeries>(`/runs/${ids.finished}/metrics/loss?points=300&from_step=2990`);
    expect(tail.body.steps).toEqual([2990, 2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999]);
    const all = await api<MetricSeries>(`/runs/${ids.finished}/metrics/loss?points=0`);
    expect(all.body.steps).toHaveLength(3000);
    const weird = await api<MetricSeries>(`/runs/${ids.finished}/metrics/weird?points=0`);
    expect(weird.body.values).toEqual(['NaN', 2.5]);
    expect((await api(`/runs/${ids.finished}/metrics/nope`)).status).toBe(404);
  });

  it('refuses edits of server runs with a sentence, and a run that is not there is a 404', async () => {
    const patch = await api<{ error: string }>(`/runs/${ids.finished}`, { method: 'PATCH', body: JSON.stringify({ name: 'x' }) });
    expect(patch.status).toBe(400);
    expect(patch.body.error).toMatch(/read-only in Runlane for now/);
    expect((await api(`/runs/0123456789abcdef0123456789abcdef`)).status).toBe(404);
    const notHttp = await fetch(`http://127.0.0.1:${daemon.port}${API_PREFIX}/runs?mlflow=${encodeURIComponent('sqlite:///mlflow.db')}`, { headers: { [TOKEN_HEADER]: daemon.token } });
    expect(notHttp.status).toBe(400);
    expect(((await notHttp.json()) as { error: string }).error).toMatch(/reads MLflow tracking servers over http\(s\) only, not "sqlite:" URIs/);
  });

  it('publishes new runs and new points of a running run on the feed within about 2 s', async () => {
    const feed = follow();
    const logged = new Map<number, number>();
    const child = startMlflowPython(
      `
import json, time, mlflow
mlflow.set_experiment("team-exp")
with mlflow.start_run(run_name="live-run") as run:
    print(json.dumps({"run": run.info.run_id}), flush=True)
    for step in range(16):
        mlflow.log_metric("live", step * 0.5, step=step)
        print(json.dumps({"step": step, "t": time.time()}), flush=True)
        time.sleep(0.3)
`,
      server.env,
      (line) => {
        if (!line.startsWith('{')) return; // mlflow's own "View run at" lines
        const m = JSON.parse(line) as { step?: number; t?: number };
        if (m.step !== undefined) logged.set(m.step, m.t!);
      },
    );
    try {
      const arrived = new Map<number, number>();
      await waitFor(() => {
        for (const { at, event } of feed.events) {
          if (event.type === 'metrics' && event.key === 'live') for (const s of event.steps) if (!arrived.has(s)) arrived.set(s, at);
        }
        return arrived.size === 16 && feed.events.some((e) => e.event.type === 'run-updated' && e.event.run.status === 'finished');
      }, 40_000, 100).catch((err: Error) => {
        throw new Error(`${err.message}: logged ${logged.size} points, the feed got ${feed.events.map((e) => e.event.type).join(', ')}`);
      });
      const created = feed.events.find((e) => e.event.type === 'run-created');
      expect(created?.event).toMatchObject({ type: 'run-created', run: { name: 'live-run', kind: 'mlflow', status: 'running' } });
      const lags = [...arrived].map(([step, at]) => at - logged.get(step)!).sort((a, b) => a - b);
      const p50 = lags[Math.floor(lags.length * 0.5)]!;
      const p95 = lags[Math.min(lags.length - 1, Math.floor(lags.length * 0.95))]!;
      process.stdout.write(`MLflow live lag over ${lags.length} points: p50 ${p50.toFixed(2)} s, p95 ${p95.toFixed(2)} s\n`);
      expect(p95).toBeLessThan(2.5);

      // A run a client views is asked about while viewed: deleted on the server, it leaves the list.
      const liveId = (created!.event as { run: RunSummary }).run.id;
      expect((await api(`/runs/${liveId}`)).status).toBe(200);
      await runMlflowPython(`import mlflow; mlflow.tracking.MlflowClient().delete_run("${liveId}")`, server.env);
      await waitFor(() => feed.events.some((e) => e.event.type === 'run-deleted' && e.event.run_id === liveId), 20_000, 100);
    } finally {
      feed.stop();
      child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('polling only while watched, backing off while the server fails', () => {
  it('asks nothing without a client, about every second with one, less and less while it fails', async () => {
    // A counting proxy in front of the real server: the thin seam that can also make it fail.
    let requests = 0;
    let failing = false;
    const proxy = http.createServer((req, res) => {
      requests++;
      if (failing) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error_code":"TEMPORARILY_UNAVAILABLE","message":"down for a test"}');
        return;
      }
      const target = new URL(req.url ?? '/', server.uri);
      const up = http.request(target, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const uri = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    let watched = false;
    const source = await MlflowSource.open(uri, { env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' }, watched: () => watched, firstPage: 5000 });
    try {
      await source.loaded;
      const count = async (ms: number) => {
        const before = requests;
        await sleep(ms);
        return requests - before;
      };
      expect(await count(2000)).toBe(0);
      watched = true;
      const asked = await count(3000);
      expect(asked).toBeGreaterThanOrEqual(3); // two or three requests a poll, a poll about every second
      watched = false;
      await sleep(1500); // a poll under way ends
      expect(await count(2000)).toBe(0);
      watched = true;
      failing = true;
      await sleep(1000);
      const polls: number[] = [];
      for (let i = 0; i < 3; i++) polls.push(await count(2000));
      // A failed poll is its first three requests (sent at once; no retries asked), and the waits
      // double from 1-2 s toward 30 s: at most 3 polls in these 6 s, where a poll a second would be 6.
      expect(polls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(9);
      expect(source.poller.delayMs).toBeGreaterThan(2000);
      await expect(source.fresh(0)).rejects.toThrow(/failed on .* \(HTTP 503: down for a test\)/);
      failing = false;
      await source.fresh(0);
      expect(source.poller.lastError).toBeNull();
    } finally {
      watched = false;
      await source.close();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  }, 60_000);
});

describe('reading a server page by page', () => {
  it('answers with the first page, then pages the rest in, announcing each run', async () => {
    const events: StoreEvent[] = [];
    const source = await MlflowSource.open(server.uri, { env: {}, firstPage: 5, pageSize: 7, publish: (e) => events.push(e) });
    try {
      expect(source.summaries()).toHaveLength(5);
      await source.loaded;
      expect(source.summaries().length).toBeGreaterThanOrEqual(32);
      expect(events.filter((e) => e.type === 'run-created').length).toBe(source.summaries().length - 5);
      expect(new Set(source.summaries().map((r) => r.id)).size).toBe(source.summaries().length);
    } finally {
      await source.close();
    }
  });
});

describe('runlane ls / show / metrics / logs --mlflow URI', () => {
  it('prints the server\'s runs as it prints local ones', async () => {
    const ls = await cli(['ls', '--mlflow', server.uri, '--experiment', 'team-exp', '--json']);
    expect(ls.code).toBe(0);
    const names = (JSON.parse(ls.out) as RunSummary[]).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['finished-run', 'pushed-run']));
    const table = await cli(['ls', '--mlflow', server.uri, '--experiment', 'team-exp']);
    expect(table.out).toContain('finished-run');
    const show = await cli(['show', ids.finished, '--mlflow', server.uri]);
    expect(show.code).toBe(0);
    expect(show.out).toContain('finished-run');
    // The short id the editors show (the last 6 characters) names a server's run too (cli/runIds.ts).
    const short = await cli(['metrics', ids.finished.slice(-6), 'loss', '--mlflow', server.uri, '--json']);
    expect(JSON.parse(short.out)).toHaveLength(3000);
    const metrics = await cli(['metrics', ids.finished, 'loss', '--mlflow', server.uri, '--json']);
    expect(JSON.parse(metrics.out)).toHaveLength(3000);
    const logs = await cli(['logs', ids.pushed, '--mlflow', server.uri]);
    expect(logs).toMatchObject({ code: 0, out: 'epoch 1\nepoch 2\n' });
    const none = await cli(['logs', ids.finished, '--mlflow', server.uri]);
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/MLflow keeps none of a run's output/);
  });

  it('an unreachable server is one sentence naming it, from the CLI and as the daemon\'s 502', async () => {
    const down = 'http://127.0.0.1:9';
    process.env.MLFLOW_HTTP_REQUEST_MAX_RETRIES = '1'; // the sentence is the same after 4 retries, only later
    try {
      const res = await cli(['ls', '--mlflow', down]);
      expect(res.code).toBe(1);
      expect(res.err).toMatch(/^runlane: Cannot reach the MLflow server at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\): check that it is running/);
      const viaDaemon = await fetch(`http://127.0.0.1:${daemon.port}${API_PREFIX}/runs?mlflow=${encodeURIComponent(down)}`, { headers: { [TOKEN_HEADER]: daemon.token } });
      expect(viaDaemon.status).toBe(502);
      expect(((await viaDaemon.json()) as { code: string; error: string })).toMatchObject({ code: 'upstream', error: expect.stringMatching(/Cannot reach the MLflow server at http:\/\/127\.0\.0\.1:9/) });
    } finally {
      delete process.env.MLFLOW_HTTP_REQUEST_MAX_RETRIES;
    }
  }, 60_000);
});

describe('a server with 10,000 runs', () => {
  it('answers with the first page at once and pages every run in', async () => {
    // Written straight into the server's sqlite database: creating 10,000 runs over REST takes minutes.
    await runMlflowPython(
      `
import sqlite3, uuid, mlflow
mlflow.set_experiment("bulk")
e = int(mlflow.get_experiment_by_name("bulk").experiment_id)
runs, tags, params, latest = [], [], [], []
for i in range(10000):
    u, name, t = uuid.uuid4().hex, f"bulk-{i:05d}", 1600000000000 + i * 1000
    runs.append((u, name, "LOCAL", "seed.py", "", "ci", "FINISHED", t, t + 500, "", "active", f"mlflow-artifacts:/{e}/{u}/artifacts", e, None))
    tags.append(("mlflow.runName", name, u))
    params.append(("lr", str(i / 10000), u))
    latest.append(("loss", 1 / (i + 1), t, 100, 0, u))
db = sqlite3.connect(${JSON.stringify(path.join(dir, 'server', 'mlflow.db'))})
db.executemany("insert into runs values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
db.executemany("insert into tags values (?,?,?)", tags)
db.executemany("insert into params values (?,?,?)", params)
db.executemany("insert into latest_metrics values (?,?,?,?,?,?)", latest)
db.commit()
`,
      server.env,
      120_000,
    );
    const created: string[] = [];
    const t0 = performance.now();
    const source = await MlflowSource.open(server.uri, { env: {}, publish: (e) => e.type === 'run-created' && created.push(e.run.id) });
    try {
      const firstMs = performance.now() - t0;
      expect(source.summaries()).toHaveLength(500);
      await source.loaded;
      const allMs = performance.now() - t0;
      const bulk = source.summaries().filter((r) => r.experiment === 'bulk');
      expect(bulk).toHaveLength(10_000);
      expect(new Set(source.summaries().map((r) => r.id)).size).toBe(source.summaries().length);
      expect(created).toHaveLength(source.summaries().length - 500);
      expect(bulk.find((r) => r.name === 'bulk-00042')).toMatchObject({ params: { lr: 0.0042 }, status: 'finished' });
      process.stdout.write(`MLflow server with ${source.summaries().length} runs: first page (500) in ${firstMs.toFixed(0)} ms, every run in ${allMs.toFixed(0)} ms\n`);
    } finally {
      await source.close();
    }
  }, 180_000);
});
