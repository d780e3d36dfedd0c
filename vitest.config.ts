import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // a hang guard, not a speed check: end-to-end tests start the CLI several times, and on a
    // shared, loaded machine one start can take seconds
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores here: keep parallelism modest so timing-sensitive sandbox tests stay stable.
    maxWorkers: 2,
  },
});
