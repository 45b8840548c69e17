// The daemon finds the helper (and the SSH follower in it) from wherever its CLI runs: the bundle in
// the pip-installed package, the VS Code extension's bundle, the repository. Real folders, as built.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { findHelperDir } from './helperDir.js';

let tmp: string;
let cwd: string;
let fromEnv: string | undefined;

beforeEach(() => {
  tmp = makeTempDir('helperdir');
  cwd = process.cwd();
  process.chdir(tmp); // not the repository: the script's place alone must find it
  fromEnv = process.env.RUNLANE_HELPER_DIR;
  delete process.env.RUNLANE_HELPER_DIR;
});

afterEach(() => {
  process.chdir(cwd);
  if (fromEnv !== undefined) process.env.RUNLANE_HELPER_DIR = fromEnv;
  removeTempDir(tmp);
});

function helperAt(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '__init__.py'), '');
  return dir;
}

describe('the daemon finds its copy of the helper', () => {
  it('beside the bundled CLI of the pip-installed package', () => {
    const pkg = helperAt(path.join(tmp, 'site-packages', 'runlane'));
    expect(findHelperDir(path.join(pkg, '_node', 'runlane.cjs'))).toBe(pkg);
  });

  it("beside the VS Code extension's bundle (dist/python/runlane)", () => {
    const copy = helperAt(path.join(tmp, 'extension', 'dist', 'python', 'runlane'));
    expect(findHelperDir(path.join(tmp, 'extension', 'dist', 'runlane.cjs'))).toBe(copy);
  });

  it('in the repository, with the SSH follower in it', () => {
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');
    const found = findHelperDir(bin);
    expect(found).toBe(path.resolve(path.dirname(bin), '../../kernel-helper/src/runlane'));
    expect(existsSync(path.join(found, 'ssh_follower.py'))).toBe(true);
  });

  it('nowhere: a sentence saying how to point to it', () => {
    expect(() => findHelperDir(path.join(tmp, 'elsewhere', 'runlane.cjs'))).toThrow(/set RUNLANE_HELPER_DIR to its runlane\/ folder/);
  });
});
