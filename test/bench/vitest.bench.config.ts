import { defineConfig } from 'vitest/config';

// Benchmarks that need the browser harness (TypeScript) run through vitest, apart from the tests.
export default defineConfig({
  test: { include: ['test/bench/**/*.run.ts'], testTimeout: 600_000, hookTimeout: 600_000, pool: 'forks' },
});
