// A full disk under the daemon: its store on a tmpfs of fixed size made here (root only; skipped with
// the reason otherwise), filled by a ballast file and freed again. An edit through the API answers
// 507 with a sentence and writes nothing; a job's status and the daemon's own log lines are held in
// memory and written once space returns; no file ever holds half a line.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreReader } from '../../shared/core/src/index.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { faultRow } from './faultRow.js';

function mountSmallDisk(folder: string): string | null {
  if (process.getuid?.() !== 0) return 'a disk of fixed size needs root here (mount -t tmpfs)';
  mkdirSync(folder, { recursive: true });
  const done = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', folder], { encoding: 'utf8' });
  return done.status === 0 ? null : `mount -t tmpfs failed here: ${done.stderr.trim()}`;
}

/** Writes zeros until the disk refuses more. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [65536, 512, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch {
        // full at this chunk size: try a smaller one
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Every line of every events file parses: nothing half-written. */
function eventLines(runDir: string): { type: string; status?: string; name?: string }[] {
  const dir = path.join(runDir, 'events');
  return readdirSync(dir).flatMap((f) =>
    readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string }),
  );
}

const tmp = makeTempDir('fault-daemon-disk');
const disk = path.join(tmp, 'disk');
const skip = mountSmallDisk(disk);

describe.skipIf(skip !== null)(`the daemon on a full disk${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let d: TestDaemon;
  const store = path.join(disk, 'store');

  beforeAll(async () => {
    d = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'runtime') });
  });
  afterAll(async () => {
    await d?.close();
    spawnSync('umount', ['-l', disk]);
    removeTempDir(tmp);
  });

  it('answers an edit with 507 and a sentence, holds statuses and log lines, and writes them once space returns', async () => {
    const row = faultRow({ fault: 'disk full under the daemon (tmpfs 1m)', load: 'a rename, a job status, 200 log lines', checked: '507 + sentence for the edit; held status and lines written after; no half line' });
    const writer = await d.daemon.jobs.writer(store);
    const id = await writer.createRun({ name: 'before', experiment: 'e', kind: 'job' });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    // tmpfs takes an append that fits in the file's last page even when full: end the events file on
    // a page boundary (a params event padded to fit), so that the next line needs a page of its own.
    const runDir = path.join(store, 'runs', id);
    const eventsFile = path.join(runDir, 'events', `${writer.writerId}.jsonl`);
    const lineOf = (k: number) => JSON.stringify({ t: PAD_T, type: 'params', params: { pad: 'x'.repeat(k) } }).length + 1;
    const PAD_T = 9_999_999_999; // a t after every other (a writer's t never goes back): its length is known
    const gap = 4096 - (statSync(eventsFile).size % 4096);
    writer.appendEvent(id, { type: 'params', params: { pad: 'x'.repeat((gap - lineOf(0) + 4096) % 4096) } }, PAD_T);
    expect(statSync(eventsFile).size % 4096).toBe(0);
    const ballast = path.join(disk, 'ballast');
    fill(ballast);

    const refused = await d.client.updateRun(id, { name: 'renamed' }).then(() => null, (err: Error & { status?: number }) => err);
    expect(refused?.status).toBe(507);
    expect(refused?.message).toMatch(/cannot be written \(ENOSPC.*nothing was half-written\. Free some space/);

    for (let i = 0; i < 200; i++) writer.appendLog(id, 'runlane', `line ${i}\n`);
    writer.appendEvent(id, { type: 'status', status: 'finished' });
    expect(writer.held.size).toBeGreaterThan(0);
    expect(eventLines(runDir).map((e) => e.status ?? e.type)).not.toContain('finished');

    rmSync(ballast);
    await expect.poll(() => writer.held.size, { timeout: 20_000 }).toBe(0);
    expect(eventLines(runDir).filter((e) => e.type === 'status').map((e) => e.status)).toEqual(['running', 'finished']);
    expect(eventLines(runDir).some((e) => e.name === 'renamed')).toBe(false); // refused means not written
    const reader = await StoreReader.open(store, () => {});
    expect((await reader.readRun(id)).status).toBe('finished');
    const logDir = path.join(runDir, 'logs', writer.writerId);
    const log = readFileSync(path.join(logDir, 'runlane.log'), 'utf8');
    expect(log.split('\n').filter(Boolean)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
    expect((await d.client.updateRun(id, { name: 'renamed' })).name).toBe('renamed');
    row.pass({ lost: 0 });
  });
});

// Keeps vitest from reporting an empty file where the disk cannot be made.
it.runIf(skip !== null)(`daemon on a full disk: skipped (${skip})`, () => {
  expect(existsSync(tmp)).toBe(true);
  removeTempDir(tmp);
});
