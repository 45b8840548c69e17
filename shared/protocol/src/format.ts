// Durations as people read them, the same in the CLI, the sidebars and the details views (a run of
// 16 ms must not read "0.0s" in one place and "16 ms" in another).
import type { RunSummary } from './runs.js';

/** `16 ms`, `4.2 s`, `42 s`, `3m 05s`, `2h 07m`, `3d 4h`; `-` when unknown or negative. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${String(m % 60).padStart(2, '0')}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

/**
 * Seconds a run has taken: so far, from its start, while it runs; else its recorded duration; null when
 * nothing says (a queued run). `now` in Unix seconds. Every row, run line, details header and `runlane ls`.
 */
export function elapsedSeconds(run: Pick<RunSummary, 'status' | 'started_at' | 'duration'>, now = Date.now() / 1000): number | null {
  if (run.status === 'running' && run.started_at) return now - run.started_at;
  return run.duration;
}
