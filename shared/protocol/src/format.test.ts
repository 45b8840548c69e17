import { describe, expect, it } from 'vitest';
import { elapsedSeconds, formatDuration } from './format.js';

describe('formatDuration (CLI and editors alike)', () => {
  it('reads the same at every scale', () => {
    expect(formatDuration(0.016)).toBe('16 ms'); // `runlane ls` said 0.0s here
    expect([formatDuration(4.21), formatDuration(42.4), formatDuration(185), formatDuration(7620), formatDuration(3 * 86400 + 4 * 3600)]).toEqual(['4.2 s', '42 s', '3m 05s', '2h 07m', '3d 4h']);
    expect([formatDuration(null), formatDuration(-1), formatDuration(NaN)]).toEqual(['-', '-', '-']);
  });
});

describe('elapsedSeconds (rows, run lines, details and runlane ls alike)', () => {
  const now = 1_000_000;
  it('counts a running run from its start, and any other by its recorded duration', () => {
    expect(elapsedSeconds({ status: 'running', started_at: now - 185, duration: null }, now)).toBe(185);
    expect(elapsedSeconds({ status: 'finished', started_at: now - 5000, duration: 42 }, now)).toBe(42);
    expect(elapsedSeconds({ status: 'queued', started_at: null, duration: null }, now)).toBeNull();
    expect(elapsedSeconds({ status: 'interrupted', started_at: now - 9, duration: null }, now)).toBeNull();
  });
});
