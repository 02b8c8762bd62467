import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { count, ctrlC, root, startInGroup as start } from '../harness/process-group';
import { DUPLICATE_SIGNAL_WINDOW_MS } from '../../app/shutdown';

// Ctrl-C in a terminal sends SIGINT to the whole foreground process group, and npm forwards the one it
// got to its child as well: the service sees the same keypress twice within milliseconds. That must
// shut it down gracefully, once; a deliberate second Ctrl-C later still forces the exit. Imitated
// without a terminal: the process is started in a group of its own (detached) and the group is signalled.
// The whole service (`npm start`) is shut down the same way in test/faults/npm-start-shutdown.test.ts.

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
});
