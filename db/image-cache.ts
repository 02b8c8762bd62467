import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareImage, migratedDirectory, migratedImage } from './connect';
import { cachedFile, cachedPath, hashSources } from '../config/build-cache';

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  return require(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json')).version as string;
}

// The image is only good for the PGlite build that wrote it and for exactly these migrations (their
// sources as written: the same key whichever loader, tsx or vitest, runs this).
const imageKey = (): string => hashSources([fileURLToPath(new URL('./migrations/', import.meta.url))], { extra: [pgliteVersion()] });

/**
 * The file of an image of an empty, migrated embedded database, made once per PGlite version and set
 * of migrations and kept in the build cache: a new embedded database loads it in a few seconds instead
 * of running initdb and every migration.
 */
export const migratedImageFile = (): Promise<string> =>
  cachedFile(`pglite-migrated-${imageKey()}.tar`, async () => migratedImage(await cachedBareImage()));

/** The cached image itself (see `migratedImageFile`). */
export const cachedMigratedImage = async (): Promise<Uint8Array> => readFile(await migratedImageFile());

/** The same database as a folder, for new embedded databases on disk to be copied from (`npm start`). */
export const migratedImageDirectory = (): Promise<string> =>
  cachedPath(`pglite-migrated-${imageKey()}`, async (partial) => migratedDirectory(partial, await cachedBareImage()));

/** The file of an image of an empty database before any migration (`bareImage`), one per PGlite version. */
const bareImageFile = (): Promise<string> => cachedFile(`pglite-bare-${hashSources([], { extra: [pgliteVersion()] })}.tar`, bareImage);

/** The bare image itself: the migrated images start from it, so initdb runs once per PGlite version. */
export const cachedBareImage = async (): Promise<Uint8Array> => readFile(await bareImageFile());
