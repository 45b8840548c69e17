import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { startTestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { DaemonClient } from '../client/daemonClient.js';
import { runtimeFile } from '../runtime/runtimeFile.js';
import { StoreWriter } from '../store/index.js';
import type { Daemon } from './daemon.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');

let tmp: string;
let store: string;
let runtime: string;
let daemon: Daemon;
let client: DaemonClient;

beforeEach(async () => {
  tmp = makeTempDir('daemon');
  store = path.join(tmp, 'store');
  runtime = path.join(tmp, 'runtime');
  cpSync(path.join(fixtures, 'store-v1'), store, { recursive: true });
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: runtime }));
});

afterEach(async () => {
  await daemon.close();
  removeTempDir(tmp);
});

function rawGet(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: daemon.port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Collects SSE events until `until` returns true (or the timeout). */
function collect(c: DaemonClient, until: (events: StoreEvent[]) => boolean, options: { lastEventId?: string } = {}) {
  const events: StoreEvent[] = [];
  let stop = () => {};
  const done = new Promise<StoreEvent[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out; got ${events.map((e) => e.type).join(', ')}`));
    }, 10_000);
    stop = c.events((event) => {
      events.push(event);
      if (until(events)) {
        clearTimeout(timer);
        stop();
        resolve(events);
      }
    }, options);
  });
  return done;
}

describe('daemon HTTP API', () => {
  it('requires the token on every request', async () => {
    expect((await rawGet('/api/v1/health')).status).toBe(401);
    expect((await rawGet('/api/v1/runs', { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await rawGet('/api/v1/health', { 'x-runlane-token': daemon.token });
    expect(ok.status).toBe(200);
  });

  it('writes its runtime file readable by the user only', () => {
    expect(statSync(runtimeFile(runtime)).mode & 0o777).toBe(0o600);
    expect(statSync(runtime).mode & 0o777).toBe(0o700);
    expect(client.runtime.port).toBe(daemon.port);
  });

  it('lists runs and experiments, filters and sorts', async () => {
    const runs = await client.runs();
    expect(runs.map((r) => r.id)).toEqual(['20261101-140000-cccccc', '20261101-130000-bbbbbb', '20261101-120000-aaaaaa']);
    expect((await client.runs({ experiment: 'demo', status: ['failed'] })).map((r) => r.name)).toEqual(['broken cell']);
    expect((await client.runs({ q: 'LR=0.1' })).map((r) => r.experiment)).toEqual(['sweeps']);
    expect((await client.runs({ sort: 'name', order: 'asc', limit: 2 })).map((r) => r.name)).toEqual(['broken cell', 'sweep 1 (lr=0.1)']);
    // A first page says how many runs matched in all (the sidebar paints it while the rest comes).
    const page = await rawGet('/api/v1/runs?limit=1', { 'x-runlane-token': daemon.token });
    expect(JSON.parse(page.body)).toHaveLength(1);
    expect(page.headers['x-runlane-total']).toBe('3');
    expect((await rawGet('/api/v1/runs?experiment=demo&limit=1', { 'x-runlane-token': daemon.token })).headers['x-runlane-total']).toBe('2');
    expect((await client.experiments()).map((e) => [e.name, e.run_count])).toEqual([
      ['demo', 2],
      ['sweeps', 1],
    ]);
  });

  it('serves one run, its series (downsampled on request) and log bytes by range', async () => {
    const detail = await client.run('20261101-120000-aaaaaa');
    expect(detail.source).toContain('rl.log');
    expect(detail.logs.map((l) => l.stream).sort()).toEqual(['stderr', 'stdout']);
    const series = await client.series('20261101-120000-aaaaaa', 'acc');
    expect(series.values).toEqual([0.5, 'NaN', 0.75, 0.8]);
    const log = await client.log('20261101-120000-aaaaaa', '1001-0000aaaa', 'stdout', 6);
    expect(log.bytes.toString('latin1')).toBe('0 loss 1.0\nbad bytes: \xff\xfe\nepoch 2\n');
    expect(log.size).toBe(39);
  });

  it('answers bad input with errors a client can act on', async () => {
    await expect(client.run('nope')).rejects.toMatchObject({ status: 404 });
    await expect(client.run('../etc')).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/Invalid run id/) });
    await expect(client.series('20261101-120000-aaaaaa', 'missing')).rejects.toMatchObject({ status: 404 });
    await expect(client.request('/runs', { status: 'exploded' })).rejects.toMatchObject({ status: 400 });
    const v99 = await rawGet(`/api/v1/runs?store=${encodeURIComponent(path.join(fixtures, 'store-v99'))}`, { 'x-runlane-token': daemon.token });
    expect(v99.status).toBe(409);
    expect(JSON.parse(v99.body)).toMatchObject({ code: 'store_version', error: expect.stringMatching(/Upgrade Runlane/) });
    expect((await rawGet('/api/v1/runs?store=relative/path', { 'x-runlane-token': daemon.token })).status).toBe(400);
    const typo = path.join(tmp, 'no-such-project', '.runlane');
    const missing = await rawGet(`/api/v1/runs?store=${encodeURIComponent(typo)}`, { 'x-runlane-token': daemon.token });
    expect(missing.status).toBe(404);
    expect((JSON.parse(missing.body) as { error: string }).error).toMatch(/No folder .*no-such-project for the store/);
    expect(existsSync(path.dirname(typo))).toBe(false); // nothing was created for a mistyped path
  });

  it('downsamples a long series to about the requested points, keeping its spike', async () => {
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'long', experiment: 'e', kind: 'script' });
    const points = Array.from({ length: 100_000 }, (_, step) => ({ step, value: step === 77_777 ? 1e6 : Math.sin(step), time: step }));
    writer.logMetrics(id, 'loss', points);
    await waitFor(async () => (await client.runs()).some((r) => r.id === id));
    const series = await client.series(id, 'loss', { points: 400 });
    expect(series.downsampled).toBe(true);
    expect(series.total).toBe(100_000);
    expect(series.steps.length).toBeLessThanOrEqual(400);
    expect(series.values).toContain(1e6);
    const zoomed = await client.series(id, 'loss', { fromStep: 1000, toStep: 1099, points: 400 });
    expect(zoomed.steps).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i)); // full resolution again
  });
});

describe('daemon serving a TensorBoard log directory', () => {
  it('lists its runs beside nothing else, serves series, and follows new event files live', async () => {
    const logdir = path.join(tmp, 'tb');
    cpSync(path.join(fixtures, 'tfevents', 'pytorch', 'add_scalars'), logdir, { recursive: true });
    const tb = await DaemonClient.connect({ runtimeDir: runtime, start: false, logdir });
    // The log directory's own run (TensorBoard's ".") goes by the folder's name: "." cannot travel in a URL.
    expect((await tb.runs()).map((r) => r.id).sort()).toEqual(['metrics_train', 'metrics_val', 'tb']);
    expect((await tb.run('tb')).kind).toBe('tensorboard');
    expect((await tb.series('metrics_val', 'metrics')).values).toEqual([2, 1, 0.6666666865348816, 0.5, 0.4000000059604645]);
    const created = collect(tb, (evs) => evs.some((e) => e.type === 'run-created' && e.run.id === 'copy'));
    await new Promise((r) => setTimeout(r, 200));
    cpSync(path.join(logdir, 'metrics_val'), path.join(logdir, 'copy'), { recursive: true });
    const events = await created;
    expect(events.every((e) => e.type === 'hello' || ('store' in e && e.store === logdir))).toBe(true);
    expect((await tb.run('copy')).kind).toBe('tensorboard');
  });
});

describe('daemon live feed (SSE)', () => {
  it('announces new runs, metric points, log bytes and status changes as files are appended', async () => {
    const events = collect(client, (evs) => evs.some((e) => e.type === 'run-updated' && e.run.status === 'finished'));
    await new Promise((r) => setTimeout(r, 100));
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'live', experiment: 'e', kind: 'script' });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    await new Promise((r) => setTimeout(r, 100));
    writer.logMetrics(id, 'loss', [
      { step: 0, value: 1, time: 1 },
      { step: 1, value: NaN, time: 2 },
    ]);
    writer.appendLog(id, 'stdout', 'hello\n');
    await new Promise((r) => setTimeout(r, 100));
    writer.appendEvent(id, { type: 'status', status: 'finished' });
    const got = await events;
    expect(got[0]).toMatchObject({ type: 'hello' });
    expect(got.find((e) => e.type === 'run-created')).toMatchObject({ run: { id, name: 'live' } });
    const metricPoints = got.filter((e) => e.type === 'metrics').flatMap((e) => (e.type === 'metrics' ? e.values : []));
    expect(metricPoints).toEqual([1, 'NaN']);
    expect(got.find((e) => e.type === 'log')).toMatchObject({ run_id: id, stream: 'stdout', offset: 0, length: 6 });
  });

  it('delivers every point of appends that come faster than the watcher reports changes', async () => {
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'rapid', experiment: 'e', kind: 'script' });
    await new Promise((r) => setTimeout(r, 150));
    const got = collect(client, (evs) => evs.flatMap((e) => (e.type === 'metrics' && e.run_id === id ? e.steps : [])).length === 30);
    await new Promise((r) => setTimeout(r, 100));
    for (let step = 0; step < 30; step++) {
      writer.logMetric(id, 'loss', step, step);
      await new Promise((r) => setTimeout(r, 5)); // well inside a watcher's batching of changes
    }
    const steps = (await got).flatMap((e) => (e.type === 'metrics' ? e.steps : []));
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('announces a running run whose writer process died as crashed', async () => {
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'doomed', experiment: 'e', kind: 'script' });
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const gone = new Promise((resolve) => child.once('exit', resolve));
    try {
      // The run's status now comes from the child, as if the child were the logging process.
      const events = path.join(store, 'runs', id, 'events', `${child.pid}-deadbeef.jsonl`);
      mkdirSync(path.dirname(events), { recursive: true });
      const now = Date.now() / 1000 + 1;
      writeFileSync(events, `${JSON.stringify({ t: now, type: 'hello', host: os.hostname(), pid: child.pid })}\n`);
      appendFileSync(events, `${JSON.stringify({ t: now + 1, type: 'status', status: 'running' })}\n`);
      await waitFor(async () => (await client.runs()).find((r) => r.id === id)?.status === 'running');
      const crashed = collect(client, (evs) => evs.some((e) => e.type === 'run-updated' && e.run.id === id));
      await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGKILL');
      const update = (await crashed).find((e) => e.type === 'run-updated');
      expect(update).toMatchObject({ run: { id, status: 'crashed' }, previous_status: 'running' });
    } finally {
      child.kill('SIGKILL');
      await gone;
    }
  });

  it('resumes with Last-Event-ID: exactly the missed events, then a reset for an unknown id', async () => {
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'resume', experiment: 'e', kind: 'script' });
    let lastId = '';
    const first = await new Promise<StoreEvent[]>((resolve) => {
      const seen: StoreEvent[] = [];
      const stop = client.events((e) => seen.push(e));
      setTimeout(() => {
        stop();
        resolve(seen);
      }, 300);
    });
    expect(first.length).toBeGreaterThan(0);
    // Ask the hub for the id of the last event so far, then log while nobody listens.
    lastId = `${daemon.hub.incarnation}:${(daemon.hub as unknown as { seq: number }).seq}`;
    writer.logMetrics(id, 'x', [{ step: 0, value: 42, time: 1 }]);
    await waitFor(async () => (daemon.hub as unknown as { seq: number }).seq > Number(lastId.split(':')[1]));
    const missed = await collect(client, (evs) => evs.some((e) => e.type === 'metrics'), { lastEventId: lastId });
    expect(missed.map((e) => e.type)).toEqual(['hello', 'metrics']);
    const reset = await collect(client, (evs) => evs.length >= 2, { lastEventId: 'another-daemon:5' });
    expect(reset.map((e) => e.type)).toEqual(['hello', 'reset']);
  });
});

// Issue 12 as a user met it: JupyterLab on a store of 10,000 runs with no run index yet (the first
// open after an upgrade, or a deleted index) said "The Runlane daemon did not start within 20 s":
// the daemon announced itself only once it had read every run, longer than clients wait for a start.
describe('daemon start on a big store', () => {
  it('announces itself before the default store is read, and answers the list once it is', async () => {
    const { writeBigStore } = await import('../../../../test/helpers/bigStore.js');
    const { Daemon } = await import('./daemon.js');
    const dir = makeTempDir('daemon-big');
    try {
      const big = path.join(dir, 'store');
      writeBigStore(big, { finished: 1500, running: 0 });
      const d = new Daemon({ defaultStore: big, runtimeDir: path.join(dir, 'rt'), idleTimeout: 0 });
      await d.start();
      try {
        expect(existsSync(runtimeFile(path.join(dir, 'rt')))).toBe(true);
        // The runs are still being read: the start did not wait for them.
        const state = await Promise.race([d.store(big).then(() => 'read'), new Promise((r) => setTimeout(() => r('being read'), 0))]);
        expect(state).toBe('being read');
        const c = await DaemonClient.connect({ runtimeDir: path.join(dir, 'rt'), start: false, store: big });
        expect((await c.health()).stores).toContain(big);
        expect(await c.runs()).toHaveLength(1500);
      } finally {
        await d.close();
      }
    } finally {
      removeTempDir(dir);
    }
  }, 120_000);
});
