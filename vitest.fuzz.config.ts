import { defineConfig } from 'vitest/config';

// `npm run fuzz`: every fuzz property at full size, plus the timing properties.
export default defineConfig({
  test: {
    include: ['test/fuzz/**/*.fuzz.test.ts', 'test/fuzz/**/*.timing.fuzz.ts'],
    reporters: ['default'],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
  },
});
