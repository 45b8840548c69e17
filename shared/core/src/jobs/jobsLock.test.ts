// Two real daemons on one store (each with its own runtime folder, as two RUNLANE_RUNTIME_DIRs give)
// and real local workers: only the daemon holding the store's jobs lock adopts, records, launches or
// cancels its jobs; the other shows them, refuses with a sentence naming the first, and takes the
// jobs over once the first has exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { DaemonClient } from '../client/daemonClient.js';
import { processIsAlive } from '../processAlive.js';
import { readRuntime } from '../runtime/runtimeFile.js';
import { JOBS_LOCK } from './jobsLock.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');
let tmp: string;
let store: string;
const daemons: TestDaemon[] = [];
const processes: ChildProcess[] = [];

const start = async (name: string): Promise<TestDaemon> => {
  const d = await startTestDaemon({ store, runtimeDir: path.join(tmp, name), clientStore: store });
  daemons.push(d);
  return d;
};
/** Writes "done" once the file `go` exists: the test decides when the job ends. */
const waitForGo = (go: string): string[] => [process.execPath, '-e', `const fs = require("fs"); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(go)})) { clearInterval(t); console.log("done"); } }, 50)`];
/** The writers that wrote events of the run (one events file each). */
const eventWriters = (id: string): string[] => readdirSync(path.join(store, 'runs', id, 'events')).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length));

beforeEach(() => {
  tmp = makeTempDir('jobs-lock');
  store = path.join(tmp, '.runlane');
});

afterEach(async () => {
  for (const p of processes.splice(0)) p.kill('SIGKILL');
  for (const d of daemons.splice(0)) await d.close();
  writeFileSync(path.join(tmp, 'go'), ''); // no worker outlives the test
  removeTempDir(tmp);
});

describe('one daemon runs a store\'s jobs', () => {
  it('a second daemon on the store never adopts, records or launches the first one\'s jobs', async () => {
    const first = await start('rt-a');
    const go = path.join(tmp, 'go');
    const { run_id } = await first.client.submitJob({ target: 'local', command: waitForGo(go), workers: 2, gpusPerWorker: 0 });
    const second = await start('rt-b');
    expect((await second.client.runs()).map((r) => [r.id, r.status])).toEqual([[run_id, 'running']]); // it shows the job
    expect(second.daemon.jobs.activeCount).toBe(0); // the store is open, and the job was not adopted
    await expect(second.client.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(
      new RegExp(`Another Runlane daemon \\(pid ${process.pid}\\) runs the jobs of .*; this one only shows them`),
    );
    expect((await second.client.runs()).length).toBe(1); // the refused job left no run behind
    writeFileSync(go, '');
    expect((await waitForJobEnd(store, run_id, 20_000)).status).toBe('finished');
    const firstWriter = (await first.daemon.jobs.writer(store)).writerId;
    expect(eventWriters(run_id)).toEqual([firstWriter]); // the second wrote nothing into the run
  });

  it('takes the jobs over once the daemon that ran them has exited', async () => {
    const first = await start('rt-a');
    const go = path.join(tmp, 'go');
    const { run_id } = await first.client.submitJob({ target: 'local', command: waitForGo(go), workers: 1, gpusPerWorker: 0 });
    const second = await start('rt-b');
    await second.client.runs();
    expect(second.daemon.jobs.activeCount).toBe(0);
    await first.close(); // its worker goes on; its lock is released
    await expect.poll(() => second.daemon.jobs.activeCount, { timeout: 15_000 }).toBe(1); // adopted by the retry
    writeFileSync(go, '');
    expect((await waitForJobEnd(store, run_id, 20_000)).status).toBe('finished');
    const { run_id: next } = await second.client.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0 });
    expect((await waitForJobEnd(store, next, 20_000)).status).toBe('finished');
    expect(readdirSync(store)).toContain(JOBS_LOCK);
  });

  it('a daemon of its own process killed with kill -9: the other one names its pid, then takes its jobs over', async () => {
    const runtimeA = path.join(tmp, 'rt-a');
    const a = spawn(process.execPath, [bin, 'serve', '--dir', store, '--idle-timeout', '0'], { env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeA }, stdio: 'ignore' });
    processes.push(a);
    await waitFor(() => readRuntime(runtimeA)?.pid === a.pid, 30_000);
    const clientA = await DaemonClient.connect({ runtimeDir: runtimeA, start: false, store });
    const go = path.join(tmp, 'go');
    const { run_id } = await clientA.submitJob({ target: 'local', command: waitForGo(go), workers: 1, gpusPerWorker: 0 });
    const second = await start('rt-b');
    await second.client.runs();
    expect(second.daemon.jobs.activeCount).toBe(0);
    await expect(second.client.submitJob({ target: 'local', command: ['true'], workers: 1, gpusPerWorker: 0 })).rejects.toThrow(`(pid ${a.pid})`);
    await expect(second.client.cancelJob(run_id)).rejects.toThrow(`(pid ${a.pid})`);
    await expect(second.client.stopRun(run_id)).rejects.toThrow(`the daemon that runs it (pid ${a.pid})`);
    a.kill('SIGKILL'); // its lock stays behind, naming a dead pid
    await waitFor(() => !processIsAlive(a.pid!), 10_000);
    await expect.poll(() => second.daemon.jobs.activeCount, { timeout: 15_000 }).toBe(1);
    writeFileSync(go, '');
    expect((await waitForJobEnd(store, run_id, 20_000)).status).toBe('finished');
  });
});
