import type { RunSummary } from '@runlane/protocol';
import { duplicateNames } from '@runlane/ui';
import { expect, it } from 'vitest';
import { runItem } from './runItem.js';

const base: RunSummary = {
  id: '20250101-000000-a1b2c3', name: '<img src=x onerror=alert(1)>', experiment: 'demo', status: 'running', kind: 'job', created_at: 100, started_at: 100, ended_at: null, duration: null,
  notebook: null, cell_id: null, execution_count: null, params: { lr: 0.1, target: 'gpu-box' }, tags: {}, metrics: { loss: { count: 2, last: 0.25, min: 0.25, max: 1 } }, ranks: [], error: null, exit_code: null,
};

it('describes a running job: metric, elapsed time, target, a spinning icon, cancellable', () => {
  const item = runItem(base, 190);
  expect(item.label).toBe('<img src=x onerror=alert(1)>'); // a TreeItem label is text, never markup
  expect(item.description).toBe('loss 0.25 · 1m 30s · on gpu-box');
  expect(item.tooltip).toContain('lr = 0.1');
  expect(item.icon.id).toBe('sync~spin');
  expect(item.contextValue).toBe('run.job.live.script');
});

it('describes a finished cell run and a failed job', () => {
  expect(runItem({ ...base, kind: 'cell', status: 'finished', duration: 3.2, metrics: {}, notebook: '/w/a.ipynb', cell_id: 'c1' }).contextValue).toBe('run.notebook');
  const failed = runItem({ ...base, status: 'failed', duration: 1, error: 'Worker w1 exited with code 3.\nlast lines' });
  expect([failed.icon.id, failed.contextValue]).toEqual(['error', 'run.job.script']);
  expect(failed.tooltip).toContain('Worker w1 exited with code 3.');
  // A job's error names the worker, then its last lines: the tooltip shows the exception, not "Its last lines:".
  const job = runItem({ ...base, status: 'failed', duration: 1, error: 'Worker w0 exited with code 1. Its last lines:\n[stderr]\nTraceback (most recent call last):\n  File "Cell In[4]", line 6, in <module>\nValueError: matmul mismatch' });
  expect(job.tooltip.split('\n').slice(-2)).toEqual(['Worker w0 exited with code 1.', 'ValueError: matmul mismatch']);
  expect(job.tooltip).not.toContain('Its last lines');
});

it('offers Stop for a running cell run, Open Script (not Go to Source Cell) for a script run, nothing to edit in a TensorBoard run', () => {
  expect(runItem({ ...base, kind: 'cell', notebook: '/w/a.ipynb', cell_id: 'c1' }).contextValue).toBe('run.live.notebook');
  expect(runItem({ ...base, kind: 'script', status: 'finished' }).contextValue).toBe('run.script');
  const tb = runItem({ ...base, kind: 'tensorboard', status: 'finished', tags: { logdir: '/tmp/tb' } }, { readonly: true });
  expect(tb.contextValue).toBe('run.readonly');
  expect(tb.description).not.toContain('logdir'); // the folder it is listed under
  expect(tb.tooltip).toContain('tags: logdir=/tmp/tb');
});

it('shows tags in the row and the tooltip', () => {
  const item = runItem({ ...base, tags: { best: '', lr: 'high' } }, 190);
  expect(item.description).toBe('#best #lr=high · loss 0.25 · 1m 30s · on gpu-box');
  expect(item.tooltip).toContain('tags: best, lr=high');
});

it('a sweep trial\'s row shows `trial N`, not Runlane\'s own tags; its tooltip puts them on a line of their own', () => {
  const item = runItem({ ...base, tags: { 'runlane.sweep': '20261130-101010-abcdef', 'runlane.sweep.trial': '5', 'runlane.pruned_step': '1', best: '' } }, 190);
  expect(item.description).toBe('trial 5 · #best · loss 0.25 · 1m 30s · on gpu-box');
  expect(item.tooltip).toContain('tags: best\nrunlane: sweep=20261130-101010-abcdef, sweep.trial=5, pruned_step=1');
});

it('marks runs that share a name with a short id, and only those', () => {
  const twin = { ...base, id: '20250101-000001-d4e5f6' };
  const other = { ...base, id: 'x', name: 'other' };
  const duplicates = duplicateNames([base, twin, other]);
  expect(runItem(base, { duplicates }).label).toBe('<img src=x onerror=alert(1)> · a1b2c3');
  expect(runItem(twin, { duplicates }).label).toBe('<img src=x onerror=alert(1)> · d4e5f6');
  expect(runItem(other, { duplicates }).label).toBe('other');
});

it('shows the main metric the user chose for the experiment, when the run has it', () => {
  const run = { ...base, metrics: { 'train/loss': { count: 1, last: 0.5, min: 0.5, max: 0.5 }, 'val/acc': { count: 1, last: 0.9, min: 0.9, max: 0.9 } } };
  expect(runItem(run, { now: 190, preferredMetric: 'val/acc' }).description).toBe('val/acc 0.9 · 1m 30s · on gpu-box');
  expect(runItem(run, { now: 190, preferredMetric: 'gone' }).description).toMatch(/^(train\/loss 0\.5|val\/acc 0\.9) · /);
});

it('a pushed run says where its sync stands: not yet synced while queued, why when it failed', () => {
  const local = { ...base, kind: 'cell' as const, status: 'finished' as const };
  expect(runItem(local).description).not.toContain('sync');
  const queued = runItem({ ...local, sync: { to: 'http://127.0.0.1:5000', state: 'pending' } });
  expect(queued.description).toContain('not yet synced');
  expect(queued.tooltip).toContain('Not yet synced to 127.0.0.1:5000');
  const failed = runItem({ ...local, sync: { to: 'http://127.0.0.1:5000', state: 'failed', message: 'the server answered 401' } });
  expect(failed.description).toContain('sync failed');
  expect(failed.tooltip).toContain('the server answered 401');
});

it('a running run of an MLflow server offers no Stop (contextValue without .live): its writer stops it', () => {
  const item = runItem({ ...base, kind: 'mlflow', status: 'running' }, { readonly: true });
  expect(item.contextValue).toBe('run.readonly');
  expect(item.icon.id).toBe('sync~spin');
});

it('marks a sweep run and its trials for Open Sweep (`.sweep` last, the other menu patterns unchanged)', () => {
  expect(runItem({ ...base, kind: 'job', status: 'running', tags: { 'runlane.sweep.role': 'sweep' } }).contextValue).toBe('run.job.live.script.sweep');
  expect(runItem({ ...base, kind: 'job', status: 'finished', notebook: '/w/a.ipynb', tags: { 'runlane.sweep': 'S', 'runlane.sweep.trial': '2' } }).contextValue).toBe('run.job.notebook.sweep');
  expect(runItem({ ...base, kind: 'job', status: 'finished', tags: { job: 'J' } }).contextValue).toBe('run.job.script');
  expect(runItem({ ...base, kind: 'job', status: 'pruned', tags: { 'runlane.sweep': 'S' } }).icon).toEqual({ id: 'filter', color: 'charts.purple' }); // not the unknown status' empty circle
});
