// Another daemon that runs a store's jobs: a real `runlane serve` process with its own runtime folder
// (as another session's or another RUNLANE_RUNTIME_DIR's daemon would be), made to hold the store's
// jobs lock by a job launched through it. Daemons that open the store afterwards only show its jobs.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaemonClient, readRuntime } from '../../shared/core/src/index.js';
import { daemonAnswers } from '../../shared/core/src/client/daemonHttp.js';
import { stopDaemonIn, waitForJobEnd } from './daemon.js';
import { waitFor } from './waitFor.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/core/bin/runlane.js');

/** Starts it (its log in `runtimeDir`/daemon.log) and returns its pid and its stop (by that pid, via its runtime file). */
export async function startJobsOwnerDaemon(store: string, runtimeDir: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  if (!existsSync(path.dirname(store))) mkdirSync(path.dirname(store), { recursive: true });
  const logFile = path.join(runtimeDir, 'daemon.log');
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [cli, 'serve', '--dir', store], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir } });
  closeSync(log);
  child.unref();
  const stop = () => stopDaemonIn(runtimeDir);
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) return true; // said below
      const info = readRuntime(runtimeDir);
      return info !== null && info.pid === child.pid && (await daemonAnswers(info));
    }, 30_000);
    if (child.exitCode !== null) throw new Error(`The other daemon exited (${child.exitCode})`);
    const client = await DaemonClient.connect({ runtimeDir, start: false, store });
    const { run_id } = await client.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0 });
    const end = await waitForJobEnd(store, run_id, 30_000);
    if (end.status !== 'finished') throw new Error(`The other daemon's job ended ${end.status}`);
  } catch (err) {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    throw new Error(`${(err as Error).message}; its log: ${readFileSync(logFile, 'utf8')}`, { cause: err });
  }
  return { pid: child.pid!, stop };
}
