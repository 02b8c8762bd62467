import { defineConfig } from 'vitest/config';
import LongestFirst from './test/harness/sequencer.js';

// Process kills, outages and whole-service runs (10 s to minutes each): `npm run test:faults` runs them (CI always does).
const longFaults = ['api-crash', 'devserver-crash', 'devserver-journal-kill', 'devserver-persistence', 'worker-restart', 'worker-kill-mid-copy', 'db-outage', 'npm-start-shutdown'].map((name) => `test/faults/${name}.test.ts`);

export default defineConfig({
  test: {
    setupFiles: ['test/harness/runtime.ts'],
    // Forked processes, not threads: the Temporal worker's native runtime is one per process.
    pool: 'forks',
    // Three files at a time on this 2-core machine (vitest's default, one fewer than the cores, runs
    // one): the files wait on the dev server's real-time activity timeouts, child processes and
    // browsers for part of their time, and a third fills those gaps (measured: 205 s against 259 s).
    maxWorkers: 3,
    // A process runs file after file, so modules (the SDK, the dev server, the service) load once per
    // process instead of once per file. Each file still builds its own dev server, databases and worker.
    isolate: false,
    sequence: { sequencer: LongestFirst },
    // Transformed modules kept on disk between runs (node_modules/.experimental-vitest-cache): a run
    // after the first transforms for 2 s instead of 12 and imports for 13 s instead of 28 (summed over
    // files); measured on the conformance, unit and exchange files, about 10 of their 135 CPU-seconds.
    experimental: { fsModuleCache: true },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: longFaults, globalSetup: ['test/harness/leftover-processes.ts', 'test/harness/global-setup.ts', 'test/harness/typecheck.ts', 'test/harness/browser-setup.ts'] },
      },
      { extends: true, test: { name: 'faults', include: longFaults, globalSetup: ['test/harness/leftover-processes.ts', 'test/harness/global-setup.ts'] } },
    ],
  },
});
