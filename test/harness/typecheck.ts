import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Type-checks the whole project (tsconfig.json) while the tests run, in a tsc process of its own, and
 * fails the run on any type error: `npm test` checks types without waiting for tsc first.
 */
export default function setup(): () => Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // Incremental: a later run re-checks only what changed (the state lives in node_modules/.cache).
  const args = [tsc, '--noEmit', '--pretty', 'false', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/tsc/tsbuildinfo'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return async () => {
    const code = await exited;
    if (code === 0) return;
    // vitest reports a throwing teardown but still exits 0: the exit code is set here.
    console.error(`\nType check (tsc --noEmit) failed:\n${output}`);
    process.exitCode = 1;
  };
}
