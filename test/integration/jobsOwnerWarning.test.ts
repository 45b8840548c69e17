// A daemon that only shows a store's jobs (another daemon, a real `runlane serve` process with its own
// RUNLANE_RUNTIME_DIR, holds the store's jobs lock) says so in its health warnings, which both editors
// show above the runs in one line (shared/ui common/daemonWarnings.ts): the other daemon's pid, that
// launches here are refused, what to do. Once that daemon has exited, the warning is gone.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DaemonClient, readRuntime } from '../../shared/core/src/index.js';
import { daemonAnswers } from '../../shared/core/src/client/daemonHttp.js';
import { warningLine } from '../../shared/ui/src/common/daemonWarnings.js';
import { startTestDaemon, stopDaemonIn, waitForJobEnd, type TestDaemon } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/core/bin/runlane.js');
let tmp: string;
let store: string;
let shows: TestDaemon;
let otherPid = 0;

beforeAll(async () => {
  tmp = makeTempDir('jobs-owner');
  store = path.join(tmp, 'work', '.runlane');
  // The daemon that runs the store's jobs: its own process (as another session's would be).
  const runtimeDir = path.join(tmp, 'rt-other');
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  mkdirSync(path.dirname(store));
  const log = openSync(path.join(tmp, 'other.log'), 'a');
  const child = spawn(process.execPath, [cli, 'serve', '--dir', store], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir } });
  closeSync(log);
  child.unref();
  await waitFor(async () => {
    if (child.exitCode !== null) return true; // said below
    const info = readRuntime(runtimeDir);
    return info !== null && info.pid === child.pid && (await daemonAnswers(info));
  }, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}: the other daemon did not start: ${readFileSync(path.join(tmp, 'other.log'), 'utf8')}`);
  });
  if (child.exitCode !== null) throw new Error(`The other daemon exited: ${readFileSync(path.join(tmp, 'other.log'), 'utf8')}`);
  otherPid = child.pid!;
  const other = await DaemonClient.connect({ runtimeDir, start: false, store });
  const { run_id } = await other.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0 }); // takes the store's jobs lock
  expect((await waitForJobEnd(store, run_id, 30_000)).status).toBe('finished');
  shows = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt-here'), clientStore: store });
}, 60_000);

afterAll(async () => {
  await shows?.close();
  await stopDaemonIn(path.join(tmp, 'rt-other'));
  removeTempDir(tmp);
}, 30_000);

it("says which daemon runs the store's jobs, that launching here is refused and what to do; the warning goes with that daemon", async () => {
  await shows.client.runs(); // the store is open in this daemon too
  const warnings = (await shows.client.health()).warnings ?? [];
  const owner = warnings.find((w) => w.startsWith('Another Runlane daemon'));
  expect(owner).toBe(`Another Runlane daemon (pid ${otherPid}) runs the jobs of ${store}: jobs launched or cancelled through this daemon are refused while it runs. Launch them through that daemon (the same RUNLANE_RUNTIME_DIR), or stop it (kill ${otherPid}) and launch again.`);
  // The editors' one line (both sidebars show warningLine of each warning).
  expect(warningLine(owner!)).toBe(`Jobs of work/.runlane run in another Runlane daemon (pid ${otherPid}): jobs launched or cancelled from here are refused. Launch through that daemon, or stop it (kill ${otherPid}) and launch again.`);
  // What the line says is so: a launch here is refused, naming that daemon.
  await expect(shows.client.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(`(pid ${otherPid})`);
  await stopDaemonIn(path.join(tmp, 'rt-other'));
  await expect.poll(async () => (await shows.client.health()).warnings ?? [], { timeout: 15_000 }).toEqual([]);
});
