// DVCLive folders written by the real dvclive package (pinned in .cache/dvclive-venv by
// scripts/setup-dvclive.sh), read as runs: by the reader, live through a restart and in-place
// rewrites, by the daemon's log-directory index (its feed), and by the `runlane` CLI (--dvclive).
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { Daemon } from '../../server/daemon.js';
import { LogdirIndex } from '../../server/logdirIndex.js';
import { inspectFolder } from '../../store/folderKind.js';
import { DvcliveDir } from './dvcliveDir.js';
import { MixedLogdir } from './mixedLogdir.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../../..');
const python = path.join(root, '.cache/dvclive-venv/bin/python');
const driverScript = path.join(root, 'test/fixtures/dvclive/driver.py');
const bin = path.join(root, 'shared/core/bin/runlane.js');

/** One Python process running the driver: each command resolves once dvclive has written it. */
class Driver {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = '';
  private waiting: ((line: string) => void)[] = [];

  constructor(cwd: string) {
    this.child = spawn(python, [driverScript], { cwd, stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let nl;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.waiting.shift()?.(line);
      }
    });
  }

  async send(...commands: string[]): Promise<void> {
    for (const command of commands) {
      const answer = new Promise<string>((resolve) => this.waiting.push(resolve));
      this.child.stdin.write(`${command}\n`);
      const line = await answer;
      if (line !== 'ok') throw new Error(`dvclive driver: ${command}: ${line}`);
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }
}

const hasDvclive = existsSync(python);
let tmp: string;
let driver: Driver;
beforeAll(() => {
  tmp = makeTempDir('dvclive');
  if (hasDvclive) driver = new Driver(tmp);
});
afterAll(async () => {
  await driver?.close();
  removeTempDir(tmp);
});

