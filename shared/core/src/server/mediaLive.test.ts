// A job worker joining a running run writes a media index of its own, in a writer folder that did not
// exist when the daemon began watching the run: its histograms reach the feed live even though the
// index was written before the new folder's watch began (the run folder is then looked into).
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { startTestDaemon, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';

const python = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../.venv/bin/python');
const tmp = makeTempDir('media-live');
const store = path.join(tmp, '.runlane');
let test: TestDaemon | undefined;
let main: ChildProcess | undefined;
afterAll(async () => {
  main?.kill('SIGKILL');
  await test?.close();
  removeTempDir(tmp);
});

it("a new worker's histograms reach the feed live, each step once, with its rank", async () => {
  // The run, still running (its process waits on stdin), with a histogram of its own.
  const script = 'import sys, runlane as rl\nfrom runlane.media import drain\nrl.log_histogram("weights", [0.5], step=0)\ndrain(rl.active_run())\nprint(rl.active_run().id, flush=True)\nsys.stdin.readline()\n';
  main = spawn(python, ['-c', script], { env: { ...process.env, RUNLANE_DIR: store }, stdio: ['pipe', 'pipe', 'inherit'] });
  const id = await new Promise<string>((resolve) => main!.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim())));
  test = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt') });
  await test.client.runs();
  const events: StoreEvent[] = [];
  const stop = test.client.events((e) => events.push(e));
  const worker = (steps: number[]) =>
    new Promise<number | null>((resolve) => {
      const code = `import runlane as rl\nfrom runlane.media import drain\nfor s in ${JSON.stringify(steps)}:\n    rl.log_histogram("weights", [1.0 + s], step=s)\ndrain(rl.active_run())\n`;
      spawn(python, ['-c', code], { env: { ...process.env, RUNLANE_DIR: store, RUNLANE_RUN_ID: id, RANK: '1' }, stdio: 'inherit' }).on('exit', resolve);
    });
  const told = () => events.flatMap((e) => (e.type === 'histograms' && e.run_id === id ? e.steps.map((s) => [e.rank ?? 0, s.step]) : []));
  expect(await worker([0, 1, 2])).toBe(0);
  await expect.poll(told, { timeout: 15_000 }).toEqual([[1, 0], [1, 1], [1, 2]]);
  expect(await worker([3])).toBe(0); // a second worker process: another new writer folder
  await expect.poll(told, { timeout: 15_000 }).toEqual([[1, 0], [1, 1], [1, 2], [1, 3]]);
  stop();
});
