// A cancel is decided once and recorded before anything is stopped: `cancel.json` in the run's folder,
// written atomically. A daemon that dies between the decision and the end it leads to (a worker
// SIGTERMed exits 143 while no daemon watches; the trials of a cancelled sweep not yet told) leaves the
// decision to the next daemon, which re-adopts the job, reads it, and finishes the cancel: the run reads
// `cancelled`, not `failed`, and a sweep's trials are stopped too. Kept out of job/ (its exit files are
// mirrored from an SSH host) and out of the events (a status event would end the run before its
// workers have).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '@runlane/protocol';
import { writeFileAtomic } from '../store/atomicFile.js';

const CANCEL_FILE = 'cancel.json';

/** Records that the job in `runDir` is being cancelled (durable: fsynced, then renamed into place). */
export async function recordCancel(runDir: string, writerId: string): Promise<void> {
  await writeFileAtomic(path.join(runDir, CANCEL_FILE), `${JSON.stringify({ cancelled_at: Date.now() / 1000 })}\n`, writerId);
}

export function cancelRecorded(runDir: string): boolean {
  return existsSync(path.join(runDir, CANCEL_FILE));
}

/** The sweep run a trial's job belongs to (the controller puts it in the trial's environment), if any. */
export function sweepOf(spec: JobSpec): string | undefined {
  const id = spec.env?.RUNLANE_SWEEP_ID;
  return typeof id === 'string' && /^[\w.-]+$/.test(id) ? id : undefined;
}

/** Whether the job is a trial of a sweep whose cancel is recorded. */
export function sweepCancelled(store: string, spec: JobSpec): boolean {
  const sweep = sweepOf(spec);
  return sweep !== undefined && cancelRecorded(path.join(store, 'runs', sweep));
}
