// A `%%runlane sweep` cell under the Runlane jobs controller runs as the sweep it declares: the line
// is read as a sweep (not as a job of the body with a stray word), and the real kernel helper checks it
// before anything runs.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestDaemon, waitForJobEnd } from '../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../test/helpers/tempDir.js';
import { jobOfCell } from './jobCell.js';
import { startSweep, sweepBestText, sweepLine } from './sweepCell.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const venv = path.join(repo, '.venv', 'bin', 'python');
const python = existsSync(venv) ? venv : 'python3';
const helper = path.join(repo, 'shared', 'kernel-helper', 'src');
const tmp = makeTempDir('sweepcell');
afterAll(() => removeTempDir(tmp));

const cell = '%%runlane sweep --on local --trials 4 --parallel 2 --metric "val/loss" --mode min\nimport runlane as rl\nlr = rl.loguniform(1e-4, 1e-1)\n';

describe('a sweep cell in the Runlane jobs controller', () => {
  it('is a sweep, with its options for the sweep, not a job cell on local', () => {
    const job = jobOfCell(cell, 'gpu-box');
    expect(job.subcommand).toBe('sweep');
    expect(job.target).toBe('local');
    expect(sweepLine(cell)).toBe('--on local --trials 4 --parallel 2 --metric "val/loss" --mode min');
    expect(jobOfCell('%%runlane --on x\nprint(1)', 'local').subcommand).toBeNull();
    // Without --on, the controller's default target, as for its job cells; a written one stays.
    expect(sweepLine('%%runlane sweep --trials 2\nx', 'gpu "box"')).toBe('--on "gpu \\"box\\"" --trials 2');
    expect(sweepLine(cell, 'gpu-box')).toBe('--on local --trials 4 --parallel 2 --metric "val/loss" --mode min');
  });

  it('is checked by the kernel helper before anything runs: a bad range is its one sentence', async () => {
    const bad = '%%runlane sweep --trials 2 --metric loss\nimport runlane as rl\nlr = rl.loguniform(0, 1)\n';
    const request = { line: sweepLine(bad), body: jobOfCell(bad, 'local').body, store: path.join(tmp, 'store'), name: 'nb.ipynb cell 1', experiment: 'nb', cell: { notebook: null, cell_id: null, source: bad, execution_count: 1 } };
    await expect(startSweep(python, helper, request)).rejects.toThrow(/low end must be above 0.*use uniform\(0, 1\)/);
    const unknown = { ...request, line: '--trials two --metric loss' };
    await expect(startSweep(python, helper, unknown)).rejects.toThrow(/--trials/);
  });
});

describe('a sweep cell started as the jobs controller starts it', () => {
  // A new user's sweep cell failed with "Sweeps need Optuna ... in the Python that runs the sweep" while
  // the Python on their PATH had it: the editor had run another, and the message did not say which.
  it('names the Python it ran when that Python lacks Optuna, and how to choose another', async () => {
    const bare = '/usr/bin/python3'; // Debian's: no Optuna
    if (!existsSync(bare)) return;
    const source = '%%runlane sweep --on local --trials 2 --metric loss --mode min\nimport runlane as rl\nx = rl.uniform(0.0, 1.0)\n';
    const refused = startSweep(bare, helper, { line: sweepLine(source), body: jobOfCell(source, 'local').body, store: path.join(tmp, 'bare'), cwd: tmp, name: 'nb', experiment: 'nb', cell: { notebook: null, cell_id: null, source, execution_count: 1 } });
    await expect(refused).rejects.toThrow(/Optuna[\s\S]*\nThe Python used here: \/usr\/bin\/python3\. To use another \(one with Optuna and your packages\), set runlane\.pythonPath\.$/);
  });

  it('runs as a sweep on a real daemon: the sweep run, its trials tagged with it, the best trial as the last output', async () => {
    const store = path.join(tmp, 'real');
    const runtimeDir = path.join(tmp, 'runtime');
    const daemon = await startTestDaemon({ store, runtimeDir });
    try {
      const source = '%%runlane sweep --on local --trials 2 --parallel 2 --metric loss --mode min --seed 1\nimport runlane as rl\nx = rl.uniform(0.0, 1.0)\nrl.log(loss=x, step=0)\n';
      const started = await startSweep(python, helper, {
        line: sweepLine(source), body: jobOfCell(source, 'local').body, store, cwd: tmp, name: 'nb.ipynb cell 1', experiment: 'nb',
        cell: { notebook: null, cell_id: null, source, execution_count: 1 },
      }, { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir, RUNLANE_DIR: '', RUNLANE_RUN_ID: '' });
      expect(started.name).toBe('sweep nb.ipynb cell 1');
      const sweep = await waitForJobEnd(store, started.run_id, 90_000);
      expect(sweep.status).toBe('finished');
      expect(sweep.tags['runlane.sweep.role']).toBe('sweep');
      // The daemon's listing follows the store's files: a trial's last point may reach it a moment after its end.
      const trialsOf = async () => (await daemon.client.runs()).filter((r) => r.tags['runlane.sweep'] === started.run_id);
      await expect.poll(async () => (await trialsOf()).filter((t) => t.status === 'finished' && t.metrics.loss).length).toBe(2);
      const trials = await trialsOf();
      const best = JSON.parse(sweepBestText(store, started.run_id)!) as { value: number; run_id: string };
      expect(best.value).toBe(Math.min(...trials.map((t) => t.metrics.loss!.last as number)));
    } finally {
      await daemon.close();
    }
  }, 120_000);

  // Issue 16: a sweep cell in a notebook whose target is declared only in the notebook folder's
  // runlane.toml (not beside the store) was refused with "No target": the controller gave job cells
  // that file (targetsFor.ts) but not sweep cells. The sweep and its trial now look the target up there.
  it('finds a target declared only in the notebook folder\'s runlane.toml, as job cells do', async () => {
    const workspace = path.join(tmp, 'ws');
    const store = path.join(workspace, '.runlane');
    const study = path.join(workspace, 'study');
    mkdirSync(study, { recursive: true });
    const targetsFile = path.join(study, 'runlane.toml');
    writeFileSync(targetsFile, '[targets.box]\nkind = "local"\n');
    const runtimeDir = path.join(tmp, 'runtime-ws');
    const daemon = await startTestDaemon({ store, runtimeDir });
    try {
      const source = '%%runlane sweep --on box --trials 1 --parallel 1 --metric loss --mode min --seed 1\nimport runlane as rl\nx = rl.uniform(0.0, 1.0)\nrl.log(loss=x, step=0)\n';
      const started = await startSweep(python, helper, {
        line: sweepLine(source), body: jobOfCell(source, 'local').body, store, cwd: study, name: 'nb.ipynb cell 1', experiment: 'nb',
        cell: { notebook: path.join(study, 'nb.ipynb'), cell_id: null, source, execution_count: 1 }, targetsFile,
      }, { ...process.env, RUNLANE_RUNTIME_DIR: runtimeDir, RUNLANE_DIR: '', RUNLANE_RUN_ID: '' });
      const sweep = await waitForJobEnd(store, started.run_id, 90_000);
      expect(sweep.status).toBe('finished');
      const trials = (await daemon.client.runs()).filter((r) => r.tags['runlane.sweep'] === started.run_id);
      expect(trials.map((t) => t.status)).toEqual(['finished']);
      expect((JSON.parse(readFileSync(path.join(store, 'runs', trials[0]!.id, 'job.json'), 'utf8')) as { spec: unknown }).spec).toMatchObject({ target: 'box', targetsFile });
    } finally {
      await daemon.close();
    }
  }, 120_000);
});
