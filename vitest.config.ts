import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/*/src/**/*.test.ts', 'jupyterlab-ext/src/**/*.test.ts', 'vscode-ext/src/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/helpers/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
