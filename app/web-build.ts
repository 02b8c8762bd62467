// The web app's build, done when its sources changed: `npm start`, start-api.ts and the test run's
// global setup call `ensureWebBuild()` before serving, so nobody has to remember a build step.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The web app's sources (SvelteKit project root). */
export const WEB_DIR = join(ROOT, 'web');

/** What the build writes and the API serves under /app/ (ignored by git). */
export const WEB_BUILD_DIR = join(WEB_DIR, 'build');

/** The hash of the sources the build in WEB_BUILD_DIR was made from. A dot file: never served. */
const STAMP = join(WEB_BUILD_DIR, '.build-stamp');

/** The product's pure rules, which the pages import (`$domain`: form validation, durations, the vocabulary). */
const DOMAIN_DIR = join(ROOT, 'domain');

/** Folders under web/ that are outputs, not sources. */
const OUTPUTS = new Set(['build', '.svelte-kit', 'node_modules']);

function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (dir === WEB_DIR && OUTPUTS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * A hash of everything the build depends on: every file under web/ (sources, static files, the
 * SvelteKit and Vite config), domain/ (which the pages import) and package-lock.json (the toolchain's
 * versions).
 */
export function webSourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(WEB_DIR), ...sourceFiles(DOMAIN_DIR), join(ROOT, 'package-lock.json')]) {
    if (!existsSync(file)) continue;
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** True when WEB_BUILD_DIR holds a build of the current sources. */
export function webBuildIsCurrent(hash = webSourceHash()): boolean {
  return existsSync(join(WEB_BUILD_DIR, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash;
}

export interface WebBuildResult {
  built: boolean;
  ms: number;
}

/**
 * Builds the web app unless WEB_BUILD_DIR already holds a build of the current sources. The build
 * (`vite build` in web/) runs in a child process: SvelteKit's Vite plugin takes its project root from
 * the process's working directory, and the bundler's memory is returned when it exits.
 */
export async function ensureWebBuild(options: { say?: (msg: string) => void } = {}): Promise<WebBuildResult> {
  const started = Date.now();
  const hash = webSourceHash();
  if (webBuildIsCurrent(hash)) return { built: false, ms: Date.now() - started };
  options.say?.('building the web app (about 15 s; only when its sources changed)...');
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build'], { cwd: WEB_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || !existsSync(join(WEB_BUILD_DIR, 'index.html'))) {
    throw new Error(`the web app's build failed (vite build in ${WEB_DIR}, exit code ${code}):\n${output.join('').trim()}`);
  }
  // Written last: an interrupted build is redone next time.
  writeFileSync(STAMP, `${hash}\n`);
  const ms = Date.now() - started;
  options.say?.(`web app built in ${(ms / 1000).toFixed(1)} s`);
  return { built: true, ms };
}

/** `npm run build:web`: builds when the sources changed (`--force`: always). */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--force') && existsSync(STAMP)) writeFileSync(STAMP, 'forced\n');
  ensureWebBuild({ say: console.log }).then(
    (r) => {
      if (!r.built) console.log(`the web app in ${relative(process.cwd(), WEB_BUILD_DIR)} is up to date`);
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
