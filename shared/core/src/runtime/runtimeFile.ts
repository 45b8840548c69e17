// The runtime file through which every client finds the one daemon of this user and machine:
// port, token and pid, readable by the user only (0600 in a 0700 folder), replaced atomically.
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, unlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RuntimeInfo } from '@runlane/protocol';

export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RUNLANE_RUNTIME_DIR) return path.resolve(env.RUNLANE_RUNTIME_DIR);
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'runlane');
  return path.join(os.homedir(), '.cache', 'runlane');
}

export function runtimeFile(dir: string): string {
  return path.join(dir, 'daemon.json');
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function readRuntime(dir: string): RuntimeInfo | null {
  try {
    const info = JSON.parse(readFileSync(runtimeFile(dir), 'utf8')) as Partial<RuntimeInfo>;
    if (typeof info.port === 'number' && typeof info.token === 'string' && typeof info.pid === 'number') {
      return info as RuntimeInfo;
    }
  } catch {
    // missing or half-written by a crashed daemon: treated as no daemon
  }
  return null;
}

export async function writeRuntime(dir: string, info: RuntimeInfo): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const tmp = `${runtimeFile(dir)}.tmp-${process.pid}`;
  await fs.writeFile(tmp, `${JSON.stringify(info)}\n`, { mode: 0o600 });
  await fs.rename(tmp, runtimeFile(dir));
}

/** Removes the runtime file only if it still names this process (a newer daemon may have replaced it). */
export function removeRuntime(dir: string, pid = process.pid): void {
  if (readRuntime(dir)?.pid !== pid) return;
  try {
    unlinkSync(runtimeFile(dir)); // synchronous on purpose: this runs in exit handlers
  } catch {
    // already gone
  }
}
