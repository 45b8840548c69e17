// A restarted daemon reads a Ray job's log from the checkpoint's offset again: what a worker's file got
// after that checkpoint comes a second time and must be skipped, also for a file the checkpoint does not
// name yet (its first lines came after the last checkpoint, or none was written before a kill -9).
// The end-to-end proof is test/faults/killedRayDaemon.test.ts (a real Ray head); this pins the rule.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import type { InbandMetrics } from '../inbandMetrics.js';
import { RAY_LOG, RayRunFiles, type TailCheckpoint } from './rayRunFiles.js';

const metrics = { take: () => {} } as unknown as InbandMetrics; // no in-band records in these lines
let dir: string | null = null;

/** A run folder whose w0 and w1 stdout hold `held` (written before the daemon died), resumed from `resume`. */
function resumed(held: Record<string, string>, resume: TailCheckpoint | null, rayLog?: string): { files: RayRunFiles; log: (w: string) => string } {
  dir = makeTempDir('ray-run-files');
  for (const [w, text] of Object.entries(held)) {
    mkdirSync(path.join(dir, 'logs', w), { recursive: true });
    writeFileSync(path.join(dir, 'logs', w, 'stdout.log'), text);
  }
  if (rayLog !== undefined) {
    mkdirSync(path.join(dir, 'job'), { recursive: true });
    writeFileSync(path.join(dir, 'job', 'ray.log'), rayLog);
  }
  const runDir = dir;
  return { files: new RayRunFiles(runDir, metrics, () => {}, resume), log: (w) => readFileSync(path.join(runDir, 'logs', w, 'stdout.log'), 'utf8') };
}

afterEach(() => {
  if (dir) removeTempDir(dir);
  dir = null;
});

describe('RayRunFiles resumed after a kill', () => {
  it('skips what a file got after the checkpoint, also when the checkpoint does not name the file or none was written', () => {
    for (const resume of [{ offset: 247, sizes: {} }, null]) {
      const { files, log } = resumed({ w0: '0\n1\n2\n', w1: '0\n' }, resume);
      // The log from the checkpoint on, again: both workers' lines since then, and new ones.
      files.lines(new Map([['w0/stdout', '0\n1\n'], ['w1/stdout', '0\n1\n']]));
      files.lines(new Map([['w0/stdout', '2\n3\n']]));
      expect(log('w0')).toBe('0\n1\n2\n3\n');
      expect(log('w1')).toBe('0\n1\n');
    }
  });

  it("skips what Ray's own log (job/ray.log) got after the checkpoint, and writes what is new once", () => {
    for (const resume of [{ offset: 300, sizes: { 'w0/stdout': 2, [RAY_LOG]: 5 } }, null]) {
      // With a checkpoint: "boot\n" (up to it) and "ray a\n" (after it, before the kill); with none, all comes again.
      const { files, log } = resumed({ w0: '0\n1\n' }, resume, resume ? 'boot\nray a\n' : 'ray a\n');
      files.rayLog('ray a\n');
      files.rayLog('ray b\n');
      files.lines(new Map([['w0/stdout', resume ? '1\n2\n' : '0\n1\n2\n']]));
      expect(readFileSync(path.join(dir!, 'job', 'ray.log'), 'utf8')).toBe(resume ? 'boot\nray a\nray b\n' : 'ray a\nray b\n');
      expect(log('w0')).toBe('0\n1\n2\n');
    }
  });

  it('skips only the bytes past the size the checkpoint names', () => {
    const { files, log } = resumed({ w0: '0\n1\n2\n' }, { offset: 500, sizes: { 'w0/stdout': 2 } });
    files.lines(new Map([['w0/stdout', '1\n2\n3\n']]));
    expect(log('w0')).toBe('0\n1\n2\n3\n');
  });
});
