// One daemon per store runs its jobs. Daemons with different runtime folders (another
// RUNLANE_RUNTIME_DIR, another user session) can serve one store at the same time; were both to
// adopt its running jobs, each would follow them and record how they ended, and one that did not
// start a worker cannot tell a cancel from a crash (it marked cancelled jobs failed). So a daemon
// adopts, launches and cancels a store's jobs only while it holds that store's jobs lock: a file
// with its pid, taken with 'wx' (startLock.ts) and stale only once that pid is dead, never by age
// (a daemon holds it for its whole life). The others serve the store read-only for jobs: they list
// and follow runs, and try the lock again now and then, to take over once its holder has exited.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../store/index.js';
import { lockHolder, tryLock, type ReleaseLock } from '../runtime/startLock.js';

/** In the store's folder, beside runs/. */
export const JOBS_LOCK = '.runlane-jobs.lock';

/** The pid of the daemon that runs the store's jobs, as its lock names it (null: none does now). */
export function jobsOwner(store: string): number | null {
  return lockHolder(path.join(store, JOBS_LOCK));
}

export class JobsLocks {
  private readonly held = new Map<string, ReleaseLock>();
  /** Why a store's lock could not even be tried (the last error), by store. */
  private readonly failed = new Map<string, string>();

  /** Whether this daemon runs the store's jobs; takes the lock when it is free (or its holder died). */
  claim(store: string): boolean {
    if (this.held.has(store)) return true;
    if (!existsSync(store)) return false; // no store yet, so no jobs: its first writer makes it
    let release: ReleaseLock | null;
    try {
      release = tryLock(path.join(store, JOBS_LOCK), Infinity);
    } catch (err) {
      this.failed.set(store, (err as Error).message); // a read-only store: no daemon can run its jobs
      return false;
    }
    this.failed.delete(store);
    if (release) this.held.set(store, release);
    return release !== null;
  }

  /** Throws a sentence naming the daemon that runs the store's jobs, unless this one does. */
  require(store: string): void {
    if (this.claim(store)) return;
    const failed = this.failed.get(store);
    if (failed !== undefined) throw new StoreError('io', `Jobs cannot run in ${store}: its jobs lock could not be written (${failed}). Check that the store's folder is writable.`);
    const pid = jobsOwner(store);
    throw new StoreError(
      'conflict',
      `Another Runlane daemon (pid ${pid ?? 'unknown'}) runs the jobs of ${store}; this one only shows them. Submit and cancel jobs through that daemon (its runtime folder is in its RUNLANE_RUNTIME_DIR), or stop it and retry.`,
    );
  }

  releaseAll(): void {
    for (const release of this.held.values()) release();
    this.held.clear();
  }
}
