import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../harness/entry-process';
import { count, ctrlC, root, startInGroup as start } from '../harness/process-group';

// The README's `npm start`, whole, in a process of its own (about 15 s, so here rather than in
// `npm test`, whose test/e2e/shutdown.test.ts checks the same signal handling on a small entry point):
// Ctrl-C reaches it twice at once (the terminal's process group, then npm forwarding it).

describe('npm start on signals', () => {
  it('npm start (main.ts): owns its data dir (a second npm start on it is refused); Ctrl-C to the group, twice at once, shuts the whole service down gracefully, exits 0 and frees the data dir', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sx-shutdown-'));
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(await freePort()),
        TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
        TEMPORAL_DEV_SERVER_UI_PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        TEMPORAL_ADDRESS: '',
        // Embedded databases, whatever the test run uses: this is the npm start of the README.
        DATABASE_URL: '',
      };
      const run = start(join(root, 'main.ts'), env, '[service-exchange] ready');
      await run.ready;
      expect(run.output(), run.output()).toContain('[service-exchange] ready');

      // A second service on the same data dir, on ports of its own, would write the same journal and
      // database files: it stops before it writes anything.
      const ports = { PORT: String(await freePort()), TEMPORAL_DEV_SERVER_PORT: String(await freePort()) };
      const second = start(join(root, 'main.ts'), { ...env, ...ports }, '[service-exchange] ready');
      expect(await second.exited, second.output()).toEqual({ code: 1, signal: null });
      expect(second.output()).toMatch(new RegExp(`could not start: ${dataDir}/\\S+ is in use by process ${run.pid} \\(`));
      expect(second.output()).not.toContain('[service-exchange] ready');

      ctrlC(run);
      ctrlC(run);
      expect(await run.exited, run.output()).toEqual({ code: 0, signal: null });
      const out = run.output();
      expect(count(out, 'shutting down gracefully'), out).toBe(1);
      expect(out).toContain('[service-exchange] stopped');
      expect(out).toMatch(/Temporal UI at http:\/\/127\.0\.0\.1:\d+ \(Temporal.s HTTP API under http:\/\/127\.0\.0\.1:\d+\/api\/v1\)/);
      expect(out).not.toMatch(/second SIGINT|killed by timeout/);
      expect(readdirSync(dataDir).concat(readdirSync(join(dataDir, 'db'))).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
