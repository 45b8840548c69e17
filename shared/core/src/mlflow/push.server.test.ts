// `runlane push` against a real MLflow server on PostgreSQL: the mapping as the server shows it, and
// exactly once, counted on the server (metrics/get-history), across a second push, kill -9 of the
// CLI mid-push, kill -9 of the server mid-push, and a run deleted on the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowServer, type MlflowServer } from '../../../../test/helpers/mlflowServer.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { sleep, waitFor } from '../../../../test/helpers/waitFor.js';
import { StoreWriter } from '../store/index.js';
import { MlflowHttp } from './http.js';
import { serverPoints } from './pushMetrics.js';
import { journalFile, type SyncJournal } from './syncJournal.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');

let tmp: string;
let server: MlflowServer;
let http: MlflowHttp;
let store: string;

beforeAll(async () => {
  tmp = makeTempDir('push');
  chmodSync(tmp, 0o711); // PostgreSQL runs as its own user (as root) and must reach its folder inside
  store = path.join(tmp, 'store', '.runlane');
  server = await startMlflowServer({ dir: path.join(tmp, 'mlflow'), backend: 'postgres' });
  http = new MlflowHttp(server.uri, { env: {} });
}, 120_000);

afterAll(async () => {
  http?.close();
  await server?.stop();
  removeTempDir(tmp);
});

interface Cli {
  child: ChildProcess;
  done: Promise<{ code: number; stdout: string; stderr: string }>;
}

function pushCli(args: string[], env: NodeJS.ProcessEnv = {}): Cli {
  const child = spawn(process.execPath, [bin, 'push', ...args, '--dir', store], {
    env: { ...process.env, MLFLOW_TRACKING_USERNAME: '', MLFLOW_TRACKING_PASSWORD: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code: code ?? 137, stdout, stderr })));
  return { child, done };
}

/** A finished local run: `points` of loss (a NaN and an Infinity among them), acc, and rank 1's loss. */
async function localRun(name: string, points: number): Promise<string> {
  const w = await StoreWriter.open(store);
  const id = await w.createRun({ name, experiment: 'push-tests', kind: 'script', source: 'import runlane as rl\n' });
  w.appendEvent(id, { type: 'status', status: 'running' });
  w.appendEvent(id, { type: 'params', params: { lr: 0.01, layers: [64, 64], note: 'n'.repeat(7000), 'lr|decay@step': 0.5, 'β/../x': 1 } });
  w.appendEvent(id, { type: 'tags', tags: { team: 'vision' } });
  const t0 = Date.now() / 1000;
  const series = Array.from({ length: points }, (_, i) => ({ step: i, time: t0 + i / 1000, value: i === 3 ? NaN : i === 4 ? Infinity : 1 / (i + 1) }));
  w.logMetrics(id, 'loss', series);
  w.logMetrics(id, 'acc', series.slice(0, 100).map((p) => ({ ...p, value: 0.5 })));
  const rank1 = await StoreWriter.open(store, { rank: 1 });
  rank1.logMetrics(id, 'loss', series.slice(0, 50));
  w.appendLog(id, 'stdout', 'epoch 1\n');
  w.appendEvent(id, { type: 'status', status: 'finished' });
  return id;
}

function serverRunId(stdout: string, id: string): string {
  const m = new RegExp(`^${id} -> ([0-9a-f]{32})`, 'm').exec(stdout);
  if (!m) throw new Error(`no server run id in: ${stdout}`);
  return m[1]!;
}

async function counts(runId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of ['loss', 'acc', 'loss/rank1']) out[key] = (await serverPoints(http, runId, key)).size;
  return out;
}

/** Some points acknowledged, a batch on its way: the moment to cut a push. */
function midPush(id: string): boolean {
  try {
    const j = journal(id);
    return Object.values(j.files).some((n) => n >= 2000) && Object.keys(j.inflight).length > 0;
  } catch {
    return false; // no journal yet, or being replaced
  }
}

function journal(id: string): SyncJournal {
  return JSON.parse(readFileSync(journalFile(path.join(store, 'runs', id), server.uri), 'utf8')) as SyncJournal;
}

