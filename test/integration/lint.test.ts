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

  // retry: once in a fresh clone's npm test this saw no finding at all (not reproduced in the runs
  // since); a lint config that misses these rules still fails both tries.
  it('reports a floating promise and an explicit any, in product code and in tests', { retry: 1, timeout: 60_000 }, async () => {
    const code = 'async function later(): Promise<number> { return 1; }\nlater();\nexport const loose: any = 1;\n';
    for (const file of ['shared/protocol/src/format.ts', 'shared/protocol/src/format.test.ts']) {
      const [result] = await eslint.lintText(code, { filePath: path.join(root, file), warnIgnored: true });
      expect(result?.messages.map((m) => m.ruleId).sort(), file).toEqual(['@typescript-eslint/no-explicit-any', '@typescript-eslint/no-floating-promises']);
    }
  });

  it('leaves build outputs and bundles alone', async () => {
    for (const file of ['shared/core/dist/index.js', 'shared/core/dist/index.d.ts', 'vscode-ext/dist/extension.js', 'jupyterlab-ext/lib/index.d.ts', 'node_modules/typescript/lib/typescript.d.ts']) {
      expect(await eslint.isPathIgnored(path.join(root, file)), file).toBe(true);
    }
    expect(await eslint.isPathIgnored(path.join(root, 'shared/core/src/index.ts'))).toBe(false);
  });
});
