// The daemon helpers against a real daemon, a real job and a real daemon process.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processIsAlive } from '../../shared/core/src/processAlive.js';
import { readRuntime } from '../../shared/core/src/index.js';
import { startTestDaemon, stopDaemonIn, waitForJobEnd } from './daemon.js';
import { makeTempDir, removeTempDir } from './tempDir.js';
import { waitFor } from './waitFor.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared/core/bin/runlane.js');

let tmp: string;
beforeEach(() => void (tmp = makeTempDir('helpers')));
afterEach(() => removeTempDir(tmp));

describe('startTestDaemon and waitForJobEnd', () => {
  it('serves the store to its client and returns a job once it has ended', async () => {
    const store = path.join(tmp, '.runlane');
    const { client, close } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), clientStore: store });
    try {
      const { run_id } = await client.submitJob({ target: 'local', command: [process.execPath, '-e', 'setTimeout(() => process.exit(4), 300)'], workers: 1, gpusPerWorker: 0 });
      const run = await waitForJobEnd(store, run_id, 20_000);
      expect(run).toMatchObject({ status: 'failed', exit_code: 4 });
    } finally {
      await close();
    }
  });

  it('returns the run as it is when the deadline passes first', async () => {
    const store = path.join(tmp, '.runlane');
    const { client, close } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), clientStore: store });
    try {
      const { run_id } = await client.submitJob({ target: 'local', command: [process.execPath, '-e', 'setTimeout(() => {}, 60_000)'], workers: 1, gpusPerWorker: 0 });
      expect((await waitForJobEnd(store, run_id, 300)).status).toMatch(/^(queued|running)$/);
      await client.cancelJob(run_id);
    } finally {
      await close();
    }
  });
});

describe('stopDaemonIn', () => {
  it('stops a daemon process found by its runtime file', async () => {
    const runtimeDir = path.join(tmp, 'rt');
    const env = { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir };
    const serve = spawn(process.execPath, [bin, 'serve', '--dir', path.join(tmp, '.runlane')], { env, stdio: 'ignore' });
    await waitFor(() => readRuntime(runtimeDir) !== null, 15_000);
    const pid = readRuntime(runtimeDir)?.pid ?? 0;
    expect(processIsAlive(pid)).toBe(true);
    await stopDaemonIn(runtimeDir);
    expect(processIsAlive(pid)).toBe(false);
    expect(serve.pid).toBe(pid);
  });
});