describe.skipIf(!hasDvclive)('DVCLive folders written by dvclive', () => {
  it('reads params, every metric (plot=False too) and the per-step images of a finished Live', async () => {
    const dir = path.join(tmp, 'finished', 'dvclive');
    await driver.send(`start ${dir}`, 'params {"lr": 0.01, "model": {"layers": 3, "act": "relu"}, "tags": ["a", "b"]}');
    for (let step = 0; step < 3; step++) await driver.send(`metric train/loss ${1 / (step + 1)}`, `metric acc ${0.5 + step / 10}`, `quiet best ${step}`, 'image samples', 'step');
    await driver.send('end');
    const source = new DvcliveDir(path.join(tmp, 'finished'));
    await source.refresh();
    expect(source.runIds()).toEqual(['dvclive']);
    const run = source.summary('dvclive', Date.now() / 1000 + 3600)!; // an hour on: quiet, so finished
    expect(run).toMatchObject({ kind: 'dvclive', status: 'finished', params: { lr: 0.01, 'model.layers': 3, 'model.act': 'relu', tags: ['a', 'b'] } });
    expect(run.metrics['train/loss']).toEqual({ count: 3, last: 1 / 3, min: 1 / 3, max: 1 });
    expect(run.metrics.best).toMatchObject({ count: 1, last: 2 });
    expect(source.readSeries('dvclive', 'acc').values).toEqual([0.5, 0.6, 0.7]);
    expect(source.readSeries('dvclive', 'train/loss').steps).toEqual([0, 1, 2]);
    expect(source.run('dvclive')!.images.map((i) => [i.key, i.step])).toEqual([['samples', 0], ['samples', 1], ['samples', 2]]);
    expect(() => source.readSeries('../finished', 'acc')).toThrow(/No run/);
  });

  it("serves a DVCLive run's images through the media API, only the images it lists", async () => {
    const logdir = new MixedLogdir(path.join(tmp, 'finished'));
    await logdir.refresh();
    const media = logdir.mediaSource;
    expect(await media.mediaKeys('dvclive')).toEqual({ media_keys: ['samples'], histogram_keys: [] });
    const items = await media.media('dvclive', 'samples');
    expect(items.map((i) => [i.step, i.kind, i.mime, i.width, i.height, i.ref])).toEqual([0, 1, 2].map((s) => [s, 'image', 'image/png', 8, 6, `samples/${s}.png`]));
    const bytes = await media.mediaBytes('dvclive', items[1]!.ref);
    expect(bytes!.mime).toBe('image/png');
    expect(bytes!.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes!.bytes.length).toBe(items[1]!.size);
    expect(await media.mediaBytes('dvclive', '../params.yaml')).toBeNull();
    expect(await media.mediaBytes('dvclive', 'samples/9.png')).toBeNull();
  });

  it('follows a live run through appended rows, half-written files and a restart in the same folder', async () => {
    const project = path.join(tmp, 'live');
    const dir = path.join(project, 'dvclive');
    await driver.send(`start ${dir}`, 'params {"lr": 0.1}', 'metric loss 1', 'step', 'metric loss 0.9', 'step');
    const source = new DvcliveDir(dir);
    await source.refresh();
    expect(source.readSeries('dvclive', 'loss').values).toEqual([1, 0.9]);
    expect(source.summary('dvclive')!.status).toBe('running');

    await driver.send('metric loss 0.8', 'step');
    expect(await source.refresh()).toMatchObject([{ runId: 'dvclive', key: 'loss', steps: [2], values: [0.8] }]);

    // DVCLive rewrites params.yaml and metrics.json in place: a reader can see them empty or cut short,
    // and a row of the TSV before its newline.
    const params = path.join(dir, 'params.yaml');
    const good = readFileSync(params, 'utf8');
    writeFileSync(params, '');
    writeFileSync(path.join(dir, 'metrics.json'), '{"loss": 0.');
    appendFileSync(path.join(dir, 'plots/metrics/loss.tsv'), '3\t0.7');
    expect(await source.refresh()).toEqual([]);
    expect(source.summary('dvclive')!.params).toEqual({ lr: 0.1 });
    writeFileSync(params, good);
    appendFileSync(path.join(dir, 'plots/metrics/loss.tsv'), '5\n');
    expect(await source.refresh()).toMatchObject([{ key: 'loss', steps: [3], values: [0.75] }]);

    // A second Live() without resume deletes the folder's files and starts again.
    await driver.send('end', `start ${dir}`, 'params {"lr": 0.2}', 'metric loss 5', 'step');
    const points = await source.refresh();
    expect(source.takeRestarts()).toEqual(['dvclive']);
    expect(points).toMatchObject([{ key: 'loss', steps: [0], values: [5] }]);
    expect(source.readSeries('dvclive', 'loss').values).toEqual([5]);
    expect(source.summary('dvclive')!.params).toEqual({ lr: 0.2 });

    // resume=True appends: no restart.
    await driver.send('end', `start ${dir} resume`, 'metric loss 4', 'step');
    await source.refresh();
    expect(source.takeRestarts()).toEqual([]);
    expect(source.readSeries('dvclive', 'loss').values).toEqual([5, 4]);
    await driver.send('end');
  });

  it("the daemon's log directory finds a project's dvclive folder and announces a restart as a new run", async () => {
    const project = path.join(tmp, 'daemon');
    const dir = path.join(project, 'dvclive');
    await driver.send(`start ${dir}`, 'metric loss 1', 'step');
    const events: StoreEvent[] = [];
    const index = await LogdirIndex.open(project, (e) => events.push(e));
    try {
      expect(index.summaries().map((r) => [r.id, r.kind])).toEqual([['dvclive', 'dvclive']]);
      await driver.send('metric loss 0.5', 'step');
      await expect.poll(() => events.filter((e) => e.type === 'metrics').length, { timeout: 15_000 }).toBe(1);
      expect(events.find((e) => e.type === 'metrics')).toMatchObject({ run_id: 'dvclive', key: 'loss', steps: [1], values: [0.5] });
      // An image logged now reaches the feed as a media event (a poll after the one that read the points).
      await driver.send('image samples', 'step');
      await expect.poll(() => events.filter((e) => e.type === 'media').length, { timeout: 15_000 }).toBe(1);
      expect(events.find((e) => e.type === 'media')).toMatchObject({ run_id: 'dvclive', items: [{ key: 'samples', step: 2, kind: 'image', mime: 'image/png', ref: 'samples/2.png' }] });
      await driver.send('end', `start ${dir}`, 'metric loss 9', 'step');
      await expect.poll(() => events.map((e) => e.type).join(','), { timeout: 15_000 }).toMatch(/run-deleted,run-created,metrics$/);
      expect(events.filter((e) => e.type === 'media')).toHaveLength(1); // the restart's files are the new run's, read afresh
      expect(events.at(-1)).toMatchObject({ run_id: 'dvclive', steps: [0], values: [9] });
      expect((await index.series('dvclive', 'loss', {})).values).toEqual([9]);
      await driver.send('end');
    } finally {
      await index.close();
    }
  });

  it('runlane ls / show / metrics --dvclive DIR read it (a store beside it or none)', async () => {
    const dir = path.join(tmp, 'cli', 'dvclive');
    await driver.send(`start ${dir}`, 'params {"epochs": 2}', 'metric val/acc 0.25', 'step', 'metric val/acc 0.5', 'step', 'end');
    const run = (args: string[]): Promise<string> =>
      new Promise((resolve, reject) =>
        execFile(process.execPath, [bin, ...args, '--dir', path.join(tmp, 'store'), '--dvclive', dir], { env: { ...process.env, RUNLANE_DIR: '' }, timeout: 60_000 }, (err, out, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out),
        ),
      );
    const listed = JSON.parse(await run(['ls', '--json'])) as RunSummary[];
    expect(listed.map((r) => [r.id, r.name, r.kind])).toEqual([['dvclive', 'cli/dvclive', 'dvclive']]);
    expect(await run(['show', 'dvclive'])).toMatch(/epochs = 2/);
    expect(await run(['show', 'live'])).toMatch(/epochs = 2/); // a unique 4+ character end of the id (cli/runIds.ts)
    const points = JSON.parse(await run(['metrics', 'dvclive', 'val/acc', '--json'])) as { step: number; value: number }[];
    expect(points.map((p) => [p.step, p.value])).toEqual([[0, 0.25], [1, 0.5]]);
  });

  it('the editors open a DVCLive folder as they open a log folder: the folder is told apart, ?dvclive= serves it', async () => {
    const project = path.join(tmp, 'editor');
    const dir = path.join(project, 'dvclive');
    await driver.send(`start ${dir}`, 'metric loss 2', 'image samples', 'step', 'end');
    expect(await inspectFolder(dir)).toMatchObject({ kind: 'tensorboard', detail: 'a DVCLive folder' });
    expect(await inspectFolder(project)).toMatchObject({ kind: 'tensorboard', detail: 'a log folder with 1 DVCLive folder' });
    const daemon = new Daemon({ defaultStore: path.join(tmp, 'editor-store'), runtimeDir: null, idleTimeout: 0 });
    await daemon.start();
    try {
      const get = async (route: string) => {
        const res = await fetch(`http://127.0.0.1:${daemon.port}/api/v1${route}${route.includes('?') ? '&' : '?'}dvclive=${encodeURIComponent(dir)}`, { headers: { authorization: `Bearer ${daemon.token}` } });
        return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
      };
      const runs = JSON.parse((await get('/runs')).body.toString()) as RunSummary[];
      expect(runs.map((r) => [r.id, r.kind, r.name])).toEqual([['dvclive', 'dvclive', 'editor/dvclive']]);
      const items = JSON.parse((await get('/runs/dvclive/media')).body.toString()) as { ref: string }[];
      expect(items.map((i) => i.ref)).toEqual(['samples/0.png']);
      const image = await get(`/runs/dvclive/media/${encodeURIComponent(items[0]!.ref)}`);
      expect([image.status, image.type, image.body.subarray(1, 4).toString()]).toEqual([200, 'image/png', 'PNG']);
    } finally {
      await daemon.close();
    }
  });
});

