// A cancel outlives the daemon that decided it (cancelRecord.ts). A real daemon in a process of its own
// cancels a sweep job (its "controller") and so its running trial, and is killed with kill -9 while the
// stopped processes are still exiting and a trial started after the cancel is still running; the next
// daemon re-adopts them all: the runs read `cancelled` (not `failed` from their exit code 143), and the
// late trial is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { DaemonClient } from '../client/daemonClient.js';
import { processIsAlive } from '../processAlive.js';
import { readRuntime } from '../runtime/runtimeFile.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');
let tmp: string;
let store: string;
let daemonA: ChildProcess | undefined;
let daemonB: TestDaemon | undefined;

/**
 * A worker that prints its pid, and on SIGTERM writes the file `<name>.term` and exits `code` only once
 * the file `go` exists: the test decides when the stopped process ends (after its daemon is gone).
 */
const worker = (name: string, code: number): string[] => [process.execPath, '-e', `
  const fs = require('fs'), path = require('path');
  console.log(process.pid);
  process.on('SIGTERM', () => {
    fs.writeFileSync(path.join(${JSON.stringify(tmp)}, '${name}.term'), '');
    setInterval(() => { if (fs.existsSync(path.join(${JSON.stringify(tmp)}, 'go'))) process.exit(${code}); }, 50);
  });
  setInterval(() => {}, 1000);`];
const pidOf = (id: string): number => Number(readFileSync(path.join(store, 'runs', id, 'logs', 'w0', 'stdout.log'), 'utf8').trim());

beforeEach(() => {
  tmp = makeTempDir('cancel-record');
  store = path.join(tmp, '.runlane');
});

afterEach(async () => {
  daemonA?.kill('SIGKILL');
  await daemonB?.close();
  writeFileSync(path.join(tmp, 'go'), ''); // no worker outlives the test
  removeTempDir(tmp);
});

it('a cancel decided by a daemon killed mid-way is finished by the next one: every run reads cancelled, a late trial is stopped', async () => {
  const runtimeA = path.join(tmp, 'rt-a');
  daemonA = spawn(process.execPath, [bin, 'serve', '--dir', store, '--idle-timeout', '0'], { env: { ...process.env, RUNLANE_RUNTIME_DIR: runtimeA }, stdio: 'ignore' });
  const a = daemonA;
  await waitFor(() => readRuntime(runtimeA)?.pid === a.pid, 30_000);
  const client = await DaemonClient.connect({ runtimeDir: runtimeA, start: false, store });
  const job = (name: string, code: number, env?: Record<string, string>) => client.submitJob({ target: 'local', command: worker(name, code), workers: 1, gpusPerWorker: 0, name, ...(env ? { env } : {}) });
  const sweep = (await job('sweep', 130)).run_id;
  const trial = (await job('trial', 143, { RUNLANE_SWEEP_ID: sweep })).run_id;
  const other = (await job('other', 143)).run_id; // not of the sweep: left running
  await waitFor(() => [sweep, trial, other].every((id) => existsSync(path.join(store, 'runs', id, 'logs', 'w0', 'stdout.log')) && pidOf(id) > 0), 15_000);

  await client.cancelJob(sweep); // the daemon stops the sweep and its trial...
  await waitFor(() => existsSync(path.join(tmp, 'sweep.term')) && existsSync(path.join(tmp, 'trial.term')), 15_000);
  // ...and the controller, still exiting, had a last trial started (its launch was under way).
  const late = (await job('late', 143, { RUNLANE_SWEEP_ID: sweep })).run_id;
  await waitFor(() => existsSync(path.join(store, 'runs', late, 'logs', 'w0', 'stdout.log')) && pidOf(late) > 0, 15_000);
  a.kill('SIGKILL'); // before it saw any of them end (and before its SIGKILL 3 s after each SIGTERM)
  await waitFor(() => !processIsAlive(a.pid!), 10_000);
  writeFileSync(path.join(tmp, 'go'), ''); // the stopped ones exit 130 / 143 with no daemon watching
  await waitFor(() => !processIsAlive(pidOf(sweep)) && !processIsAlive(pidOf(trial)), 10_000);
  expect(processIsAlive(pidOf(late))).toBe(true); // nobody told it

  daemonB = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt-b'), clientStore: store });
  await daemonB.client.runs(); // opens the store: its jobs are re-adopted
  for (const id of [sweep, trial, late]) expect((await waitForJobEnd(store, id, 20_000)).status).toBe('cancelled');
  expect(processIsAlive(pidOf(late))).toBe(false); // the recorded cancel reached the trial started after it
  expect((await daemonB.client.runs()).find((r) => r.id === other)?.status).toBe('running');
  await daemonB.client.cancelJob(other);
  expect((await waitForJobEnd(store, other, 20_000)).status).toBe('cancelled'); // ended before its folder is removed
});
