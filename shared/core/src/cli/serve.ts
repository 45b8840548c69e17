// `runlane serve`: runs the daemon in the foreground until it is idle or signalled.
import { readRuntime, runtimeDir } from '../runtime/runtimeFile.js';
import { Daemon } from '../server/daemon.js';
import { processIsAlive } from '../processAlive.js';

export async function serve(options: { storeDir: string; port?: number; idleTimeout?: number }): Promise<number> {
  const dir = runtimeDir();
  const running = readRuntime(dir);
  if (running && running.pid !== process.pid && processIsAlive(running.pid)) {
    process.stderr.write(`runlane: a Runlane daemon is already running (pid ${running.pid}, port ${running.port}); it serves every store.\n`);
    return 0;
  }
  const daemon = new Daemon({ defaultStore: options.storeDir, port: options.port, idleTimeout: options.idleTimeout, runtimeDir: dir });
  await daemon.start();
  process.stderr.write(`Runlane daemon ${process.pid} on http://127.0.0.1:${daemon.port} (store ${options.storeDir}; runtime file in ${dir})\n`);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => void daemon.close());
  await daemon.done;
  return 0;
}
