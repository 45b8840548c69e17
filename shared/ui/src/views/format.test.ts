import { describe, expect, it } from 'vitest';
import { countOf } from './format.js';

describe('countOf', () => {
  it('says one thing in the singular and any other count in the plural, with thousands separated', () => {
    expect(countOf(1, 'package')).toBe('1 package');
    expect(countOf(0, 'package')).toBe('0 packages');
    expect(countOf(12_000, 'run')).toBe('12,000 runs');
  });
});
