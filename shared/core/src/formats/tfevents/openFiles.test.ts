// The open-file signal: where it cannot be trusted (shared file systems, no /proc) there is none,
// and a run whose files grow while no process we can see holds them falls back to the idle window.
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TensorBoardLogdir } from './logdir.js';
import { mountType, OpenFiles } from './openFiles.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures/tfevents');
let tmp: string;
beforeEach(() => void (tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-open-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '40 22 0:35 / /mnt/lab rw,relatime shared:20 - nfs4 fs:/export rw',
  '41 40 0:36 / /mnt/lab/local\\040disk rw shared:21 - xfs /dev/sdb1 rw',
].join('\n');

it('finds the file system of a folder from mountinfo (the longest mount point, escapes undone)', () => {
  expect(mountType(MOUNTINFO, '/home/ada/runs')).toBe('ext4');
  expect(mountType(MOUNTINFO, '/mnt/lab/runs')).toBe('nfs4');
  expect(mountType(MOUNTINFO, '/mnt/lab/local disk/runs')).toBe('xfs');
  expect(mountType(MOUNTINFO, '/mnt/laboratory')).toBe('ext4');
});

it.runIf(process.platform === 'linux')('gives no open-file signal on a shared file system, whose writers may be elsewhere', () => {
  mkdirSync(path.join(tmp, 'proc', 'self'), { recursive: true });
  writeFileSync(path.join(tmp, 'proc', 'self', 'mountinfo'), MOUNTINFO);
  expect(OpenFiles.forDir('/mnt/lab/runs', path.join(tmp, 'proc'))).toBeNull();
  expect(OpenFiles.forDir('/home/ada/runs', path.join(tmp, 'proc'))).toBeInstanceOf(OpenFiles);
  expect(OpenFiles.forDir('/home/ada/runs', path.join(tmp, 'no-proc'))).toBeNull();
});

it.runIf(process.platform === 'linux')('a closed file reads finished at once; one that grows with no writer in sight falls back to the window', async () => {
  const source = path.join(fixtures, 'pytorch', 'default');
  const name = readdirSync(source)[0]!;
  const bytes = readFileSync(path.join(source, name));
  const half = 16 + bytes.readUInt32LE(0); // the first record
  mkdirSync(path.join(tmp, 'run'));
  writeFileSync(path.join(tmp, 'run', name), bytes.subarray(0, half));
  const logdir = new TensorBoardLogdir(tmp, () => {});
  await logdir.refresh();
  const now = Date.now() / 1000;
  expect(logdir.summary('run', now)!.status).toBe('finished'); // written a moment ago, but nobody holds it
  appendFileSync(path.join(tmp, 'run', name), bytes.subarray(half)); // a writer we cannot see (another container)
  await logdir.refresh();
  expect(logdir.summary('run', Date.now() / 1000)!.status).toBe('running');
  expect(logdir.summary('run', Date.now() / 1000 + 121)!.status).toBe('finished');
});
