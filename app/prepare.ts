// `npm install` runs this (package.json's prepare script): it builds what `npm start` serves and runs,
// and the empty databases new embedded ones start from, so neither the first start nor the first
// `npm test` waits for them. Each is made again later only when its sources change (the web apps by
// their build stamps, the bundle and the database images by the build cache).
import { createRequire } from 'node:module';
import { ensureTemporalUiBuild, ensureWebBuild } from './web-build';
import { workflowBundlePath } from './workflow-bundle';
import { migratedImageDirectory, migratedImageFile } from '../db/image-cache';

const say = (msg: string) => console.log(`[prepare] ${msg}`);

// An install without devDependencies (`npm ci --omit=dev`) has no Vite to build with: it must not fail.
function hasBuildTools(): boolean {
  try {
    createRequire(import.meta.url).resolve('vite/package.json');
    return true;
  } catch {
    return false;
  }
}

try {
  if (hasBuildTools()) {
    await ensureWebBuild({ say });
    await ensureTemporalUiBuild({ say });
  } else {
    say('Vite (a devDependency) is not installed: the web app and the Temporal UI are not built now');
  }
  const started = Date.now();
  await workflowBundlePath();
  say(`the workflow bundle is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const imaging = Date.now();
  // The folder is what `npm start` copies a new data directory from; the file, what in-memory ones load.
  await migratedImageDirectory();
  await migratedImageFile();
  say(`the empty database images are ready (${((Date.now() - imaging) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
