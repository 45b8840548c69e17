// Ready to publish: the .vsix (VS Code Marketplace, Open VSX) and the two wheels (PyPI) carry an
// icon, a license, a changelog, the real repository, keywords and a README written for that page,
// and pass the stores' own checks: vsce packages without a warning, `twine check --strict` passes.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const python = path.join(root, '.venv/bin/python');
const REPO = 'https://github.com/runlane/runlane';
let tmp: string;

beforeAll(() => {
  tmp = makeTempDir('publish');
});
afterAll(() => removeTempDir(tmp));

/** Command output, stdout and stderr together in order. */
async function sh(command: string, args: string[], cwd = root): Promise<string> {
  const { stdout } = await run('bash', ['-c', 'exec "$@" 2>&1', 'sh', command, ...args], { cwd, timeout: 300_000, maxBuffer: 64 << 20 });
  return stdout;
}

/** The names in a zip file (a .vsix or a wheel) and the text of the ones asked for. */
async function unzip(file: string, read: RegExp): Promise<{ names: string[]; text: Record<string, string> }> {
  const code = 'import json, re, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nnames = z.namelist()\nprint(json.dumps({"names": names, "text": {n: z.read(n).decode() for n in names if re.search(sys.argv[2], n)}}))';
  return JSON.parse((await run(python, ['-c', code, file, read.source], { maxBuffer: 64 << 20 })).stdout) as { names: string[]; text: Record<string, string> };
}

describe('the VS Code extension (.vsix)', () => {
  it('packages without a warning from vsce, with icon, license, changelog, README and repository', async () => {
    if (!existsSync(path.join(root, 'vscode-ext/dist/extension.js'))) throw new Error('vscode-ext/dist is not built: run npm run build (scripts/setup.sh does).');
    const vsix = path.join(tmp, 'runlane.vsix');
    const out = await sh(path.join(root, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '-o', vsix], path.join(root, 'vscode-ext'));
    expect(out).not.toMatch(/WARNING|ERROR/);
    const { names, text } = await unzip(vsix, /^extension\.vsixmanifest$|^extension\/package\.json$/);
    for (const file of ['extension/media/icon.png', 'extension/LICENSE.txt', 'extension/changelog.md', 'extension/readme.md']) expect(names).toContain(file);
    const manifest = text['extension.vsixmanifest'] ?? '';
    expect(manifest).toContain('<Icon>extension/media/icon.png</Icon>');
    expect(manifest).toContain(`Links.Source" Value="${REPO}.git"`);
    expect(manifest).toMatch(/<Tags>[^<]*experiment tracking/);
    expect((JSON.parse(text['extension/package.json'] ?? '{}') as { license?: string }).license).toBe('MIT');
  }, 120_000);

  it('has the 128x128 PNG icon scripts/make-icon.mjs draws', async () => {
    const icon = readFileSync(path.join(root, 'vscode-ext/media/icon.png'));
    expect(icon.subarray(1, 4).toString()).toBe('PNG');
    expect([icon.readUInt32BE(16), icon.readUInt32BE(20)]).toEqual([128, 128]);
    await run(process.execPath, [path.join(root, 'scripts/make-icon.mjs'), path.join(tmp, 'icon.png')]);
    expect(readFileSync(path.join(tmp, 'icon.png')).equals(icon)).toBe(true);
  });
});

describe('the Python wheels', () => {
  let wheels: string[] = [];

  beforeAll(async () => {
    const dist = path.join(tmp, 'wheels');
    // setuptools builds in the project's own build/ (and reuses it next time): build a copy instead.
    const helper = path.join(tmp, 'kernel-helper');
    for (const file of ['pyproject.toml', 'README.md', 'LICENSE', 'src']) {
      cpSync(path.join(root, 'shared/kernel-helper', file), path.join(helper, file), { recursive: true, filter: (f) => !/__pycache__|\.egg-info/.test(f) });
    }
    for (const project of [helper, path.join(root, 'jupyterlab-ext')]) {
      await sh(python, ['-m', 'pip', 'wheel', '--no-deps', '--quiet', '--disable-pip-version-check', '-w', dist, project]);
    }
    wheels = readdirSync(dist).map((w) => path.join(dist, w)).sort();
  }, 300_000);

  it('pass twine check --strict', async () => {
    expect(wheels.map((w) => path.basename(w))).toEqual(['runlane-0.1.0-py3-none-any.whl', 'runlane_jupyterlab-0.1.0-py3-none-any.whl']);
    const out = await sh(python, ['-m', 'twine', 'check', '--strict', ...wheels]);
    expect(out.match(/PASSED/g)).toHaveLength(2);
  }, 120_000);

  it('carry the MIT license file, the repository, keywords and a README for PyPI', async () => {
    for (const wheel of wheels) {
      const { names, text } = await unzip(wheel, /\.dist-info\/METADATA$/);
      expect(names.some((n) => n.endsWith('.dist-info/licenses/LICENSE'))).toBe(true);
      const metadata = Object.values(text)[0] ?? '';
      expect(metadata).toContain('License-Expression: MIT');
      expect(metadata).toContain(`Project-URL: Repository, ${REPO}`);
      expect(metadata).toMatch(/^Keywords: .*experiment.tracking/m);
      expect(metadata).toContain('Author: Runlane authors');
      expect(metadata).toContain('Description-Content-Type: text/markdown');
      expect(metadata).toContain('## Start');
    }
  }, 60_000);
});

describe('the READMEs of the three store pages', () => {
  it('link only to absolute URLs, and their images and pages are files of this repository', () => {
    for (const readme of ['vscode-ext/README.md', 'jupyterlab-ext/README.md', 'shared/kernel-helper/README.md']) {
      const text = readFileSync(path.join(root, readme), 'utf8');
      // A relative link works on GitHub but is broken on PyPI and, in a subfolder, on the Marketplace.
      expect(text.match(/\]\((?!https:\/\/)[^)]*\)/g), readme).toBeNull();
      for (const [, file] of text.matchAll(/https:\/\/github\.com\/runlane\/runlane\/(?:raw|blob|tree)\/HEAD\/([^)#\s]+)/g)) {
        expect(existsSync(path.join(root, file ?? '')), `${readme} links to ${file}`).toBe(true);
      }
      expect(text).toMatch(/!\[[^\]]+\]\(https:\/\/github\.com\/runlane\/runlane\/raw\/HEAD\/test\/e2e\/screenshots\/[^)]+\.png\)/);
    }
  });
});
