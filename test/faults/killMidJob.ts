// The daemon killed with kill -9 in the middle of a remote job, and started again (the SSH and Ray
// rows): the workers print numbered lines, the second half of them only once a file made after the
// kill exists, so lines surely arrive while no daemon runs; the new daemon must re-adopt the job and
// bring back every line of every worker once, in order (counted for the table).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { DaemonClient, readRuntime } from '../../shared/core/src/index.js';
import { processIsAlive } from '../../shared/core/src/processAlive.js';
import { waitForJobEnd } from '../helpers/daemon.js';
import { waitFor } from '../helpers/waitFor.js';
import { FULL } from './faultRow.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** LINES numbered lines, a burst and a pause every 100; the second half waits for the file argv[1]. */
export function numberedWorker(lines: number): string {
  return String.raw`
import os, sys, time
for i in range(${lines}):
    if i == ${lines / 2}:
        while not os.path.exists(sys.argv[1]):
            time.sleep(0.02)
    print(i, flush=True)
    if i % 100 == 0:
        time.sleep(${FULL ? 0.02 : 0.05})
`;
}

export interface KilledDaemon {
  /** The folder holding the store (.runlane/), runlane.toml and the runtime folder. */
  tmp: string;
  store: string;
  runtimeDir: string;
  /** The file the workers' second halves wait for. */
  go: string;
  /** Every daemon started, to kill at the end. */
  daemons: ChildProcess[];
}

export function killedDaemonFolders(tmp: string): KilledDaemon {
  return { tmp, store: path.join(tmp, '.runlane'), runtimeDir: path.join(tmp, 'runtime'), go: path.join(tmp, 'go'), daemons: [] };
}

/** `runlane serve` as its own process on the store (it finds runlane.toml beside .runlane/). */
function serve(k: KilledDaemon, env: NodeJS.ProcessEnv): ChildProcess {
  const d = spawn(process.execPath, [path.join(ROOT, 'shared/core/bin/runlane.js'), 'serve', '--dir', k.store, '--idle-timeout', '0'], {
    cwd: k.tmp,
    env: { ...process.env, ...env, RUNLANE_RUNTIME_DIR: k.runtimeDir },
    stdio: 'ignore',
  });
  k.daemons.push(d);
  return d;
}

/**
 * Submits the job (`submit` gets a client of the first daemon), kills that daemon with SIGKILL once
 * both workers' lines are coming back, lets the second halves run with no daemon, starts another and
 * checks the job finishes with every line of each worker once and in order. `beforeKill` sees the
 * first daemon's pid (to collect the ssh clients it leaves behind). Returns the counts for the row.
 */
export async function killMidJob(
  k: KilledDaemon,
  o: { env?: NodeJS.ProcessEnv; workers: number; lines: number; submit: (client: DaemonClient) => Promise<string>; linesTimeout: number; beforeKill?: (pid: number) => void },
): Promise<{ lost: number; repeated: number }> {
  const first = serve(k, o.env ?? {});
  await waitFor(() => readRuntime(k.runtimeDir)?.pid === first.pid, 30_000);
  const client = await DaemonClient.connect({ runtimeDir: k.runtimeDir, start: false, store: k.store });
  const runId = await o.submit(client);
  const stdout = (rank: number) => {
    try {
      return readFileSync(path.join(k.store, 'runs', runId, 'logs', `w${rank}`, 'stdout.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const ranks = Array.from({ length: o.workers }, (_, r) => r);
  // Killed while every worker's lines are coming back, well before any has finished.
  await waitFor(() => ranks.every((r) => stdout(r).split('\n').length > 100), o.linesTimeout);
  o.beforeKill?.(first.pid!);
  first.kill('SIGKILL');
  await waitFor(() => !processIsAlive(first.pid!), 10_000);
  const seenWhileAway = stdout(0).length;
  writeFileSync(k.go, ''); // the second half, while no daemon runs
  const second = serve(k, o.env ?? {});
  await waitFor(() => readRuntime(k.runtimeDir)?.pid === second.pid, 30_000);
  const again = await DaemonClient.connect({ runtimeDir: k.runtimeDir, start: false, store: k.store });
  await again.runs(); // opening the store re-adopts its jobs
  const run = await waitForJobEnd(k.store, runId, 180_000, 200);
  expect(run.status).toBe('finished');
  let lost = 0;
  let repeated = 0;
  for (const rank of ranks) {
    const got = stdout(rank).split('\n').filter(Boolean).map(Number);
    lost += o.lines - new Set(got).size;
    repeated += got.length - new Set(got).size;
    expect(got, `w${rank}`).toEqual(Array.from({ length: o.lines }, (_, i) => i));
  }
  expect(seenWhileAway).toBeLessThan(stdout(0).length); // the rest came back after the re-adoption
  return { lost, repeated };
}

/** Ends what a test left waiting: the workers' second halves, and every daemon it started. */
export function endKilledDaemons(k: KilledDaemon): void {
  writeFileSync(k.go, '');
  for (const d of k.daemons) d.kill('SIGKILL');
}
