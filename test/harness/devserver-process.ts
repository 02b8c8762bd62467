import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { EntryProcess, freePort } from './entry-process';
import { createTemporalTestEnv, type TemporalTestEnv } from './temporal';
import { tempDataDir } from './temp-dir';

export { freePort };

const cli = fileURLToPath(new URL('../../devserver/cli.ts', import.meta.url));

/** The dev server CLI in its own process, so a test can kill it the hard way. */
export class DevServerProcess extends EntryProcess {
  constructor(
    readonly port: number,
    readonly dataDir: string,
    /** More CLI options, e.g. ['--retention', '1h']. */
    extraArgs: string[] = [],
  ) {
    // Well within a test's 60 s (it starts in a few seconds even on a loaded machine): a start that
    // hangs fails with the server's own output instead of the test's bare time-out.
    super({ name: 'dev server', entry: cli, args: ['--port', String(port), '--data-dir', dataDir, '--headless', ...extraArgs], readyLine: 'listening on', startTimeoutMs: 30_000 });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
}

/**
 * For one test: a dev server process on `dataDir` and a test environment on it, ended by `cleanup`
 * (useCleanup's). Kill and start the same `server` to restart it on the data dir.
 */
export async function startDevServerProcess(dataDir: string, cleanup: Array<() => unknown>, extraArgs: string[] = []): Promise<{ server: DevServerProcess; t: TemporalTestEnv }> {
  const server = new DevServerProcess(await freePort(), dataDir, extraArgs);
  await server.start();
  cleanup.push(() => server.kill());
  const t = await createTemporalTestEnv({ address: server.address });
  cleanup.push(() => t.teardown());
  return { server, t };
}

/** A dev server in its own process on a fresh data dir, and a test environment attached to it. */
export interface DevServerProcessEnv {
  server: DevServerProcess;
  t: TemporalTestEnv;
  dataDir: string;
}

/**
 * For a describe block (or a file): starts a dev server process on a fresh data dir with a test
 * environment on it before the tests, and removes both after them. The fields are set once it started.
 */
export function useDevServerProcess(dirPrefix: string, extraArgs: string[] = []): DevServerProcessEnv {
  const env = {} as DevServerProcessEnv;
  const cleanup: Array<() => unknown> = [];
  beforeAll(async () => {
    const temp = tempDataDir(dirPrefix);
    cleanup.push(temp.remove);
    env.dataDir = temp.dir;
    // A test may put a new server in `env.server` (other options on the same data dir): killed too, after
    // the test environment's teardown (the steps run in reverse).
    cleanup.push(() => env.server?.kill());
    Object.assign(env, await startDevServerProcess(env.dataDir, cleanup, extraArgs));
  });
  afterAll(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  return env;
}
