import { describe, expect, it } from 'vitest';
import type { RunSummary, SourcedRun } from '@runlane/protocol';
import { bestLine, stateText, sweepModel, trialState } from './trials.js';

function run(overrides: Partial<RunSummary>): SourcedRun {
  return {
    source: 's',
    run: {
      id: 'r', name: 'r', experiment: 'e', status: 'finished', kind: 'job', created_at: 0, started_at: 0, ended_at: 1, duration: 1,
      notebook: null, cell_id: null, execution_count: null, params: {}, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null, ...overrides,
    },
  };
}
const sweepRun = (params: Record<string, unknown>) =>
  run({ id: 'S', name: 'lr search', status: 'running', tags: { 'runlane.sweep.role': 'sweep' }, params: { 'sweep.metric': 'val/loss', 'sweep.trials': 6, 'sweep.space': { lr: 'loguniform(0.0001, 0.1)', layers: 'choice([1, 2])' }, ...params } });
function trial(n: number, status: RunSummary['status'], loss: number | null, ended: number | null, extra: Partial<RunSummary> = {}): SourcedRun {
  return run({
    ...extra,
    id: `T${n}`, status, started_at: 10, ended_at: ended, duration: null, params: { lr: 0.01 * (n + 1), layers: 1 + (n % 2), workers: 1 },
    tags: { 'runlane.sweep': 'S', 'runlane.sweep.trial': String(n), ...extra.tags }, metrics: loss === null ? {} : { 'val/loss': { count: 3, last: loss, min: loss, max: loss } },
  });
}

describe('the sweep view\'s trials', () => {
  const runs = [
    sweepRun({}),
    trial(2, 'pruned', 0.9, 30, { error: 'Pruned at step 4 by the median rule: ...', tags: { 'runlane.pruned_step': '4' } }),
    trial(0, 'finished', 0.5, 20),
    trial(1, 'finished', 0.3, 40),
    trial(3, 'failed', null, 35, { error: 'Traceback ... ZeroDivisionError' }),
    trial(4, 'running', 0.2, null),
    trial(5, 'finished', 0.1, 50),
    run({ id: 'X', tags: { 'runlane.sweep': 'another' } }),
  ];
  runs[6] = { ...runs[6]!, source: 'other' }; // the same tag in another store is not this sweep's
  const model = sweepModel('s', 'S', runs, 100);

  it('lists the sweep\'s trials by number with their state, pruned step, value and duration', () => {
    expect(model.sweep?.run.id).toBe('S');
    expect(model.trials.map((t) => [t.number, stateText(t), t.value, t.duration])).toEqual([
      [0, 'finished', 0.5, 10], [1, 'finished', 0.3, 30], [2, 'pruned at step 4', 0.9, 20], [3, 'failed', null, 25], [4, 'running', 0.2, 90],
    ]);
    expect(model.trials[2]!.reason).toMatch(/median rule/);
    expect(model.counts).toMatchObject({ finished: 2, pruned: 1, failed: 1, running: 1 });
    expect(model.params).toEqual(['layers', 'lr']); // the space, not how the job ran (workers)
  });

  it('takes the best of the finished trials only (a running or pruned trial\'s lower value is not a result)', () => {
    expect(model.best?.number).toBe(1);
    expect(sweepModel('s', 'S', [sweepRun({ 'sweep.mode': 'max' }), ...runs.slice(1)], 100).best?.number).toBe(0);
  });

  it('draws the best so far by trials done, in the order they ended', () => {
    // Ended: 0 (20), 2 pruned (30), 3 failed (35), 1 (40).
    expect(model.bestSoFar).toEqual([
      { done: 1, value: 0.5, trial: 0 }, { done: 2, value: 0.5, trial: 0 }, { done: 3, value: 0.5, trial: 0 }, { done: 4, value: 0.3, trial: 1 },
    ]);
  });

  it('reads a pruned trial that an older daemon shows as cancelled from its pruned-step tag', () => {
    expect(trialState('cancelled', { 'runlane.pruned_step': '2' })).toBe('pruned');
    expect(trialState('cancelled', {})).toBe('cancelled');
    expect(trialState('crashed', {})).toBe('failed');
    expect(trialState('queued', {})).toBe('queued');
  });

  it('falls back to the trials\' own params when the sweep run is not listed yet', () => {
    expect(sweepModel('s', 'S', runs.slice(1), 100).params).toEqual(['layers', 'lr']);
    expect(sweepModel('s', 'S', runs.slice(1), 100).settings.mode).toBe('min');
  });
});

describe('"Open sweep" in a run\'s details', () => {
  it('opens the sweep itself from the sweep run, its sweep from a trial, and is absent elsewhere', async () => {
    const { sweepIdOf } = await import('./trials.js');
    expect(sweepIdOf({ id: 'S', tags: { 'runlane.sweep.role': 'sweep' } })).toBe('S');
    expect(sweepIdOf({ id: 'T1', tags: { 'runlane.sweep': 'S', 'runlane.sweep.trial': '1' } })).toBe('S');
    expect(sweepIdOf({ id: 'R', tags: { job: 'J' } })).toBeNull();
  });
});

describe('the Best line', () => {
  it('prints a sampled param and the value in the UI\'s 4-significant-digit format', () => {
    const m = sweepModel('s', 'S', [sweepRun({}), run({ ...trial(0, 'finished', 0.123456789, 20).run, params: { lr: 0.12574345574288495, layers: 2 } })], 100);
    expect(bestLine(m)).toBe('Best: trial 0 = 0.1235 (layers=2, lr=0.1257)');
  });
});

describe('a pruned trial\'s state', () => {
  it('reads as its reason does: judged at step 11, stopped at 28', () => {
    const error = 'Pruned at step 11 by the median rule: val/loss = 0.9 is worse than the median 0.5 of 3 finished trials. It had reached step 28 when it stopped.';
    const m = sweepModel('s', 'S', [sweepRun({}), trial(0, 'pruned', 0.9, 30, { error, tags: { 'runlane.pruned_step': '28' } })], 100);
    expect(stateText(m.trials[0]!)).toBe('pruned at step 11 (stopped at 28)');
    const same = sweepModel('s', 'S', [sweepRun({}), trial(0, 'pruned', 0.9, 30, { error: 'Pruned at step 4 by the median rule: …', tags: { 'runlane.pruned_step': '4' } })], 100);
    expect(stateText(same.trials[0]!)).toBe('pruned at step 4');
  });
});
