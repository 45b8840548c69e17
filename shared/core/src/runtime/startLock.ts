// An exclusive lock file (created with open 'wx') that keeps two processes from starting a daemon
// at the same moment. Clients take one before spawning `runlane serve`, and `serve` takes its own
// before it checks for a running daemon, since not every client (the Python helper) takes a lock.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { processIsAlive } from '../processAlive.js';
import { processStartedAt } from './processStart.js';

/**
 * A lock is stale when its holder died, never by its age alone: a start on a loaded machine can take
 * longer than any bound, and taking the lock from a live holder started a second daemon beside it.
 * A live pid whose process started after the lock was written is not the holder (the pid was reused,
 * as after a reboot): that lock is stale too. The slack covers /proc's boot time, in whole seconds.
 */
const MAX_HOLD_MS = Number.POSITIVE_INFINITY;
const REUSED_SLACK_MS = 2_000;

export type ReleaseLock = () => void;

/** Takes the lock, or returns null while another live process holds it. A stale lock is taken over; `maxHoldMs`: also one older than that. */
export function tryLock(file: string, maxHoldMs = MAX_HOLD_MS): ReleaseLock | null {
  const release = create(file);
  if (release) return release;
  if (!isStale(file, maxHoldMs)) return null;
  // Move the stale lock aside before taking it: of two processes that both judged it stale, only
  // one rename succeeds, so they cannot both delete it and both take the lock.
  const aside = `${file}.stale-${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return null; // another process took it over first
  }
  if (!isStale(aside, maxHoldMs)) {
    // Between our check and the rename, another process had already replaced it with a fresh lock.
    try {
      renameSync(aside, file);
    } catch {
      // it is theirs to recreate; at worst two daemons start, and the spare one exits when idle
    }
    return null;
  }
  unlinkQuiet(aside);
  return create(file);
}

function create(file: string): ReleaseLock | null {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
  try {
    writeSync(fd, String(process.pid));
  } finally {
    closeSync(fd);
  }
  // Remove it only while it is still ours: a process that judged it stale may have replaced it.
  return () => {
    if (holderOf(file) === process.pid) unlinkQuiet(file);
  };
}

/** The pid written in a lock file, or null (no lock, or one being written). */
export function lockHolder(file: string): number | null {
  return holderOf(file);
}

function holderOf(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isStale(file: string, maxHoldMs: number): boolean {
  let writtenMs: number;
  try {
    writtenMs = statSync(file).mtimeMs;
  } catch {
    return false; // gone: the holder released it, so the next try can simply create it
  }
  const ageMs = Date.now() - writtenMs;
  const pid = holderOf(file);
  // A pid is written right after the file is created; an empty lock is only stale once it is old.
  if (pid === null) return ageMs > 1_000;
  if (!processIsAlive(pid)) return true;
  const started = processStartedAt(pid);
  return (started !== null && started > writtenMs + REUSED_SLACK_MS) || ageMs > maxHoldMs;
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
