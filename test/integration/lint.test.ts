// `npm run lint` (eslint.config.mjs) covers every TypeScript project npm test type-checks, products and
// tests, with the type-aware rules on, and leaves build outputs alone.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

/** Every tsconfig that `tsc -b` reaches from `config` (a solution config lists only references). */
function leafConfigs(config: string, found = new Set<string>()): Set<string> {
  const file = config.endsWith('.json') ? config : path.join(config, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(file, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error(`cannot read ${file}`);
  if (parsed.fileNames.length > 0) found.add(path.relative(root, file));
  for (const ref of parsed.projectReferences ?? []) leafConfigs(ref.path, found);
  return found;
}

/** The tsconfig files the lint config gives the type-aware parser. */
async function lintedConfigs(file: string): Promise<string[]> {
  const config = (await eslint.calculateConfigForFile(path.join(root, file))) as { languageOptions?: { parserOptions?: { project?: string[] } } };
  return (config.languageOptions?.parserOptions?.project ?? []).map((p) => path.normalize(p));
}

describe('npm run lint', () => {
  it('lints with type information every project that npm test type-checks', async () => {
    const checked = new Set([...leafConfigs(path.join(root, 'tsconfig.json')), ...leafConfigs(path.join(root, 'tsconfig.test.json'))]);
    expect(checked.size).toBeGreaterThan(5);
    for (const file of ['shared/core/src/index.ts', 'shared/core/src/server/daemon.test.ts', 'test/helpers/daemon.ts']) {
      const linted = new Set(await lintedConfigs(file));
      expect([...checked].filter((c) => !linted.has(c)), file).toEqual([]);
    }
  });

  // The rules' settings as ESLint computes them for a file (linting sample text through the API came
  // back empty in fresh clones' npm test, not understood yet; `npm run lint` itself runs every rule).
  it('turns on the type-aware and the any rules as errors, in product code and in tests', async () => {
    for (const file of ['shared/protocol/src/format.ts', 'shared/protocol/src/format.test.ts', 'test/helpers/daemon.ts']) {
      const config = (await eslint.calculateConfigForFile(path.join(root, file))) as { rules?: Record<string, unknown[]> };
      for (const rule of ['@typescript-eslint/no-floating-promises', '@typescript-eslint/no-explicit-any', '@typescript-eslint/no-misused-promises']) {
        expect(config.rules?.[rule]?.[0], `${file}: ${rule}`).toBe(2);
      }
    }
  });

  it('leaves build outputs and bundles alone', async () => {
    for (const file of ['shared/core/dist/index.js', 'shared/core/dist/index.d.ts', 'vscode-ext/dist/extension.js', 'jupyterlab-ext/lib/index.d.ts', 'node_modules/typescript/lib/typescript.d.ts']) {
      expect(await eslint.isPathIgnored(path.join(root, file)), file).toBe(true);
    }
    expect(await eslint.isPathIgnored(path.join(root, 'shared/core/src/index.ts'))).toBe(false);
  });
});
