import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@runlane/protocol';
import { buildCompareRows, compareHeaders, parallelParams } from './compareRows.js';

function run(overrides: Partial<RunSummary>): RunSummary {
  return {
    id: 'r', name: 'r', experiment: 'e', status: 'finished', kind: 'cell', created_at: 0, started_at: 0, ended_at: 1, duration: 1,
    notebook: null, cell_id: null, execution_count: null, params: {}, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null, ...overrides,
  };
}

describe('buildCompareRows', () => {
  it('does not mark how a job ran (target, workers, command) as a difference from runs that were not jobs', () => {
    const rows = buildCompareRows([
      run({ kind: 'job', params: { lr: 0.1, target: 'local', workers: 2, command: 'python3 train.py' } }),
      run({ kind: 'script', params: { lr: 0.1 } }),
      run({ kind: 'job', params: { lr: 0.1, target: 'local', workers: 4, command: 'python3 train.py' } }),
    ]);
    expect(rows.map((r) => [r.label, r.differs])).toEqual([['command', false], ['lr', false], ['target', false], ['workers', true]]);
    // Nor is it an axis of the parallel coordinates.
    const sweep = [run({ params: { lr: 0.1, workers: 1 } }), run({ params: { lr: 0.3, workers: 2 } })];
    expect(parallelParams(sweep)).toEqual(['lr']);
  });

  it('puts params side by side, marking the ones that differ, then last/min/max of each metric', () => {
    const rows = buildCompareRows([
      run({ params: { lr: 0.1, layers: [64, 64], seed: 1 }, metrics: { loss: { count: 3, last: 0.2, min: 0.1, max: 1 } } }),
      run({ params: { lr: 0.01, layers: [64, 64] }, metrics: { loss: { count: 3, last: 'NaN', min: null, max: null } } }),
    ]);
    expect(rows.map((r) => [r.label, r.cells, r.differs])).toEqual([
      ['layers', ['[64,64]', '[64,64]'], false],
      ['lr', ['0.1', '0.01'], true],
      ['seed', ['1', '—'], true],
      ['loss (last)', ['0.2', 'NaN'], false],
      ['loss (min)', ['0.1', '—'], false],
      ['loss (max)', ['1', '—'], false],
    ]);
  });
});

describe('compareHeaders', () => {
  it("marks each run with its chart colour, not its status, and says the status as a word", () => {
    const runs = [run({ id: 'a', status: 'finished' }), run({ id: 'b', status: 'finished' }), run({ id: 'c', status: 'interrupted' })];
    const colors = new Map([['s::a', '#E69F00'], ['s::b', '#56B4E9'], ['s::c', '#009E73']]);
    const heads = compareHeaders(runs, ['A', 'B', 'C'], colors, (r) => `s::${r.id}`, '#000');
    expect(heads.map((h) => [h.label, h.color, h.status])).toEqual([
      ['A', '#E69F00', 'finished'],
      ['B', '#56B4E9', 'finished'],
      ['C', '#009E73', 'interrupted'],
    ]);
    expect(new Set(heads.map((h) => h.color)).size).toBe(3); // two finished runs no longer share a mark
    expect(heads[2]!.title).toBe('c (interrupted)');
  });
});
