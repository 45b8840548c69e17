// A store whose jobs another daemon runs (jobs/jobsLock.ts: one daemon per store holds its jobs
// lock) as a health warning, so both editors say it above the runs in one line instead of failing
// silently: this daemon shows those jobs, refuses to launch or cancel them, and names the daemon that
// can. Asked on each health check: a file read and a kill(pid, 0) per store, with no lock taken (a
// store only read, a fixture or a read-only folder, is never written to by asking).
import { jobsOwner } from '../jobs/jobsLock.js';
import { processIsAlive } from '../processAlive.js';

/** The sentence for one store, matched by the editors' short line (shared/ui common/daemonWarnings.ts). */
export function jobsOwnerWarning(store: string, pid: number): string {
  return `Another Runlane daemon (pid ${pid}) runs the jobs of ${store}: jobs launched or cancelled through this daemon are refused while it runs. Launch them through that daemon (the same RUNLANE_RUNTIME_DIR), or stop it (kill ${pid}) and launch again.`;
}

/**
 * One warning per store whose jobs lock names another live process. `self`: this daemon's pid (the
 * lock it holds names it).
 */
export function jobsOwnerWarnings(stores: Iterable<string>, self = process.pid): string[] {
  const warnings: string[] = [];
  for (const store of stores) {
    const pid = jobsOwner(store);
    if (pid !== null && pid !== self && processIsAlive(pid)) warnings.push(jobsOwnerWarning(store, pid));
  }
  return warnings;
}
