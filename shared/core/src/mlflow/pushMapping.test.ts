// The mapping of a local run to an MLflow run (docs/mlflow.md "The mapping"), without a server: the
// rules that decide what a push sends. push.server.test.ts checks the same on a real server.
import type { RunSummary } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { cut, mapParams, mapTags, metricValue, mlflowKey, mlflowStatus, paramText, rankedKey, renamedKeys, toMillis } from './pushMapping.js';

function summary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id: '20261130-110127-f24915', name: 'train', experiment: 'exp', status: 'finished', kind: 'cell',
    created_at: 1_700_000_000, started_at: 1_700_000_001, ended_at: 1_700_000_010, duration: 9,
    notebook: 'nb/train.ipynb', cell_id: 'c1', execution_count: 3, params: {}, tags: {}, metrics: {}, ranks: [],
    error: null, exit_code: null, ...overrides,
  };
}

describe('push mapping', () => {
  it('statuses: stopped runs are KILLED, crashed ones FAILED', () => {
    expect(['queued', 'running', 'finished', 'failed', 'crashed', 'interrupted', 'cancelled'].map((s) => mlflowStatus(s as RunSummary['status'])))
      .toEqual(['SCHEDULED', 'RUNNING', 'FINISHED', 'FAILED', 'FAILED', 'KILLED', 'KILLED']);
  });

  it('params as text, non-finite floats as Python prints them, long values cut with a note', () => {
    expect(paramText('adam')).toBe('adam');
    expect(paramText([64, 64])).toBe('[64,64]');
    expect(paramText({ $float: 'NaN' })).toBe('nan');
    expect(paramText({ $float: '-Infinity' })).toBe('-inf');
    const mapped = mapParams({ lr: 0.1, long: 'x'.repeat(6001) });
    expect(mapped.cutKeys).toEqual(['long']);
    expect(mapped.params[1]!.value).toHaveLength(6000);
    expect(mapped.params[1]!.value.endsWith('…')).toBe(true);
    expect(cut('abc', 5)).toBe('abc');
  });

  it('keys MLflow refuses are renamed, and listed', () => {
    expect(mlflowKey('train/lr')).toBe('train/lr');
    expect(mlflowKey('lr|decay@step')).toBe('lr_decay_step');
    expect(mlflowKey('/a//b/./../c/')).toBe('a/b/__/c');
    expect(mlflowKey('ß μ:1')).toBe('ß μ:1');
    expect(mlflowKey('')).toBe('_');
    expect(renamedKeys(['ok', 'a|b'])).toBe('a|b -> a_b');
    expect(renamedKeys(['ok'])).toBeNull();
  });

  it('ranks: the primary series keeps its key, rank N goes to key/rankN', () => {
    expect(rankedKey('loss', null)).toBe('loss');
    expect(rankedKey('loss', 0)).toBe('loss');
    expect(rankedKey('loss', 3)).toBe('loss/rank3');
    expect(rankedKey('k'.repeat(248), 1)).toBeNull();
  });

  it('values and times as log-batch takes them', () => {
    expect([NaN, Infinity, -Infinity, 0.5].map(metricValue)).toEqual(['NaN', 'Infinity', '-Infinity', 0.5]);
    expect(toMillis(1_700_000_000.1234)).toBe(1_700_000_000_123);
  });

  it('tags: the user\'s as they are, facts under runlane., what the MLflow UI shows under mlflow.', () => {
    const tags = mapTags({
      summary: summary({ tags: { team: 'vision', 'mlflow.note': 'x' }, params: { target: 'gpu-box' }, ranks: [1, 2] }),
      meta: { source_sha256: 'abc', host: 'box' },
      env: { git: { commit: 'deadbeef', dirty: true, branch: 'main' } },
    });
    expect(tags).toMatchObject({
      team: 'vision',
      'runlane.tag.mlflow.note': 'x',
      'runlane.run_id': '20261130-110127-f24915',
      'runlane.notebook': 'nb/train.ipynb',
      'runlane.cell_id': 'c1',
      'runlane.source_sha256': 'abc',
      'runlane.target': 'gpu-box',
      'runlane.ranks': '1,2',
      'runlane.git_commit': 'deadbeef',
      'runlane.git_dirty': 'true',
      'mlflow.runName': 'train',
      'mlflow.source.name': 'nb/train.ipynb',
      'mlflow.source.type': 'NOTEBOOK',
      'mlflow.source.git.commit': 'deadbeef',
    });
    expect(tags).not.toHaveProperty('mlflow.note');
  });
});
