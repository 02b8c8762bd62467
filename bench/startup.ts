// The bench's start-up phase: `npm start` (main.ts) as a user runs it, on an empty data directory and
// then again on the same one, timed to "ready" (API, worker and dev server answering), with the
// resident memory of its process once idle.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats';

export interface StartupRun {
  readyMs: number;
  idleRssMiB: number;
}

export interface StartupResult {
  first: StartupRun;
  restart: StartupRun;
}

/** How long the started service is left alone before its memory is read. */
const IDLE_MS = 5_000;
const READY_TIMEOUT_MS = 120_000;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

async function startOnce(dataDir: string): Promise<StartupRun> {
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
    TEMPORAL_DEV_SERVER_UI_PORT: '0',
    TEMPORAL_ADDRESS: '',
    DATABASE_URL: '',
  };
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  const started = performance.now();
  // As `npm start` runs it (bin/run.mjs), without npm's own process.
  const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/run.mjs', import.meta.url)), main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const readyMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start was not ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/\] ready\n/.test(output)) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited (${code}) before it was ready:\n${output.slice(-2000)}`));
      });
    });
    await sleep(IDLE_MS);
    return { readyMs: Math.round(readyMs), idleRssMiB: Math.round(rssMiB(child.pid!)) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Times `npm start` on an empty data directory, then its restart on the data it left. */
export async function measureStartup(say: (msg: string) => void): Promise<StartupResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sx-bench-start-'));
  try {
    say('start-up: npm start on an empty data directory...');
    const first = await startOnce(dataDir);
    say(`  ready in ${(first.readyMs / 1000).toFixed(1)} s, ${first.idleRssMiB} MiB resident when idle; restarting on the same data...`);
    const restart = await startOnce(dataDir);
    say(`  ready in ${(restart.readyMs / 1000).toFixed(1)} s, ${restart.idleRssMiB} MiB resident when idle`);
    return { first, restart };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
