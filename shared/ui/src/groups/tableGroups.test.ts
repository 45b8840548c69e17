import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@runlane/protocol';
import { runRow, type GroupRow, type RunRow } from '../table/rowModel.js';
import { groupAggregates, tableGroupBy } from './tableGroups.js';
import { SWEEP_TAG } from './groupRuns.js';

function run(id: string, params: Record<string, unknown>, metrics: Record<string, [number, number, number]>, tags: Record<string, string> = {}): RunRow {
  const summary: RunSummary = {
    id, name: `run ${id}`, experiment: 'e', status: 'finished', kind: 'cell', created_at: 0, started_at: null, ended_at: null, duration: 10,
    notebook: null, cell_id: null, execution_count: null, params, tags, ranks: [], error: null, exit_code: null,
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, [last, min, max]]) => [k, { count: 3, last, min, max }])),
  };
  return runRow({ source: 's', id }, summary);
}

const last = () => 'last' as const;

describe('runs table groups', () => {
  const rows = [
    run('a', { lr: 0.1, seed: 1 }, { loss: [0.4, 0.2, 0.9] }),
    run('b', { lr: 0.01, seed: 1 }, { loss: [0.3, 0.1, 0.8] }),
    run('c', { lr: 0.1, seed: 2 }, { loss: [0.6, 0.3, 0.7], acc: [0.5, 0.1, 0.5] }),
  ];

  it('makes a group row per config, ordered by its first run in the sorted rows, with the members under it', () => {
    const out = tableGroupBy({ kind: 'except', keys: ['seed'] }, last)!(rows) as GroupRow[];
    expect(out.map((g) => [g.kind, g.label, g.members.map((m) => m.run.id)])).toEqual([
      ['group', 'lr=0.1', ['a', 'c']],
      ['group', 'lr=0.01', ['b']],
    ]);
    expect(out[0]!.aggregates).toEqual({ 'metric:loss': '0.5 ± 0.1', 'metric:acc': '0.5', 'param:lr': '0.1' });
    expect(out[1]!.aggregates['metric:loss']).toBe('0.3');
    expect(tableGroupBy({ kind: 'none' }, last)).toBeUndefined();
  });

  it("aggregates the field each metric column shows (its min, say); a param the members differ on is blank", () => {
    const agg = groupAggregates(rows, (id) => (id === 'metric:loss' ? 'min' : 'last'));
    expect(agg['metric:loss']).toBe('0.2 ± 0.082');
    expect(agg['param:seed']).toBeUndefined();
  });

  it('keeps runs outside any sweep as plain rows', () => {
    const trials = [run('t1', {}, {}, { [SWEEP_TAG]: 'sw' }), run('x', {}, {}), run('t2', {}, {}, { [SWEEP_TAG]: 'sw' })];
    const out = tableGroupBy({ kind: 'sweep' }, last)!(trials);
    expect(out.map((r) => [r.kind, r.kind === 'group' ? r.members.length : r.run.id])).toEqual([['group', 2], ['run', 'x']]);
  });

  it("puts a sweep's run at the head of its trials' group, out of the trials' means", () => {
    const rows = [
      run('t1', { x: 1, epochs: 5 }, { loss: [1, 1, 1] }, { [SWEEP_TAG]: 'sw' }),
      run('sw', { 'sweep.trials': 2 }, { 'sweep/best': [1, 1, 2] }, { 'runlane.sweep.role': 'sweep' }),
      run('t2', { x: 3, epochs: 5 }, { loss: [3, 3, 3] }, { [SWEEP_TAG]: 'sw' }),
    ];
    const out = tableGroupBy({ kind: 'sweep' }, last)!(rows) as GroupRow[];
    expect(out.map((g) => [g.kind, g.label, g.members.map((m) => m.run.id)])).toEqual([['group', 'run sw', ['sw', 't1', 't2']]]);
    expect(out[0]!.aggregates).toEqual({ 'metric:loss': '2 ± 1', 'param:epochs': '5' });
  });

  it("names a sweep's group after its run when a filter hides that run (not `sweep <id>`)", () => {
    const sweep = { ...run('20261130-181750-c8f1f1', {}, {}, { 'runlane.sweep.role': 'sweep' }) };
    sweep.run = { ...sweep.run, name: 'moons sweep' };
    const t1 = run('t1', { x: 1 }, { loss: [1, 1, 1] }, { [SWEEP_TAG]: sweep.run.id });
    const out = tableGroupBy({ kind: 'sweep' }, last)!([t1], [sweep, t1]) as GroupRow[];
    expect(out.map((g) => [g.label, g.members.map((m) => m.run.id)])).toEqual([['moons sweep', ['t1']]]);
    expect(out[0]!.aggregates['metric:loss']).toBe('1');
  });
});
