import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryArgs, freePort } from '../harness/entry-process';
import { DUPLICATE_SIGNAL_WINDOW_MS } from '../../app/shutdown';

// Ctrl-C in a terminal sends SIGINT to the whole foreground process group, and npm forwards the one it
// got to its child as well: the service sees the same keypress twice within milliseconds. That must
// shut it down gracefully, once; a deliberate second Ctrl-C later still forces the exit. Imitated
// without a terminal: the process is started in a group of its own (detached) and the group is signalled.

const root = join(import.meta.dirname, '..', '..');

interface Run {
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  ready: Promise<void>;
}

function start(entry: string, env: NodeJS.ProcessEnv, readyLine: string): Run {
  const child = spawn(process.execPath, entryArgs(entry), { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes(readyLine)) onReady();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => onReady());
  return { pid: child.pid!, output: () => out, exited, ready };
}

/** What a terminal does on Ctrl-C: SIGINT to every process in the group. */
const ctrlC = (run: Run) => process.kill(-run.pid, 'SIGINT');
const count = (text: string, what: string) => text.split(what).length - 1;

describe('shutdown on signals (app/shutdown.ts)', () => {
  const fixture = join(root, 'test', 'harness', 'shutdown-fixture.ts');

  it('the same Ctrl-C delivered twice (the group, then npm forwarding it) shuts down gracefully, once', async () => {
    const run = start(fixture, { ...process.env, CLOSE_MS: '1500' }, '[fixture] ready');
    await run.ready;
    ctrlC(run);
    ctrlC(run);
    await new Promise((resolve) => setTimeout(resolve, 50));
    ctrlC(run);
    expect(await run.exited, run.output()).toEqual({ code: 0, signal: null });
    expect(count(run.output(), 'shutting down gracefully'), run.output()).toBe(1);
    expect(count(run.output(), '[fixture] closing')).toBe(1);
    expect(run.output()).toContain('[fixture] closed');
    expect(run.output()).not.toMatch(/second|exiting/);
  });

  it('a deliberate second Ctrl-C while the shutdown runs forces the exit', async () => {
    const run = start(fixture, { ...process.env, CLOSE_MS: '10000' }, '[fixture] ready');
    await run.ready;
    ctrlC(run);
    await new Promise((resolve) => setTimeout(resolve, DUPLICATE_SIGNAL_WINDOW_MS + 500));
    ctrlC(run);
    expect(await run.exited, run.output()).toEqual({ code: 1, signal: null });
    expect(run.output()).toContain('second SIGINT during shutdown: exiting now');
    expect(run.output()).not.toContain('[fixture] closed');
  });

  it('SIGTERM shuts down gracefully too', async () => {
    const run = start(fixture, { ...process.env, CLOSE_MS: '200' }, '[fixture] ready');
    await run.ready;
    process.kill(run.pid, 'SIGTERM');
    expect(await run.exited, run.output()).toEqual({ code: 0, signal: null });
    expect(run.output()).toContain('SIGTERM: shutting down gracefully');
    expect(run.output()).toContain('[fixture] closed');
  });

  it('npm start (main.ts): owns its data dir (a second npm start on it is refused); Ctrl-C to the group, twice at once, shuts the whole service down gracefully, exits 0 and frees the data dir', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sx-shutdown-'));
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PORT: String(await freePort()),
        TEMPORAL_DEV_SERVER_PORT: String(await freePort()),
        TEMPORAL_DEV_SERVER_UI_PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        TEMPORAL_ADDRESS: '',
        // Embedded databases, whatever the test run uses: this is the npm start of the README.
        DATABASE_URL: '',
      };
      const run = start(join(root, 'main.ts'), env, '[service-exchange] ready');
      await run.ready;
      expect(run.output(), run.output()).toContain('[service-exchange] ready');

      // A second service on the same data dir, on ports of its own, would write the same journal and
      // database files: it stops before it writes anything.
      const ports = { PORT: String(await freePort()), TEMPORAL_DEV_SERVER_PORT: String(await freePort()) };
      const second = start(join(root, 'main.ts'), { ...env, ...ports }, '[service-exchange] ready');
      expect(await second.exited, second.output()).toEqual({ code: 1, signal: null });
      expect(second.output()).toMatch(new RegExp(`could not start: ${dataDir}/\\S+ is in use by process ${run.pid} \\(`));
      expect(second.output()).not.toContain('[service-exchange] ready');

      ctrlC(run);
      ctrlC(run);
      expect(await run.exited, run.output()).toEqual({ code: 0, signal: null });
      const out = run.output();
      expect(count(out, 'shutting down gracefully'), out).toBe(1);
      expect(out).toContain('[service-exchange] stopped');
      expect(out).toMatch(/Temporal UI at http:\/\/127\.0\.0\.1:\d+ \(Temporal.s HTTP API under http:\/\/127\.0\.0\.1:\d+\/api\/v1\)/);
      expect(out).not.toMatch(/second SIGINT|killed by timeout/);
      expect(readdirSync(dataDir).concat(readdirSync(join(dataDir, 'db'))).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
