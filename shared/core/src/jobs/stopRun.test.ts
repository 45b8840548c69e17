// Contract C2: POST /runs/:id/stop, through a real daemon, against a real Python script run and a real
// job; called through the DaemonClient and the browser's HttpHostBridge.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '@runlane/protocol';
import { HttpHostBridge } from '@runlane/ui';
import { startTestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { DaemonClient } from '../client/daemonClient.js';
import type { Daemon } from '../server/daemon.js';
import { StoreReader } from '../store/index.js';

const python = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../.venv/bin/python');
let tmp: string;
let store: string;
let daemon: Daemon;
let client: DaemonClient;
let script: ChildProcess | null = null;

beforeEach(async () => {
  tmp = makeTempDir('stop');
  store = path.join(tmp, '.runlane');
  writeFileSync(path.join(tmp, 'runlane.toml'), '');
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile: path.join(tmp, 'runlane.toml'), clientStore: store }));
});

afterEach(async () => {
  script?.kill('SIGKILL');
  await daemon.close();
  removeTempDir(tmp);
});

async function read(id: string): Promise<RunSummary> {
  return (await StoreReader.open(store, () => {})).readRun(id);
}

async function startScript(): Promise<string> {
  const code = 'import time, runlane as rl\nwith rl.run(name="sleeper"):\n    print("ready", flush=True)\n    time.sleep(60)\n';
  script = spawn(python, ['-c', code], { env: { ...process.env, RUNLANE_DIR: store }, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve) => script!.stdout!.once('data', () => resolve()));
  const [run] = await (await StoreReader.open(store, () => {})).listRuns({});
  return run!.id;
}

describe('stopping a run', () => {
  it('interrupts a running script run (SIGINT to its process): it ends interrupted', async () => {
    const id = await startScript();
    expect((await read(id)).status).toBe('running');
    const exited = new Promise<string | null>((resolve) => script!.once('exit', (_, signal) => resolve(signal)));
    await client.stopRun(id);
    expect(await exited).toBe('SIGINT'); // Python re-raises an uncaught KeyboardInterrupt as SIGINT
    expect((await read(id)).status).toBe('interrupted');
    await expect(client.stopRun(id)).rejects.toThrow(/is interrupted; there is nothing to stop/);
  }, 30_000);

  it('works from the browser bridge too, and cancels a job', async () => {
    const bridge = new HttpHostBridge(`http://127.0.0.1:${daemon.port}`, [{ kind: 'store', path: store }], () => ({ headers: { authorization: `Bearer ${daemon.token}` } }));
    const id = await startScript();
    await bridge.stopRun({ source: store, id });
    await expect.poll(async () => (await read(id)).status, { timeout: 10_000 }).toBe('interrupted');
    const { run_id } = await client.submitJob({ target: 'local', command: ['sleep', '60'], workers: 2, gpusPerWorker: 0 });
    await bridge.stopRun({ source: store, id: run_id });
    await expect.poll(async () => (await read(run_id)).status, { timeout: 10_000 }).toBe('cancelled');
  }, 30_000);

  it('refuses a run that does not exist with a sentence', async () => {
    await expect(client.stopRun('nope-123')).rejects.toThrow(/No run nope-123/);
  });
});
