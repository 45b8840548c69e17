// How long a run took, said the same in every row, cell run line and details header: a running run
// counts up from its start (the views redraw it every second); any other shows its recorded duration.
// The seconds come from @runlane/protocol (`runlane ls` counts them the same way).
import { elapsedSeconds, type RunSummary } from '@runlane/protocol';
import { formatDuration } from '../views/format.js';

/** `3m 05s`, `16 ms`; '' when the run has no duration yet (a queued run, an old record without one). */
export function elapsedText(run: Pick<RunSummary, 'status' | 'started_at' | 'duration'>, now = Date.now() / 1000): string {
  const seconds = elapsedSeconds(run, now);
  return seconds === null ? '' : formatDuration(seconds);
}
