// The real MLflow servers the MLflow tests stand on (test/helpers/mlflowServer.ts) and the HTTP
// client against them: runs logged by plain mlflow code are read back; a restart keeps the data; an
// outage and a wrong password give the sentences a user sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowPythonJson, runMlflowPython } from '../../../../test/helpers/mlflowPython.js';
import { startMlflowServer, type MlflowServer } from '../../../../test/helpers/mlflowServer.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
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

async function failure(p: Promise<unknown>): Promise<MlflowError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MlflowError);
    return err as MlflowError;
  }
  throw new Error('expected the call to fail');
}

describe('an MLflow server on sqlite', () => {
  let dir: string;
  let server: MlflowServer;
  beforeAll(async () => {
    dir = makeTempDir('mlflow-sqlite');
    server = await startMlflowServer({ dir, backend: 'sqlite' });
  });
  afterAll(async () => {
    await server?.stop();
    removeTempDir(dir);
  });

  it('serves runs logged by plain mlflow code, also after a kill and restart; down, it is named unreachable', async () => {
    const { run_id } = await mlflowPythonJson<{ run_id: string }>(LOG_ONE_RUN, server.env);
    const client = new MlflowHttp(server.uri, { env: {} });
    const got = await client.get<{ run: { info: { run_name: string }; data: { params: { key: string; value: string }[] } } }>('runs/get', { run_id });
    expect(got.run.info.run_name).toBe('plain');
    expect(got.run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);

    await server.kill();
    const down = new MlflowHttp(server.uri, { env: {}, retries: 1, backoffMs: 10 });
    const err = await failure(down.get('runs/get', { run_id }));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(new RegExp(`Cannot reach the MLflow server at ${server.uri} \\(ECONNREFUSED\\)`));

    await server.restart();
    const history = await client.get<{ metrics: unknown[] }>('metrics/get-history', { run_id, metric_key: 'loss' });
    expect(history.metrics).toHaveLength(5);
    client.close();
    down.close();
  });

  it('a missing run is not_found with MLflow\'s code', async () => {
    const client = new MlflowHttp(server.uri, { env: {} });
    const err = await failure(client.get('runs/get', { run_id: '0123456789abcdef0123456789abcdef' }));
    client.close();
    expect(err).toMatchObject({ code: 'not_found', mlflowCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

describe('an MLflow server with basic auth', () => {
  let dir: string;
  let server: MlflowServer;
  beforeAll(async () => {
    dir = makeTempDir('mlflow-auth');
    server = await startMlflowServer({ dir, auth: { adminPassword: 'right-Password-1' } });
  });
  afterAll(async () => {
    await server?.stop();
    removeTempDir(dir);
  });

  it('takes MLFLOW_TRACKING_USERNAME/PASSWORD; without or with a wrong one, 401 names the variables', async () => {
    await runMlflowPython(LOG_ONE_RUN, server.env);
    const ok = new MlflowHttp(server.uri, { env: server.env });
    const found = await ok.post<{ runs?: unknown[] }>('runs/search', { experiment_ids: [], max_results: 10 });
    expect(found).toBeTypeOf('object');
    const none = await failure(new MlflowHttp(server.uri, { env: {} }).post('experiments/search', { max_results: 10 }));
    expect(none.code).toBe('unauthorized');
    expect(none.message).toContain('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD');
    const wrong = await failure(new MlflowHttp(server.uri, { env: { ...server.env, MLFLOW_TRACKING_PASSWORD: 'wrong' } }).post('experiments/search', { max_results: 10 }));
    expect(wrong.code).toBe('unauthorized');
    expect(wrong.message).toContain('"admin"');
    expect(wrong.message).not.toContain('wrong');
    ok.close();
  });
});

describe('an MLflow server on PostgreSQL', () => {
  let dir: string;
  let server: MlflowServer;
  beforeAll(async () => {
    dir = makeTempDir('mlflow-pg');
    server = await startMlflowServer({ dir, backend: 'postgres' });
  });
  afterAll(async () => {
    await server?.stop();
    removeTempDir(dir);
  });

  it('lists runs that plain mlflow code logged', async () => {
    expect(server.backendUri).toMatch(/^postgresql\+psycopg2:/);
    const { run_id } = await mlflowPythonJson<{ run_id: string }>(LOG_ONE_RUN, server.env);
    const client = new MlflowHttp(server.uri, { env: {} });
    const exp = await client.get<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: 'helpers' });
    const found = await client.post<{ runs: { info: { run_id: string } }[] }>('runs/search', { experiment_ids: [exp.experiment.experiment_id] });
    client.close();
    expect(found.runs.map((r) => r.info.run_id)).toEqual([run_id]);
  });
});
