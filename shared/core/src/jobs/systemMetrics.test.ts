// System metrics of a local job's ranks, through a real daemon and real worker processes: each rank
// samples its own process tree and the GPU it was given, read from a fake `nvidia-smi` on PATH (it
// prints fixed figures for two GPUs, as the real one prints every GPU of the host).
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { DaemonClient } from '../client/daemonClient.js';
import type { Daemon } from '../server/daemon.js';

// The project's Python (the set-up installs the helper into it), as a kernel's Python would have it.
const PYTHON = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../.venv/bin/python');
let tmp: string;
let store: string;
let daemon: Daemon;
let client: DaemonClient;
const saved = { PATH: process.env.PATH, on: process.env.RUNLANE_SYSTEM_METRICS, every: process.env.RUNLANE_SYSTEM_INTERVAL };

// GPU 0 is 11% busy with 1100 MiB used at 61 W, GPU 1 22% with 2200 MiB at 62 W.
const FAKE_SMI = `#!/bin/sh
case "$*" in *--query-gpu=index,uuid,utilization.gpu,memory.used,power.draw*) ;; *) exit 0;; esac
echo "0, GPU-00000000-0000-0000-0000-000000000000, 11, 1100, 61.00"
echo "1, GPU-11111111-0000-0000-0000-000000000000, 22, 2200, 62.00"
`;
// The cell logs nothing: its worker samples from its start all the same.
const CELL = 'import time\nend = time.time() + 3.5\nwhile time.time() < end:\n    sum(range(1000))\n';

beforeAll(async () => {
  tmp = makeTempDir('system-metrics');
  store = path.join(tmp, '.runlane');
  mkdirSync(path.join(tmp, 'bin'));
  writeFileSync(path.join(tmp, 'bin', 'nvidia-smi'), FAKE_SMI);
  chmodSync(path.join(tmp, 'bin', 'nvidia-smi'), 0o755);
  // The daemon runs in this process: its workers inherit this environment.
  process.env.PATH = `${path.join(tmp, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`;
  process.env.RUNLANE_SYSTEM_METRICS = '1';
  process.env.RUNLANE_SYSTEM_INTERVAL = '1';
  const targetsFile = path.join(tmp, 'runlane.toml');
  writeFileSync(targetsFile, '[targets.box]\nkind = "local"\ngpus = ["0", "1"]\n');
  ({ daemon, client } = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'rt'), targetsFile, clientStore: store }));
});

afterAll(async () => {
  await daemon?.close();
  process.env.PATH = saved.PATH;
  for (const [name, value] of [['RUNLANE_SYSTEM_METRICS', saved.on], ['RUNLANE_SYSTEM_INTERVAL', saved.every]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  removeTempDir(tmp);
});

describe('system metrics of a job', () => {
  it('each rank records its CPU, memory and its own GPU as system/* series of the job\'s run', async () => {
    const input = path.join(tmp, 'cell-input');
    mkdirSync(input);
    writeFileSync(path.join(input, 'cell.py'), CELL);
    const { run_id } = await client.submitJob({
      target: 'box', command: [PYTHON, '-m', 'runlane.worker'], workers: 2, gpusPerWorker: 1, input,
      cell: { notebook: null, cell_id: 'c1', source: `%%runlane --on box --workers 2 --gpus 1\n${CELL}` },
    });
    expect(await waitForJobEnd(store, run_id, 60_000)).toMatchObject({ status: 'finished', error: null });
    const run = await client.run(run_id);
    expect(run.ranks).toEqual([0, 1]);
    expect(Object.keys(run.metrics).filter((k) => k.startsWith('system/')).sort()).toEqual([
      'system/cpu_percent', 'system/gpu0/memory_mb', 'system/gpu0/power_w', 'system/gpu0/util', 'system/memory_mb',
    ]);
    // Rank r was given GPU r (CUDA_VISIBLE_DEVICES=r): to each rank it is its cuda:0, system/gpu0.
    for (const rank of [0, 1]) {
      const util = await client.series(run_id, 'system/gpu0/util', { rank });
      expect(util.values.length).toBeGreaterThanOrEqual(2);
      expect(new Set(util.values)).toEqual(new Set([11 * (rank + 1)]));
      expect(new Set((await client.series(run_id, 'system/gpu0/memory_mb', { rank })).values)).toEqual(new Set([1100 * (rank + 1)]));
      const memory = await client.series(run_id, 'system/memory_mb', { rank });
      expect(Math.min(...(memory.values as number[]))).toBeGreaterThan(5); // a Python process's RSS, in MiB
      const cpu = await client.series(run_id, 'system/cpu_percent', { rank });
      expect(Math.max(...(cpu.values as number[]))).toBeGreaterThan(1); // the busy loop (however loaded the machine)
    }
  });
});
