// The daemon killed with kill -9 while local jobs run, and started again: the new daemon re-adopts the
// jobs, records how each ended (also one whose worker failed while no daemon ran), and no worker's
// output line or logged point is lost or repeated (counted, line by line). The daemon is its own
// process (`runlane serve`), as in use; the workers outlive it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonClient, readRuntime, StoreReader } from '../../shared/core/src/index.js';
import { processIsAlive } from '../../shared/core/src/processAlive.js';
import { waitForJobEnd } from '../helpers/daemon.js';
import { waitFor } from '../helpers/waitFor.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { FULL, faultRow } from './faultRow.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LINES = FULL ? 20_000 : 2_000;
const JOBS = FULL ? 6 : 3;
const WORKERS = 2;

// Each worker prints LINES numbered lines and logs as many points, over about 3 s; the worker of
// rank 1 of the last job exits with 3 halfway (while no daemon runs).
const WORKER = String.raw`
import os, sys, time
import runlane
lines, fail = int(sys.argv[1]), sys.argv[2] == "1" and os.environ.get("RANK") == "1"
with runlane.run():
    for i in range(lines):
        print(i, flush=True)
        runlane.log(x=i, step=i)
        if i % 100 == 0:
            time.sleep(0.15)
        if fail and i == lines // 2:
            sys.exit(3)
`;

describe('the daemon killed with kill -9 during local jobs', () => {
  const tmp = makeTempDir('fault-killed');
  const store = path.join(tmp, 'store');
  const runtimeDir = path.join(tmp, 'runtime');
  const daemons: ChildProcess[] = [];

  function serve(): ChildProcess {
    const d = spawn(process.execPath, [path.join(ROOT, 'shared/core/bin/runlane.js'), 'serve', '--dir', store, '--idle-timeout', '0'], {
      env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir },
      stdio: 'ignore',
    });
    daemons.push(d);
    return d;
  }

  afterAll(() => {
    for (const d of daemons) d.kill('SIGKILL');
    removeTempDir(tmp);
  });

  it('re-adopts every job, records how each ended, and loses or repeats no line and no point', async () => {
    const row = faultRow({ fault: 'daemon kill -9 during local jobs, then restarted', load: `${JOBS} jobs x ${WORKERS} workers x ${LINES.toLocaleString('en')} lines + points`, checked: 're-adopted; statuses (one worker failed while no daemon ran); every line and point once' });
    const first = serve();
    await waitFor(() => readRuntime(runtimeDir)?.pid === first.pid, 30_000);
    const client = await DaemonClient.connect({ runtimeDir, start: false, store });
    const python = path.join(ROOT, '.venv/bin/python');
    const ids: string[] = [];
    for (let j = 0; j < JOBS; j++) {
      const created = await client.submitJob({ target: 'local', command: [python, '-c', WORKER, String(LINES), j === JOBS - 1 ? '1' : '0'], workers: WORKERS, gpusPerWorker: 0 });
      ids.push(created.run_id);
    }
    const stdout = (id: string, rank: number) => {
      try {
        return readFileSync(path.join(store, 'runs', id, 'logs', `w${rank}`, 'stdout.log'), 'utf8');
      } catch {
        return '';
      }
    };
    // Killed once every worker has printed something, well before any has finished.
    await waitFor(() => ids.every((id) => stdout(id, 0).length > 0 && stdout(id, 1).length > 0), 60_000);
    first.kill('SIGKILL');
    await waitFor(() => !processIsAlive(first.pid!), 10_000);
    await new Promise((r) => setTimeout(r, 1_500)); // the workers go on with no daemon
    const second = serve();
    await waitFor(() => readRuntime(runtimeDir)?.pid === second.pid, 30_000);
    const again = await DaemonClient.connect({ runtimeDir, start: false, store });
    await again.runs(); // opening the store re-adopts its jobs

    const runs = await Promise.all(ids.map((id) => waitForJobEnd(store, id, 120_000, 200)));
    expect(runs.map((r) => r.status)).toEqual(ids.map((_, j) => (j === JOBS - 1 ? 'failed' : 'finished')));
    expect(runs[JOBS - 1]!.exit_code).toBe(3);
    let lost = 0;
    let repeated = 0;
    const reader = await StoreReader.open(store, () => {});
    for (const [j, id] of ids.entries()) {
      const failing = j === JOBS - 1; // its w1 exits with 3 halfway; w0 is then stopped (fail fast), anywhere
      for (let rank = 0; rank < WORKERS; rank++) {
        const got = stdout(id, rank).split('\n').filter(Boolean).map(Number);
        const want = failing ? (rank === 1 ? LINES / 2 + 1 : got.length) : LINES;
        lost += Math.max(0, want - new Set(got).size);
        repeated += got.length - new Set(got).size;
        expect(got, `${id} w${rank}`).toEqual(Array.from({ length: want }, (_, i) => i));
      }
      const points = await reader.readSeries(id, 'x', { points: 1_000_000 });
      // Rank 0's series (the primary): every point, once. A worker stopped by fail fast (SIGTERM)
      // may end with points it had not flushed yet; what it wrote is still a clean prefix.
      if (!failing) expect(points.steps.length, `${id} points`).toBe(LINES);
      expect(points.steps, `${id} points`).toEqual(Array.from({ length: points.steps.length }, (_, i) => i));
    }
    row.pass({ lost, repeated, jobs: JOBS, lines: JOBS * WORKERS * LINES });
  }, 600_000);
});
