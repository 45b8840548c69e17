import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { processStartedAt } from './processStart.js';
import { readRuntime, runtimeDir, writeRuntime } from './runtimeFile.js';
import { tryLock } from './startLock.js';

let tmp: string;
let lock: string;
beforeEach(() => {
  tmp = makeTempDir('lock');
  lock = path.join(tmp, 'daemon.lock');
});
afterEach(() => removeTempDir(tmp));

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

describe('start lock', () => {
  it('is exclusive while its holder lives, and free again once released', () => {
    const release = tryLock(lock);
    expect(release).not.toBeNull();
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    expect(tryLock(lock)).toBeNull();
    release!();
    expect(existsSync(lock)).toBe(false);
    expect(tryLock(lock)).not.toBeNull();
  });

  it('is taken over from a holder that died, or from a pid reused by a process started after the lock', async () => {
    writeFileSync(lock, String(deadPid()));
    expect(tryLock(lock)).not.toBeNull();
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));

    // A live process that started after the lock was written holds the pid now (as after a reboot).
    const later = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => later.once('spawn', resolve));
      writeFileSync(lock, String(later.pid));
      const before = (Date.now() - 60_000) / 1000;
      utimesSync(lock, before, before);
      expect(tryLock(lock)).not.toBeNull();
    } finally {
      later.kill('SIGKILL');
    }
  });

  it('is never taken from a live holder, however long it has held it (a slow start on a loaded machine)', () => {
    // init: alive, and holding since just after it started (minutes ago on any machine that runs tests)
    writeFileSync(lock, '1');
    const since = (processStartedAt(1) ?? Date.now() - 3_600_000) + 3_000;
    utimesSync(lock, since / 1000, since / 1000);
    expect(tryLock(lock)).toBeNull();
    expect(readFileSync(lock, 'utf8')).toBe('1');
    expect(tryLock(lock, 30_000)).not.toBeNull(); // unless the caller bounds the hold itself
  });

  it('is not removed by a release once another process has taken it over', () => {
    const release = tryLock(lock)!;
    writeFileSync(lock, '1'); // taken over meanwhile
    release();
    expect(readFileSync(lock, 'utf8')).toBe('1');
  });
});

describe('runtime file', () => {
  it('lives in RUNLANE_RUNTIME_DIR, else XDG_RUNTIME_DIR/runlane, else ~/.cache/runlane', () => {
    expect(runtimeDir({ RUNLANE_RUNTIME_DIR: '/r', XDG_RUNTIME_DIR: '/x' })).toBe('/r');
    expect(runtimeDir({ XDG_RUNTIME_DIR: '/x' })).toBe('/x/runlane');
    expect(runtimeDir({})).toBe(path.join(os.homedir(), '.cache', 'runlane'));
  });

  it('is written atomically for the user only, and a half-written one reads as no daemon', async () => {
    const dir = path.join(tmp, 'runtime');
    await writeRuntime(dir, { port: 1, token: 't', pid: 2, version: 'v', started_at: 3 });
    expect(statSync(path.join(dir, 'daemon.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readRuntime(dir)).toMatchObject({ port: 1, token: 't', pid: 2 });
    writeFileSync(path.join(dir, 'daemon.json'), '{"port": 1, "tok');
    expect(readRuntime(dir)).toBeNull();
  });
});
