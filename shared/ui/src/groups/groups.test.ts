import { describe, expect, it } from 'vitest';
import { smoothTensorBoard } from '../charts/smoothing.js';
import { aggregateSeries, bandOf } from './aggregate.js';
import { groupByText, groupRuns, parseGroupBy, SWEEP_TAG, type GroupInput } from './groupRuns.js';
import { groupSize } from './groupView.js';

function run(id: string, params: Record<string, unknown>, tags: Record<string, string> = {}, kind = 'cell'): GroupInput {
  return { key: `s|${id}`, run: { id, name: `run ${id}`, kind: kind as never, params, tags } };
}

describe('groupRuns', () => {
  const seeds = [
    run('a', { lr: 0.01, layers: 2, seed: 1 }),
    run('b', { lr: 0.01, layers: 2, seed: 2 }),
    run('c', { lr: 0.1, layers: 2, seed: 1 }),
    run('d', { lr: 0.01, layers: 2, seed: 3 }),
    run('e', { lr: 0.1, layers: 4, seed: 1, note: 'x' }),
  ];

  it('groups by every param but seed, labelled by what the members share, keys stable under reordering', () => {
    const groups = groupRuns(seeds, { kind: 'except', keys: ['seed'] });
    expect(groups.map((g) => [g.label, g.members])).toEqual([
      ['layers=2 lr=0.01 note=–', ['s|a', 's|b', 's|d']],
      ['layers=2 lr=0.1 note=–', ['s|c']],
      ['layers=4 lr=0.1 note=x', ['s|e']],
    ]);
    const again = groupRuns([...seeds].reverse(), { kind: 'except', keys: ['seed'] });
    expect(again.map((g) => g.key)).toEqual(groups.map((g) => g.key));
  });

  it('groups by named params and tags', () => {
    const runs = [run('a', { lr: 1 }, { model: 'cnn' }), run('b', { lr: 1 }, { model: 'mlp' }), run('c', { lr: 1 }, { model: 'cnn' })];
    expect(groupRuns(runs, { kind: 'keys', keys: ['model'] }).map((g) => [g.label, g.members.length])).toEqual([['model=cnn', 2], ['model=mlp', 1]]);
    expect(groupRuns(runs, { kind: 'keys', keys: ['lr'] }).map((g) => g.members.length)).toEqual([3]);
  });

  it('groups a sweep\'s trials under the sweep\'s name, the sweep run heading them, and a job\'s block runs with the job; others stand alone', () => {
    const runs = [
      run('sw', {}, {}, 'script'),
      run('t1', { lr: 1 }, { [SWEEP_TAG]: 'sw' }),
      run('t2', { lr: 2 }, { [SWEEP_TAG]: 'sw' }),
      run('lone', {}),
      run('job1', {}, {}, 'job'),
      run('job1-b2', {}, { job: 'job1' }, 'script'),
    ];
    const sweep = groupRuns(runs, { kind: 'sweep' });
    expect(sweep.find((g) => g.key === 'sweep:sw')).toEqual({ key: 'sweep:sw', label: 'run sw', members: ['s|sw', 's|t1', 's|t2'], head: 's|sw' });
    expect(sweep.filter((g) => g.members.includes('s|sw'))).toHaveLength(1); // the sweep run is in no group of its own
    expect(sweep).toHaveLength(4);
    expect(sweep.map(groupSize)).toContain('sweep + 2 trials');
    // Trials charted without their sweep's run (picked in the table): the group reads the sweep's name
    // from the trials' names, not its raw id (a new user's legend read "sweep 20261130-211647-0022a7").
    const picked = [1, 2].map((n) => ({ key: `s|t${n}`, run: { id: `t${n}`, name: `cli-sweep · trial ${n}`, kind: 'job' as never, params: {}, tags: { [SWEEP_TAG]: '20261130-211647-0022a7' } } }));
    expect(groupRuns(picked, { kind: 'sweep' }).map((g) => g.label)).toEqual(['cli-sweep']);
    const job = groupRuns(runs, { kind: 'job' });
    expect(job.find((g) => g.key === 'job:job1')!.members).toEqual(['s|job1', 's|job1-b2']);
  });

  it('reads what the user types', () => {
    expect(parseGroupBy('all but seed')).toEqual({ kind: 'except', keys: ['seed'] });
    expect(parseGroupBy('everything except seed, run')).toEqual({ kind: 'except', keys: ['seed', 'run'] });
    expect(parseGroupBy('-seed')).toEqual({ kind: 'except', keys: ['seed'] });
    expect(parseGroupBy('lr, layers')).toEqual({ kind: 'keys', keys: ['lr', 'layers'] });
    expect(parseGroupBy(' sweep ')).toEqual({ kind: 'sweep' });
    expect(parseGroupBy('')).toEqual({ kind: 'none' });
    for (const text of ['all but seed', 'lr, layers', 'job']) expect(groupByText(parseGroupBy(text))).toBe(text);
  });
});

