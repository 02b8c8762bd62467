// The bench's start-up phase: `npm start` as a user runs it, on an empty data directory and then again
// on the same one, timed to "ready" (API, worker and dev server answering), with the resident memory
// of every process it runs (npm's own and the service's) 5 s after ready, and once it has settled.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from './stats';

export interface StartupRun {
  readyMs: number;
  /** Every process `npm start` runs, together, 5 s after ready. */
  idleRssMiB: number;
  /** The service's own process (node bin/run.mjs main.ts), 5 s after ready. */
  serviceRssMiB: number;
  /** The same two once settled (SETTLED_MS after ready). */
  settledRssMiB: number;
  settledServiceRssMiB: number;
}

export interface StartupResult {
  first: StartupRun;
  restart: StartupRun;
}

/** How long the started service is left alone before its memory is read... */
const IDLE_MS = 5_000;
/**
 * ...and before it is read again, settled: the SDK keeps a copy of the workflow bundle, run once for
 * debuggers, for 10 s after the worker starts, and V8 gives its start-up heap back only after some idle
 * time (measured: the whole of npm start went from 348-350 MiB at 5 s to 300-306 MiB between 45 and
 * 60 s, and stayed there at 120 s).
 */
const SETTLED_MS = 90_000;
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

/** `pid` and its descendants (Linux /proc). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the second field after the command, which is in parentheses.
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}

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
  const started = performance.now();
  // In a process group of its own, so that the whole of it can be stopped together.
  const child = spawn('npm', ['start', '--silent'], { cwd: fileURLToPath(new URL('..', import.meta.url)), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const memory = () => {
      const tree = processTree(child.pid!);
      const service = tree.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('\0bin/run.mjs\0'))!;
      return { all: Math.round(tree.reduce((sum, pid) => sum + rssMiB(pid), 0)), service: Math.round(rssMiB(service)) };
    };
    await sleep(IDLE_MS);
    const idle = memory();
    await sleep(SETTLED_MS - IDLE_MS);
    const settled = memory();
    return { readyMs: Math.round(readyMs), idleRssMiB: idle.all, serviceRssMiB: idle.service, settledRssMiB: settled.all, settledServiceRssMiB: settled.service };
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

/** Times `npm start` on an empty data directory, then its restart on the data it left. */
export async function measureStartup(say: (msg: string) => void): Promise<StartupResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sx-bench-start-'));
  try {
    say('start-up: npm start on an empty data directory...');
    const first = await startOnce(dataDir);
    const idle = (run: StartupRun) =>
      `${run.idleRssMiB} MiB resident 5 s after (the service's process ${run.serviceRssMiB} MiB, npm ${run.idleRssMiB - run.serviceRssMiB} MiB), ` +
      `${run.settledRssMiB} MiB once settled (${run.settledServiceRssMiB} MiB, npm ${run.settledRssMiB - run.settledServiceRssMiB} MiB)`;
    say(`  ready in ${(first.readyMs / 1000).toFixed(1)} s, ${idle(first)}; restarting on the same data...`);
    const restart = await startOnce(dataDir);
    say(`  ready in ${(restart.readyMs / 1000).toFixed(1)} s, ${idle(restart)}`);
    return { first, restart };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
