// Push throughput into MLflow on PostgreSQL (target >= 50,000 points/s): `runlane push` of a local
// run, beside a Python client of the same server in the same run: `MlflowClient.log_batch` (1,000
// metrics a call, as fast as MLflow's client goes) and `mlflow.log_metric` (one point a call, as most
// training code logs). Every figure is counted on the server afterwards (get-history), so a fast
// number that lost points cannot pass. The server (one worker) and Postgres are this benchmark's own.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { StoreWriter } from '../../shared/core/src/store/index.js';
import { MlflowHttp } from '../../shared/core/src/mlflow/http.js';
import { pushRun, readRunFacts } from '../../shared/core/src/mlflow/pushRun.js';
import { serverPoints } from '../../shared/core/src/mlflow/pushMetrics.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { mlflowPythonJson } from '../helpers/mlflowPython.js';
import { startMlflowServer } from '../helpers/mlflowServer.js';

const POINTS = Number(process.env.MLFLOW_PUSH_POINTS ?? 50_000);
const KEYS = 10;
const LOG_METRIC_POINTS = Number(process.env.MLFLOW_PUSH_LOG_METRIC_POINTS ?? 300);
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../shared/core/bin/runlane.js');
const rate = (points: number, ms: number) => Math.round(points / (ms / 1000));

async function localRun(store: string): Promise<string> {
  const w = await StoreWriter.open(store);
  const id = await w.createRun({ name: 'push bench', experiment: 'push-bench', kind: 'script' });
  w.appendEvent(id, { type: 'status', status: 'running' });
  const t0 = Date.now() / 1000;
  const per = POINTS / KEYS;
  for (let k = 0; k < KEYS; k++) w.logMetrics(id, `metric_${k}`, Array.from({ length: per }, (_, i) => ({ step: i, time: t0 + i / 1000, value: Math.sin(i + k) })));
  w.appendEvent(id, { type: 'status', status: 'finished' });
  return id;
}

/**
 * Runlane's own ceiling: the same push against a stand-in that answers every request at once (the
 * few routes a push calls), so the figure is what the client side costs: reading the metric files,
 * building the requests, the journal's atomic writes.
 */
