// The job cell's pure parts; cell.json is checked with the real worker (`python -m runlane.worker`,
// the kernel helper of this tree) reading it, as a job of the Runlane jobs controller does.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../test/helpers/tempDir.js';
import { errorSummary } from '../errorText.js';
import { cellJson, executionSuccess, jobEndMessage, jobOfCell, readResultText } from './jobCell.js';


const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const venv = path.join(repo, '.venv', 'bin', 'python');
const python = existsSync(venv) ? venv : 'python3';
const tmp = makeTempDir('jobcell');
afterAll(() => removeTempDir(tmp));

/** Runs a cell as the jobs controller hands it to a worker: cell.py (the body) and cell.json. */
function runWorker(source: string, executionOrder: number): { code: number | null; stderr: string } {
  const job = jobOfCell(source, 'local');
  const input = mkdtempSync(path.join(tmp, 'input-'));
  writeFileSync(path.join(input, 'cell.py'), job.body);
  writeFileSync(path.join(input, 'cell.json'), JSON.stringify(cellJson(source, job.hasMagic, executionOrder)));
  const env = { ...process.env, PYTHONPATH: path.join(repo, 'shared', 'kernel-helper', 'src'), RUNLANE_DIR: '', RUNLANE_RUN_ID: '' };
  const r = spawnSync(python, ['-m', 'runlane.worker', input], { env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('cell.json', () => {
  it('a traceback names the cell "Cell In[N]" and gives the line the editor shows under a %%runlane line', () => {
    const source = '%%runlane --on local\nimport math\n\nx = 1\nfor i in range(2):\n    y = i\nz = math.sqrt(-1)  # line 7\n';
    const { code, stderr } = runWorker(source, 8);
    expect(code).toBe(1);
    expect(stderr).toContain('File "Cell In[8]", line 7');
    expect(stderr).toContain('z = math.sqrt(-1)  # line 7');
    expect(stderr.match(/Traceback/g)).toHaveLength(1);
  });

  it('numbers from line 1 in a cell without the magic line', () => {
    const { stderr } = runWorker('a = 1\nraise ValueError("bad value")\n', 3);
    expect(stderr).toContain('File "Cell In[3]", line 2');
    expect(stderr).toContain('ValueError: bad value');
  });

  it('a cell that is only the magic line has an empty body', () => {
    expect(jobOfCell('%%runlane --on local', 'local')).toMatchObject({ body: '', hasMagic: true });
  });

  it('takes the magic\'s --name and --experiment (the experiment was ignored: every run went under the notebook\'s name)', () => {
    expect(jobOfCell('%%runlane --name "baseline" --experiment lr-study\nx = 1\n', 'local')).toMatchObject({ name: 'baseline', experiment: 'lr-study', target: 'local' });
    expect(jobOfCell('x = 1\n', 'local')).toMatchObject({ name: null, experiment: null });
  });
});

describe('how a job cell ends', () => {
  const error = 'Worker w0 exited with code 1. Its last lines:\n[stderr]\nTraceback (most recent call last):\n  File "Cell In[2]", line 3, in <module>\nValueError: bad value\n[stdout]\nhello';

  it('a failed job ends with one line, without the traceback the cell already shows', () => {
    expect(jobEndMessage('failed', error)).toBe('Job failed: worker w0 exited with code 1.');
    expect(jobEndMessage('failed', 'Target "x" is not reachable: ssh said no.\nmore')).toBe('Job failed: target "x" is not reachable: ssh said no.');
    expect(jobEndMessage('cancelled', null)).toBe('Job cancelled: every worker was stopped.');
    expect(jobEndMessage('finished', null)).toBeNull();
  });

  it('a cancelled or interrupted cell gets no failure mark', () => {
    expect(executionSuccess('cancelled')).toBeUndefined();
    expect(executionSuccess('interrupted')).toBeUndefined();
    expect(executionSuccess('failed')).toBe(false);
    expect(executionSuccess('finished')).toBe(true);
  });

  it('a tooltip gets what happened and the exception, cut cleanly', () => {
    expect(errorSummary(error)).toEqual(['Worker w0 exited with code 1.', 'ValueError: bad value']);
    const long = errorSummary(`${'word '.repeat(60)}end`)[0]!;
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long).toMatch(/word…$/);
  });

  it("reads rank 0's result text from the run's job/result.json", () => {
    const store = path.join(tmp, 'store');
    mkdirSync(path.join(store, 'runs', 'r1', 'job'), { recursive: true });
    writeFileSync(path.join(store, 'runs', 'r1', 'job', 'result.json'), JSON.stringify({ 'text/plain': "'done'" }));
    expect(readResultText(store, 'r1')).toBe("'done'");
    expect(readResultText(store, 'r2')).toBeNull();
  });
});
