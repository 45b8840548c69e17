// Images, texts and histograms logged by the real Python helper, served by a real daemon: the run's
// keys, the lists, the bytes with their type (never sniffed), and live events as new ones arrive.
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { startTestDaemon, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const python = path.resolve(here, '../../../../.venv/bin/python');

// Logs a first batch, says the run id, then logs a second batch when told to on stdin.
const SCRIPT = [
  'import sys, numpy as np, runlane as rl',
  'from runlane.media import drain',
  'rl.log(loss=1.0)',
  'run = rl.active_run()',
  'img = np.zeros((6, 4, 3), dtype=np.uint8); img[:, :, 0] = 255',
  'rl.log_image("samples/red", img, caption="<img src=x onerror=alert(1)>")',
  'rl.log_text("notes", "<b>not bold</b>")',
  'rl.log_histogram("weights", [0.0, 0.5, 1.0, 1.0], buckets=2)',
  'drain(run)',
  'print(run.id, flush=True)',
  'sys.stdin.readline()',
  'rl.log_image("samples/red", img, step=5)',
  'rl.log_histogram("weights", [2.0, 3.0], step=5, buckets=2)',
  'drain(run)',
  'print("done", flush=True)',
  'sys.stdin.readline()',
].join('\n');

let tmp = '';
let test: TestDaemon;
let child: ChildProcess;
let runId = '';
const events: StoreEvent[] = [];
let stopEvents = () => {};
const lines: string[] = [];

function get(route: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { port, token } = test.client.runtime;
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/api/v1${route}`, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  tmp = makeTempDir('media-routes');
  test = await startTestDaemon({ store: path.join(tmp, '.runlane'), runtimeDir: path.join(tmp, 'runtime') });
  await test.client.runs(); // the store is open (and watched) before the script writes
  stopEvents = test.client.events((e) => events.push(e));
  child = spawn(python, ['-c', SCRIPT], { env: { ...process.env, RUNLANE_DIR: path.join(tmp, '.runlane') }, stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout!.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  await waitFor(() => lines.length > 0, 60_000);
  runId = lines[0]!;
}, 90_000);

afterAll(async () => {
  stopEvents();
  child?.kill('SIGKILL');
  await test?.close();
  removeTempDir(tmp);
});

describe('media over the API', () => {
  it('the run says its keys; lists, bytes and histograms come back as logged', async () => {
    await expect.poll(async () => (await test.client.run(runId)).media_keys, { timeout: 15_000 }).toEqual(['notes', 'samples/red']);
    expect((await test.client.run(runId)).histogram_keys).toEqual(['weights']);
    const items = await test.client.media(runId);
    expect(items.map((i) => [i.key, i.kind, i.step, i.caption, i.width, i.height])).toEqual([
      ['notes', 'text', 0, null, null, null],
      ['samples/red', 'image', 0, '<img src=x onerror=alert(1)>', 4, 6],
    ]);
    expect(items[0]!.text).toBe('<b>not bold</b>');
    expect((await test.client.media(runId, 'notes')).map((i) => i.key)).toEqual(['notes']);

    const image = await get(`/runs/${runId}/media/${encodeURIComponent(items[1]!.ref)}`);
    expect(image.status).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['x-content-type-options']).toBe('nosniff');
    expect(image.body.subarray(1, 4).toString()).toBe('PNG');
    const text = await get(`/runs/${runId}/media/${encodeURIComponent(items[0]!.ref)}`);
    expect([text.headers['content-type'], text.body.toString()]).toEqual(['text/plain; charset=utf-8', '<b>not bold</b>']);

    for (const ref of ['../meta.json', `${items[1]!.ref.split('/')[0]}/99`, 'x/0']) {
      const missing = await get(`/runs/${runId}/media/${encodeURIComponent(ref)}`);
      expect(missing.status).toBe(404);
      expect((JSON.parse(missing.body.toString()) as { error: string }).error).toContain('has no media item');
    }
    expect((await get(`/runs/nope/media`)).status).toBe(404);

    const histograms = await test.client.histograms(runId, 'weights');
    expect(histograms.steps.map((s) => [s.step, s.edges, s.counts, s.count])).toEqual([[0, [0, 0.5, 1], [1, 3], 4]]);
  });

  it('new images and histogram steps reach the feed as they are logged', async () => {
    child.stdin!.write('more\n');
    await expect.poll(() => lines.includes('done'), { timeout: 30_000 }).toBe(true);
    await expect
      .poll(() => events.some((e) => e.type === 'media' && e.run_id === runId && e.items.some((i) => i.step === 5 && i.key === 'samples/red')), { timeout: 15_000 })
      .toBe(true);
    await expect
      .poll(() => events.some((e) => e.type === 'histograms' && e.run_id === runId && e.key === 'weights' && e.steps.some((s) => s.step === 5)), { timeout: 15_000 })
      .toBe(true);
    expect((await test.client.histograms(runId, 'weights')).steps.map((s) => s.step)).toEqual([0, 5]);
  });

  it("a job's worker 1 logs its own histograms: read apart with ?rank=1, rank 0's unchanged, live with its rank", async () => {
    // A job worker (RUNLANE_RUN_ID and RANK set, as every target sets them) joins the run with its own writer.
    const env = { ...process.env, RUNLANE_DIR: path.join(tmp, '.runlane'), RUNLANE_RUN_ID: runId, RANK: '1' };
    const worker = 'import runlane as rl\nfrom runlane.media import drain\nrl.log_histogram("weights", [10.0, 11.0], step=2, buckets=1)\nrl.log_histogram("grads", [1.0], step=2, buckets=1)\ndrain(rl.active_run())\n';
    const code = await new Promise<number | null>((resolve) => spawn(python, ['-c', worker], { env, stdio: 'inherit' }).on('exit', resolve));
    expect(code).toBe(0);
    await expect.poll(async () => (await test.client.run(runId)).histogram_ranks, { timeout: 15_000 }).toEqual([0, 1]);
    expect((await test.client.run(runId)).histogram_keys).toEqual(['grads', 'weights']);
    const one = await test.client.histograms(runId, 'weights', 1);
    expect(one.steps.map((s) => [s.step, s.edges, s.counts])).toEqual([[2, [10, 11], [2]]]);
    expect((await test.client.histograms(runId, 'grads', 1)).steps.map((s) => s.step)).toEqual([2]);
    // Rank 0 (the default) still has only the primary writer's steps.
    expect((await test.client.histograms(runId, 'weights')).steps.map((s) => s.step)).toEqual([0, 5]);
    expect((await test.client.histograms(runId, 'grads')).steps).toEqual([]);
    expect((await test.client.histograms(runId, 'weights', 2)).steps).toEqual([]);
    await expect
      .poll(() => events.some((e) => e.type === 'histograms' && e.run_id === runId && e.rank === 1 && e.key === 'weights'), { timeout: 15_000 })
      .toBe(true);
    expect(events.some((e) => e.type === 'histograms' && e.run_id === runId && e.rank === undefined && e.steps.some((s) => s.step === 2))).toBe(false);
    const bad = await get(`/runs/${runId}/histograms/weights?rank=-1`);
    expect([bad.status, (JSON.parse(bad.body.toString()) as { error: string }).error]).toEqual([400, expect.stringContaining('rank must be a worker rank')]);
  });
});
