// `runlane serve`: runs the daemon in the foreground until it is idle or signalled.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { daemonAnswers } from '../client/daemonHttp.js';
import { readRuntime, runtimeDir } from '../runtime/runtimeFile.js';
import { tryLock, type ReleaseLock } from '../runtime/startLock.js';
import { Daemon } from '../server/daemon.js';

/** Held from the check for a running daemon until this one has written its runtime file. */
const SERVE_LOCK = 'serve.lock';

export async function serve(options: { storeDir: string; port?: number; idleTimeout?: number }): Promise<number> {
  const dir = runtimeDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = await takeLock(path.join(dir, SERVE_LOCK));
  let daemon: Daemon;
  try {
    const running = readRuntime(dir);
    if (running && running.pid !== process.pid && (await daemonAnswers(running))) {
      process.stderr.write(`runlane: a Runlane daemon is already running (pid ${running.pid}, port ${running.port}); it serves every store.\n`);
      return 0;
    }
    daemon = new Daemon({ defaultStore: options.storeDir, port: options.port, idleTimeout: options.idleTimeout, runtimeDir: dir });
    await daemon.start();
  } finally {
    release();
  }
  process.stderr.write(`Runlane daemon ${process.pid} on http://127.0.0.1:${daemon.port} (store ${options.storeDir}; runtime file in ${dir})\n`);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void daemon.close());
  await daemon.done;
  return 0;
}

/**
 * Waits for another `serve` that is starting right now: afterwards its runtime file answers. Ends:
 * a lock is taken over once its holder died (startLock.ts), however long a live one takes to start.
 */
async function takeLock(file: string): Promise<ReleaseLock> {
  for (;;) {
    const release = tryLock(file);
    if (release) return release;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
