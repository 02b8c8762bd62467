import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A data directory for one test, inside a temporary folder of its own, so that the lock file beside
 * it (config/dir-lock.ts), which a killed server leaves, goes when the folder is removed.
 */
export function tempDataDir(prefix: string): { dir: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { dir: join(root, 'data'), remove: () => rmSync(root, { recursive: true, force: true }) };
}
