import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporalTestEnv, historyEventTypes, type TemporalTestEnv } from '../harness/temporal';
import { DevServerProcess, freePort } from '../harness/devserver-process';
import type { collector, sleeper } from '../workflows/messages';

// Restart-with-a-data-dir is a property of our dev server; a real cluster brings its own persistence.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

describe.skipIf(!onDevServer)('persistence across a dev server crash', () => {
  let dataDir: string;
  let server: DevServerProcess;
  let t: TemporalTestEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'devserver-'));
    server = new DevServerProcess(await freePort(), dataDir);
    await server.start();
    t = await createTemporalTestEnv({ address: server.address });
  });

  afterAll(async () => {
    await t?.teardown();
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes running workflows after kill -9 and restart, losing no signal or timer', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const waiting = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `crash-collector-${taskQueue}` });
      await waiting.signal('add', 'before crash');
      expect(await waiting.query<string[]>('items')).toEqual(['before crash']);
      const sleeping = await t.client.workflow.start<typeof sleeper>('sleeper', { taskQueue, workflowId: `crash-sleeper-${taskQueue}`, args: [1500] });
      while (!(await historyEventTypes(sleeping)).includes('EVENT_TYPE_TIMER_STARTED')) await new Promise((r) => setTimeout(r, 50));

      await server.kill();
      await server.start();

      // Everything acknowledged before the crash is still there, and the workflow goes on.
      await waiting.signal('add', 'after restart');
      await waiting.signal('finish');
      expect(await waiting.result()).toEqual(['before crash', 'after restart']);
      const types = await historyEventTypes(waiting);
      expect(types[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
      // The timer started before the crash fires after it.
      expect(await sleeping.result()).toBe('woke');
      expect(await historyEventTypes(sleeping)).toContain('EVENT_TYPE_TIMER_FIRED');
    });
  });

  afterAll(async () => {
    expect(await t.replayAll()).toBeGreaterThan(0);
  });
});
