// Every TypeScript file in the tree is in some tsconfig that `npm test` type-checks: products through
// tsconfig.json (`tsc -b`), tests through tsconfig.test.json (`npm run typecheck:tests`). A new test
// folder that no config includes would otherwise run untyped under vitest, as every test once did.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'lib', 'out', '.cache', '.venv', '.venv-bench', '.git']);
// Build outputs and downloads, not sources (names from .gitignore).
const SKIPPED_PATHS = ['jupyterlab-ext/runlane_jupyterlab', 'shared/kernel-helper'];

function tsFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const rel = path.relative(root, full);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !SKIPPED_PATHS.includes(rel)) found.push(...tsFiles(full));
    } else if (/\.(m|c)?tsx?$/.test(entry.name)) {
      found.push(rel);
    }
  }
  return found;
}

/** The files of a solution config and every project it references, as tsc -b would check them. */
function checkedFiles(configPath: string, seen = new Set<string>()): Set<string> {
  const files = new Set<string>();
  const resolved = ts.sys.fileExists(configPath) ? configPath : path.join(configPath, 'tsconfig.json');
  if (seen.has(resolved)) return files;
  seen.add(resolved);
  const parsed = ts.getParsedCommandLineOfConfigFile(resolved, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error(`cannot read ${resolved}`);
  for (const file of parsed.fileNames) files.add(path.relative(root, file));
  for (const ref of parsed.projectReferences ?? []) {
    for (const file of checkedFiles(ref.path, seen)) files.add(file);
  }
  return files;
}

it('type-checks every TypeScript file, tests included, in tsc -b or npm run typecheck:tests', () => {
  const checked = new Set([...checkedFiles(path.join(root, 'tsconfig.json')), ...checkedFiles(path.join(root, 'tsconfig.test.json'))]);
  const sources = tsFiles(root);
  expect(sources.filter((f) => f.endsWith('.test.ts')).length).toBeGreaterThan(50);
  expect(sources.filter((f) => !checked.has(f))).toEqual([]);
});
