import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { namedPaths, stageNamedFiles } from './stageFiles.js';

let tmp: string;
afterEach(() => removeTempDir(tmp));

it('stages the files and folders a command names, keeping their relative layout', () => {
  tmp = makeTempDir('stage');
  mkdirSync(path.join(tmp, 'cfg'));
  mkdirSync(path.join(tmp, 'data', 'a'), { recursive: true });
  writeFileSync(path.join(tmp, 'train.py'), 'print(1)');
  writeFileSync(path.join(tmp, 'cfg', 'x.yaml'), 'lr: 1');
  writeFileSync(path.join(tmp, 'data', 'a', 'part.csv'), '1,2');
  const argv = ['python', 'train.py', '--config=cfg/x.yaml', '--data', 'data', '--out', 'missing.txt', '/etc/hostname', '../up', '.', '--lr=0.1'];
  expect(namedPaths(argv, tmp).sort()).toEqual(['cfg/x.yaml', 'data', 'train.py']);
  const staged = stageNamedFiles(argv, tmp)!;
  try {
    expect(readFileSync(path.join(staged, 'cfg', 'x.yaml'), 'utf8')).toBe('lr: 1');
    expect(readFileSync(path.join(staged, 'data', 'a', 'part.csv'), 'utf8')).toBe('1,2');
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
  expect(stageNamedFiles(['python', '-c', 'print(1)'], tmp)).toBeNull();
});
