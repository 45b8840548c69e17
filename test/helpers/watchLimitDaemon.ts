// Swaps an editor's daemon for one that may make only `limit` file watches (RUNLANE_TEST_WATCH_LIMIT,
// shared/core/src/watch/watchDir.ts), as on a machine at the system's limit, so an e2e test can see
// what the editor shows then. The daemon is the real CLI's `runlane serve` in its own process group.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRuntime } from '../../shared/core/src/index.js';
import { daemonAnswers } from '../../shared/core/src/client/daemonHttp.js';
import { SPAWN_LOCK } from '../../shared/core/src/client/daemonLauncher.js';
import { tryLock } from '../../shared/core/src/runtime/startLock.js';
import { stopDaemonIn } from './daemon.js';
import { sleep } from './waitFor.js';

const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/core/bin/runlane.js');

/**
 * Stops the daemon of `runtimeDir` and starts the limited one in its place. Editors' Node clients
 * that reconnect meanwhile wait for it (the spawn lock is held) rather than start their own; a
 * Python client (JupyterLab's server) takes no lock, so its page should be closed during the swap.
 * Returns the stop: afterwards the editors start an ordinary daemon again when they next ask.
 */
export async function swapInWatchLimitedDaemon(runtimeDir: string, store: string, limit: number): Promise<{ stop: () => Promise<void> }> {
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  let release = tryLock(path.join(runtimeDir, SPAWN_LOCK));
  for (let i = 0; !release && i < 200; i++) {
    await sleep(50);
    release = tryLock(path.join(runtimeDir, SPAWN_LOCK));
  }
  if (!release) throw new Error(`Another client keeps starting a daemon in ${runtimeDir}.`);
  try {
    await stopDaemonIn(runtimeDir);
    const log = openSync(path.join(runtimeDir, 'daemon.log'), 'a');
    const child = spawn(process.execPath, [cli, 'serve', '--dir', store], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir, RUNLANE_TEST_WATCH_LIMIT: String(limit) },
    });
    closeSync(log);
    child.unref();
    for (const deadline = Date.now() + 20_000; ; await sleep(50)) {
      const info = readRuntime(runtimeDir);
      if (info && info.pid === child.pid && (await daemonAnswers(info))) break;
      if (child.exitCode !== null || Date.now() > deadline) {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
        throw new Error(`The watch-limited daemon did not start (exit ${child.exitCode}); see ${runtimeDir}/daemon.log.`);
      }
    }
  } finally {
    release();
  }
  return { stop: () => stopDaemonIn(runtimeDir) };
}
