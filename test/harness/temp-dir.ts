import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

/**
 * A data directory for one test, inside a temporary folder of its own, so that the lock file beside
 * it (config/dir-lock.ts), which a killed server leaves, goes when the folder is removed.
 */
export function tempDataDir(prefix: string): { dir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { dir: join(root, 'data'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

type Step = () => Promise<unknown> | void;

/**
 * For a describe block whose tests start and kill servers: `cleanup.push(step)` runs `step` after the
 * test (the last pushed first), and `tempDir()` is a fresh data dir removed then.
 */
export function useCleanup(dirPrefix: string): { cleanup: Step[]; tempDir(): string } {
  const cleanup: Step[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  return {
    cleanup,
    tempDir: () => {
      const { dir, remove } = tempDataDir(dirPrefix);
      cleanup.push(remove);
      return dir;
    },
  };
}
