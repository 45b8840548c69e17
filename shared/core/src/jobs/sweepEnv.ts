// The trials of one sweep run the same command with the same Python in the same folder, so their
// environment (env.json: Python, packages, git, host, GPUs) is captured once per sweep instead of once
// per trial: the sweep's first trial runs the capture (`python -m runlane.worker --env`, envCapture.ts)
// and every later trial gets a copy of its env.json with its own GPUs and worker count. A capture is a
// Python process of its own with git and nvidia-smi (about 150 ms of CPU): 200 one-second trials four
// at once paid it 200 times, on the same cores as the trials. A trial is known by RUNLANE_SWEEP_ID,
// which the sweep controller puts in every trial's environment (sweep/trials.py).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile.js';

/** Sweeps remembered at once (a daemon runs for days): the oldest is forgotten, its next trial captures again. */
const MAX_SWEEPS = 64;
/** `sweep \n capture command \n cwd` -> the run folder of the trial whose capture later trials copy. */
const capturing = new Map<string, string>();

export interface SweepTrialEnv {
  runDir: string;
  env?: Record<string, string>;
  cwd: string;
  /** Each rank's GPUs: rank 0's are the copy's `cuda_visible_devices`, as its own capture would say. */
  gpusByRank: string[][];
}

/**
 * This trial's env.json from an earlier trial of its sweep: a function that writes it (called once the
 * workers run: the copy is not on the start's path), or null when the trial must capture its own: a
 * job that is no sweep trial, a sweep's first trial (which is remembered), or while the first
 * capture has not written its file yet.
 */
export async function sweepEnvCopy(trial: SweepTrialEnv, capture: string): Promise<(() => Promise<void>) | null> {
  const sweep = trial.env?.RUNLANE_SWEEP_ID;
  if (!sweep) return null;
  const key = `${sweep}\n${capture}\n${trial.cwd}`;
  const first = capturing.get(key);
  if (first === undefined) {
    if (capturing.size >= MAX_SWEEPS) capturing.delete(capturing.keys().next().value!);
    capturing.set(key, trial.runDir);
    return null;
  }
  let env: Record<string, unknown>;
  try {
    env = JSON.parse(await fs.readFile(path.join(first, 'env.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return null; // not written yet (or the first trial was deleted): this trial captures its own
  }
  const copy = { ...env, cuda_visible_devices: (trial.gpusByRank[0] ?? []).join(','), workers: trial.gpusByRank.length, copied_from: path.basename(first) };
  // Written whole or not at all (a temp file renamed); a failure leaves the run without env.json, as a
  // failed capture does: the environment is a nicety that never fails a job.
  return () => writeFileAtomic(path.join(trial.runDir, 'env.json'), `${JSON.stringify(copy, null, 1)}\n`, 'sweep').catch(() => {});
}
