import type { RunSummary } from '@runlane/protocol';
import { expect, it } from 'vitest';
import { mlflowLabel, parseMlflowUri, pushDestination, syncMark } from './teamStores.js';

it('takes a server URI as typed: a missing scheme is http, trailing slashes go', () => {
  expect(parseMlflowUri(' http://127.0.0.1:5000/ ')).toEqual({ uri: 'http://127.0.0.1:5000' });
  expect(parseMlflowUri('mlflow.example.com')).toEqual({ uri: 'http://mlflow.example.com' });
  expect(parseMlflowUri('https://team.example.com/mlflow/')).toEqual({ uri: 'https://team.example.com/mlflow' });
});

it('refuses what is not a server, and a password in the URI, with a sentence saying what to do', () => {
  expect(parseMlflowUri('')).toEqual({ error: expect.stringContaining('Type the tracking server') });
  expect(parseMlflowUri('sqlite:///mlflow.db')).toEqual({ error: expect.stringContaining('is a sqlite URI') });
  const secret = parseMlflowUri('http://alice:hunter2@mlflow.example.com');
  expect(secret).toEqual({ error: expect.stringContaining('MLFLOW_TRACKING_PASSWORD') });
  expect(JSON.stringify(secret)).not.toContain('hunter2');
});

it('names a server by its host (and path when it has one)', () => {
  expect(mlflowLabel('http://127.0.0.1:5000')).toBe('MLflow: 127.0.0.1:5000');
  expect(mlflowLabel('https://team.example.com/mlflow')).toBe('MLflow: team.example.com/mlflow');
});

const run = (sync?: unknown) => ({ id: 'a', name: 'a', status: 'finished', ...(sync ? { sync } : {}) }) as unknown as RunSummary;

it('marks a pushed run by its sync state; failed says why; a run never pushed has no mark', () => {
  expect(syncMark(run())).toBeNull();
  expect(syncMark(run({ to: 'http://h:5000', state: 'pending' }))?.text).toBe('not yet synced');
  expect(syncMark(run({ to: 'http://h:5000', state: 'synced', pushed_at: 1 }))?.title).toContain('Synced to h:5000');
  const failed = syncMark(run({ to: 'http://h:5000', state: 'failed', message: 'the run was deleted on the server' }));
  expect(failed).toMatchObject({ text: 'sync failed', state: 'failed' });
  expect(failed?.title).toContain('the run was deleted on the server');
});

it('pushes without asking only when runlane.toml declares exactly one MLflow store', () => {
  expect(pushDestination([{ name: 'team', kind: 'mlflow', uri: 'http://h' }])).toBe('team');
  expect(pushDestination([])).toBeNull();
  expect(pushDestination([{ name: 'a', kind: 'mlflow', uri: 'http://a' }, { name: 'b', kind: 'mlflow', uri: 'http://b' }])).toBeNull();
});
