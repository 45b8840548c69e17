// `runlane sweep` as a person runs it (bin/runlane.js), with the real daemon it starts, the real
// controller (Python, Optuna) and real trial processes: `{name}` is filled inside one argument (no
// shell), the values are in the trial's environment, --json prints every trial and the best, and a
// bad space or command is one sentence and exit 2 before anything runs.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopDaemonIn } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { StoreReader } from '../store/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../bin/runlane.js');
const venvBin = path.resolve(here, '../../../../.venv/bin');

let tmp: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  tmp = makeTempDir('sweep-cli');
  // The trials' `python` and the controller's are the venv's (Optuna and the helper are there), as
  // for a user in an activated venv.
  env = { ...process.env, PATH: `${venvBin}${path.delimiter}${process.env.PATH ?? ''}`, RUNLANE_PYTHON: path.join(venvBin, 'python'), RUNLANE_RUNTIME_DIR: path.join(tmp, 'runtime'), RUNLANE_DIR: '' };
  // A trial: its argv and environment as params, and a loss that is lowest at x = 2.
  writeFileSync(path.join(tmp, 'trial.py'), [
    'import json, os, sys',
    'import runlane as rl',
    'x = int(sys.argv[sys.argv.index("--x") + 1])',
    'rl.params(argv=json.dumps(sys.argv[1:]), env_x=os.environ["RUNLANE_PARAM_x"], env_params=os.environ["RUNLANE_PARAMS"])',
    'for step in range(3):',
    '    rl.log(loss=float((x - 2) ** 2), step=step)',
    '',
  ].join('\n'));
});
afterAll(async () => {
  await stopDaemonIn(path.join(tmp, 'runtime'));
  removeTempDir(tmp);
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env, cwd: tmp, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const store = (): string => path.join(tmp, '.runlane');

describe('runlane sweep', () => {
  it('a {name} with no parameter, or a bad range, is one sentence and exit 2, and nothing runs', async () => {
    const missing = await cli(['sweep', '--on', 'local', '--trials', '2', '--metric', 'loss', '--param', 'x=choice(1,2)', '--dir', store(), '--', 'python', 'trial.py', '--lr', '{lr}']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe("runlane: The command names {lr} but the sweep has no parameter 'lr'; the parameters are: x.");
    const bad = await cli(['sweep', '--on', 'local', '--trials', '2', '--metric', 'loss', '--param', 'lr=loguniform(0,1)', '--dir', store(), '--', 'python', 'trial.py']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('loguniform(0, 1): the low end must be above 0');
    expect(existsSync(path.join(store(), 'runs')) ? readdirSync(path.join(store(), 'runs')) : []).toEqual([]);
  });

  it('runs every trial with its values in one argument and in its environment, and --json prints them and the best', async () => {
    // No --on: the trials run on `local`, as in a `%%runlane sweep` cell (it was refused).
    const { code, stdout, stderr } = await cli([
      'sweep', '--trials', '4', '--parallel', '2', '--metric', 'loss', '--mode', 'min', '--sampler', 'grid', '--pruner', 'none',
      '--param', 'x=choice(1,2,3,4)', '--param', 'tag="a b; echo no"', '--json', '--dir', store(),
      '--', 'python', 'trial.py', '--x', '{x}', '--tag={tag}',
    ]);
    if (code !== 0) {
      const runs = readdirSync(path.join(store(), 'runs'));
      const logs = runs.map((r) => [r, ...['stdout.log', 'stderr.log'].map((f) => { try { return readFileSync(path.join(store(), 'runs', r, 'logs', 'w0', f), 'utf8'); } catch { return ''; } })]);
      expect(code, `${stderr}\n${JSON.stringify(logs, null, 1)}`).toBe(0);
    }
    const result = JSON.parse(stdout) as { sweep: string; trials: { run_id: string; state: string; params: { x: number; tag: string }; value: number }[]; best: { params: { x: number }; value: number } };
    expect(result.trials).toHaveLength(4);
    expect(result.trials.every((t) => t.state === 'finished')).toBe(true);
    expect(result.trials.map((t) => t.params.x).sort()).toEqual([1, 2, 3, 4]); // the grid, each once
    expect(result.best.params.x).toBe(2);
    expect(result.best.value).toBe(0);
    const reader = await StoreReader.open(store());
    for (const t of result.trials) {
      const run = await reader.readRun(t.run_id);
      expect(run.tags['runlane.sweep']).toBe(result.sweep);
      // Each value stayed inside its one argument: no shell split or ran it.
      expect(JSON.parse(run.params.argv as string)).toEqual(['--x', String(t.params.x), `--tag=${t.params.tag}`]);
      expect(run.params.env_x).toBe(String(t.params.x));
      expect(JSON.parse(run.params.env_params as string)).toEqual(t.params);
      expect(run.metrics.loss?.last).toBe(t.value);
    }
    const sweep = await reader.readRun(result.sweep);
    expect(sweep.status).toBe('finished');
    expect(sweep.tags['runlane.sweep.role']).toBe('sweep');
    expect(sweep.params['sweep.target']).toBe('local');
    expect(sweep.params['sweep.best_params']).toEqual(result.best.params);
    // --resume takes a sweep that did not finish; anything else is one sentence.
    const notSweep = await cli(['sweep', '--resume', result.trials[0]!.run_id, '--dir', store()]);
    expect([notSweep.code, notSweep.stderr.trim()]).toEqual([2, `runlane: Run ${result.trials[0]!.run_id} is not a sweep (sweeps have the tag runlane.sweep.role).`]);
    const done = await cli(['sweep', '--resume', result.sweep, '--dir', store()]);
    expect([done.code, done.stderr.trim()]).toEqual([2, `runlane: Sweep ${result.sweep} finished: every trial is done, there is nothing to resume.`]);
  }, 120_000);
});