describe('aggregateSeries', () => {
  const t = (steps: number[]) => steps.map((s) => 1000 + s);

  it('gives the mean, min, max and population std at each step', () => {
    const agg = aggregateSeries([
      { steps: [0, 1], times: t([0, 1]), values: [1, 2] },
      { steps: [0, 1], times: t([0, 1]), values: [3, 6] },
    ]);
    expect(agg).toMatchObject({ steps: [0, 1], mean: [2, 4], min: [1, 2], max: [3, 6], std: [1, 2], count: [2, 2] });
  });

  it('aligns uneven step grids on their union, interpolating inside a member only', () => {
    const agg = aggregateSeries([
      { steps: [0, 10, 20], times: t([0, 10, 20]), values: [0, 10, 20] },
      { steps: [0, 5], times: t([0, 5]), values: [100, 50] }, // stopped early: no value after step 5
    ]);
    expect(agg.steps).toEqual([0, 5, 10, 20]);
    expect(agg.count).toEqual([2, 2, 1, 1]);
    expect(agg.mean).toEqual([50, 27.5, 10, 20]); // step 5: member 1 interpolated to 5
    expect(agg.times).toEqual([1000, 1005, 1010, 1020]);
  });

  it('puts seeds run hours apart on one time axis: elapsed time from each member\'s own start', () => {
    const agg = aggregateSeries([
      { steps: [0, 1, 2], times: [1000, 1010, 1020], values: [1, 1, 1] },
      { steps: [0, 1, 2], times: [9000, 9005, 9030], values: [3, 3, 3] },
    ]);
    expect(agg.times).toEqual([1000, 1005, 1020]);
  });

  it('leaves a NaN point out (and the stretches beside it); a step with no value at all is NaN', () => {
    const agg = aggregateSeries([
      { steps: [0, 1, 2], times: t([0, 1, 2]), values: [1, NaN, 3] },
      { steps: [0, 1, 2, 3], times: t([0, 1, 2, 3]), values: [3, 5, Infinity, NaN] },
    ]);
    expect(agg.mean.slice(0, 3)).toEqual([2, 5, 3]);
    expect(agg.count).toEqual([2, 1, 1, 0]);
    expect(agg.mean[3]).toBeNaN();
    expect(agg.std[3]).toBeNaN();
  });

  it('of one member is that member, with a band of zero width', () => {
    const agg = aggregateSeries([{ steps: [0, 1, 2], times: t([0, 1, 2]), values: [3, 1, 2] }]);
    expect(agg.mean).toEqual([3, 1, 2]);
    expect(bandOf(agg, 'std')).toEqual({ lower: [3, 1, 2], upper: [3, 1, 2], kind: 'std' });
    expect(bandOf(agg, 'minmax')).toEqual({ lower: [3, 1, 2], upper: [3, 1, 2], kind: 'minmax' });
  });

  it('smooths each member as the charts do before aggregating', () => {
    const a = [1, 5, 2, 8, 3];
    const b = [4, 0, 6, 1, 7];
    const steps = [0, 1, 2, 3, 4];
    const agg = aggregateSeries([{ steps, times: t(steps), values: a }, { steps, times: t(steps), values: b }], 0.6);
    const [sa, sb] = [smoothTensorBoard(a, 0.6), smoothTensorBoard(b, 0.6)];
    agg.mean.forEach((m, i) => expect(m).toBeCloseTo((sa[i]! + sb[i]!) / 2, 12));
    agg.max.forEach((m, i) => expect(m).toBeCloseTo(Math.max(sa[i]!, sb[i]!), 12));
    expect(bandOf(agg, 'std').upper[2]).toBeCloseTo(agg.mean[2]! + Math.abs(sa[2]! - sb[2]!) / 2, 12);
  });
});

describe('a remembered grouping', () => {
  it('is kept when well-formed and dropped otherwise', async () => {
    const { parseState } = await import('../charts/panelState.js');
    expect(parseState({ choices: { groupBy: { kind: 'except', keys: ['seed'] }, band: 'std' } }).choices).toEqual({ groupBy: { kind: 'except', keys: ['seed'] }, band: 'std' });
    expect(parseState({ choices: { groupBy: { kind: 'keys', keys: [1] }, band: 'wide' } }).choices).toEqual({});
    expect(parseState({ choices: { groupBy: 'sweep' } }).choices).toEqual({});
  });
});
