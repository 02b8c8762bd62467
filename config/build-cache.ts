// Things made from the project's own sources once per change of those sources (the migrated database
// image, the workflow bundle) and kept between runs, beside other tools' caches in node_modules/.cache
// (a fresh clone or `npm ci` starts clean).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { access, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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
 * The path of `name` in the cache (a file or a folder), made by `make` at a path of its own when it is
 * not there yet and renamed into place. Concurrent callers in one process share one making; of
 * processes racing, the first rename wins and the others use what it made.
 */
export function cachedPath(name: string, make: (partial: string) => Promise<void>): Promise<string> {
  const path = join(BUILD_CACHE_DIR, name);
  let pending = making.get(path);
  if (!pending) {
    pending = (async () => {
      try {
        await access(path);
      } catch {
        await mkdir(BUILD_CACHE_DIR, { recursive: true });
        const partial = `${path}.${randomBytes(4).toString('hex')}.tmp`;
        await make(partial);
        // A folder cannot replace one another process renamed there first: then that one is used.
        await rename(partial, path).catch(async (err) => {
          await rm(partial, { recursive: true, force: true });
          await access(path).catch(() => Promise.reject(err));
        });
        await removeEarlierVersions(name);
      }
      return path;
    })();
    pending.catch(() => making.delete(path));
    making.set(path, pending);
  }
  return pending;
}

// `<stem>-<16 hex digits of the sources' hash>[.ext]`: one version of an entry.
const VERSIONED = /^(.+)-[0-9a-f]{16}(\.[a-z]+)?$/;
// What a process killed while making an entry left (`cachedPath`'s partials).
const PARTIAL = /\.[0-9a-f]{8}\.tmp$/;
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/**
 * Once a new version of an entry is made, the earlier ones (made from sources since changed) are
 * removed, and any partial an hour old: each source change would otherwise leave some 40 MB of
 * database image and 2 MB bundles behind for good.
 */
async function removeEarlierVersions(name: string): Promise<void> {
  const made = VERSIONED.exec(name);
  for (const entry of await readdir(BUILD_CACHE_DIR).catch(() => [])) {
    const path = join(BUILD_CACHE_DIR, entry);
    const other = VERSIONED.exec(entry);
    const earlier = made && other && entry !== name && other[1] === made[1] && other[2] === made[2];
    const abandoned = PARTIAL.test(entry) && Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs > ABANDONED_AFTER_MS;
    if (earlier || abandoned) await rm(path, { recursive: true, force: true });
  }
}

/** A file in the cache (see `cachedPath`) with the content `make` returns. */
export const cachedFile = (name: string, make: () => Promise<Uint8Array | string>): Promise<string> =>
  cachedPath(name, async (partial) => writeFile(partial, await make()));
