// How long a run took, said the same in every row, cell run line and details header: a running run
// counts up from its start (the views redraw it every second); any other shows its recorded duration.
import type { RunSummary } from '@runlane/protocol';
import { formatDuration } from '../views/format.js';

type Timed = Pick<RunSummary, 'status' | 'started_at' | 'duration'>;

/** Seconds the run has run (so far, while running); null when nothing says. `now` in Unix seconds. */
export function elapsedSeconds(run: Timed, now = Date.now() / 1000): number | null {
  if (run.status === 'running' && run.started_at) return now - run.started_at;
  return run.duration;
}

/** `3m 05s`, `16 ms`; '' when the run has no duration yet (a queued run, an old record without one). */
export function elapsedText(run: Timed, now = Date.now() / 1000): string {
  const seconds = elapsedSeconds(run, now);
  return seconds === null ? '' : formatDuration(seconds);
}
