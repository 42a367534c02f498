import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/fatal-warnings.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real tmux servers and daemons: keep parallelism modest on a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    dangerouslyIgnoreUnhandledErrors: false,
  },
});
