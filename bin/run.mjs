#!/usr/bin/env node
// Runs one of the project's TypeScript entry points (`node bin/run.mjs main.ts [args...]`) as a single
// ES module bundled by esbuild, its packages left to Node. Under tsx's loader every one of our files
// went through a loader thread at each start: about 1.2 s more to start and 70 MB more resident.
// Bundling takes about 0.2 s, so it is done at every start and a bundle is never stale.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [entryArg, ...args] = process.argv.slice(2);
if (!entryArg) {
  console.error('usage: node bin/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const entry = resolve(entryArg);

// Each file keeps its own import.meta.url, so paths it finds relative to itself (migrations, the
// workflows to bundle, the project root) stay what they are when it runs from source.
const ownUrls = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      contents: (await readFile(path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
      loader: 'ts',
    }));
  },
};

const { outputFiles } = await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  write: false,
  logLevel: 'warning',
  plugins: [ownUrls],
});
// esbuild's service process would otherwise stay for the life of ours (some 30 MB resident).
await stop();
// A unique name, renamed into place: two starts at once never import a half-written bundle.
const dir = join(root, 'node_modules', '.cache', 'service-exchange', 'entries');
const bundle = join(dir, `${basename(entry, '.ts')}.mjs`);
const partial = `${bundle}.${randomBytes(4).toString('hex')}`;
await mkdir(dir, { recursive: true });
await writeFile(partial, outputFiles[0].contents);
await rename(partial, bundle);

// As if node had been given the entry itself.
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(bundle).href);
