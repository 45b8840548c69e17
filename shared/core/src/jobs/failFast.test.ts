// A worker that fails stops the job's other workers (as torchrun does), through a real daemon and real
// worker processes; the run fails with the first failure.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { DaemonClient } from '../client/daemonClient.js';
import type { Daemon } from '../server/daemon.js';

let tmp: string;
let store: string;
let daemon: Daemon;
let client: DaemonClient;

beforeEach(async () => {
  tmp = makeTempDir('failfast');
  store = path.join(tmp, '.runlane');
  const targetsFile = path.join(tmp, 'runlane.toml');
  writeFileSync(targetsFile, '');
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile, clientStore: store }));
});

afterEach(async () => {
  await daemon.close();
  removeTempDir(tmp);
});

const waitForEnd = (id: string) => waitForJobEnd(store, id, 30_000);

const log = (id: string, worker: string) => readFileSync(path.join(store, 'runs', id, 'logs', worker, 'stdout.log'), 'utf8');

describe('a failing worker', () => {
  it('stops the other workers within seconds and fails the run naming it', async () => {
    const code = [
      'import os, sys, time',
      'if os.environ["RANK"] == "1":',
      '    print("rank 1 crashing", file=sys.stderr, flush=True)',
      '    sys.exit(3)',
      'print("rank 0 working", flush=True)',
      'time.sleep(60)',
      'print("done", flush=True)',
    ].join('\n');
    const started = Date.now();
    const { run_id } = await client.submitJob({ target: 'local', command: ['python3', '-c', code], workers: 2, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    const seconds = (Date.now() - started) / 1000;
    expect(run.status).toBe('failed');
    expect(run.exit_code).toBe(3);
    expect(run.error).toMatch(/^Worker w1 exited with code 3\. The other workers were stopped\.[\s\S]*rank 1 crashing/);
    expect(seconds).toBeLessThan(8);
    await new Promise((r) => setTimeout(r, 500));
    expect(log(run_id, 'w0')).not.toContain('done');
  }, 40_000);

  it('names the first failure when a stopped worker then fails too', async () => {
    // Rank 0 turns SIGTERM into exit code 9, after rank 1 failed with 5: the run names w1 and 5.
    const code = [
      'import os, signal, sys, time',
      'if os.environ["RANK"] == "1":',
      '    time.sleep(0.5); sys.exit(5)',
      'signal.signal(signal.SIGTERM, lambda *a: sys.exit(9))',
      'time.sleep(60)',
    ].join('\n');
    const { run_id } = await client.submitJob({ target: 'local', command: ['python3', '-c', code], workers: 2, gpusPerWorker: 0 });
    const run = await waitForEnd(run_id);
    expect([run.status, run.exit_code]).toEqual(['failed', 5]);
    expect(run.error).toMatch(/^Worker w1 exited with code 5/);
  }, 40_000);
});
