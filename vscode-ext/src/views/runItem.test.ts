import type { RunSummary } from '@runlane/protocol';
import { expect, it } from 'vitest';
import { runItem } from './runItem.js';

const base: RunSummary = {
  id: 'r1', name: '<img src=x onerror=alert(1)>', experiment: 'demo', status: 'running', kind: 'job', created_at: 100, started_at: 100, ended_at: null, duration: null,
  notebook: null, cell_id: null, execution_count: null, params: { lr: 0.1, target: 'gpu-box' }, tags: {}, metrics: { loss: { count: 2, last: 0.25, min: 0.25, max: 1 } }, error: null, exit_code: null,
};

it('describes a running job: metric, elapsed time, target, a spinning icon, cancellable', () => {
  const item = runItem(base, 190);
  expect(item.label).toBe('<img src=x onerror=alert(1)>'); // a TreeItem label is text, never markup
  expect(item.description).toBe('loss 0.25 · 1m 30s · on gpu-box');
  expect(item.tooltip).toContain('lr = 0.1');
  expect(item.icon.id).toBe('sync~spin');
  expect(item.contextValue).toBe('run-live-job');
});

it('describes a finished cell run and a failed job', () => {
  expect(runItem({ ...base, kind: 'cell', status: 'finished', duration: 3.2, metrics: {} }).contextValue).toBe('run');
  const failed = runItem({ ...base, status: 'failed', duration: 1, error: 'Worker w1 exited with code 3.\nlast lines' });
  expect([failed.icon.id, failed.contextValue]).toEqual(['error', 'run-job']);
  expect(failed.tooltip).toContain('Worker w1 exited with code 3.');
});
