// The open-file signal: where it cannot be trusted (shared file systems, no /proc) there is none,
// and a run whose files grow while no process we can see holds them falls back to the idle window.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { TensorBoardLogdir } from './logdir.js';
import { mountType, namedWriter, OpenFiles } from './openFiles.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures/tfevents');
let tmp: string;
beforeEach(() => void (tmp = makeTempDir('open')));
afterEach(() => removeTempDir(tmp));

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

it('reads the writer’s pid from PyTorch and TensorFlow 2 file names on this host only', () => {
  expect(namedWriter('events.out.tfevents.1700000000.my.host.com.1234.0', 'my.host.com')).toEqual({ pid: 1234, time: 1700000000 });
  expect(namedWriter('events.out.tfevents.1700000000.gpu1.77.3.v2', 'gpu1')).toEqual({ pid: 77, time: 1700000000 });
  expect(namedWriter('events.out.tfevents.1700000000.my.host.com.1234.0', 'my')).toBeNull();
  expect(namedWriter('events.out.tfevents.1700000000.other.1234.0', 'gpu1')).toBeNull(); // another machine's writer
  expect(namedWriter('events.out.tfevents.1700000000.gpu1', 'gpu1')).toBeNull(); // tensorboardX: no pid
});

it.runIf(process.platform === 'linux')('a named writer is alive only if its process started before the file (a reused pid is no writer)', () => {
  const probe = new OpenFiles();
  const named = (time: number, pid = process.pid) => `/x/events.out.tfevents.${time}.${os.hostname()}.${pid}.0`;
  expect(probe.writerAlive(named(Math.floor(Date.now() / 1000)))).toBe(true);
  expect(probe.writerAlive(named(1_000_000_000))).toBe(false); // this process came later
  expect(probe.writerAlive(named(Math.floor(Date.now() / 1000), 4_194_304 + 1))).toBe(false); // above any pid_max
  expect(probe.writerAlive(`/x/events.out.tfevents.1700000000.${os.hostname()}`)).toBeNull();
});

it.runIf(process.platform === 'linux')('counts files open for writing only: a reader (TensorBoard itself) is no writer', async () => {
  const file = path.join(tmp, 'events.out.tfevents.1.host');
  writeFileSync(file, '');
  const holder = (mode: string) => spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(file)}, '${mode}'); console.log('open'); setInterval(() => {}, 1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const opened = (child: ReturnType<typeof spawn>) => new Promise<void>((resolve) => child.stdout!.on('data', () => resolve()));
  const reader = holder('r');
  const writer = holder('a');
  try {
    await Promise.all([opened(reader), opened(writer)]);
    expect(new OpenFiles().anyOpen([[file]])).toEqual([true]);
    writer.kill();
    await new Promise((resolve) => writer.once('exit', resolve));
    expect(new OpenFiles().anyOpen([[file]])).toEqual([false]); // the reader still holds it
  } finally {
    reader.kill();
    writer.kill();
  }
});
