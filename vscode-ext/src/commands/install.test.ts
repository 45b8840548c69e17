import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../test/helpers/tempDir.js';
import { installCommand } from './install.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const helper = path.join(root, 'vscode-ext', 'dist', 'helper');

it('quotes the interpreter and the folder (PowerShell needs the call operator)', () => {
  expect(installCommand('/home/a b/.venv/bin/python', '/ext/dist/helper', 'linux')).toBe('"/home/a b/.venv/bin/python" -m pip install "/ext/dist/helper"');
  expect(installCommand('C:\\py\\python.exe', 'C:\\ext\\helper', 'win32')).toBe('& "C:\\py\\python.exe" -m pip install "C:\\ext\\helper"');
});

it('installs the helper the extension ships into a Python, importable there', () => {
  expect(existsSync(helper), 'build the extension first (node vscode-ext/build.mjs)').toBe(true);
  const target = makeTempDir('install');
  try {
    const python = path.join(root, '.venv', 'bin', 'python');
    execSync(`${installCommand(python, helper)} --quiet --no-deps --target "${target}"`, { stdio: 'pipe', timeout: 170_000 });
    const out = execSync(`"${python}" -c "import runlane, sys; print(runlane.__file__)"`, { env: { ...process.env, PYTHONPATH: target }, cwd: target }).toString();
    expect(out.trim().startsWith(target)).toBe(true);
  } finally {
    removeTempDir(target);
  }
}, 180_000);
