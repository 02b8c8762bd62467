import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT, hashSources } from '../../config/build-cache';

const STATE_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'tsc');
/** The hash of the inputs of the last type check that passed. */
const PASSED = join(STATE_DIR, 'passed');

/**
 * Type-checks the whole project (tsconfig.json) while the tests run, in a tsc process of its own, and
 * fails the run on any type error: `npm test` checks types without waiting for tsc first. The checker
 * is TypeScript 7, the native compiler (the `typescript-7` devDependency; `npm run typecheck` runs the
 * same): from scratch about 6 CPU-seconds here where TypeScript 5.9's took 17. TypeScript 5.9 stays for
 * the tools that use its JavaScript API (svelte-check, openapi-typescript, SvelteKit). Skipped when
 * nothing tsc reads changed since a check passed.
 */
export default function setup(): () => Promise<void> {
  const inputs = typeCheckInputs();
  if (inputs && existsSync(PASSED) && readFileSync(PASSED, 'utf8') === inputs) return async () => {};
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript-7/package.json')), 'bin', 'tsc');
  // Incremental: a later run re-checks only what changed. One thread: its four checkers by default
  // each check the shared declarations again (about 7 CPU-seconds from scratch against 5), and only its answer
  // at the end of the run is waited for.
  const args = [tsc, '--noEmit', '--pretty', 'false', '--incremental', '--tsBuildInfoFile', join(STATE_DIR, 'tsbuildinfo-7'), '--singleThreaded'];
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  // The lowest priority: its answer is needed only when the run ends, so the tests get the CPU first.
  try {
    if (child.pid) setPriority(child.pid, 19);
  } catch {
    // Already gone (its failure is reported at the end), or a system that refuses: it runs as is.
  }
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return async () => {
    const code = await exited;
    if (code === 0) {
      mkdirSync(STATE_DIR, { recursive: true });
      if (inputs) writeFileSync(PASSED, inputs);
      return;
    }
    // vitest reports a throwing teardown but still exits 0: the exit code is set here.
    console.error(`\nType check (tsc --noEmit) failed:\n${output}`);
    process.exitCode = 1;
  };
}

/**
 * A hash of what tsc reads: tsconfig.json, what it includes, and the installed packages' versions (the
 * lock file). Undefined (always check) when `include` holds a pattern other than folders and `*.ts`.
 */
function typeCheckInputs(): string | undefined {
  const config = JSON.parse(readFileSync(join(PROJECT_ROOT, 'tsconfig.json'), 'utf8')) as { include: string[] };
  if (config.include.some((entry) => entry.includes('*') && entry !== '*.ts')) return undefined;
  const paths = config.include.flatMap((entry) =>
    entry === '*.ts' ? readdirSync(PROJECT_ROOT).filter((f) => f.endsWith('.ts')).map((f) => join(PROJECT_ROOT, f)) : [join(PROJECT_ROOT, entry)],
  );
  return hashSources([join(PROJECT_ROOT, 'tsconfig.json'), join(PROJECT_ROOT, 'package-lock.json'), ...paths]);
}
