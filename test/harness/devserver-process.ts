import { fileURLToPath } from 'node:url';
import { EntryProcess, freePort } from './entry-process';

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
    super({ name: 'dev server', entry: cli, args: ['--port', String(port), '--data-dir', dataDir, '--headless', ...extraArgs], readyLine: 'listening on' });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }
}
