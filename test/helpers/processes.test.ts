// The process helpers against real processes: a group with a grandchild, one that ignores SIGTERM.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, groupIsAlive, stopProcessGroup } from './processes.js';
import { waitFor } from './waitFor.js';

/** A detached shell (its own process group) that starts a grandchild and prints both pids. */
async function startGroup(script: string): Promise<{ child: ReturnType<typeof spawn>; pids: number[] }> {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await waitFor(() => out.trim().split(/\s+/).length >= 2, 10_000);
  return { child, pids: out.trim().split(/\s+/).map(Number) };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('stopProcessGroup', () => {
  it('stops the child and what it started', async () => {
    const { child, pids } = await startGroup('sleep 60 & echo $$ $!; wait');
    expect(pids.every(alive)).toBe(true);
    await stopProcessGroup(child, 5_000);
    expect(groupIsAlive(child.pid ?? 0)).toBe(false);
    await waitFor(() => !pids.some(alive), 2_000);
  });

  it('kills a group that ignores SIGTERM once the grace period is over', async () => {
    const { child, pids } = await startGroup("trap '' TERM; sleep 60 & echo $$ $!; wait");
    const started = Date.now();
    await stopProcessGroup(child, 500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    await waitFor(() => !pids.some(alive), 2_000);
  });
});

describe('freePort', () => {
  it('gives a loopback port a server can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((r) => server.close(r));
  });
});
