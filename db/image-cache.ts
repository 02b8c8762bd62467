import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migratedDirectory, migratedImage } from './connect';
import { cachedFile, cachedPath, hashSources } from '../config/build-cache';

// The image is only good for the PGlite build that wrote it and for exactly these migrations (their
// sources as written: the same key whichever loader, tsx or vitest, runs this).
function imageKey(): string {
  const require = createRequire(import.meta.url);
  const pgliteVersion = require(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json')).version as string;
  return hashSources([fileURLToPath(new URL('./migrations/', import.meta.url))], { extra: [pgliteVersion] });
}

/**
 * The file of an image of an empty, migrated embedded database, made once per PGlite version and set
 * of migrations and kept in the build cache: a new embedded database loads it in a few seconds instead
 * of running initdb and every migration.
 */
export const migratedImageFile = (): Promise<string> =>
  cachedFile(`pglite-migrated-${imageKey()}.tar`, async () => new Uint8Array(await (await migratedImage()).arrayBuffer()));

/** The cached image itself (see `migratedImageFile`). */
export const cachedMigratedImage = async (): Promise<Blob> => new Blob([await readFile(await migratedImageFile())]);

/** The same database as a folder, for new embedded databases on disk to be copied from (`npm start`). */
export const migratedImageDirectory = (): Promise<string> => cachedPath(`pglite-migrated-${imageKey()}`, migratedDirectory);