describe('runlane push to MLflow (PostgreSQL)', () => {
  it('maps a run (params cut with a note, tags, NaN, statuses, files) and a second push sends nothing', async () => {
    const id = await localRun('mapped', 1500);
    const first = await pushCli([id, '--mlflow', server.uri]).done;
    expect(first.stderr).not.toContain('not pushed');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^${id} -> [0-9a-f]{32}  ${server.uri}/#/experiments/\\d+/runs/[0-9a-f]{32}  \\(1,650 points pushed\\)$`, 'm'));
    const runId = serverRunId(first.stdout, id);
    expect(await counts(runId)).toEqual({ loss: 1500, acc: 100, 'loss/rank1': 50 });

    const { run } = await http.get<{ run: { info: { status: string; end_time: number }; data: { params: { key: string; value: string }[]; tags: { key: string; value: string }[] } } }>('runs/get', { run_id: runId });
    const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
    const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
    expect(run.info.status).toBe('FINISHED');
    expect(params.lr).toBe('0.01');
    expect(params.layers).toBe('[64,64]');
    expect(params.note).toHaveLength(6000);
    expect(tags).toMatchObject({ 'runlane.run_id': id, 'mlflow.runName': 'mapped', team: 'vision', 'runlane.kind': 'script', 'runlane.ranks': '1' });
    expect(tags['runlane.params_cut']).toContain('note');
    // Keys MLflow refuses as they are (it allows letters, digits, _ - . : / and spaces, no .. segment) are renamed, and said so.
    expect(params).toMatchObject({ lr_decay_step: '0.5', 'β/__/x': '1' });
    expect(tags['runlane.keys_renamed']).toBe('lr|decay@step -> lr_decay_step, β/../x -> β/__/x');
    const history = await http.get<{ metrics: { step: number; value: number | string }[] }>('metrics/get-history', { run_id: runId, metric_key: 'loss' });
    const byStep = new Map(history.metrics.map((m) => [Number(m.step), m.value]));
    expect(byStep.get(3)).toBe('NaN');
    expect(byStep.get(4)).toBe(Number.MAX_VALUE); // what a SQL store makes of +Infinity
    const files = await http.get<{ files?: { path: string }[] }>('artifacts/list', { run_id: runId, path: 'runlane' });
    expect(files.files?.map((f) => f.path)).toEqual(expect.arrayContaining(['runlane/source.py', 'runlane/params.json', 'runlane/logs']));

    const again = await pushCli([id, '--mlflow', server.uri]).done;
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${id} -> ${runId}`);
    expect(again.stdout).toContain('(0 points pushed)');
    expect(await counts(runId)).toEqual({ loss: 1500, acc: 100, 'loss/rank1': 50 });

    // The journal lost: the server run is found by its runlane.run_id tag, and what it holds is not sent again.
    rmSync(path.join(store, 'runs', id, 'sync'), { recursive: true });
    const lost = await pushCli([id, '--mlflow', server.uri]).done;
    expect(lost.code).toBe(0);
    expect(lost.stdout).toContain(`${id} -> ${runId}`);
    expect(lost.stdout).toContain('(0 points pushed)');
    expect(await counts(runId)).toEqual({ loss: 1500, acc: 100, 'loss/rank1': 50 });
  }, 60_000);

  it('kill -9 of the CLI mid-push, then push again: exactly the local points, no gap, no duplicate', async () => {
    const id = await localRun('cli killed', 10_000);
    const cli = pushCli([id, '--mlflow', server.uri]);
    await waitFor(() => midPush(id), 60_000, 10);
    cli.child.kill('SIGKILL');
    await cli.done;
    const cut = journal(id);
    expect(Object.keys(cut.inflight).length).toBeGreaterThan(0); // a batch was on its way: the resume must settle it
    expect(Object.values(cut.files).reduce((a, b) => a + b, 0)).toBeLessThan(10_150);
    await sleep(1500); // requests the killed push had sent finish on the server
    const serverId = (await http.post<{ runs: { info: { run_id: string } }[] }>('runs/search', { experiment_ids: [cut.experiment_id], filter: `tags.\`runlane.run_id\` = '${id}'` })).runs[0]!.info.run_id;
    const held = Object.values(await counts(serverId)).reduce((a, b) => a + b, 0);
    const resumed = await pushCli([id, '--mlflow', server.uri]).done;
    expect(resumed.code).toBe(0);
    expect(await counts(serverRunId(resumed.stdout, id))).toEqual({ loss: 10_000, acc: 100, 'loss/rank1': 50 });
    // Nothing the server held was sent again (the uncertain batch settled by asking), whatever the
    // server would have done with a duplicate row.
    expect(resumed.stdout).toContain(`(${(10_150 - held).toLocaleString('en-US')} points pushed)`);
    expect(journal(id).inflight).toEqual({});
  }, 120_000);

  it('kill -9 of the server mid-push, restarted: the push waits, resumes, and ends with exact counts', async () => {
    const id = await localRun('server killed', 10_000);
    const cli = pushCli([id, '--mlflow', server.uri]);
    await waitFor(() => midPush(id), 60_000, 10);
    await server.kill();
    await sleep(1500);
    await server.restart();
    const result = await cli.done;
    expect(result.stderr).toMatch(/Trying again in \d+ s/); // it saw the outage and waited it out
    expect(result.code).toBe(0);
    expect(await counts(serverRunId(result.stdout, id))).toEqual({ loss: 10_000, acc: 100, 'loss/rank1': 50 });
  }, 180_000);

  it('a run deleted on the server is reported, never pushed again as a new run', async () => {
    const id = await localRun('deleted there', 10);
    const first = await pushCli([id, '--mlflow', server.uri]).done;
    const runId = serverRunId(first.stdout, id);
    await http.post('runs/delete', { run_id: runId });
    const again = await pushCli([id, '--mlflow', server.uri]).done;
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Run ${id} was deleted on the MLflow server at ${server.uri} (server run ${runId})`);
    expect(journal(id).state).toBe('failed');
    const found = await http.post<{ runs?: unknown[] }>('runs/search', { experiment_ids: [journal(id).experiment_id], filter: `tags.\`runlane.run_id\` = '${id}'`, run_view_type: 'ALL' });
    expect(found.runs).toHaveLength(1);
  }, 60_000);

  it('says what to give when the destination is missing or unknown', async () => {
    const none = await pushCli(['some-run']).done;
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--mlflow URI');
    const unknown = await pushCli(['some-run', '--to', 'team']).done;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No store "team"');
  }, 30_000);
});
