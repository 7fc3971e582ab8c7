import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The summary line ("Tests  N passed") must reach CI logs.
    reporters: ['default'],
    testTimeout: 30_000,
  },
});