// A new user read "took 0 ms" on a DVCLive run of one step: one point's time is no duration.
it('a DVCLive run of one timestamp has no duration; of two, the time between them', async () => {
  const write = (name: string, rows: string[]) => {
    const dir = path.join(tmp, 'durations', name, 'dvclive', 'plots', 'metrics');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'loss.tsv'), ['timestamp\tstep\tloss', ...rows, ''].join('\n'));
    return path.join(tmp, 'durations', name);
  };
  const later = Date.now() / 1000 + 3600; // an hour on: quiet, so finished
  const one = new DvcliveDir(write('one', ['1700000000000\t0\t0.5']));
  await one.refresh();
  expect(one.summary('dvclive', later)).toMatchObject({ status: 'finished', started_at: 1700000000, duration: null });
  const two = new DvcliveDir(write('two', ['1700000000000\t0\t0.5', '1700000002500\t1\t0.4']));
  await two.refresh();
  expect(two.summary('dvclive', later)).toMatchObject({ status: 'finished', started_at: 1700000000, ended_at: 1700000002.5, duration: 2.5 });
});

// DVCLive 3.x writes its TSVs without times (`step  loss`): the run's times come from its files. The
// newest write was taken as its start, so a run read as starting when it ended, with no duration.
it('a DVCLive run without timestamps starts at its oldest file and ends at its newest', async () => {
  const dir = path.join(tmp, 'untimed', 'dvclive');
  mkdirSync(path.join(dir, 'plots', 'metrics'), { recursive: true });
  writeFileSync(path.join(dir, 'params.yaml'), 'lr: 0.1\n');
  writeFileSync(path.join(dir, 'plots', 'metrics', 'loss.tsv'), 'step\tloss\n0\t1.0\n1\t0.5\n');
  const end = Math.floor(Date.now() / 1000) - 60;
  utimesSync(path.join(dir, 'params.yaml'), end - 5, end - 5); // written when Live() began
  utimesSync(path.join(dir, 'plots', 'metrics', 'loss.tsv'), end, end); // the last step
  const source = new DvcliveDir(path.join(tmp, 'untimed'));
  await source.refresh();
  expect(source.summary('dvclive', end + 3600)).toMatchObject({ status: 'finished', started_at: end - 5, ended_at: end, duration: 5 });
});
