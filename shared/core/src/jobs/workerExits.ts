// How a job's workers ended: their exit codes (files their wrappers write), which failure counts, and
// the last lines of a worker's output for the run's error.
import { promises as fs, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import * as path from 'node:path';
import type { WriterEvent } from '../store/storeWriter.js';
import type { WorkerRecord } from './launcher.js';

const LAST_LINES = 10;

/** Each worker's exit code, or null while it runs (or when it was killed before its wrapper wrote one). */
export function exitCodes(workers: WorkerRecord[]): (number | null)[] {
  return workers.map((w) => readExitCode(w.exitFile));
}

/**
 * The worker whose failure ended the job: of those that exited non-zero, the one whose exit file was
 * written first (the others were most likely stopped because of it); else the first without an exit
 * code (killed, or lost). -1 when every worker exited 0.
 */
export function firstFailure(workers: WorkerRecord[], codes: (number | null)[], seenFirst?: number): number {
  const when = (i: number) => {
    try {
      return statSync(workers[i]!.exitFile).mtimeMs;
    } catch {
      return Infinity;
    }
  };
  if (seenFirst !== undefined) return seenFirst;
  const nonZero = codes.map((c, i) => (c !== null && c !== 0 ? i : -1)).filter((i) => i >= 0);
  if (nonZero.length > 0) return nonZero.reduce((a, b) => (when(b) < when(a) ? b : a));
  return codes.findIndex((c) => c !== 0);
}

export function readExitCode(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    const n = Number(text);
    return text !== '' && Number.isInteger(n) ? n : null; // empty: being written (a mirrored copy)
  } catch {
    return null;
  }
}

export async function lastLines(logDir: string): Promise<string> {
  const parts: string[] = [];
  for (const stream of ['stderr', 'stdout']) {
    try {
      const text = (await fs.readFile(path.join(logDir, `${stream}.log`))).toString('utf8');
      const lines = text.trimEnd().split('\n').slice(-LAST_LINES);
      if (lines.join('').trim()) parts.push(`[${stream}]\n${lines.join('\n')}`);
    } catch {
      // no such stream
    }
  }
  return parts.join('\n') || '(no output)';
}

/** How the job stood when it ended, beside its workers' exit codes. */
export interface JobEnd {
  cancelled: boolean;
  /** Whether it ever ran (a job its target held back starts `queued`). */
  running: boolean;
  /** A worker failed and the others were stopped because of it. */
  failing: boolean;
  /** The worker whose failure was seen first, if one was. */
  firstFailed?: number;
}

/** The run's last status, from the workers' exit codes: finished, failed (naming the first failure) or cancelled. */
export async function endStatus(workers: WorkerRecord[], logsDir: string, end: JobEnd): Promise<WriterEvent> {
  const codes = exitCodes(workers);
  // A job that left its target's queue without ever running, and no worker exited: cancelled there (scancel).
  if (end.cancelled || (!end.running && codes.every((c) => c === null))) return { type: 'status', status: 'cancelled' };
  const failed = firstFailure(workers, codes, end.firstFailed);
  if (failed < 0) return { type: 'status', status: 'finished', exit_code: 0 };
  const code = codes[failed] ?? null;
  const rank = workers[failed]?.rank ?? failed;
  const tail = await lastLines(path.join(logsDir, `w${rank}`));
  const how = code === null ? 'ended without an exit code (killed, or lost with its machine)' : exitText(code);
  const others = end.failing && workers.length > 1 ? ' The other workers were stopped.' : '';
  return { type: 'status', status: 'failed', exit_code: code ?? -1, error: `Worker w${rank} ${how}.${others} Its last lines:\n${tail}` };
}

/** Signals named after a shell's 128+N exit code, with what most often sends them to a training job. */
const SIGNAL_CAUSES: Record<string, string> = {
  SIGKILL: 'kill -9, or the system out of memory',
  SIGTERM: 'a stop request',
  SIGSEGV: 'a crash in native code',
  SIGABRT: 'an abort in native code',
  SIGBUS: 'a bus error, often a full /dev/shm',
};

/**
 * "exited with code 1"; a shell's 128+N code also names the signal N that ended the command
 * ("exited with code 137 (killed by SIGKILL: kill -9, or the system out of memory)"): the worker's
 * wrapper is a shell, so a worker killed by a signal reads as such a code, and 137 alone said nothing.
 */
function exitText(code: number): string {
  const signal = code > 128 ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
  if (!signal) return `exited with code ${code}`;
  const cause = SIGNAL_CAUSES[signal];
  return `exited with code ${code} (killed by ${signal}${cause ? `: ${cause}` : ''})`;
}
