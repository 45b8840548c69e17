import { defineConfig } from 'vitest/config';

// `npm run faults` (scripts/faults.sh): the TypeScript fault tests at full load (RUNLANE_FAULTS=full).
// The same files at a small load are part of the unit suite (vitest.config.ts includes test/faults/).
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false, // one load at a time: two would measure each other on 2 cores
    env: { RUNLANE_SYSTEM_METRICS: '0' },
  },
});
