import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/*/src/**/*.test.ts', 'jupyterlab-ext/src/**/*.test.ts', 'vscode-ext/src/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/helpers/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/faults/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // System metrics (runlane/system.py) are off unless a test turns them on: a run longer than a
    // sampling interval would otherwise hold system/* keys that tests of other features count.
    env: { RUNLANE_SYSTEM_METRICS: '0' },
  },
});
