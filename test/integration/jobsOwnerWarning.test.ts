// A daemon that only shows a store's jobs (another daemon, a real `runlane serve` process with its own
// RUNLANE_RUNTIME_DIR, holds the store's jobs lock) says so in its health warnings, which both editors
// show above the runs in one line (shared/ui common/daemonWarnings.ts): the other daemon's pid, that
// launches here are refused, what to do. Once that daemon has exited, the warning is gone.
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { warningLine } from '../../shared/ui/src/common/daemonWarnings.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { startJobsOwnerDaemon } from '../helpers/jobsOwnerDaemon.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

let tmp: string;
let store: string;
let shows: TestDaemon;
let other: { pid: number; stop: () => Promise<void> } | undefined;

beforeAll(async () => {
  tmp = makeTempDir('jobs-owner');
  store = path.join(tmp, 'work', '.runlane');
  other = await startJobsOwnerDaemon(store, path.join(tmp, 'rt-other'));
  shows = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt-here'), clientStore: store });
}, 60_000);

afterAll(async () => {
  await shows?.close();
  await other?.stop();
  removeTempDir(tmp);
}, 30_000);

it("says which daemon runs the store's jobs, that launching here is refused and what to do; the warning goes with that daemon", async () => {
  await shows.client.runs(); // the store is open in this daemon too
  const warnings = (await shows.client.health()).warnings ?? [];
  const owner = warnings.find((w) => w.startsWith('Another Runlane daemon'));
  expect(owner).toBe(`Another Runlane daemon (pid ${other!.pid}) runs the jobs of ${store}: jobs launched or cancelled through this daemon are refused while it runs. Launch them through that daemon (the same RUNLANE_RUNTIME_DIR), or stop it (kill ${other!.pid}) and launch again.`);
  // The editors' one line (both sidebars show warningLine of each warning).
  expect(warningLine(owner!)).toBe(`Jobs of work/.runlane run in another Runlane daemon (pid ${other!.pid}): jobs launched or cancelled from here are refused. Launch through that daemon, or stop it (kill ${other!.pid}) and launch again.`);
  // What the line says is so: a launch here is refused, naming that daemon.
  await expect(shows.client.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(`(pid ${other!.pid})`);
  await other!.stop();
  await expect.poll(async () => (await shows.client.health()).warnings ?? [], { timeout: 15_000 }).toEqual([]);
});
