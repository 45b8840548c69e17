// A team's server as the MLflow tests stand it up (test/helpers/mlflowServer.ts): MLflow on PostgreSQL
// with its basic-auth app. Runs logged by plain mlflow code are read back; a restart keeps the data; an
// outage, a wrong password and a failing server give the sentences a user sees, from the HTTP client,
// the CLI and the daemon. (Reading through the daemon and CLI at length: read.server.test.ts, on sqlite.)
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX, TOKEN_HEADER } from '@runlane/protocol';
import { runCli } from '../../../../test/helpers/cliInProcess.js';
import { mlflowPythonJson } from '../../../../test/helpers/mlflowPython.js';
import { startMlflowServer, type MlflowServer } from '../../../../test/helpers/mlflowServer.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { Daemon } from '../server/daemon.js';
import { MlflowError, MlflowHttp } from './http.js';

const LOG_ONE_RUN = `
import mlflow, json
mlflow.set_experiment("helpers")
with mlflow.start_run(run_name="plain") as run:
    mlflow.log_param("lr", 0.1)
    for step in range(5):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
print(json.dumps({"run_id": run.info.run_id}))
`;

/** GET /runs?mlflow=URI from a daemon with `env` as its environment's MLFLOW_* (set while it opens the server). */
async function daemonRuns(dir: string, uri: string, env: Record<string, string | undefined>): Promise<{ status: number; body: { code: string; error: string } }> {
  mkdirSync(path.join(dir, 'project'), { recursive: true });
  const daemon = new Daemon({ defaultStore: path.join(dir, 'project', '.runlane'), runtimeDir: null, idleTimeout: 0 });
  await daemon.start();
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  try {
    const res = await fetch(`http://127.0.0.1:${daemon.port}${API_PREFIX}/runs?mlflow=${encodeURIComponent(uri)}`, { headers: { [TOKEN_HEADER]: daemon.token } });
    return { status: res.status, body: (await res.json()) as { code: string; error: string } };
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    await daemon.close();
  }
}

const NO_CREDENTIALS = { MLFLOW_TRACKING_USERNAME: undefined, MLFLOW_TRACKING_PASSWORD: undefined, MLFLOW_TRACKING_TOKEN: undefined };

async function failure(p: Promise<unknown>): Promise<MlflowError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MlflowError);
    return err as MlflowError;
  }
  throw new Error('expected the call to fail');
}

describe('a team server: MLflow on PostgreSQL with basic auth', () => {
  let dir: string;
  let server: MlflowServer;
  let runId: string;
  const storeArgs = () => ['--dir', path.join(dir, 'project', '.runlane')];
  beforeAll(async () => {
    dir = makeTempDir('mlflow-team');
    server = await startMlflowServer({ dir, backend: 'postgres', auth: { adminPassword: 'right-Password-1' } });
    runId = (await mlflowPythonJson<{ run_id: string }>(LOG_ONE_RUN, server.env, 90_000)).run_id;
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    removeTempDir(dir);
  });

  it('lists runs that plain mlflow code logged; a run that is not there is not_found', async () => {
    expect(server.backendUri).toMatch(/^postgresql\+psycopg2:/);
    const client = new MlflowHttp(server.uri, { env: server.env });
    const exp = await client.get<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: 'helpers' });
    const found = await client.post<{ runs: { info: { run_id: string; run_name: string } }[] }>('runs/search', { experiment_ids: [exp.experiment.experiment_id] });
    expect(found.runs.map((r) => [r.info.run_id, r.info.run_name])).toEqual([[runId, 'plain']]);
    const history = await client.get<{ metrics: unknown[] }>('metrics/get-history', { run_id: runId, metric_key: 'loss' });
    expect(history.metrics).toHaveLength(5);
    const missing = await failure(client.get('runs/get', { run_id: '0123456789abcdef0123456789abcdef' }));
    expect(missing).toMatchObject({ code: 'not_found', mlflowCode: 'RESOURCE_DOES_NOT_EXIST' });
    client.close();
  });

  it('without or with a wrong password, 401 names the variables to set: client, CLI and daemon', async () => {
    const none = await failure(new MlflowHttp(server.uri, { env: {} }).post('experiments/search', { max_results: 10 }));
    expect(none.code).toBe('unauthorized');
    expect(none.message).toContain('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD');
    const wrong = await failure(new MlflowHttp(server.uri, { env: { ...server.env, MLFLOW_TRACKING_PASSWORD: 'wrong' } }).post('experiments/search', { max_results: 10 }));
    expect(wrong.code).toBe('unauthorized');
    expect(wrong.message).toContain('"admin"');
    expect(wrong.message).not.toContain('wrong');

    const cli = await runCli(['ls', '--mlflow', server.uri, ...storeArgs()], NO_CREDENTIALS);
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/^runlane: The MLflow server at http:\/\/127\.0\.0\.1:\d+ asks for credentials \(HTTP 401\), and no credentials were given: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD/);
    const cliWrong = await runCli(['ls', '--mlflow', server.uri, ...storeArgs()], { MLFLOW_TRACKING_USERNAME: 'admin', MLFLOW_TRACKING_PASSWORD: 'nope' });
    expect(cliWrong.err).toMatch(/the user "admin" and password from MLFLOW_TRACKING_USERNAME \/ MLFLOW_TRACKING_PASSWORD were refused/);
    const right = await runCli(['ls', '--mlflow', server.uri, '--json', ...storeArgs()], server.env);
    expect(right.code).toBe(0);
    expect(JSON.parse(right.out)).toEqual([expect.objectContaining({ id: runId, name: 'plain', kind: 'mlflow', experiment: 'helpers' })]);
    // The daemon answers 403, not 401: its clients read 401 as "the Runlane token is wrong".
    const viaDaemon = await daemonRuns(dir, server.uri, NO_CREDENTIALS);
    expect(viaDaemon).toMatchObject({ status: 403, body: { code: 'upstream', error: expect.stringContaining('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD') } });
  }, 60_000);

  it('a server whose database is gone answers 5xx: the CLI and the daemon say so, after retrying', async () => {
    await server.stopDatabase();
    // One retry instead of MLflow's default, to keep the test short; the sentence is the same.
    const cli = await runCli(['ls', '--mlflow', server.uri, ...storeArgs()], { ...server.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' });
    expect(cli.code).toBe(1);
    expect(cli.err).toMatch(/^runlane: The MLflow server at http:\/\/127\.0\.0\.1:\d+ failed on \/api\/2\.0\/mlflow\/experiments\/search \(HTTP 5\d\d: .*\), also when retried: see the server's log\.\n$/);
    const viaDaemon = await daemonRuns(dir, server.uri, { ...server.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' });
    expect(viaDaemon).toMatchObject({ status: 502, body: { code: 'upstream', error: expect.stringMatching(/failed on .* \(HTTP 5\d\d/) } });
  }, 90_000);

  it('a server that is down is named unreachable, with the reason', async () => {
    await server.kill();
    const down = new MlflowHttp(server.uri, { env: server.env, retries: 1, backoffMs: 10 });
    const err = await failure(down.get('runs/get', { run_id: runId }));
    down.close();
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(new RegExp(`Cannot reach the MLflow server at ${server.uri} \\(ECONNREFUSED\\)`));
    const cli = await runCli(['show', runId, '--mlflow', server.uri, ...storeArgs()], { ...server.env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' });
    expect(cli).toMatchObject({ code: 1, err: `runlane: ${err.message}\n` });
  });
});
