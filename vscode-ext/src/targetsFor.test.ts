import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../test/helpers/tempDir.js';
import { findStoreDir } from '@runlane/core';
import { targetsFileFor } from './targetsFor.js';

const root = makeTempDir('targetsfor');
afterAll(() => removeTempDir(root));
const storeFor = (dir: string) => findStoreDir(dir, {});

it('takes the runlane.toml beside a subfolder notebook (trial 2 #3), else the nearest up to the workspace folder', () => {
  const ws = path.join(root, 'ws');
  const study = path.join(ws, 'research', 'lr-study');
  mkdirSync(path.join(study, '.runlane'), { recursive: true });
  mkdirSync(path.join(ws, 'scripts', 'deep'), { recursive: true });
  writeFileSync(path.join(ws, 'runlane.toml'), '');
  writeFileSync(path.join(study, 'runlane.toml'), '');
  const inputs = { folders: [ws], storeFor };
  expect(targetsFileFor(path.join(study, 'sweep.ipynb'), inputs)).toBe(path.join(study, 'runlane.toml'));
  expect(targetsFileFor(path.join(ws, 'scripts', 'deep', 'train.py'), inputs)).toBe(path.join(ws, 'runlane.toml'));
  // The setting wins: the user named a file.
  expect(targetsFileFor(path.join(study, 'sweep.ipynb'), { ...inputs, setting: '/etc/runlane.toml' })).toBe('/etc/runlane.toml');
});

it('does not look above the workspace folder', () => {
  writeFileSync(path.join(root, 'runlane.toml'), ''); // above the workspace: not its targets
  const ws = path.join(root, 'ws2');
  mkdirSync(path.join(ws, 'nb'), { recursive: true });
  expect(targetsFileFor(path.join(ws, 'nb', 'a.ipynb'), { folders: [ws], storeFor })).toBeUndefined();
});
