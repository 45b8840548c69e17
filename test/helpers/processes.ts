// Real processes the tests start: a free loopback port for a server, and stopping a server with
// everything it started (it runs detached, in its own process group).
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { sleep } from './waitFor.js';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the OS gave no port'))));
    });
  });
}

/** Whether any process of the group led by `pid` is still there. */
export function groupIsAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the process group of `child` (spawned with `detached: true`), up to `graceMs` for it to
 * go, then SIGKILL to whatever of the group is left, so that nothing it started outlives the test.
 */
export async function stopProcessGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !groupIsAlive(pid)) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return; // gone in the meantime
  }
  const deadline = Date.now() + graceMs;
  while (groupIsAlive(pid) && Date.now() < deadline) await sleep(50);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // every process of the group has exited
  }
}
