// Test projects, one per layer (CONTRIBUTING.md): unit (pure code and use cases with fakes: no process, no root, no
// testbed), integration (real processes, files and loopback servers on this machine: no testbed, no root), e2e (the
// CLI and adapters against the real testbed, as root).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Starting a process fails the test: the guard that keeps this layer fast and free of the machine.
          setupFiles: ['test/support/unit-setup.ts'],
          // Pure code and fakes: test files may share a worker's modules. Importing src/ afresh for each of the 66 files
          // was most of the run (32 s → 13.5 s on a 2-core machine, tests themselves ~8 s); a test that changes global
          // state (fake timers) restores it in afterEach.
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Compiles src/ to dist/ once: some tests run an adapter in a separate node process.
          globalSetup: ['test/support/integration-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
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
