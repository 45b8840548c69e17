// A `%%runlane sweep` cell under the Runlane jobs controller runs as the sweep it declares: the line
// is read as a sweep (not as a job of the body with a stray word), and the real kernel helper checks it
// before anything runs.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../test/helpers/tempDir.js';
import { jobOfCell } from './jobCell.js';
import { startSweep, sweepLine } from './sweepCell.js';

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
  });

  it('is checked by the kernel helper before anything runs: a bad range is its one sentence', async () => {
    const bad = '%%runlane sweep --trials 2 --metric loss\nimport runlane as rl\nlr = rl.loguniform(0, 1)\n';
    const request = { line: sweepLine(bad), body: jobOfCell(bad, 'local').body, store: path.join(tmp, 'store'), name: 'nb.ipynb cell 1', experiment: 'nb', cell: { notebook: null, cell_id: null, source: bad, execution_count: 1 } };
    await expect(startSweep(python, helper, request)).rejects.toThrow(/low end must be above 0.*use uniform\(0, 1\)/);
    const unknown = { ...request, line: '--trials two --metric loss' };
    await expect(startSweep(python, helper, unknown)).rejects.toThrow(/--trials/);
  });
});
