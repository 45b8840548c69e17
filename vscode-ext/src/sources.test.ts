import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test/helpers/tempDir.js';
import { findStoreDir } from '@runlane/core';
import { workspaceSources } from './sources.js';

const root = makeTempDir('sources');
afterAll(() => removeTempDir(root));
const storeFor = (dir: string) => findStoreDir(dir, {});

it('shows the store of a notebook in a subfolder that has its own .runlane/, beside the workspace store', () => {
  const ws = path.join(root, 'ws');
  mkdirSync(path.join(ws, '.runlane'), { recursive: true });
  mkdirSync(path.join(ws, 'sub', 'deep', '.runlane'), { recursive: true });
  mkdirSync(path.join(ws, 'plain'), { recursive: true });
  const sources = workspaceSources({ setting: null, folders: [ws], files: [path.join(ws, 'sub', 'deep', 'nb.ipynb'), path.join(ws, 'plain', 'train.py'), path.join(ws, 'top.ipynb')], logdirs: [], storeFor });
  expect(sources.map((s) => [s.label, s.reason])).toEqual([
    ['.runlane', 'workspace folder, train.py, top.ipynb'],
    [path.join('sub', 'deep', '.runlane'), 'nb.ipynb'],
  ]);
});

it('in a multi-root workspace: one store per folder, named with the folder; opened log folders after', () => {
  const a = path.join(root, 'a');
  const b = path.join(root, 'b');
  mkdirSync(path.join(a, '.runlane'), { recursive: true });
  mkdirSync(b, { recursive: true });
  const logs = path.join(root, 'tb');
  const sources = workspaceSources({ setting: null, folders: [a, b], files: [path.join(b, 'x.py')], logdirs: [logs], storeFor });
  expect(sources.map((s) => [s.kind, s.label, s.reason])).toEqual([
    ['store', path.join('a', '.runlane'), 'workspace folder'],
    ['store', path.join('b', '.runlane'), 'workspace folder, x.py'], // not there yet: created by x.py's first run
    ['logdir', 'tb', 'TensorBoard log folder'], // outside the workspace: its name
  ]);
});

it('with the store setting, still shows where open notebooks write when it is elsewhere', () => {
  const ws = path.join(root, 'ws2');
  mkdirSync(path.join(ws, 'nb', '.runlane'), { recursive: true });
  const setting = path.join(root, 'shared-store');
  const sources = workspaceSources({ setting, folders: [ws], files: [path.join(ws, 'nb', 'a.ipynb')], logdirs: [], storeFor });
  expect(sources.map((s) => s.path)).toEqual([setting, path.join(ws, 'nb', '.runlane')]);
});

it('shows the stores found in the workspace with no editor open, and keeps a store shown before once its notebook closes', () => {
  const ws = path.join(root, 'ws3');
  const study = path.join(ws, 'research', 'lr-study', '.runlane');
  mkdirSync(study, { recursive: true });
  mkdirSync(path.join(ws, '.runlane'), { recursive: true });
  const outside = path.join(root, 'elsewhere', '.runlane'); // a notebook outside the folder wrote here
  const base = { setting: null, folders: [ws], files: [] as string[], logdirs: [], storeFor };
  // First look, nothing open: the subfolder's store is there already.
  expect(workspaceSources({ ...base, found: [study, path.join(ws, '.runlane')] }).map((s) => [s.label, s.reason])).toEqual([
    ['.runlane', 'workspace folder'], // found too, but its first reason stands alone
    [path.join('research', 'lr-study', '.runlane'), 'in the workspace'],
  ]);
  // The notebook open, then closed: its store stays, said to be shown before.
  const open = workspaceSources({ ...base, files: [path.join(root, 'elsewhere', 'nb.ipynb')], found: [study] });
  expect(open.map((s) => s.path)).toContain(outside);
  const closed = workspaceSources({ ...base, found: [study], kept: open.map((s) => s.path) });
  expect(closed.map((s) => [s.path, s.reason])).toEqual([
    [path.join(ws, '.runlane'), 'workspace folder'],
    [study, 'in the workspace'],
    [outside, 'shown before'],
  ]);
});

it('shows MLflow servers after the local sources, named by host, one group per server with every reason', () => {
  const ws = path.join(root, 'ml');
  mkdirSync(path.join(ws, '.runlane'), { recursive: true });
  const sources = workspaceSources({
    setting: null,
    folders: [ws],
    files: [],
    logdirs: [],
    mlflow: [
      { uri: 'http://127.0.0.1:5000', reason: 'runlane.toml [stores.team]' },
      { uri: 'http://127.0.0.1:5000', reason: 'mlflowStores setting' },
      { uri: 'https://mlflow.example.com', reason: 'mlflowStores setting' },
    ],
    storeFor,
  });
  expect(sources.map((s) => [s.kind, s.label, s.reason])).toEqual([
    ['store', '.runlane', 'workspace folder'],
    ['mlflow', 'MLflow: 127.0.0.1:5000', 'runlane.toml [stores.team], mlflowStores setting'],
    ['mlflow', 'MLflow: mlflow.example.com', 'mlflowStores setting'],
  ]);
});
