// Test projects: unit (pure, fast, no testbed) and e2e (the CLI and adapters against the real testbed).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/integration/**/*.test.ts'],
          globalSetup: ['test/support/e2e-global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Jobs share one small cluster: files run one after another so they do not starve each other.
          fileParallelism: false,
        },
      },
    ],
  },
});
