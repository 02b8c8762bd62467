// One process builds a web app at a time (app/web-build.ts): another that needs the same app waits for
// that build and uses it instead of building it again over the files being written, as the test
// files do while the run's global setup builds, or a second `npm start`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDirectory } from '../../config/dir-lock';
import { buildIsCurrent, buildLockKey, ensureBuild, markBuilt, sourceHash, type SvelteApp } from '../../app/web-build';

const root = mkdtempSync(join(tmpdir(), 'sx-web-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function app(): SvelteApp {
  const dir = mkdtempSync(join(root, 'app-'));
  writeFileSync(join(dir, 'page.svelte'), '<p>hello</p>');
  return { name: 'a test app', dir, buildDir: join(dir, 'build'), alsoReads: [], about: 'no time' };
}

/** What a finished build leaves: its files, then the stamp of the sources it was made from. */
function finishBuild(a: SvelteApp): void {
  mkdirSync(a.buildDir, { recursive: true });
  writeFileSync(join(a.buildDir, 'index.html'), '<html></html>');
  markBuilt(a, sourceHash(a));
}

describe('building a web app', () => {
  it('waits while another holds the build, then uses the build it made', async () => {
    const a = app();
    const other = lockDirectory(buildLockKey(a), 'building a test app');
    const said: string[] = [];
    let done = false;
    const ensured = ensureBuild(a, { say: (m) => said.push(m) }).finally(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(done).toBe(false);
    expect(said).toEqual(['waiting for another process building a test app...']);
    finishBuild(a);
    other.release();
    // Not built here: vite never ran (the app has no SvelteKit project, so a build would fail).
    expect(await ensured).toMatchObject({ built: false });
    expect(said).toHaveLength(1);
  });

  it('is done at once when the build folder holds a build of the current sources, and not when they changed', async () => {
    const a = app();
    finishBuild(a);
    expect(await ensureBuild(a)).toMatchObject({ built: false });
    writeFileSync(join(a.dir, 'page.svelte'), '<p>changed</p>');
    expect(buildIsCurrent(a)).toBe(false);
  });
});
