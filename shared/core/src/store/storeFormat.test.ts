import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { StoreWriter } from './storeWriter.js';

describe('a new store', () => {
  let tmp = '';
  afterEach(() => removeTempDir(tmp));

  it('is ignored by git (a .gitignore of its own), so runs never flood Source Control', async () => {
    tmp = makeTempDir('git');
    execFileSync('git', ['init', '-q'], { cwd: tmp });
    writeFileSync(path.join(tmp, 'train.py'), 'print(1)\n');
    const writer = await StoreWriter.open(path.join(tmp, '.runlane'));
    const id = await writer.createRun({ name: 'x', experiment: 'e', kind: 'script', source: 'print(1)\n' });
    writer.appendLog(id, 'stdout', 'hi\n');
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: tmp, encoding: 'utf8' });
    expect(status.trim().split('\n')).toEqual(['?? train.py']);
    // A store a user made git-tracked on purpose (their own .gitignore) is left as it is.
    writeFileSync(path.join(tmp, '.runlane', '.gitignore'), '# mine\n');
    await StoreWriter.open(path.join(tmp, '.runlane'));
    expect(readFileSync(path.join(tmp, '.runlane', '.gitignore'), 'utf8')).toBe('# mine\n');
  });
});
