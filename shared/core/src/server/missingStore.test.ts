// Reading a store that does not exist yet creates nothing: JupyterLab's sidebar asks the daemon for
// the runs of its root's store before any cell ran, and a `.runlane/` made then would capture every
// notebook below it (the helper writes to the nearest `.runlane/` up from the notebook). The store
// stays followed, so the runs of the writer that creates it reach the list and the feed.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { startTestDaemon, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const python = path.resolve(here, '../../../../.venv/bin/python');
const bin = path.resolve(here, '../../bin/runlane.js');
const tmp = makeTempDir('missing-store');
const work = path.join(tmp, 'work'); // JupyterLab's root: it exists, its store does not
const store = path.join(work, '.runlane');
mkdirSync(work);
let test: TestDaemon | undefined;
afterAll(async () => {
  await test?.close();
  removeTempDir(tmp);
});

it('a missing store is listed empty and not created; the run of the writer that creates it reaches the list and the feed', async () => {
  test = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt') });
  expect(await test.client.runs()).toEqual([]);
  const events: StoreEvent[] = [];
  const stop = test.client.events((e) => events.push(e));
  try {
    expect(await test.client.experiments()).toEqual([]);
    expect(existsSync(store) ? readdirSync(store, { recursive: true }) : 'absent').toBe('absent');

    const code = 'import runlane as rl\nwith rl.run(name="first") as r:\n    r.log({"loss": 0.5}, step=0)\n    print(r.id, flush=True)\n';
    const child = spawn(python, ['-c', code], { env: { ...process.env, RUNLANE_DIR: store }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    const id = out.trim();
    expect(existsSync(path.join(store, 'runs', id))).toBe(true);
    // At once for a client that has its id (as the writer's own does), though the watcher looks for
    // the new store's runs/ only once a second: it was a 404 until then.
    expect((await test.client.run(id)).name).toBe('first');
    expect((await test.client.series(id, 'loss')).values).toEqual([0.5]);

    const created = () => events.some((e) => e.type === 'run-created' && e.run.id === id);
    await expect.poll(created, { timeout: 15_000, interval: 100 }).toBe(true);
    await expect.poll(async () => (await test!.client.runs()).map((r) => [r.id, r.name, r.status]), { timeout: 15_000 }).toEqual([[id, 'first', 'finished']]);
  } finally {
    stop();
  }
});

it('runlane ls on a store that does not exist yet says so and makes nothing', async () => {
  const missing = path.join(work, 'mlp', '.runlane');
  mkdirSync(path.dirname(missing));
  const env = { ...process.env, RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt-cli'), RUNLANE_DIR: '' };
  for (const args of [['ls', '--dir', missing], ['ls', '--json', '--dir', missing]]) {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [bin, ...args], { env, timeout: 30_000 }, (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)));
    });
    expect(stdout.trim(), args.join(' ')).toMatch(args.includes('--json') ? /^\[\]$/ : /^No runs in /);
  }
  expect(readdirSync(path.dirname(missing))).toEqual([]);
});
