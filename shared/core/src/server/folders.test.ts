// Contract C4 at the daemon and the CLI: a folder that is not a store is named as what it is (400,
// exit 2, one sentence saying what to do) and nothing is written into it; /sources/inspect says what
// a folder is, so the editors can offer to open it as that.
import { execFile } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { DaemonClient } from '../client/daemonClient.js';
import { Daemon } from './daemon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../../../test/fixtures');
const bin = path.resolve(here, '../../bin/runlane.js');
let tmp: string;
let logdir: string;
let daemon: Daemon | undefined;

beforeEach(() => {
  tmp = makeTempDir('folders');
  logdir = path.join(tmp, 'tb');
  cpSync(path.join(fixtures, 'tfevents', 'tensorboardx'), logdir, { recursive: true });
});
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  removeTempDir(tmp);
});

it('daemon: inspects folders, and answers 400 for a store that is a TensorBoard log folder', async () => {
  const runtime = path.join(tmp, 'runtime');
  daemon = new Daemon({ defaultStore: path.join(tmp, 'store'), runtimeDir: runtime, idleTimeout: 0 });
  await daemon.start();
  const client = await DaemonClient.connect({ runtimeDir: runtime, start: false });
  expect(await client.inspectFolder(logdir)).toEqual({ path: logdir, kind: 'tensorboard', detail: 'a TensorBoard log folder (6 runs of event files)' });
  // The daemon's default store, opened but not written: not made (its first writer makes it).
  expect(await client.inspectFolder(path.join(tmp, 'store'))).toMatchObject({ kind: 'missing' });
  expect(await client.inspectFolder(path.join(tmp, 'nothing'))).toMatchObject({ kind: 'missing' });
  await expect(client.request('/sources/inspect', { path: 'relative' })).rejects.toMatchObject({ status: 400 });

  const before = readdirSync(logdir).sort();
  const onTb = await DaemonClient.connect({ runtimeDir: runtime, start: false, store: logdir });
  await expect(onTb.runs()).rejects.toMatchObject({ status: 400, message: expect.stringContaining(`${logdir} is a TensorBoard log folder (6 runs of event files), not a Runlane store`) });
  await expect(onTb.submitJob({ target: 'local', command: ['true'] } as never)).rejects.toMatchObject({ status: 400 });
  expect(readdirSync(logdir).sort()).toEqual(before);
  // Opened as what it is, the same folder serves its runs.
  const asLogdir = await DaemonClient.connect({ runtimeDir: runtime, start: false, logdir });
  expect((await asLogdir.runs()).length).toBe(6);
});

it('CLI: --dir or RUNLANE_DIR at a TensorBoard log folder says to open it with --logdir, writing nothing', async () => {
  const before = readdirSync(logdir).sort();
  const env = { ...process.env, RUNLANE_RUNTIME_DIR: path.join(tmp, 'runtime'), RUNLANE_DIR: logdir };
  for (const args of [['ls'], ['ls', '--dir', logdir], ['show', 'x']]) {
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, ...args], { env, cwd: tmp, timeout: 30_000 }, (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }));
    });
    expect(code, args.join(' ')).toBe(2);
    expect(stderr).toContain(`is a TensorBoard log folder (6 runs of event files), not a Runlane store; nothing was written there. Open it as one: runlane ls --logdir ${logdir}`);
  }
  expect(readdirSync(logdir).sort()).toEqual(before);
});