async function ceiling(store: string): Promise<number> {
  const runId = 'c'.repeat(32);
  const answers: Record<string, unknown> = {
    'experiments/get-by-name': { experiment: { experiment_id: '1' } },
    'runs/search': {},
    'runs/create': { run: { info: { run_id: runId, experiment_id: '1', artifact_uri: 's3://bench/none' } } },
  };
  const stub = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const route = /\/api\/2\.0\/mlflow\/([^?]+)/.exec(req.url ?? '')?.[1] ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answers[route] ?? {}));
    });
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const client = new MlflowHttp(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`, { env: {} });
  try {
    const facts = await readRunFacts(store, await localRun(store));
    const start = performance.now();
    await pushRun(client, facts);
    return rate(POINTS, performance.now() - start);
  } finally {
    client.close();
    stub.close();
  }
}

async function serverCount(http: MlflowHttp, runId: string): Promise<number> {
  let n = 0;
  for (let k = 0; k < KEYS; k++) n += (await serverPoints(http, runId, `metric_${k}`)).size;
  return n;
}

const PYTHON = `
import json, math, os, sys, time
import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric
points, keys, one_by_one = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
client = MlflowClient()
exp = client.create_experiment("python-bench-%d" % os.getpid())
run = client.create_run(exp).info.run_id
t0 = int(time.time() * 1000)
per = points // keys
metrics = [Metric("metric_%d" % k, math.sin(i + k), t0 + i, i) for k in range(keys) for i in range(per)]
start = time.perf_counter()
for i in range(0, len(metrics), 1000):
    client.log_batch(run, metrics=metrics[i:i + 1000])
batch_s = time.perf_counter() - start
mlflow.set_experiment(experiment_id=exp)
with mlflow.start_run() as r:
    start = time.perf_counter()
    for i in range(one_by_one):
        mlflow.log_metric("loss", math.sin(i), step=i)
    single_s = time.perf_counter() - start
    single_run = r.info.run_id
print(json.dumps({"batch_run": run, "batch_s": batch_s, "single_run": single_run, "single_s": single_s}))
`;

it(`pushes ${POINTS.toLocaleString('en-US')} points into MLflow on PostgreSQL`, async () => {
  const dir = makeTempDir('bench-push');
  chmodSync(dir, 0o711); // PostgreSQL runs as its own user (as root) and must reach its folder inside
  const server = await startMlflowServer({ dir: path.join(dir, 'mlflow'), backend: 'postgres' });
  const http = new MlflowHttp(server.uri, { env: {} });
  try {
    const store = path.join(dir, 'project', '.runlane');
    mkdirSync(path.dirname(store), { recursive: true });
    // `runlane push`, the CLI as a user runs it (a process of its own, its start included).
    const cliRun = await localRun(store);
    let start = performance.now();
    const cli = spawnSync(process.execPath, [bin, 'push', cliRun, '--mlflow', server.uri, '--dir', store], { encoding: 'utf8', env: { ...process.env, MLFLOW_TRACKING_USERNAME: '', MLFLOW_TRACKING_PASSWORD: '' } });
    const cliMs = performance.now() - start;
    expect(cli.status, cli.stderr).toBe(0);
    const cliServerRun = /-> ([0-9a-f]{32})/.exec(cli.stdout)![1]!;
    // The push's own loop in this process, by requests in flight (the CLI uses 4).
    const inProcess: Record<string, number> = {};
    for (const concurrency of [1, 8]) {
      const id = await localRun(store);
      const facts = await readRunFacts(store, id);
      start = performance.now();
      const result = await pushRun(http, facts, { concurrency });
      inProcess[`push_concurrency_${concurrency}_points_per_s`] = rate(POINTS, performance.now() - start);
      expect(await serverCount(http, result.serverRunId)).toBe(POINTS);
    }
    inProcess.push_to_instant_stand_in_points_per_s = await ceiling(store);
    const py = await mlflowPythonJson<{ batch_run: string; batch_s: number; single_run: string; single_s: number }>(
      `import sys; sys.argv = ['bench', '${POINTS}', '${KEYS}', '${LOG_METRIC_POINTS}']\n${PYTHON}`,
      server.env,
      900_000,
    );
    expect(await serverCount(http, cliServerRun)).toBe(POINTS);
    expect(await serverCount(http, py.batch_run)).toBe(POINTS);
    expect((await serverPoints(http, py.single_run, 'loss')).size).toBe(LOG_METRIC_POINTS);

    const figures = {
      points: POINTS,
      keys: KEYS,
      runlane_push_cli_ms: Math.round(cliMs),
      runlane_push_cli_points_per_s: rate(POINTS, cliMs),
      ...inProcess,
      mlflow_log_batch_points_per_s: rate(POINTS, py.batch_s * 1000),
      mlflow_log_metric_points_per_s: rate(LOG_METRIC_POINTS, py.single_s * 1000),
      mlflow_log_metric_points: LOG_METRIC_POINTS,
      mlflow_version: '3.17.2',
    };
    const targets = { push_50k_points_per_s: figures.runlane_push_cli_points_per_s >= 50_000 };
    const rows: [string, string][] = [
      [`runlane push (CLI, ${POINTS.toLocaleString('en-US')} points, ${KEYS} keys)`, `${figures.runlane_push_cli_points_per_s.toLocaleString('en-US')} points/s`],
      ...Object.entries(inProcess).map(([k, v]): [string, string] => [`  in process, ${k.replace(/_points_per_s$/, '').replace(/_/g, ' ')}`, `${v.toLocaleString('en-US')} points/s`]),
      ['anchor: MlflowClient.log_batch (1,000 a call)', `${figures.mlflow_log_batch_points_per_s.toLocaleString('en-US')} points/s`],
      [`anchor: mlflow.log_metric (one a call, ${LOG_METRIC_POINTS.toLocaleString('en-US')} points)`, `${figures.mlflow_log_metric_points_per_s.toLocaleString('en-US')} points/s`],
    ];
    console.log('\nPush into MLflow 3.17.2 on PostgreSQL (one worker), every point counted on the server after');
    for (const [a, b] of rows) console.log(`${a.padEnd(64)}${b}`);
    console.log(`target >= 50,000 points/s: ${targets.push_50k_points_per_s ? 'PASS' : 'FAIL'}`);
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(path.join(here, 'results', 'mlflow_push.json'), `${JSON.stringify({ figures, targets, machine: { cpus: os.cpus().length, date: new Date().toISOString() } }, null, 1)}\n`);
  } finally {
    http.close();
    await server.stop();
    removeTempDir(dir);
  }
});
