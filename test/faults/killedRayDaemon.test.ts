// The daemon killed with kill -9 while a Ray job runs, and started again. The workers are Ray's (the
// job runs on in the cluster); the daemon brings their output back over Ray's log tail into the local
// store and records how far it got, so a daemon killed between writing lines and recording that offset
// could repeat or drop lines. The new daemon re-adopts the job from its job.json and goes on from
// what the local files hold: every line of every worker once, in order (counted). A real Ray head
// (the engine suite's shared one, test/helpers/sharedRayHead.ts; a file run alone starts its own), the
// daemon as its own process (`runlane serve`), as in use. Listed under the ray engine in
// test/suites/engines.json (npm test runs it in the engines suite).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient, readRuntime } from '../../shared/core/src/index.js';
import { processIsAlive } from '../../shared/core/src/processAlive.js';
import { waitForJobEnd } from '../helpers/daemon.js';
import { sharedRayHead, type SharedRayHead } from '../helpers/sharedRayHead.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';
import { FULL, faultRow } from './faultRow.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LINES = FULL ? 20_000 : 2_000;
const WORKERS = 2;
const hasRay = existsSync(path.join(ROOT, '.cache/ray-venv/bin/ray')) && process.platform === 'linux';

// LINES numbered lines per worker, a burst and a pause every 100 lines; the second half waits for the
// file named by argv[1] (made after the kill), so lines surely arrive while no daemon runs. The head
// runs on this machine, so the workers see the file.
const WORKER = String.raw`
import os, sys, time
for i in range(${LINES}):
    if i == ${LINES / 2}:
        while not os.path.exists(sys.argv[1]):
            time.sleep(0.02)
    print(i, flush=True)
    if i % 100 == 0:
        time.sleep(${FULL ? 0.02 : 0.05})
`;

describe.skipIf(!hasRay)('the daemon killed with kill -9 during a Ray job', () => {
  const tmp = makeTempDir('fault-killed-ray');
  const store = path.join(tmp, '.runlane');
  const runtimeDir = path.join(tmp, 'runtime');
  const daemons: ChildProcess[] = [];
  const go = path.join(tmp, 'go');
  let head: SharedRayHead | undefined;

  function serve(): ChildProcess {
    // The daemon finds runlane.toml beside the store's .runlane/ folder; the token comes from the
    // variable the target names.
    const d = spawn(process.execPath, [path.join(ROOT, 'shared/core/bin/runlane.js'), 'serve', '--dir', store, '--idle-timeout', '0'], {
      cwd: tmp,
      env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir, RUNLANE_FAULT_RAY_TOKEN: head!.token },
      stdio: 'ignore',
    });
    daemons.push(d);
    return d;
  }

  beforeAll(async () => {
    head = await sharedRayHead(tmp);
    writeFileSync(
      path.join(tmp, 'runlane.toml'),
      `[targets.ray]\nkind = "ray"\naddress = "${head.address}"\npython = "${head.python}"\ntoken_env = "RUNLANE_FAULT_RAY_TOKEN"\n`,
    );
  }, 120_000);

  afterAll(async () => {
    writeFileSync(go, ''); // a worker left waiting would hold the shared head's CPUs after the test
    for (const d of daemons) d.kill('SIGKILL');
    try {
      await head?.release(); // only a head of this file's own is stopped
    } finally {
      removeTempDir(tmp);
    }
  }, 120_000);

  it('re-adopts the job and brings back every line of every worker once', async () => {
    const row = faultRow({ fault: 'daemon kill -9 during a Ray job, then restarted', load: `${WORKERS} workers x ${LINES.toLocaleString('en')} lines on a real Ray head`, checked: 're-adopted; finished; every line once, in order' });
    const first = serve();
    await waitFor(() => readRuntime(runtimeDir)?.pid === first.pid, 30_000);
    const client = await DaemonClient.connect({ runtimeDir, start: false, store });
    const { run_id } = await client.submitJob({ target: 'ray', command: ['python', '-c', WORKER, go], workers: WORKERS, gpusPerWorker: 0, name: 'ray overnight' });
    const stdout = (rank: number) => {
      try {
        return readFileSync(path.join(store, 'runs', run_id, 'logs', `w${rank}`, 'stdout.log'), 'utf8');
      } catch {
        return '';
      }
    };
    // Killed while both workers' lines are coming back, well before either has finished.
    await waitFor(() => [0, 1].every((r) => stdout(r).split('\n').length > 100), 90_000);
    first.kill('SIGKILL');
    await waitFor(() => !processIsAlive(first.pid!), 10_000);
    const seenWhileAway = stdout(0).length;
    writeFileSync(go, ''); // the second half, while no daemon runs
    const second = serve();
    await waitFor(() => readRuntime(runtimeDir)?.pid === second.pid, 30_000);
    const again = await DaemonClient.connect({ runtimeDir, start: false, store });
    await again.runs(); // opening the store re-adopts its jobs
    const run = await waitForJobEnd(store, run_id, 180_000, 200);
    expect(run.status).toBe('finished');
    let lost = 0;
    let repeated = 0;
    for (let rank = 0; rank < WORKERS; rank++) {
      const got = stdout(rank).split('\n').filter(Boolean).map(Number);
      lost += LINES - new Set(got).size;
      repeated += got.length - new Set(got).size;
      expect(got, `w${rank}`).toEqual(Array.from({ length: LINES }, (_, i) => i));
    }
    expect(seenWhileAway).toBeLessThan(stdout(0).length); // the rest came back after the re-adoption
    row.pass({ lost, repeated, lines: WORKERS * LINES });
  }, 300_000);
});
