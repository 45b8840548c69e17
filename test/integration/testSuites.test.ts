// The test suites of `npm test` (scripts/test.sh, test/suites/): every test file is in exactly one
// suite, and a machine that lacks an engine (a Mac: no sbatch, no sshd from Debian) skips its suite
// with one line saying why, unless CI=true or RUNLANE_REQUIRE_ENGINES=1 asks for every engine.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { engines } = JSON.parse(readFileSync(path.join(root, 'test/suites/engines.json'), 'utf8')) as { engines: { name: string; pytest_fixtures?: string[] }[] };

interface Outcome {
  code: number;
  lines: string[];
}

async function sh(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  // stderr into stdout, in order: the last line must be the summary whichever stream said what.
  const done = await run('bash', ['-c', 'exec "$@" 2>&1', 'sh', command, ...args], { cwd: root, env, timeout: 180_000, maxBuffer: 64 << 20 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: (e.stdout ?? '') + (e.stderr ?? '') }),
  );
  return { code: done.code, lines: done.out.trimEnd().split('\n') };
}

async function filesOf(config: string): Promise<string[]> {
  const { stdout } = await run(path.join(root, 'node_modules/.bin/vitest'), ['list', '--filesOnly', '-c', config], { cwd: root, maxBuffer: 16 << 20 });
  return stdout.split('\n').map((l) => l.trim()).filter((l) => l.endsWith('.ts')).sort();
}

describe('the suites', () => {
  it('together run every test file of vitest.config.ts once, and each engine has tests', async () => {
    const [all, unit, eng, e2e] = await Promise.all([
      filesOf('vitest.config.ts'),
      filesOf('test/suites/unit.config.ts'),
      filesOf('test/suites/engines.config.ts'),
      filesOf('test/suites/e2e.config.ts'),
    ]);
    expect([...unit, ...eng, ...e2e].sort()).toEqual(all);
    expect(eng.length).toBeGreaterThanOrEqual(2);
    expect(e2e.every((f) => f.startsWith('test/e2e/'))).toBe(true);
    // A renamed fixture would move an engine's Python tests into the unit suite without a word.
    const pythonTests = readdirSync(path.join(root, 'shared/kernel-helper/tests')).map((f) => readFileSync(path.join(root, 'shared/kernel-helper/tests', f), 'utf8')).join('\n');
    for (const fixture of engines.flatMap((e) => e.pytest_fixtures ?? [])) expect(pythonTests).toContain(`def ${fixture}(`);
  }, 120_000);
});

describe('a machine without sbatch and ssh', () => {
  let bin: string;
  let env: NodeJS.ProcessEnv;

  // A PATH with every command of this one but sbatch and ssh: what a Mac without the engines has.
  beforeAll(() => {
    bin = makeTempDir('path');
    // pg_ctlcluster: Debian's PostgreSQL server, which the MLflow suite needs (its venv is in .cache/).
    const hidden = new Set(['sbatch', 'ssh', 'pg_ctlcluster']);
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue; // a PATH folder that does not exist
      }
      for (const name of names) {
        if (hidden.has(name)) continue;
        try {
          symlinkSync(path.join(dir, name), path.join(bin, name));
        } catch {
          // an earlier folder of PATH had this name: it wins, as it would on PATH
        }
      }
    }
    // Ray's and dvclive's venvs are in .cache/, not on PATH: that machine has none either.
    env = { ...process.env, PATH: bin, CI: '', RUNLANE_REQUIRE_ENGINES: '', RUNLANE_WITHOUT_ENGINES: 'ray,ray-jupyterlab,dvclive' };
  });
  afterAll(() => removeTempDir(bin));

  it('skips the engine suites, one line each saying why, and passes', async () => {
    const { code, lines } = await sh('bash', ['scripts/test.sh', '--no-setup', 'engines'], env);
    const output = lines.join('\n'); // shown when an expectation fails: the run's own words
    expect(lines, output).toContain('SKIPPED: Slurm engine tests: sbatch not found (install slurm-wlm, or run on Linux as root)');
    expect(lines, output).toContain('SKIPPED: SSH engine tests: ssh not found (install openssh-server and openssh-client)');
    expect(lines.at(-1), output).toBe('0 passed, 0 failed');
    expect(code).toBe(0);
  }, 180_000);

  it('fails instead with RUNLANE_REQUIRE_ENGINES=1, so CI cannot pass by skipping', async () => {
    const { code, lines } = await sh('bash', ['scripts/test.sh', '--no-setup', 'engines'], { ...env, RUNLANE_REQUIRE_ENGINES: '1' });
    expect(lines.filter((l) => l.startsWith('FAILED: ')).join('\n')).toMatch(/Slurm engine tests cannot run: sbatch not found .*RUNLANE_REQUIRE_ENGINES=1 requires every engine/);
    expect(lines.some((l) => l.startsWith('SKIPPED'))).toBe(false);
    // One failure per engine of the suite it lacks: Slurm, SSH, MLflow (no PostgreSQL), DVCLive and Ray.
    expect(lines.at(-1)).toBe('0 passed, 5 failed');
    expect(code).not.toBe(0);
  }, 180_000);

  it('fails under CI=true too, as .ci/run sets it', async () => {
    const { code, lines } = await sh(process.execPath, ['scripts/check-engines.mjs', 'engines'], { ...env, CI: 'true' });
    expect(lines).toContain('FAILED: Slurm engine tests cannot run: sbatch not found (install slurm-wlm, or run on Linux as root); CI=true requires every engine');
    expect(code).toBe(1);
  });
});
