// The daemon as its own process, started by clients: one per user, restarted when it dies, gone when idle.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { processIsAlive } from '../processAlive.js';
import { readRuntime } from '../runtime/runtimeFile.js';
import { StoreWriter } from '../store/index.js';
import { DaemonClient } from './daemonClient.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');

let tmp: string;
let runtime: string;
let store: string;
const serveCommand = { command: process.execPath, args: [bin] };

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-proc-'));
  runtime = path.join(tmp, 'runtime');
  store = path.join(tmp, 'store');
});
afterEach(async () => {
  const info = readRuntime(runtime);
  if (info && processIsAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('daemon process', () => {
  it('is started once however many clients connect at the same time', async () => {
    await StoreWriter.open(store);
    const clients = await Promise.all(Array.from({ length: 4 }, () => DaemonClient.connect({ runtimeDir: runtime, serveCommand, store })));
    const pids = new Set(await Promise.all(clients.map(async (c) => (await c.health()).pid)));
    expect(pids.size).toBe(1);
  });

  it('is restarted when killed while a client follows the feed, and the feed resumes', async () => {
    const writer = await StoreWriter.open(store);
    const client = await DaemonClient.connect({ runtimeDir: runtime, serveCommand, store });
    const firstPid = (await client.health()).pid;
    const events: StoreEvent[] = [];
    const stop = client.events((e) => events.push(e));
    await waitFor(() => events.some((e) => e.type === 'hello'));
    process.kill(firstPid, 'SIGKILL');
    await waitFor(() => !processIsAlive(firstPid));
    // Written while no daemon runs: the new daemon's seed read and reset make the client refetch.
    const id = await writer.createRun({ name: 'after restart', experiment: 'e', kind: 'script' });
    await waitFor(() => events.some((e) => e.type === 'reset'));
    const secondPid = (await client.health()).pid;
    expect(secondPid).not.toBe(firstPid);
    expect((await client.runs()).map((r) => r.id)).toContain(id);
    writer.logMetric(id, 'loss', 0, 0.5);
    await waitFor(() => events.some((e) => e.type === 'metrics' && e.run_id === id));
    stop();
  });

  it('exits when idle and removes its runtime file', async () => {
    await StoreWriter.open(store);
    const client = await DaemonClient.connect({
      runtimeDir: runtime,
      store,
      serveCommand: { command: process.execPath, args: [bin, '--idle-timeout', '1'] },
    });
    const pid = (await client.health()).pid;
    await waitFor(() => !processIsAlive(pid), 10_000);
    expect(readRuntime(runtime)).toBeNull();
    expect(readFileSync(path.join(runtime, 'daemon.log'), 'utf8')).toContain(`Runlane daemon ${pid}`);
  });
});
