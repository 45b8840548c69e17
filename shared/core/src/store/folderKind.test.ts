// Writers create a store only where there is one, nothing, or an empty folder (contract C4): a
// TensorBoard log folder or a project folder named as the store is refused and left untouched.
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { inspectFolder } from './folderKind.js';
import { StoreWriter } from './storeWriter.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
let tmp: string;
beforeEach(() => void (tmp = makeTempDir('folder')));
afterEach(() => removeTempDir(tmp));

it('classifies stores, TensorBoard log folders, empty, missing and other folders', async () => {
  expect(await inspectFolder(path.join(fixtures, 'store-v1'))).toMatchObject({ kind: 'store' });
  // tensorboardx/: event files at the top and in five sub-folders, nested up to three deep.
  expect(await inspectFolder(path.join(fixtures, 'tfevents', 'tensorboardx'))).toEqual({
    path: path.join(fixtures, 'tfevents', 'tensorboardx'),
    kind: 'tensorboard',
    detail: 'a TensorBoard log folder (6 runs of event files)',
  });
  expect(await inspectFolder(tmp)).toMatchObject({ kind: 'empty' });
  expect(await inspectFolder(path.join(tmp, 'nope'))).toMatchObject({ kind: 'missing', path: path.join(tmp, 'nope') });
  writeFileSync(path.join(tmp, '.DS_Store'), '');
  expect(await inspectFolder(tmp)).toMatchObject({ kind: 'empty' }); // hidden files alone: still empty
  writeFileSync(path.join(tmp, 'train.py'), 'print(1)\n');
  mkdirSync(path.join(tmp, 'data'));
  expect(await inspectFolder(tmp)).toMatchObject({ kind: 'other', detail: 'a folder that is not a Runlane store (it holds 1 folder and 1 file)' });
  mkdirSync(path.join(tmp, '.runlane'));
  expect((await inspectFolder(tmp)).detail).toContain(path.join(tmp, '.runlane'));
  expect(await inspectFolder(path.join(tmp, 'train.py'))).toMatchObject({ kind: 'other', detail: 'a file, not a folder' });
  // A TensorBoard user's `runs/` folder is not mistaken for a store's.
  cpSync(path.join(fixtures, 'tfevents', 'pytorch', 'default'), path.join(tmp, 'tb', 'runs', 'Nov30'), { recursive: true });
  expect(await inspectFolder(path.join(tmp, 'tb'))).toMatchObject({ kind: 'tensorboard', detail: 'a TensorBoard log folder (1 run of event files)' });
});

it('refuses to create a store in a TensorBoard log folder, writing nothing there', async () => {
  const logdir = path.join(tmp, 'tb');
  cpSync(path.join(fixtures, 'tfevents', 'pytorch'), logdir, { recursive: true });
  const before = readdirSync(logdir).sort();
  await expect(StoreWriter.open(logdir)).rejects.toMatchObject({
    code: 'not_a_store',
    message: `${logdir} is a TensorBoard log folder (6 runs of event files), not a Runlane store; nothing was written there. ` +
      `Open it as one: runlane ls --logdir ${logdir}, or the editor's 'Open TensorBoard Log Folder'; ` +
      'and point the store (RUNLANE_DIR, --dir or the store setting) at another folder.',
  });
  expect(readdirSync(logdir).sort()).toEqual(before);
});

it('refuses a project folder, pointing at its store; creates stores in empty and new folders', async () => {
  mkdirSync(path.join(tmp, 'project', '.runlane'), { recursive: true });
  writeFileSync(path.join(tmp, 'project', 'train.py'), 'print(1)\n');
  await expect(StoreWriter.open(path.join(tmp, 'project'))).rejects.toThrow(`Point the store (RUNLANE_DIR, --dir or the store setting) at ${path.join(tmp, 'project', '.runlane')} instead.`);
  expect(existsSync(path.join(tmp, 'project', 'runs'))).toBe(false);
  await StoreWriter.open(path.join(tmp, 'project', '.runlane')); // empty: becomes a store
  await StoreWriter.open(path.join(tmp, 'new'));
  for (const dir of ['project/.runlane', 'new']) expect(readdirSync(path.join(tmp, dir)).sort()).toEqual(['.gitignore', 'runlane-store.json', 'runs']);
  expect(await inspectFolder(path.join(tmp, 'new'))).toMatchObject({ kind: 'store' });
});

it('refuses a file named as the store, saying so', async () => {
  writeFileSync(path.join(tmp, 'store'), 'not a folder');
  await expect(StoreWriter.open(path.join(tmp, 'store'))).rejects.toThrow(`${path.join(tmp, 'store')} is a file, not a folder; nothing was written there.`);
});
