// The daemon as its own process, started by clients: one per user, restarted when it dies, gone when idle.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { stopDaemonIn } from '../../../../test/helpers/daemon.js';
import { freePort } from '../../../../test/helpers/processes.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { processIsAlive } from '../processAlive.js';
import { readRuntime } from '../runtime/runtimeFile.js';
import { StoreWriter } from '../store/index.js';
import { DaemonClient } from './daemonClient.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');
const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');

let tmp: string;
let runtime: string;
let store: string;
const serveCommand = { command: process.execPath, args: [bin] };

beforeEach(() => {
  tmp = makeTempDir('proc');
  runtime = path.join(tmp, 'runtime');
  store = path.join(tmp, 'store');
});
afterEach(async () => {
  await stopDaemonIn(runtime);
  removeTempDir(tmp);
});

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

  it('ignores a stale runtime file (its pid reused, its port closed) and a lock left by a dead client', async () => {
    await StoreWriter.open(store);
    mkdirSync(runtime, { recursive: true });
    const closedPort = await freePort();
    // A live process that is no daemon, as a pid reused after a reboot would be: only /health tells.
    const reused = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const reusedGone = new Promise((resolve) => reused.once('exit', resolve));
    try {
      const stale = { port: closedPort, token: 'old', pid: reused.pid!, version: '0', started_at: 0 };
      writeFileSync(path.join(runtime, 'daemon.json'), JSON.stringify(stale));
      writeFileSync(path.join(runtime, 'daemon.lock'), String(spawnSync(process.execPath, ['-e', '0']).pid));
      const client = await DaemonClient.connect({ runtimeDir: runtime, serveCommand, store, timeoutMs: 10_000 });
      const info = readRuntime(runtime)!;
      expect(info.pid).not.toBe(reused.pid);
      expect((await client.health()).pid).toBe(info.pid);
      expect(statSync(path.join(runtime, 'daemon.json')).mode & 0o777).toBe(0o600);
    } finally {
      reused.kill('SIGKILL');
      await reusedGone;
    }
  });

  it('fails fast, with the reason from its log, when the daemon cannot start', async () => {
    const began = Date.now();
    const connecting = DaemonClient.connect({ runtimeDir: runtime, serveCommand, store: path.join(fixtures, 'store-v99'), timeoutMs: 30_000 });
    await expect(connecting).rejects.toThrow(/could not start: The store at .* has format version 99.*Upgrade Runlane.*daemon\.log/);
    expect(Date.now() - began).toBeLessThan(15_000);
  });

  it('runs once when two `runlane serve` start at the same moment', async () => {
    await StoreWriter.open(store);
    const env = { ...process.env, RUNLANE_RUNTIME_DIR: runtime };
    const servers = [0, 1].map(() => {
      const child = spawn(process.execPath, [bin, 'serve', '--dir', store], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { child, exited, stderr: () => stderr };
    });
    try {
      const neitherExits = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('both `serve` kept running')), 15_000).unref());
      const first = await Promise.race([neitherExits, ...servers.map(async (s, i) => ({ i, code: await s.exited }))]);
      expect(first.code).toBe(0);
      expect(servers[first.i]!.stderr()).toMatch(/already running/);
      const survivor = servers[1 - first.i]!;
      const client = await DaemonClient.connect({ runtimeDir: runtime, start: false });
      expect((await client.health()).pid).toBe(survivor.child.pid);
    } finally {
      for (const s of servers) s.child.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exited));
    }
  });
});
