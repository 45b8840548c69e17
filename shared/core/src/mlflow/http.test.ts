// The MLflow HTTP client's retry, backoff and error sentences against a scripted HTTP server (the
// thin seam: real MLflow servers are in mlflow.test.ts, which cannot be made to answer 429 or 503).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowError, MlflowHttp } from './http.js';

type Reply = { status: number; body?: string; headers?: Record<string, string> };
let replies: Reply[] = [];
const seen: { method: string; url: string; auth?: string; body: string }[] = [];
let server: http.Server;
let uri: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      const r = replies.shift() ?? { status: 200, body: '{}' };
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(r.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(env: NodeJS.ProcessEnv = {}, retries = 3) {
  return new MlflowHttp(uri, { env, retries, backoffMs: 20, timeoutMs: 2000 });
}

async function failure(p: Promise<unknown>): Promise<MlflowError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MlflowError);
    return err as MlflowError;
  }
  throw new Error('expected the call to fail');
}

describe('MlflowHttp', () => {
  it('GETs and POSTs under /api/2.0/mlflow with HTTP Basic from MLFLOW_TRACKING_USERNAME/PASSWORD', async () => {
    seen.length = 0;
    replies = [{ status: 200, body: '{"a":1}' }, { status: 200, body: '{"b":2}' }];
    const c = client({ MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'p:w' });
    expect(await c.get('metrics/get-history', { run_id: 'r1', metric_key: 'a b', max_results: 5 })).toEqual({ a: 1 });
    expect(await c.post('runs/search', { experiment_ids: ['0'] })).toEqual({ b: 2 });
    c.close();
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/2.0/mlflow/metrics/get-history?run_id=r1&metric_key=a+b&max_results=5' });
    expect(seen[0]?.auth).toBe('Basic ' + Buffer.from('ann:p:w').toString('base64'));
    expect(seen[1]).toMatchObject({ method: 'POST', url: '/api/2.0/mlflow/runs/search', body: '{"experiment_ids":["0"]}' });
  });

  it('sends MLFLOW_TRACKING_TOKEN as a bearer token', async () => {
    seen.length = 0;
    replies = [{ status: 200, body: '{}' }];
    const c = client({ MLFLOW_TRACKING_TOKEN: 'tok' });
    await c.get('experiments/search');
    c.close();
    expect(seen[0]?.auth).toBe('Bearer tok');
  });

  it('retries 503 and 429, honouring Retry-After, then succeeds', async () => {
    seen.length = 0;
    replies = [{ status: 503, body: 'down' }, { status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: '{"ok":true}' }];
    const c = client();
    const t0 = Date.now();
    expect(await c.get('runs/get', { run_id: 'x' })).toEqual({ ok: true });
    c.close();
    expect(seen).toHaveLength(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('gives up after its retries with a sentence naming the server and status', async () => {
    replies = [500, 500, 500].map((status) => ({ status, body: '{"error_code":"INTERNAL_ERROR","message":"db is gone"}' }));
    const c = client({}, 2);
    const err = await failure(c.get('runs/get'));
    c.close();
    expect(err.code).toBe('server');
    expect(err.status).toBe(500);
    expect(err.message).toContain(uri.replace(/\/$/, ''));
    expect(err.message).toContain('HTTP 500: db is gone');
  });

  it('does not retry a 400 and keeps MLflow error_code', async () => {
    seen.length = 0;
    replies = [{ status: 400, body: '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad filter"}' }];
    const c = client();
    const err = await failure(c.post('runs/search', {}));
    c.close();
    expect(seen).toHaveLength(1);
    expect(err).toMatchObject({ code: 'bad_request', mlflowCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('401 names the variables to set; 403 and 404 get their codes', async () => {
    replies = [{ status: 401 }, { status: 401 }, { status: 403 }, { status: 404, body: '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run x not found"}' }];
    const none = await failure(client().get('runs/get'));
    expect(none.code).toBe('unauthorized');
    expect(none.message).toMatch(/MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD .*MLFLOW_TRACKING_TOKEN/);
    const wrong = await failure(client({ MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'x' }).get('runs/get'));
    expect(wrong.message).toContain('"ann"');
    expect(wrong.message).not.toContain('x"');
    expect((await failure(client().get('runs/get'))).code).toBe('forbidden');
    expect(await failure(client().get('runs/get'))).toMatchObject({ code: 'not_found', mlflowCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('an unreachable server is retried, then named with the reason', async () => {
    const c = new MlflowHttp('http://user:secret@127.0.0.1:1', { env: {}, retries: 1, backoffMs: 10 });
    const err = await failure(c.get('experiments/search'));
    expect(err.code).toBe('unreachable');
    expect(err.message).toContain('http://127.0.0.1:1');
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('secret');
  });

  it('refuses URIs that are not http(s) with what to do', () => {
    expect(() => new MlflowHttp('sqlite:///mlflow.db')).toThrow(/http\(s\) only.*mlflow server/);
    expect(() => new MlflowHttp('not a uri')).toThrow(/is not a URI/);
  });
});
