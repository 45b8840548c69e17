// `pruned` (a sweep trial its pruner stopped, docs/sweeps.md) is a status of its own, written after
// the daemon's `cancelled`; a reader that does not know a status skips that event, so one that
// predates `pruned` still shows the trial `cancelled`, never `running`.
import { describe, expect, it } from 'vitest';
import { foldEvents, type OrderedEvent } from './runFold.js';

const events = (statuses: [string, number][]): OrderedEvent[] =>
  statuses.map(([status, t], i) => ({ writer: i === 2 ? 'r0-ctrl' : 'daemon', line: i, event: { type: 'status', status, t, ...(status === 'pruned' ? { error: 'Pruned at step 3 by the median rule' } : {}) } }));

describe('the pruned status', () => {
  it('is the run status after the job was cancelled, with the reason and the end time', () => {
    const run = foldEvents(events([['running', 1], ['cancelled', 2], ['pruned', 2.5]]));
    expect(run.status).toBe('pruned');
    expect(run.error).toBe('Pruned at step 3 by the median rule');
    expect(run.ended_at).toBe(2.5);
  });

  it('a status a reader does not know leaves the one before it (how older readers see pruned)', () => {
    const run = foldEvents(events([['running', 1], ['cancelled', 2], ['postponed', 2.5]]));
    expect(run.status).toBe('cancelled');
  });
});
