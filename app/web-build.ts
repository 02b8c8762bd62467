// The builds of the project's two SvelteKit apps, done when their sources changed: the product's web
// app (web/, served by the API under /app/) and the Temporal UI the embedded dev server serves on its
// HTTP port (temporal-ui/). `npm start`, start-api.ts and the test run's global setup call
// `ensureWebBuild()` / `ensureTemporalUiBuild()` before serving, so nobody has to remember a build step.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BUILD_CACHE_DIR, PROJECT_ROOT as ROOT, hashSources } from '../config/build-cache';
import { DirectoryInUseError, lockDirectory, type DirectoryLock } from '../config/dir-lock';

/** A SvelteKit project of the repository, built with `vite build` in its folder into build/. */
export interface SvelteApp {
  /** What the build messages call it. */
  readonly name: string;
  /** The SvelteKit project root. */
  readonly dir: string;
  /** What the build writes (ignored by git). */
  readonly buildDir: string;
  /** Folders outside `dir` the build also reads (their files are part of the source hash). */
  readonly alsoReads: readonly string[];
  /** Roughly how long a build takes, for the message before it. */
  readonly about: string;
}

function svelteApp(name: string, folder: string, about: string, alsoReads: string[] = []): SvelteApp {
  const dir = join(ROOT, folder);
  return { name, dir, buildDir: join(dir, 'build'), alsoReads, about };
}

/** The product's web app; its pages import the product's pure rules (`$domain`: form validation, durations, the vocabulary). */
export const WEB_APP = svelteApp('the web app', 'web', 'about 5 s', [join(ROOT, 'domain')]);

/** The Temporal UI (@temporalio/ui's pages) the embedded dev server serves on its HTTP port. */
export const TEMPORAL_UI_APP = svelteApp('the Temporal UI', 'temporal-ui', 'about 15 s');

/** The web app's sources (SvelteKit project root). */
export const WEB_DIR = WEB_APP.dir;

/** What the build writes and the API serves under /app/ (ignored by git). */
export const WEB_BUILD_DIR = WEB_APP.buildDir;

/** What the Temporal UI's build writes and the dev server serves at / on its HTTP port (ignored by git). */
export const TEMPORAL_UI_BUILD_DIR = TEMPORAL_UI_APP.buildDir;

/** The hash of the sources the build was made from. A dot file: never served. */
const stampOf = (app: SvelteApp) => join(app.buildDir, '.build-stamp');

/** Folders that are outputs, not sources. */
const OUTPUTS = ['build', '.svelte-kit', 'node_modules'];

/**
 * A hash of everything an app's build depends on: every file under its folder (sources, static files,
 * the SvelteKit, Vite and Tailwind config), the folders it also reads and package-lock.json (the
 * toolchain's and the libraries' versions).
 */
export const sourceHash = (app: SvelteApp): string => hashSources([app.dir, ...app.alsoReads, join(ROOT, 'package-lock.json')], { skip: OUTPUTS });

/** True when the app's build folder holds a build of its current sources. */
export function buildIsCurrent(app: SvelteApp, hash = sourceHash(app)): boolean {
  const stamp = stampOf(app);
  return existsSync(join(app.buildDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash;
}

export interface WebBuildResult {
  built: boolean;
  ms: number;
}

/**
 * Builds the app unless its build folder already holds a build of the current sources. One process
 * builds at a time (a lock in node_modules/.cache): another that needs the same app waits for that
 * build and uses it, as the test run's files do while its global setup builds, or two `npm start`s.
 * The build (`vite build` in the app's folder) runs in a child process: SvelteKit's Vite plugin takes
 * its project root from the process's working directory, and the bundler's memory is returned when it
 * exits.
 */
export async function ensureBuild(app: SvelteApp, options: { say?: (msg: string) => void } = {}): Promise<WebBuildResult> {
  const started = Date.now();
  const hash = sourceHash(app);
  if (buildIsCurrent(app, hash)) return { built: false, ms: Date.now() - started };
  const lock = await buildLock(app, options.say);
  try {
    // Built by the process that held the lock.
    if (buildIsCurrent(app, hash)) return { built: false, ms: Date.now() - started };
    await build(app, hash, options.say);
  } finally {
    lock.release();
  }
  const ms = Date.now() - started;
  options.say?.(`${app.name} built in ${(ms / 1000).toFixed(1)} s`);
  return { built: true, ms };
}

/** What the lock on building the app is taken on (config/dir-lock.ts; the lock file is beside it). */
export const buildLockKey = (app: SvelteApp) => join(BUILD_CACHE_DIR, `build-${basename(app.dir)}`);

/** The app's build lock, once the process that holds it (if any) lets it go or is gone. */
async function buildLock(app: SvelteApp, say?: (msg: string) => void): Promise<DirectoryLock> {
  for (let waited = false; ; waited = true) {
    try {
      return lockDirectory(buildLockKey(app), `building ${app.name}`);
    } catch (err) {
      if (!(err instanceof DirectoryInUseError)) throw err;
      if (!waited) say?.(`waiting for another process building ${app.name}...`);
      await sleep(200);
    }
  }
}

async function build(app: SvelteApp, hash: string, say?: (msg: string) => void): Promise<void> {
  say?.(`building ${app.name} (${app.about}; only when its sources changed)...`);
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build'], { cwd: app.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0 || !existsSync(join(app.buildDir, 'index.html'))) {
    throw new Error(`${app.name}'s build failed (vite build in ${app.dir}, exit code ${code}):\n${output.join('').trim()}`);
  }
  // Written last: an interrupted build is redone next time.
  markBuilt(app, hash);
}

/** Records that the app's build folder holds a build of the sources with this hash. */
export const markBuilt = (app: SvelteApp, hash: string) => writeFileSync(stampOf(app), `${hash}\n`);

/** The web app's build (served by the API under /app/). */
export const ensureWebBuild = (options: { say?: (msg: string) => void } = {}) => ensureBuild(WEB_APP, options);

/** The Temporal UI's build (served by the embedded dev server on its HTTP port). */
export const ensureTemporalUiBuild = (options: { say?: (msg: string) => void } = {}) => ensureBuild(TEMPORAL_UI_APP, options);

/** `npm run build:web`: builds both apps when their sources changed (`--force`: always). */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const apps = [WEB_APP, TEMPORAL_UI_APP];
  if (process.argv.includes('--force')) for (const app of apps) if (existsSync(stampOf(app))) writeFileSync(stampOf(app), 'forced\n');
  (async () => {
    for (const app of apps) {
      const r = await ensureBuild(app, { say: console.log });
      if (!r.built) console.log(`${app.name} in ${relative(process.cwd(), app.buildDir)} is up to date`);
    }
  })().catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
}
