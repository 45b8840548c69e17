// A real Runlane daemon for a test, in the test's process, with a client connected to it; and the
// ways tests wait on it and stop the daemons clients started. The daemon's sources are imported, not
// the built package, so that the core's own tests test the code as it is now, build or no build.
import type { RunSummary } from '@runlane/protocol';
import { Daemon, DaemonClient, readRuntime, StoreReader } from '../../shared/core/src/index.js';
import { processIsAlive } from '../../shared/core/src/processAlive.js';
import { sleep, waitFor } from './waitFor.js';

export interface TestDaemonOptions {
  /** The daemon's default store (created on the first write when it does not exist). */
  store: string;
  /** Its runtime folder, where clients find it; a test's own, never the user's. */
  runtimeDir: string;
  /** The targets file (runlane.toml) the daemon reads. */
  targetsFile?: string;
  /** The store the client names in its requests; by default none (the daemon's default store). */
  clientStore?: string;
}

export interface TestDaemon {
  daemon: Daemon;
  client: DaemonClient;
  close: () => Promise<void>;
}

/** Starts a daemon that never exits on idle, and connects a client that may not start another. */
export async function startTestDaemon(options: TestDaemonOptions): Promise<TestDaemon> {
  const daemon = new Daemon({
    defaultStore: options.store,
    runtimeDir: options.runtimeDir,
    idleTimeout: 0,
    ...(options.targetsFile === undefined ? {} : { targetsFile: options.targetsFile }),
  });
  await daemon.start();
  try {
    const client = await DaemonClient.connect({ runtimeDir: options.runtimeDir, start: false, store: options.clientStore });
    return { daemon, client, close: () => daemon.close() };
  } catch (err) {
    await daemon.close();
    throw err;
  }
}

/**
 * Reads a run from the store until it is neither running nor queued, and returns it; at the deadline
 * returns it as it is, so the test's expectation names the status it was left in.
 */
export async function waitForJobEnd(store: string, id: string, timeoutMs = 30_000, intervalMs = 50): Promise<RunSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await (await StoreReader.open(store, () => {})).readRun(id);
    if ((run.status !== 'running' && run.status !== 'queued') || Date.now() > deadline) return run;
    await sleep(intervalMs);
  }
}

/**
 * Stops the daemon whose runtime file is in `runtimeDir` (one a client or the CLI started as its own
 * process): SIGTERM, up to `graceMs` to exit, then SIGKILL. No runtime file: nothing to stop.
 */
export async function stopDaemonIn(runtimeDir: string, graceMs = 5_000): Promise<void> {
  const info = readRuntime(runtimeDir);
  if (!info || !processIsAlive(info.pid)) return;
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch {
    return; // it exited in the meantime
  }
  await waitFor(() => !processIsAlive(info.pid), graceMs).catch(() => {
    if (processIsAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  });
}
