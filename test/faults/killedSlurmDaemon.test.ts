// The daemon killed with kill -9 while Slurm jobs run, and started again. The tasks are Slurm's (srun
// writes their output straight into the run's log files), so they run on; the new daemon re-adopts
// each job from its job.json and Slurm's record, and records how each ended: one finished, one whose
// task failed while no daemon ran (`failed`, its exit code). Every line once, in order. A real
// single-node Slurm cluster (test/engines/slurm, as root), the daemon as its own process. Listed under
// the slurm engine in test/suites/engines.json (npm test runs it in the engines suite, ~15 s).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient, readRuntime } from '../../shared/core/src/index.js';
import { processIsAlive } from '../../shared/core/src/processAlive.js';
import { waitForJobEnd } from '../helpers/daemon.js';
import { startSlurm, stopSlurm } from '../helpers/slurmCluster.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';
import { FULL, faultRow } from './faultRow.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LINES = FULL ? 5_000 : 2_000;
const hasSlurm = existsSync('/usr/sbin/slurmctld') && existsSync('/usr/sbin/slurmd') && process.getuid?.() === 0;

// LINES numbered lines per task; the second half waits for the file named by argv[2] (made after the
// kill); with "fail", the task then exits with 3 (so it fails while no daemon runs). One task a job:
// the node has a CPU for each of the two jobs, which must run at once.
const WORKER = String.raw`
import os, sys, time
fail = sys.argv[1] == "1"
for i in range(${LINES}):
    if i == ${LINES / 2}:
        while not os.path.exists(sys.argv[2]):
            time.sleep(0.02)
        if fail:
            sys.exit(3)
    print(i, flush=True)
    if i % 100 == 0:
        time.sleep(0.02)
`;

describe.skipIf(!hasSlurm)('the daemon killed with kill -9 during Slurm jobs', () => {
  const tmp = makeTempDir('fault-killed-slurm');
  const slurmDir = path.join(tmp, 'slurm');
  const store = path.join(tmp, '.runlane');
  const runtimeDir = path.join(tmp, 'runtime');
  const env = { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir, SLURM_CONF: path.join(slurmDir, 'etc', 'slurm.conf') };
  const daemons: ChildProcess[] = [];
  const go = path.join(tmp, 'go');

  function serve(): ChildProcess {
    // The daemon finds runlane.toml beside the store's .runlane/ folder.
    const d = spawn(process.execPath, [path.join(ROOT, 'shared/core/bin/runlane.js'), 'serve', '--dir', store, '--idle-timeout', '0'], { cwd: tmp, env, stdio: 'ignore' });
    daemons.push(d);
    return d;
  }

  beforeAll(async () => {
    chmodSync(tmp, 0o755); // munged runs as the munge user and must reach its folder inside
    // Ports of its own: another suite's cluster may run at the same time.
    await startSlurm(slurmDir, { SLURMCTLD_PORT: '16857', SLURMD_PORT: '16858' });
    writeFileSync(path.join(tmp, 'runlane.toml'), '[targets.cluster]\nkind = "slurm"\npartition = "debug"\n');
  }, 180_000);

  afterAll(async () => {
    writeFileSync(go, ''); // a task left waiting would hold the cluster
    for (const d of daemons) d.kill('SIGKILL');
    try {
      await stopSlurm(slurmDir);
    } finally {
      removeTempDir(tmp);
    }
  }, 90_000);

  it('re-adopts both jobs, records how each ended, and every line is there once', async () => {
    const row = faultRow({ fault: 'daemon kill -9 during Slurm jobs, then restarted', load: `2 jobs x ${LINES.toLocaleString('en')} lines on a real Slurm`, checked: 're-adopted; finished, and failed with its exit code (a task failed while no daemon ran); every line once' });
    const first = serve();
    await waitFor(() => readRuntime(runtimeDir)?.pid === first.pid, 30_000);
    const client = await DaemonClient.connect({ runtimeDir, start: false, store });
    const ids: string[] = [];
    for (const fail of ['0', '1']) {
      ids.push((await client.submitJob({ target: 'cluster', command: ['python3', '-c', WORKER, fail, go], workers: 1, gpusPerWorker: 0 })).run_id);
    }
    const stdout = (id: string, rank: number) => {
      try {
        return readFileSync(path.join(store, 'runs', id, 'logs', `w${rank}`, 'stdout.log'), 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor(() => ids.every((id) => stdout(id, 0).length > 0), 90_000);
    first.kill('SIGKILL');
    await waitFor(() => !processIsAlive(first.pid!), 10_000);
    // The second halves run, and the failing task fails, while no daemon runs: until Slurm has no job.
    writeFileSync(go, '');
    await waitFor(() => execFileSync('squeue', ['-h', '-o', '%i'], { env, encoding: 'utf8' }).trim() === '', 120_000);
    const second = serve();
    await waitFor(() => readRuntime(runtimeDir)?.pid === second.pid, 30_000);
    const again = await DaemonClient.connect({ runtimeDir, start: false, store });
    await again.runs(); // opening the store re-adopts its jobs
    const runs = await Promise.all(ids.map((id) => waitForJobEnd(store, id, 180_000, 200)));
    expect(runs.map((r) => r.status)).toEqual(['finished', 'failed']);
    expect(runs[1]!.exit_code).toBe(3);
    let lost = 0;
    let repeated = 0;
    for (const rank of [0]) {
      const got = stdout(ids[0]!, rank).split('\n').filter(Boolean).map(Number);
      lost += LINES - new Set(got).size;
      repeated += got.length - new Set(got).size;
      expect(got, `w${rank}`).toEqual(Array.from({ length: LINES }, (_, i) => i));
    }
    const failed = stdout(ids[1]!, 0).split('\n').filter(Boolean).map(Number);
    expect(failed).toEqual(Array.from({ length: LINES / 2 }, (_, i) => i));
    row.pass({ lost, repeated, lines: LINES + LINES / 2 });
  }, 400_000);
});
