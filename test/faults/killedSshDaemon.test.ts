// The daemon killed with kill -9 while an SSH job runs, and started again. The workers run on the host
// (they never depended on the daemon); the daemon brings their output back over ssh into the local
// store, so a daemon killed between writing lines and recording how far it got could repeat or drop
// lines. The new daemon re-adopts the job and goes on from what the local files hold: every line of
// every worker once, in order (counted). A real OpenSSH server on loopback (test/engines/ssh), the
// daemon as its own process (`runlane serve`), as in use. Listed under the ssh engine in
// test/suites/engines.json (npm test runs it in the engines suite).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient, readRuntime } from '../../shared/core/src/index.js';
import { processIsAlive } from '../../shared/core/src/processAlive.js';
import { waitForJobEnd } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';
import { FULL, faultRow } from './faultRow.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ENGINES = path.join(ROOT, 'test/engines/ssh');
const PORT = '22343';
const LINES = FULL ? 20_000 : 1_500;
const WORKERS = 2;
const hasSshd = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v sshd || test -x /usr/sbin/sshd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// LINES numbered lines per worker, a burst and a pause every 100 lines; the second half waits for the
// file named by argv[1] (made after the kill), so the job is surely running while no daemon runs.
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

/** The pids of a process's children (the daemon's ssh clients, left running when it is killed). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe.skipIf(!hasSshd)('the daemon killed with kill -9 during an SSH job', () => {
  const tmp = makeTempDir('fault-killed-ssh');
  const sshd = path.join(tmp, 'sshd');
  const store = path.join(tmp, '.runlane');
  const runtimeDir = path.join(tmp, 'runtime');
  const daemons: ChildProcess[] = [];
  const orphans: number[] = [];
  const go = path.join(tmp, 'go');

  function serve(): ChildProcess {
    // The daemon finds runlane.toml beside the store's .runlane/ folder.
    const d = spawn(process.execPath, [path.join(ROOT, 'shared/core/bin/runlane.js'), 'serve', '--dir', store, '--idle-timeout', '0'], {
      cwd: tmp,
      env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir },
      stdio: 'ignore',
    });
    daemons.push(d);
    return d;
  }

  beforeAll(() => {
    chmodSync(tmp, 0o755); // sshd reads the authorized keys as the target user
    execFileSync('bash', [path.join(ENGINES, 'start-sshd.sh'), sshd], { env: { ...process.env, SSHD_PORT: PORT }, stdio: 'pipe', timeout: 30_000 });
    const config = path.join(sshd, 'ssh_config');
    writeFileSync(path.join(tmp, 'runlane.toml'), `[targets.box]\nkind = "ssh"\nhost = "ci-target"\nssh_config = "${config}"\nworkdir = "${path.join(tmp, 'remote')}"\n`);
  }, 60_000);

  afterAll(() => {
    writeFileSync(go, ''); // a worker left waiting would run on after the test
    for (const d of daemons) d.kill('SIGKILL');
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended by itself
      }
    }
    if (existsSync(path.join(sshd, 'sshd.pid'))) execFileSync('bash', [path.join(ENGINES, 'stop-sshd.sh'), sshd], { stdio: 'pipe' });
    removeTempDir(tmp);
  });

  it('re-adopts the job and brings back every line of every worker once', async () => {
    const row = faultRow({ fault: 'daemon kill -9 during an SSH job, then restarted', load: `${WORKERS} workers x ${LINES.toLocaleString('en')} lines on a real sshd`, checked: 're-adopted; finished; every line once, in order' });
    const first = serve();
    await waitFor(() => readRuntime(runtimeDir)?.pid === first.pid, 30_000);
    const client = await DaemonClient.connect({ runtimeDir, start: false, store });
    const { run_id } = await client.submitJob({ target: 'box', command: ['python3', '-c', WORKER, go], workers: WORKERS, gpusPerWorker: 0, name: 'ssh overnight' });
    const stdout = (rank: number) => {
      try {
        return readFileSync(path.join(store, 'runs', run_id, 'logs', `w${rank}`, 'stdout.log'), 'utf8');
      } catch {
        return '';
      }
    };
    // Killed while both workers' lines are coming back, well before either has finished.
    await waitFor(() => [0, 1].every((r) => stdout(r).split('\n').length > 100), 60_000);
    orphans.push(...childrenOf(first.pid!));
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
