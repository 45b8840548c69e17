// ESLint for every TypeScript file of the tree, products and tests (`npm run lint`, run by npm test):
// ESLint's and typescript-eslint's recommended rules, type-aware. A rule is turned off only with a
// reason here; a finding that is right in one place is suppressed there, with the reason beside it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      // Build outputs, bundles, downloads and virtual environments: not sources.
      '**/node_modules/', '**/dist/', '**/lib/', '**/out/', '.cache/', '.venv/', '.venv-bench/',
      'jupyterlab-ext/runlane_jupyterlab/labextension/', 'shared/kernel-helper/src/runlane/_node/',
      // Only TypeScript is linted; the few JavaScript build scripts (.mjs) are not.
      '**/*.js', '**/*.mjs', '**/*.cjs',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // The projects npm test type-checks: each package's build config and the tests' configs
        // (tsconfig.test.json); the project service cannot be used, as it only finds tsconfig.json.
        // (test/integration/lint.test.ts checks that this list has them all).
        project: [
          './shared/protocol/tsconfig.json', './shared/core/tsconfig.json', './shared/ui/tsconfig.json',
          './jupyterlab-ext/tsconfig.json', './vscode-ext/tsconfig.json',
          './shared/protocol/tsconfig.test.json', './shared/core/tsconfig.test.json', './shared/ui/tsconfig.test.json',
          './jupyterlab-ext/tsconfig.test.json', './vscode-ext/tsconfig.test.json',
          './test/tsconfig.json', './test/tsconfig.browser.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Off: an async function that does not await is deliberate here. It implements a
      // Promise-returning interface (a TargetLauncher, a run source, a test double) and, being async,
      // turns a throw into a rejection, which its callers handle; without `async` they would not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: {
      // Off in tests: vitest types its asymmetric matchers (expect.stringMatching, expect.any, ...)
      // as any, and an expected object that holds one is what toMatchObject and toEqual take. Reading
      // an any (member access, calls, returns, arguments) stays an error.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
