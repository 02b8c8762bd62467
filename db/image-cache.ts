import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migratedImage } from './connect';

/** Beside other tools' caches (node_modules/.cache), so a fresh clone or `npm ci` starts clean. */
export const DEFAULT_IMAGE_CACHE_DIR = fileURLToPath(new URL('../node_modules/.cache/service-exchange', import.meta.url));

// The image is only good for the PGlite build that wrote it and for exactly these migrations.
function imageKey(): string {
  const require = createRequire(import.meta.url);
  const pgliteRoot = join(dirname(require.resolve('@electric-sql/pglite')), '..');
  const hash = createHash('sha256');
  hash.update(require(join(pgliteRoot, 'package.json')).version as string);
  // The sources as written: the same key whichever loader (tsx, vitest) runs this.
  const dir = fileURLToPath(new URL('./migrations/', import.meta.url));
  for (const name of readdirSync(dir).sort()) hash.update(`\0${name}\0`).update(readFileSync(join(dir, name)));
  return hash.digest('hex').slice(0, 16);
}

const made = new Map<string, Promise<string>>();

/**
 * The file of an image of an empty, migrated embedded database, made once per PGlite version and set
 * of migrations and kept in `cacheDir`: a new embedded database loads it in a few seconds instead of
 * running initdb and every migration.
 */
export function migratedImageFile(cacheDir = DEFAULT_IMAGE_CACHE_DIR): Promise<string> {
  const file = join(cacheDir, `pglite-migrated-${imageKey()}.tar`);
  let pending = made.get(file);
  if (!pending) {
    pending = (async () => {
      try {
        await access(file);
        return file;
      } catch {
        await mkdir(cacheDir, { recursive: true });
        const image = Buffer.from(await (await migratedImage()).arrayBuffer());
        // Another process may be writing the same image: each writes its own file and renames it in.
        const partial = `${file}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(partial, image);
        await rename(partial, file);
        return file;
      }
    })();
    pending.catch(() => made.delete(file));
    made.set(file, pending);
  }
  return pending;
}

/** The cached image itself (see `migratedImageFile`). */
export const cachedMigratedImage = async (cacheDir?: string): Promise<Blob> => new Blob([await readFile(await migratedImageFile(cacheDir))]);
