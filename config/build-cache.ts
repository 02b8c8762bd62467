// Things made from the project's own sources once per change of those sources (the migrated database
// image, the workflow bundle) and kept between runs, beside other tools' caches in node_modules/.cache
// (a fresh clone or `npm ci` starts clean).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const BUILD_CACHE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'service-exchange');

function filesUnder(path: string, skip: ReadonlySet<string>, out: string[]): string[] {
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(entry.name)) filesUnder(child, skip, out);
    } else if (entry.isFile()) out.push(child);
  }
  return out;
}

/**
 * A short hash of these files and of every file under these folders (by their paths relative to the
 * project and their content), with `extra` strings; folders named in `skip` (outputs) are left out.
 */
export function hashSources(paths: string[], options: { extra?: string[]; skip?: Iterable<string> } = {}): string {
  const hash = createHash('sha256');
  const skip = new Set(options.skip);
  for (const e of options.extra ?? []) hash.update(e).update('\0');
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const files = statSync(path).isDirectory() ? filesUnder(path, skip, []) : [path];
    for (const file of files) hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const making = new Map<string, Promise<string>>();

/**
 * The path of `name` in the cache, made by `make` when it is not there yet. Concurrent callers in one
 * process share one making; processes racing each write a file of their own and rename it into place.
 */
export function cachedFile(name: string, make: () => Promise<Uint8Array | string>): Promise<string> {
  const file = join(BUILD_CACHE_DIR, name);
  let pending = making.get(file);
  if (!pending) {
    pending = (async () => {
      try {
        await access(file);
      } catch {
        const content = await make();
        await mkdir(BUILD_CACHE_DIR, { recursive: true });
        const partial = `${file}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(partial, content);
        await rename(partial, file);
      }
      return file;
    })();
    pending.catch(() => making.delete(file));
    making.set(file, pending);
  }
  return pending;
}
