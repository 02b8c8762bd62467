// The build cache (config/build-cache.ts) keeps one version of each entry: making a new one (its
// sources changed) removes the earlier ones and what killed processes left half made, nothing else.
import { existsSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILD_CACHE_DIR, cachedFile } from '../../config/build-cache';

const stem = `cache-test-${process.pid}`;
const version = (n: number) => n.toString(16).padStart(16, '0');
const entries = () => readdirSync(BUILD_CACHE_DIR).filter((f) => f.startsWith(stem)).sort();
afterAll(() => {
  for (const f of entries()) rmSync(join(BUILD_CACHE_DIR, f), { recursive: true, force: true });
});

describe('the build cache', () => {
  it('keeps the version it made last of an entry, and other entries, and removes the earlier versions and old partials', async () => {
    const first = await cachedFile(`${stem}-${version(1)}.js`, async () => 'one');
    expect(existsSync(first)).toBe(true);
    // Another entry with a longer name of the same start, and another kind of file of the same stem.
    const other = await cachedFile(`${stem}-other-${version(1)}.js`, async () => 'other');
    const tar = await cachedFile(`${stem}-${version(1)}.tar`, async () => 'tar');
    const fresh = join(BUILD_CACHE_DIR, `${stem}-${version(9)}.js.0123abcd.tmp`);
    const old = join(BUILD_CACHE_DIR, `${stem}-${version(8)}.js.89abcdef.tmp`);
    writeFileSync(fresh, 'being made');
    writeFileSync(old, 'left by a killed process');
    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(old, twoHoursAgo, twoHoursAgo);

    const second = await cachedFile(`${stem}-${version(2)}.js`, async () => 'two');
    expect(entries()).toEqual([second, other, fresh, tar].map((p) => p.slice(BUILD_CACHE_DIR.length + 1)).sort());
    expect(existsSync(first)).toBe(false);
    // Asked again for the same version: there, not made again.
    expect(await cachedFile(`${stem}-${version(2)}.js`, async () => expect.unreachable('made again'))).toBe(second);
  });
});
