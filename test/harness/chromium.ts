import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

/** Where the browser tests live: global setup finds Chromium only when the run includes one of them. */
export const BROWSER_TESTS_DIR = 'test/browser';

/** The headless Chromium the browser tests drive, and where it came from. */
export interface ResolvedChromium {
  path: string;
  source: 'CHROMIUM_PATH' | 'debian' | '@sparticuz/chromium';
  /** What `chromium --version` answers. */
  version: string;
}

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const HOW_TO_GET_ONE = [
  'The browser tests need a Chromium. Any of these gives one:',
  '  npm install                   (brings the devDependency @sparticuz/chromium, a headless Chromium inside the package)',
  '  apt-get install chromium      (Debian\'s, used from /usr/bin/chromium)',
  '  CHROMIUM_PATH=/path/to/chrome (any Chromium or Chrome binary)',
].join('\n');

/**
 * Finds the Chromium to drive: CHROMIUM_PATH if set (and then only it), else Debian's
 * /usr/bin/chromium, else the one inside @sparticuz/chromium (unpacked once to <tmpdir>/chromium,
 * ~209 MB, 2-8 s; later runs reuse the unpacked file). Each candidate must answer `--version`.
 * Throws, saying how to get one, when none works: browser tests fail, they never skip.
 */
export async function resolveChromium(): Promise<ResolvedChromium> {
  const tried: string[] = [];
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    const version = await versionOf(explicit);
    if (version.ok) return { path: explicit, source: 'CHROMIUM_PATH', version: version.text };
    throw new Error(`CHROMIUM_PATH=${explicit} does not run: ${version.text}\n${HOW_TO_GET_ONE}`);
  }
  if (existsSync(DEBIAN_CHROMIUM)) {
    const version = await versionOf(DEBIAN_CHROMIUM);
    if (version.ok) return { path: DEBIAN_CHROMIUM, source: 'debian', version: version.text };
    tried.push(`${DEBIAN_CHROMIUM}: ${version.text}`);
  }
  const sparticuz = await fromSparticuz();
  if ('path' in sparticuz) return sparticuz;
  tried.push(`@sparticuz/chromium: ${sparticuz.error}`);
  throw new Error(`No Chromium for the browser tests (tried ${tried.join('; ')}).\n${HOW_TO_GET_ONE}`);
}

async function fromSparticuz(): Promise<ResolvedChromium | { error: string }> {
  let chromium: typeof import('@sparticuz/chromium').default;
  try {
    chromium = (await import('@sparticuz/chromium')).default;
  } catch (err) {
    return { error: `not installed (${(err as Error).message.split('\n')[0]})` };
  }
  // Only the binary: WebGL (its swiftshader libraries) is of no use to these tests.
  chromium.setGraphicsMode = false;
  // The package reuses <tmpdir>/chromium whenever that file exists, even when a run interrupted
  // while unpacking left it cut short: one that does not run is removed and unpacked again.
  for (const attempt of [1, 2]) {
    let path: string;
    try {
      path = await chromium.executablePath();
    } catch (err) {
      return { error: (err as Error).message };
    }
    const version = await versionOf(path);
    if (version.ok) return { path, source: '@sparticuz/chromium', version: version.text };
    if (attempt === 2 || path !== join(tmpdir(), 'chromium')) return { error: `${path} does not run: ${version.text}` };
    await rm(path, { force: true });
  }
  throw new Error('unreachable');
}

async function versionOf(path: string): Promise<{ ok: boolean; text: string }> {
  try {
    const { stdout } = await promisify(execFile)(path, ['--version'], { timeout: 20_000 });
    return { ok: true, text: stdout.trim() };
  } catch (err) {
    return { ok: false, text: (err as Error).message.split('\n')[0] };
  }
}

/**
 * Whether this run of `project` includes a browser test file: its test files, narrowed by the file
 * filters given on the command line (`npx vitest run test/unit` has none). Cheap: vitest has
 * already listed the project's files by the time global setup runs.
 */
export async function runIncludesBrowserTests(project: TestProject): Promise<boolean> {
  // vitest keeps the command line's file filters here (marked internal in its types).
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  const root = project.config.root;
  return testFiles.some((file) => relative(root, file).split(sep).join('/').startsWith(`${BROWSER_TESTS_DIR}/`));
}
