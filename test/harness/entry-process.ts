import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** How the npm scripts run an entry point (bin/run.mjs): node's arguments for `entry` and its `args`. */
export const entryArgs = (entry: string, args: string[] = []) => [fileURLToPath(new URL('../../bin/run.mjs', import.meta.url)), entry, ...args];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface EntryProcessOptions {
  /** What to call it in messages ("dev server", "API"...). */
  name: string;
  /** The TypeScript entry point (absolute path), run as the npm scripts run one (`node bin/run.mjs <entry> ...args`). */
  entry: string;
  args?: string[];
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Started once its output (stdout or stderr) contains this... */
  readyLine?: string | RegExp;
  /** ...or once this resolves true (polled every 50 ms), e.g. an HTTP probe. */
  readyProbe?: () => Promise<boolean>;
  /** Give up on a start after this long (default 60 s). */
  startTimeoutMs?: number;
}

const OUTPUT_KEPT = 64 * 1024;

/**
 * One of the project's entry points in its own process, so a test can kill it the hard way (SIGKILL:
 * no shutdown code runs, exactly like a crash) and start it again with the same environment.
 */
export class EntryProcess {
  private child?: ChildProcess;
  private out = '';
  /** How many times it was started, and killed with SIGKILL. */
  starts = 0;
  kills = 0;

  constructor(readonly options: EntryProcessOptions) {}

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last 64 KiB of the current (or last) run's stdout and stderr, for failure messages. */
  output(): string {
    return this.out;
  }

  /** Spawns the entry point and resolves once it is ready; rejects (with its output) if it exits first. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.options.name} is already running`);
    const { entry, args = [], env = process.env, readyLine, readyProbe, startTimeoutMs = 60_000 } = this.options;
    const child = spawn(process.execPath, entryArgs(entry, args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.out = '';
    this.starts++;
    // Read for the child's whole life, so a chatty child never blocks on a full pipe.
    const collect = (chunk: Buffer) => {
      this.out = (this.out + chunk.toString()).slice(-OUTPUT_KEPT);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let settled = false;
    try {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          if (settled) return;
          settled = true;
          clearTimeout(timeout);
          child.stdout!.off('data', onLine);
          child.stderr!.off('data', onLine);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve();
        };
        const timeout = setTimeout(() => done(new Error(`${this.options.name} not ready after ${startTimeoutMs} ms:\n${this.out}`)), startTimeoutMs);
        const onExit = (code: number | null, signal: string | null) => done(new Error(`${this.options.name} exited (${signal ?? code}) before it was ready:\n${this.out}`));
        const onLine = () => {
          if (readyLine && (typeof readyLine === 'string' ? this.out.includes(readyLine) : readyLine.test(this.out))) done();
        };
        child.once('exit', onExit);
        child.stdout!.on('data', onLine);
        child.stderr!.on('data', onLine);
        if (readyProbe) {
          void (async () => {
            while (!settled) {
              if (await readyProbe().catch(() => false)) return done();
              await new Promise((r) => setTimeout(r, 50));
            }
          })();
        }
      });
    } catch (err) {
      await this.signal('SIGKILL');
      throw err;
    }
  }

  /** SIGKILL: no shutdown code runs, exactly like a crash. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (await this.signal('SIGKILL')) this.kills++;
  }

  /**
   * SIGTERM (the entry point shuts down in order), then SIGKILL if it is still there after `graceMs`.
   * Resolves to whether it exited on its own.
   */
  async stop(graceMs = 20_000): Promise<boolean> {
    const child = this.child;
    if (!child || !this.running) return true;
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.signal('SIGTERM');
    clearTimeout(force);
    return child.signalCode !== 'SIGKILL';
  }

  /** Sends `signal` and waits for the exit; false when there was no running process. */
  private async signal(signal: NodeJS.Signals): Promise<boolean> {
    const child = this.child;
    if (!child || !this.running) return false;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
    return true;
  }
}
