#!/usr/bin/env node
// Runs one of the project's TypeScript entry points (`node bin/run.mjs main.ts [args...]`) as a single
// ES module bundled by esbuild, its packages left to Node. Under tsx's loader every one of our files
// went through a loader thread at each start: about 1.2 s more to start and 70 MB more resident.
// The bundle is kept with a hash of every file it was made from and reused while they are unchanged:
// making it costs about 0.16 CPU-seconds a start (the tests start some twenty entry points a run),
// checking it about 0.01. A bundle is never stale: any change to its files makes it again.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const [entryArg, ...args] = process.argv.slice(2);
if (!entryArg) {
  console.error('usage: node bin/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
const entry = resolve(entryArg);
const dir = join(root, 'node_modules', '.cache', 'service-exchange', 'entries');
// Named for the entry's path (devserver/cli.ts: devserver-cli.mjs), so two entries never share one.
const bundle = join(dir, `${relative(root, entry).replace(/\.ts$/, '').replaceAll(/[\\/]/g, '-')}.mjs`);
const manifest = `${bundle}.inputs`;

/** A hash of the bundle's inputs as they are now: this script, the lock file (esbuild's version), tsconfig.json and each of our files in it. */
async function inputsHash(inputs) {
  const hash = createHash('sha256').update(entry);
  for (const file of [fileURLToPath(import.meta.url), join(root, 'package-lock.json'), join(root, 'tsconfig.json'), ...inputs]) {
    hash.update(file).update(await readFile(file));
  }
  return hash.digest('hex');
}

/** The bundle kept from an earlier start, when nothing it was made from changed since. */
async function keptBundle() {
  try {
    const { inputs, hash } = JSON.parse(await readFile(manifest, 'utf8'));
    return hash === (await inputsHash(inputs));
  } catch {
    // None yet, or one of its files is gone.
    return false;
  }
}

/** Written under a unique name and renamed into place: two starts at once never read a half-written file. */
async function writeAtomically(path, contents) {
  const partial = `${path}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, contents);
  await rename(partial, path);
}

async function makeBundle() {
  const { build, stop } = await import('esbuild');
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
  const { outputFiles, metafile } = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [ownUrls],
  });
  // esbuild's service process would otherwise stay for the life of ours (some 30 MB resident).
  await stop();
  const inputs = Object.keys(metafile.inputs).map((input) => resolve(root, input));
  await mkdir(dir, { recursive: true });
  // The bundle first: a start that reads the new list of inputs finds a bundle at least as new.
  await writeAtomically(bundle, outputFiles[0].contents);
  await writeAtomically(manifest, JSON.stringify({ inputs, hash: await inputsHash(inputs) }));
}

if (!(await keptBundle())) await makeBundle();

// As if node had been given the entry itself.
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(bundle).href);
