import { describe, expect, it } from 'vitest';
import { tableKey, tableTitle } from './tableTitle.js';

const a = { source: '/s', id: 'a1b2c3d4' };
const b = { source: '/s', id: 'd4e5f6a7' };
const c = { source: '/tb', id: 'run_1' };
const names: Record<string, string> = { a1b2c3d4: 'baseline', d4e5f6a7: 'baseline', run_1: 'lr=0.1' };
const named = (ref: { id: string }) => ({ id: ref.id, name: names[ref.id] ?? ref.id });

describe('runs table tabs', () => {
  it('names each table by what it shows: two selections of as many runs no longer read alike', () => {
    expect(tableTitle({ experiment: 'demo', runs: null }, named)).toBe('Table: demo');
    expect(tableTitle({ experiment: null, runs: null }, named)).toBe('Table: all runs');
    const first = tableTitle({ experiment: null, runs: [a, c] }, named, [named(a), named(b), named(c)]);
    const second = tableTitle({ experiment: null, runs: [b, c] }, named, [named(a), named(b), named(c)]);
    expect(first).toBe('Table: baseline · b2c3d4, lr=0.1');
    expect(second).toBe('Table: baseline · e5f6a7, lr=0.1');
    expect(tableTitle({ experiment: null, runs: [{ source: '/s', id: 'gone' }] }, named)).toBe('Table: gone');
  });

  it('finds the same table again: one experiment, every run, one set of runs in any order', () => {
    expect(tableKey({ experiment: null, runs: [a, c] })).toBe(tableKey({ experiment: 'x', runs: [c, a] }));
    expect(tableKey({ experiment: null, runs: [a, c] })).not.toBe(tableKey({ experiment: null, runs: [a, b] }));
    expect(tableKey({ experiment: 'demo', runs: null })).not.toBe(tableKey({ experiment: null, runs: null }));
    // An experiment named like the key of every run is still its own table.
    expect(tableKey({ experiment: 'all', runs: null })).not.toBe(tableKey({ experiment: null, runs: null }));
  });
});
