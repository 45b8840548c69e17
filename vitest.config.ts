import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/*/src/**/*.test.ts', 'jupyterlab-ext/src/**/*.test.ts', 'vscode-ext/src/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/helpers/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/faults/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // expect.poll waits up to 10 s (its default is 1 s): on a loaded 2-core machine a page or a daemon
    // can take seconds to show what it will show; a poll that passes returns as soon as it does.
    expect: { poll: { timeout: 10_000 } },
    // System metrics (runlane/system.py) are off unless a test turns them on: a run longer than a
    // sampling interval would otherwise hold system/* keys that tests of other features count.
    env: { RUNLANE_SYSTEM_METRICS: '0' },
  },
});
