// A sweep's environment is captured once (sweepEnv.ts): through a real daemon and real processes, with
// a `python` that notes each time it is started as the environment capture.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';

let tmp: string;
let store: string;
let python: string;
let captures: string;
let daemon: TestDaemon;

beforeAll(async () => {
  tmp = makeTempDir('sweep-env');
  store = path.join(tmp, '.runlane');
  const targetsFile = path.join(tmp, 'runlane.toml');
  writeFileSync(targetsFile, '[targets.box]\nkind = "local"\ngpus = ["0", "1"]\n');
  mkdirSync(path.join(tmp, 'bin'));
  python = path.join(tmp, 'bin', 'python');
  captures = path.join(tmp, 'captures.log');
  // The real python3, after a line for each environment capture it is started as.
  writeFileSync(python, `#!/bin/sh\ncase "$*" in *"runlane.worker --env"*) echo "$RUNLANE_RUN_ID" >> '${captures}';; esac\nexec python3 "$@"\n`);
  chmodSync(python, 0o755);
  daemon = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile, clientStore: store });
});

afterAll(async () => {
  await daemon?.close();
  removeTempDir(tmp);
});

const captured = () => (existsSync(captures) ? readFileSync(captures, 'utf8').split('\n').filter(Boolean) : []);
const envOf = (id: string) => path.join(store, 'runs', id, 'env.json');

async function trial(sweep: string, workers = 1): Promise<string> {
  const { run_id } = await daemon.client.submitJob({ target: 'box', command: [python, '-c', 'print("trial")'], workers, gpusPerWorker: 1, cwd: tmp, env: { RUNLANE_SWEEP_ID: sweep } });
  expect((await waitForJobEnd(store, run_id, 20_000)).status).toBe('finished');
  await expect.poll(() => existsSync(envOf(run_id)), { timeout: 20_000 }).toBe(true);
  return run_id;
}

describe('a sweep\'s environment', () => {
  it('is captured by its first trial; later trials copy it with their own GPUs and workers', async () => {
    const first = await trial('S1');
    expect(captured()).toEqual([first]);
    const second = await trial('S1');
    const third = await trial('S1', 2);
    expect(captured()).toEqual([first]); // no capture process for the later trials
    const original = JSON.parse(readFileSync(envOf(first), 'utf8')) as Record<string, unknown>;
    for (const id of [second, third]) {
      const env = JSON.parse(readFileSync(envOf(id), 'utf8')) as Record<string, unknown>;
      const job = JSON.parse(readFileSync(path.join(store, 'runs', id, 'job.json'), 'utf8')) as { workers: { gpus: string[] }[] };
      expect(env).toMatchObject({ python: original.python, host: original.host, cwd: tmp, copied_from: first });
      expect(env.cuda_visible_devices).toBe(job.workers[0]!.gpus.join(','));
      expect(env.workers).toBe(job.workers.length);
    }
    expect(JSON.parse(readFileSync(envOf(third), 'utf8'))).toMatchObject({ workers: 2 });
    // Another sweep captures its own.
    const other = await trial('S2');
    expect(captured()).toEqual([first, other]);
  }, 90_000);
});
