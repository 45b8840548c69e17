// The daemon's and the CLI's `q`: the same words as the Runs sidebar's search box.
import type { RunSummary } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { filterRuns, parseRunQuery } from './runQuery.js';

function run(over: Partial<RunSummary>): RunSummary {
  return {
    id: 'r', name: 'run', experiment: 'demo', status: 'finished', kind: 'cell', created_at: 1, started_at: 1, ended_at: 2, duration: 1,
    notebook: null, cell_id: null, execution_count: null, params: {}, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null, ...over,
  };
}

const named = run({ id: 'named', name: 'lr=0.1', created_at: 4 }); // a sweep that put lr only in the name
const param = run({ id: 'param', name: 'baseline', params: { lr: 0.1, opt: 'adam' }, created_at: 3 });
const other = run({ id: 'other', name: 'lr=0.01', params: { lr: 0.01 }, status: 'running', created_at: 2 });
const tagged = run({ id: 'tagged', name: 'x', tags: { best: '' }, experiment: 'sweeps', created_at: 1 });
const ids = (q: string) => filterRuns([named, param, other, tagged], parseRunQuery({ q })).map((r) => r.id);

describe('run query q', () => {
  it('finds key=value in a param and in a run\'s name', () => {
    expect(ids('lr=0.1')).toEqual(['named', 'param']);
    expect(ids('LR=0.01')).toEqual(['other']);
  });

  it('needs every word to match, anywhere: name, experiment, tags, param keys and values', () => {
    expect(ids('lr=0.1 baseline')).toEqual(['param']);
    expect(ids('adam')).toEqual(['param']);
    expect(ids('sweeps best')).toEqual(['tagged']);
    expect(ids('status:running lr')).toEqual(['other']);
    expect(ids('tag:best')).toEqual(['tagged']);
    expect(ids('nothing-like-this')).toEqual([]);
  });
});
