import { describe, expect, it } from 'vitest';
import { elapsedText } from './elapsedTime.js';

describe('elapsed time of a run', () => {
  const now = 1_000_000;

  it('a running run counts up from its start', () => {
    const run = { status: 'running', started_at: now - 185, duration: null } as const;
    expect(elapsedText(run, now)).toBe('3m 05s');
    expect(elapsedText(run, now + 10)).toBe('3m 15s');
  });

  it('a finished, failed or interrupted run shows its recorded duration, whatever the clock says', () => {
    for (const status of ['finished', 'failed', 'interrupted'] as const) {
      expect(elapsedText({ status, started_at: now - 5000, duration: 0.016 }, now)).toBe('16 ms');
    }
    expect(elapsedText({ status: 'finished', started_at: now - 5000, duration: 42 }, now + 100)).toBe('42 s');
  });

  it('says nothing for a run that has not started or recorded no duration', () => {
    expect(elapsedText({ status: 'queued', started_at: null, duration: null }, now)).toBe('');
    expect(elapsedText({ status: 'running', started_at: null, duration: null }, now)).toBe('');
    expect(elapsedText({ status: 'finished', started_at: now, duration: null }, now)).toBe('');
  });
});
