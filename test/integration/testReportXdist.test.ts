// The unit suite's Python tests run in two pytest-xdist workers (scripts/test.sh -n 2): a test that
// passed only on its rerun in a worker is still named FLAKY at the end of npm test, once, and a test
// that failed twice FAILED (the suites plugin writes its rerun list in the controller only).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

beforeAll(async () => {
  dir = makeTempDir('runlane-test-report-xdist-');
  writeFileSync(path.join(dir, 'test_flaky.py'), [
    'import os',
    'tries = []',
    'def test_passes_on_its_rerun():',
    '    tries.append(1)',
    '    assert len(tries) == 2',
    'def test_fails_twice():',
    '    assert False, "never"',
    // Enough tests for both workers to take some: the flaky file must not be left to the last one.
    ...Array.from({ length: 6 }, (_, i) => `def test_passes_${i}():\n    assert os.environ["PYTEST_XDIST_WORKER"]`),
    '',
  ].join('\n'));
  const reports = path.join(dir, 'reports');
  mkdirSync(reports);
  await run(path.join(root, '.venv/bin/python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'runlane_test_suites', '-n', '2', '--dist', 'worksteal',
    '--reruns', '1', `--junitxml=${reports}/pytest-unit.xml`, `--runlane-flaky-file=${reports}/pytest-unit.flaky`, 'test_flaky.py'],
  { cwd: dir, env: { ...process.env, PYTHONPATH: path.join(root, 'test/suites') } }).catch(() => {});
}, 120_000);

afterAll(() => removeTempDir(dir));

it('names a test that passed on its rerun in an xdist worker FLAKY once, and one that failed twice FAILED', async () => {
  const { stdout } = await run('node', [path.join(root, 'scripts/test-report.mjs'), path.join(dir, 'reports')]);
  const lines = stdout.trim().split('\n').sort();
  expect(lines).toEqual([
    expect.stringMatching(/^FAILED TEST: test_flaky::test_fails_twice: AssertionError: never/),
    'FLAKY (passed on its retry): test_flaky.py::test_passes_on_its_rerun: failed, then passed on its rerun',
  ]);
});
