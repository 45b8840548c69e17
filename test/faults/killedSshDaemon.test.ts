// The daemon killed with kill -9 while an SSH job runs, and started again. The workers run on the host
// (they never depended on the daemon); the daemon brings their output back over ssh into the local
// store, so a daemon killed between writing lines and recording how far it got could repeat or drop
// lines. The new daemon re-adopts the job and goes on from what the local files hold: every line of
// every worker once, in order (counted). A real OpenSSH server on loopback (test/engines/ssh), the
// daemon as its own process (`runlane serve`), as in use. Listed under the ssh engine in
// test/suites/engines.json (npm test runs it in the engines suite).
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { FULL, faultRow } from './faultRow.js';
import { endKilledDaemons, killedDaemonFolders, killMidJob, numberedWorker } from './killMidJob.js';

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
  const k = killedDaemonFolders(makeTempDir('fault-killed-ssh'));
  const sshd = path.join(k.tmp, 'sshd');
  const orphans: number[] = [];

  beforeAll(() => {
    chmodSync(k.tmp, 0o755); // sshd reads the authorized keys as the target user
    execFileSync('bash', [path.join(ENGINES, 'start-sshd.sh'), sshd], { env: { ...process.env, SSHD_PORT: PORT }, stdio: 'pipe', timeout: 30_000 });
    const config = path.join(sshd, 'ssh_config');
    writeFileSync(path.join(k.tmp, 'runlane.toml'), `[targets.box]\nkind = "ssh"\nhost = "ci-target"\nssh_config = "${config}"\nworkdir = "${path.join(k.tmp, 'remote')}"\n`);
  }, 60_000);

  afterAll(() => {
    endKilledDaemons(k); // a worker left waiting would run on after the test
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended by itself
      }
    }
    if (existsSync(path.join(sshd, 'sshd.pid'))) execFileSync('bash', [path.join(ENGINES, 'stop-sshd.sh'), sshd], { stdio: 'pipe' });
    removeTempDir(k.tmp);
  });

  it('re-adopts the job and brings back every line of every worker once', async () => {
    const row = faultRow({ fault: 'daemon kill -9 during an SSH job, then restarted', load: `${WORKERS} workers x ${LINES.toLocaleString('en')} lines on a real sshd`, checked: 're-adopted; finished; every line once, in order' });
    const counts = await killMidJob(k, {
      workers: WORKERS,
      lines: LINES,
      linesTimeout: 60_000,
      beforeKill: (pid) => orphans.push(...childrenOf(pid)), // its ssh clients, left running by the kill
      submit: async (client) => (await client.submitJob({ target: 'box', command: ['python3', '-c', numberedWorker(LINES), k.go], workers: WORKERS, gpusPerWorker: 0, name: 'ssh overnight' })).run_id,
    });
    row.pass({ ...counts, lines: WORKERS * LINES });
  }, 300_000);
});
