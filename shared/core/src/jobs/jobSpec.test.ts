// A job spec is checked where it enters the daemon: each bad field gets a 400 that names it and says
// what it may be, before any run exists. Through the real HTTP server, with raw requests (the client's
// types would not let these bodies be sent).
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';

let tmp: string;
let store: string;
let test: TestDaemon;

beforeEach(async () => {
  tmp = makeTempDir('jobspec');
  store = path.join(tmp, '.runlane');
  const targetsFile = path.join(tmp, 'runlane.toml');
  writeFileSync(targetsFile, '');
  test = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile });
});

afterEach(async () => {
  await test.close();
  removeTempDir(tmp);
});

function post(apiPath: string, body: unknown): Promise<{ status: number; body: { error?: string; run_id?: string } }> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: test.daemon.port, method: 'POST', path: `/api/v1${apiPath}`, headers: { 'x-runlane-token': test.daemon.token, 'content-type': 'application/json' } },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as { error?: string; run_id?: string } }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const postJob = (body: unknown) => post('/jobs', body);
const good = { target: 'local', command: ['true'] };
const runs = () => (existsSync(path.join(store, 'runs')) ? readdirSync(path.join(store, 'runs')) : []);

describe('a job spec entering the daemon', () => {
  it.each([
    ['the body', [1], /Send the job as a JSON object/],
    ['an unknown field', { ...good, gpus: 1 }, /no field "gpus"; its fields are target, command, workers, gpusPerWorker/],
    ['target', { ...good, target: 3 }, /^target must be the name of a target, like "local"/],
    ['command (empty)', { ...good, command: [] }, /needs a command: a list of strings/],
    ['command (a string)', { ...good, command: 'python train.py' }, /needs a command: a list of strings, like \["python", "train.py"\]/],
    ['workers', { ...good, workers: 0 }, /^workers must be a whole number from 1 to 256/],
    ['workers (a fraction)', { ...good, workers: 1.5 }, /^workers must be a whole number/],
    ['gpusPerWorker', { ...good, gpusPerWorker: -1 }, /^gpusPerWorker \(GPUs per worker\) must be a whole number, 0 for none/],
    ['name', { ...good, name: 7 }, /^name must be text, not 7/],
    ['experiment', { ...good, experiment: ['a'] }, /^experiment must be text/],
    ['cwd', { ...good, cwd: {} }, /^cwd must be text/],
    ['env', { ...good, env: ['A=1'] }, /^env must be an object of variable name to text/],
    ['an env value', { ...good, env: { SEED: 1 } }, /^env.SEED must be text, not 1/],
    ['input', { ...good, input: 'relative/folder' }, /^input must be the absolute path of a folder/],
    ['cell', { ...good, cell: { notebook: 1, cell_id: 'c', source: '' } }, /^cell must be \{"notebook"/],
    ['targetsFile', { ...good, targetsFile: 'runlane.toml' }, /^targetsFile must be the absolute path of a runlane.toml, not "runlane.toml"/],
    ['params', { ...good, params: [1] }, /^params must be an object of name to value/],
  ])('refuses a bad %s with a 400 naming it, creating no run', async (_what, body, message) => {
    const res = await postJob(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
    expect(runs()).toEqual([]);
  });

  it('takes null for a field left out, and defaults workers to 1', async () => {
    const res = await postJob({ ...good, workers: null, gpusPerWorker: null, name: null, cwd: null, env: null, cell: null, params: null });
    expect(res.status).toBe(200);
    const run = await waitForJobEnd(store, res.body.run_id ?? '');
    expect(run).toMatchObject({ status: 'finished', name: 'true', params: { target: 'local', workers: 1 } });
  });

  it.each([
    ['the body', [1], /Send the re-run as a JSON object/],
    ['an unknown field', { params: {}, workers: 2 }, /takes only "params", not "workers"/],
    ['params', { params: [1] }, /^params must be an object of name to value/],
  ])('refuses a re-run with a bad %s with a 400 naming it', async (_what, body, message) => {
    const res = await post('/runs/20260101-000000-abcdef/rerun', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });
});
