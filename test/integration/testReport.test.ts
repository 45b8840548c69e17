// scripts/test-report.mjs: the end of `npm test` names every failed and every flaky test, from the real
// reports of both runners (vitest's JSON, pytest's JUnit XML with the suites plugin's rerun list), so
// that CI's tail of the output says what failed.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

beforeAll(async () => {
  dir = makeTempDir('runlane-test-report-');
  writeFileSync(path.join(dir, 'flaky.test.ts'), [
    "import { expect, test } from 'vitest';",
    'let tries = 0;',
    "test('passes on its retry', () => { tries += 1; expect(tries).toBe(2); });",
    "test('fails <twice> & more', () => { expect('a').toBe('b'); });",
    "test('passes', () => {});",
  ].join('\n'));
  writeFileSync(path.join(dir, 'test_flaky.py'), [
    'tries = []',
    'def test_passes_on_its_rerun():',
    '    tries.append(1)',
    '    assert len(tries) == 2',
    'def test_fails_twice():',
    '    assert "<a>" == "b", "no & <match>"',
    '',
  ].join('\n'));
  const reports = path.join(dir, 'reports');
  await run('mkdir', ['-p', reports]);
  await run(path.join(root, 'node_modules/.bin/vitest'), ['run', '--root', dir, '--retry=1', '--reporter=json', `--outputFile.json=${reports}/vitest-unit.json`], { cwd: dir }).catch(() => {});
  await run(path.join(root, '.venv/bin/python'), ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'runlane_test_suites', '--reruns', '1',
    `--junitxml=${reports}/pytest-unit.xml`, `--runlane-flaky-file=${reports}/pytest-unit.flaky`, 'test_flaky.py'],
  { cwd: dir, env: { ...process.env, PYTHONPATH: path.join(root, 'test/suites') } }).catch(() => {});
}, 120_000);

afterAll(() => removeTempDir(dir));

it('names each failed test with its first error line, and each test that passed only on its retry', async () => {
  const { stdout } = await run('node', [path.join(root, 'scripts/test-report.mjs'), path.join(dir, 'reports')]);
  const lines = stdout.trim().split('\n').sort();
  expect(lines).toHaveLength(4);
  expect(lines[0]).toMatch(/^FAILED TEST: .*flaky\.test\.ts > fails <twice> & more: AssertionError: expected 'a' to be 'b'/);
  expect(lines[1]).toMatch(/^FAILED TEST: test_flaky::test_fails_twice: AssertionError: no & <match>/);
  expect(lines[2]).toMatch(/^FLAKY \(passed on its retry\): .*flaky\.test\.ts > passes on its retry: AssertionError: expected 1 to be 2/);
  expect(lines[3]).toBe('FLAKY (passed on its retry): test_flaky.py::test_passes_on_its_rerun: failed, then passed on its rerun');
});
