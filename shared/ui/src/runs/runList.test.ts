import type { RunSummary } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { isReadOnlyRun, mainMetric, matches, NO_FILTER, rowTags, runlaneTags, runlaneTagsText, RunSet, sortRuns, trialMark } from './runList.js';

function run(over: Partial<RunSummary>): RunSummary {
  return {
    id: 'r', name: 'run', experiment: 'demo', status: 'finished', kind: 'cell', created_at: 1, started_at: 1, ended_at: 2, duration: 1,
    notebook: null, cell_id: null, execution_count: null, params: {}, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null, ...over,
  };
}

describe('runs list', () => {
  const a = run({ id: 'a', name: 'baseline lr=0.1', params: { lr: 0.1, opt: 'sgd' }, tags: { best: '' }, created_at: 3, metrics: { loss: { count: 3, last: 0.5, min: 0.5, max: 1 } } });
  const b = run({ id: 'b', name: 'wider', params: { lr: 0.03, target: 'gpu-box' }, status: 'running', duration: null, created_at: 2, notebook: '/n/train.ipynb', metrics: { 'val/loss': { count: 1, last: 0.2, min: 0.2, max: 0.2 } } });
  const c = run({ id: 'c', name: 'no metrics', experiment: 'sweeps', created_at: 1, status: 'failed' });

  it('matches words, key=value params and tags, status: and tag: terms, and the notebook filter', () => {
    const names = (f: Partial<typeof NO_FILTER>) => [a, b, c].filter((r) => matches(r, { ...NO_FILTER, ...f })).map((r) => r.id);
    expect(names({ text: 'WIDER' })).toEqual(['b']);
    expect(names({ text: 'lr=0.1' })).toEqual(['a']);
    expect(names({ text: 'opt=SGD baseline' })).toEqual(['a']);
    expect(names({ text: 'status:running' })).toEqual(['b']);
    expect(names({ text: 'tag:best' })).toEqual(['a']);
    expect(names({ text: 'sweeps' })).toEqual(['c']);
    expect(names({ status: 'failed' })).toEqual(['c']);
    expect(names({ notebook: '/n/train.ipynb' })).toEqual(['b']);
  });

  it('finds `lr=0.1` (the placeholder\'s example) in a run\'s name when the run recorded no params', () => {
    // `for lr in [...]: with rl.run(name=f"lr={lr}")` records the value only in the name.
    const named = run({ id: 'n', name: 'lr=0.1', experiment: 'sweep' });
    const other = run({ id: 'o', name: 'lr=0.01', params: { lr: 0.01 } });
    const tagged = run({ id: 't', name: 'x', tags: { note: 'retry lr=0.1' } });
    const names = (text: string) => [named, other, tagged, a, b].filter((r) => matches(r, { ...NO_FILTER, text })).map((r) => r.id);
    expect(names('lr=0.1')).toEqual(['n', 't', 'a']); // the name, a tag's text, a param; not lr=0.01
    expect(names('LR=0.1 sweep')).toEqual(['n']);
    expect(names('lr=0.01')).toEqual(['o']);
  });

  it('sorts by any column, newest first by default, runs without the metric last', () => {
    expect(sortRuns([c, a, b], 'created', 'desc').map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(sortRuns([a, b, c], 'name', 'asc').map((r) => r.id)).toEqual(['a', 'c', 'b']);
    expect(sortRuns([a, b, c], 'status', 'asc').map((r) => r.id)).toEqual(['b', 'c', 'a']);
    expect(sortRuns([a, b, c], 'metric', 'asc').map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(sortRuns([a, b, c], 'metric', 'desc').map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(mainMetric(b)).toEqual({ key: 'val/loss', value: 0.2 });
  });

  it('takes a validation metric as the main metric before a training one, a loss first', () => {
    const main = (...keys: string[]) => mainMetric(run({ metrics: Object.fromEntries(keys.map((k, i) => [k, { count: 1, last: i, min: i, max: i }])) }))?.key;
    expect(main('train/loss', 'val/loss')).toBe('val/loss');
    expect(main('loss', 'val_loss', 'acc')).toBe('val_loss');
    expect(main('train/loss', 'validation/acc')).toBe('validation/acc');
    expect(main('eval/accuracy', 'eval/loss', 'train_loss')).toBe('eval/loss');
    expect(main('test/loss', 'val/loss')).toBe('val/loss'); // a test set is usually seen only at the end
    expect(main('test/acc', 'train/loss')).toBe('test/acc');
    expect(main('val/loss_ema', 'val/loss')).toBe('val/loss');
    expect(main('train/val_ratio', 'latest_loss', 'loss')).toBe('loss'); // words, not substrings
    expect(main('acc', 'lr')).toBe('acc');
    expect(mainMetric(run({}))).toBeNull();
  });

  it('takes the metric the user chose for the experiment, when the run has it', () => {
    const r = run({ metrics: { 'train/loss': { count: 1, last: 0.3, min: 0.3, max: 0.3 }, 'val/loss': { count: 1, last: 0.5, min: 0.5, max: 0.5 } } });
    expect(mainMetric(r, 'train/loss')).toEqual({ key: 'train/loss', value: 0.3 });
    expect(mainMetric(r, 'bleu')).toEqual({ key: 'val/loss', value: 0.5 }); // not logged here: the default
    const other = run({ id: 'o', metrics: { 'train/loss': { count: 1, last: 0.9, min: 0.9, max: 0.9 }, 'val/loss': { count: 1, last: 0.1, min: 0.1, max: 0.1 } } });
    expect(sortRuns([r, other], 'metric', 'asc').map((x) => x.id)).toEqual(['o', 'r']);
    expect(sortRuns([r, other], 'metric', 'asc', () => 'train/loss').map((x) => x.id)).toEqual(['r', 'o']);
  });

  it('follows the feed: created, updated and deleted runs of its own source only', () => {
    const set = new RunSet('/s');
    set.reset([a]);
    expect(set.apply({ type: 'run-created', store: '/s', run: b })).toBe(true);
    expect(set.apply({ type: 'run-created', store: '/other', run: c })).toBe(false);
    expect(set.apply({ type: 'run-updated', store: '/s', run: { ...b, status: 'finished' }, previous_status: 'running' })).toBe(true);
    expect(set.get('b')?.status).toBe('finished');
    expect(set.apply({ type: 'run-deleted', store: '/s', run_id: 'a' })).toBe(true);
    expect(set.all().map((r) => r.id)).toEqual(['b']);
  });

  it('keeps a live run\'s metric summaries current from the metrics events', () => {
    const set = new RunSet('/s');
    set.reset([run({ id: 'x', status: 'running' })]);
    expect(set.apply({ type: 'metrics', store: '/s', run_id: 'x', key: 'acc', rank: null, steps: [0, 1], times: [1, 2], values: [0.4, 'NaN'] })).toBe(true);
    expect(set.get('x')!.metrics.acc).toEqual({ count: 2, last: 'NaN', min: 0.4, max: 0.4 });
    set.apply({ type: 'metrics', store: '/s', run_id: 'x', key: 'acc', rank: null, steps: [2], times: [3], values: [0.8] });
    expect(set.get('x')!.metrics.acc).toEqual({ count: 3, last: 0.8, min: 0.4, max: 0.8 });
    expect(mainMetric(set.get('x')!)).toEqual({ key: 'acc', value: 0.8 });
    expect(set.apply({ type: 'metrics', store: '/s', run_id: 'unknown', key: 'acc', rank: null, steps: [0], times: [0], values: [1] })).toBe(false);
  });

  it('summarises rank 0 from the feed; another rank only joins `ranks`', () => {
    const set = new RunSet('/s');
    set.reset([run({ id: 'j', kind: 'job', status: 'running' })]);
    set.apply({ type: 'metrics', store: '/s', run_id: 'j', key: 'loss', rank: 0, steps: [0, 1], times: [1, 2], values: [3, 2] });
    expect(set.apply({ type: 'metrics', store: '/s', run_id: 'j', key: 'loss', rank: 1, steps: [0, 1], times: [3, 4], values: [30, 20] })).toBe(true);
    expect(set.get('j')!.metrics.loss).toEqual({ count: 2, last: 2, min: 2, max: 3 });
    expect(set.get('j')!.ranks).toEqual([0, 1]);
    expect(set.apply({ type: 'metrics', store: '/s', run_id: 'j', key: 'loss', rank: 1, steps: [2], times: [5], values: [10] })).toBe(false);
  });
});

describe('rowTags', () => {
  it('keeps the user\'s tags for rows; link tags and a TensorBoard run\'s logdir go to tooltips', () => {
    expect(rowTags({ kind: 'script', tags: { best: '', job: '20261130-064330-6691b3', rerun_of: 'x', lr: 'high' } })).toEqual([['best', ''], ['lr', 'high']]);
    expect(rowTags({ kind: 'tensorboard', tags: { logdir: 'tb', best: '' } })).toEqual([['best', '']]);
    // A DVCLive run's folder, an absolute path, crowded its metric out of the row (a new user's find).
    expect(rowTags({ kind: 'dvclive', tags: { dvclive: '/home/me/proj/dvclive', best: '' } })).toEqual([['best', '']]);
  });

  it('tells the runs read from other tools (nothing to stop, edit or push) from Runlane\'s own', () => {
    expect(['tensorboard', 'dvclive', 'mlflow'].map((kind) => isReadOnlyRun({ kind: kind as 'tensorboard' }))).toEqual([true, true, true]);
    expect(['cell', 'script', 'job'].map((kind) => isReadOnlyRun({ kind: kind as 'cell' }))).toEqual([false, false, false]);
  });

  it('leaves MLflow\'s system tags of a server run out of its row, as the MLflow UI does', () => {
    expect(rowTags({ kind: 'mlflow', tags: { 'mlflow.user': 'root', 'mlflow.source.name': '-c', owner: 'alice' } })).toEqual([['owner', 'alice']]);
    expect(rowTags({ kind: 'script', tags: { 'mlflow.note': 'mine' } })).toEqual([['mlflow.note', 'mine']]);
  });

  it('leaves Runlane\'s own tags (a sweep trial\'s) out of rows; a trial shows `trial N` instead', () => {
    const tags = { 'runlane.sweep': '20261130-101010-abcdef', 'runlane.sweep.trial': '5', 'runlane.pruned_step': '1', lr: 'high' };
    expect(rowTags({ kind: 'script', tags })).toEqual([['lr', 'high']]);
    expect(trialMark({ tags })).toBe('trial 5');
    expect(trialMark({ tags: { lr: 'high' } })).toBeNull();
    // Run details keep them, on a quieter line of their own.
    expect(runlaneTags({ tags }).map(([k]) => k)).toEqual(['runlane.sweep', 'runlane.sweep.trial', 'runlane.pruned_step']);
    expect(runlaneTagsText({ tags })).toBe('sweep=20261130-101010-abcdef, sweep.trial=5, pruned_step=1');
    expect(runlaneTagsText({ tags: { lr: 'high' } })).toBeNull();
  });
});
