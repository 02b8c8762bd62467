import { defineConfig } from 'vitest/config';

// Process kills and outages take minutes each: `npm run test:faults` runs them (CI always does).
const longFaults = ['api-crash', 'devserver-crash', 'worker-restart', 'worker-kill-mid-copy', 'db-outage'].map((name) => `test/faults/${name}.test.ts`);

export default defineConfig({
  test: {
    setupFiles: ['test/harness/runtime.ts'],
    // Forked processes, not threads: the Temporal worker's native runtime is one per process.
    pool: 'forks',
    // One file per core at a time (vitest's default is one fewer than the cores: one file at a time
    // here). The suite is CPU-bound: more at once only adds contention.
    maxWorkers: 2,
    // A process runs file after file, so modules (the SDK, the dev server, the service) load once per
    // process instead of once per file. Each file still builds its own dev server, databases and worker.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: longFaults, globalSetup: ['test/harness/global-setup.ts', 'test/harness/typecheck.ts', 'test/harness/browser-setup.ts'] },
      },
      { extends: true, test: { name: 'faults', include: longFaults, globalSetup: ['test/harness/global-setup.ts'] } },
    ],
  },
});
