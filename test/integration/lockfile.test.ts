// `npm ci` works from the committed lockfile, on this machine and on others: every platform's binary
// package is locked (a Mac needs @rspack/binding-darwin-arm64 to build the JupyterLab extension),
// and npm accepts package-lock.json as in sync with every package.json of the workspace.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function outcome(command: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return run(command, args, { cwd, timeout: 120_000, maxBuffer: 16 << 20 }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, out: (e.stdout ?? '') + (e.stderr ?? '') }),
  );
}

describe('package-lock.json', () => {
  it("locks every platform's optional packages", async () => {
    const { code, out } = await outcome(process.execPath, ['scripts/complete-lockfile.mjs', '--check'], root);
    expect(out, 'run `node scripts/complete-lockfile.mjs` after `npm install`').toBe('');
    expect(code).toBe(0);
  });

  it('is accepted by npm ci, in sync with every package.json', async () => {
    const tmp = makeTempDir('lock');
    try {
      const { workspaces } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
      for (const file of ['package.json', 'package-lock.json', ...workspaces.map((w) => `${w}/package.json`)]) {
        mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
        cpSync(path.join(root, file), path.join(tmp, file));
      }
      // --dry-run checks the lockfile against the manifests as `npm ci` does, and installs nothing.
      const { code, out } = await outcome('npm', ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], tmp);
      expect(out).not.toMatch(/npm error/);
      expect(code).toBe(0);
    } finally {
      removeTempDir(tmp);
    }
  }, 120_000);
});
