import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { useCleanup } from '../harness/temp-dir';
import { startDevServerProcess } from '../harness/devserver-process';
import { journaled, served } from '../harness/data-dir';
import type { collector } from '../workflows/messages';

// The dev server killed (SIGKILL) while it writes its data dir's journal, in a process of its own
// (about 40 s, so here rather than in `npm test`, whose conformance suite restarts it cleanly and
// whose journal tests tear its files as a crash would: test/conformance/compaction.test.ts).
// A real cluster brings its own persistence.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

describe.skipIf(!onDevServer)('dev server killed while writing its journal', () => {
  const { cleanup, tempDir } = useCleanup('devserver-journal-kill-');

  it('loses nothing acknowledged when killed -9 while compacting often under load', async () => {
    const dataDir = tempDir();
    const { server, t } = await startDevServerProcess(dataDir, cleanup, ['--compact-after', '8192']);

    await t.withWorker({}, async (taskQueue) => {
      const acked = new Map<WorkflowHandle<typeof collector>, string[]>();
      let crashed = false;
      const load = Array.from({ length: 12 }, async (_, w) => {
        const h = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `load-${w}-${taskQueue}` });
        acked.set(h, []);
        for (let i = 0; !crashed; i++) {
          await h.signal('add', `${w}:${i}`);
          acked.get(h)!.push(`${w}:${i}`);
        }
      });
      await new Promise((r) => setTimeout(r, 2500));
      crashed = true;
      await server.kill();
      await server.start();
      // A call cut off by the kill is retried by the client against the restarted server.
      await Promise.all(load);

      expect(readdirSync(dataDir).some((f) => /^snapshot-\d+\.jsonl$/.test(f))).toBe(true);
      expect(acked.size).toBe(12);
      for (const [h, items] of acked) {
        expect(items.length).toBeGreaterThan(0);
        await h.signal('finish');
        // Every acknowledged signal is there, in order (one cut off by the kill and retried may be there twice).
        expect([...new Set(await h.result())]).toEqual(items);
      }
    });
  });


  it('after kill -9 mid-write serves what the journal holds, and keeps what is written after the torn record', async () => {
    const dataDir = tempDir();
    const { server, t } = await startDevServerProcess(dataDir, cleanup);

    await t.withWorker({}, async (taskQueue) => {
      const h = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `torn-${taskQueue}` });
      for (let s = 0; s < 10; s++) await h.signal('add', `before ${s}`);
      // The workflow saw them: they are in its history, not waiting in the buffer of a running task.
      expect(await h.query<string[]>('items')).toHaveLength(10);
      const acknowledged = await served(h);
      await server.kill();
      // The process died in the middle of appending an event: half a line, never acknowledged.
      const tail = readdirSync(dataDir).find((f) => f.startsWith('journal'))!;
      appendFileSync(join(dataDir, tail), '{"t":"ev","ns":"default","wid":"torn","rid":"x","e":"CAEQ');
      const atCrash = journaled(dataDir).get(h.firstExecutionRunId)!;
      // (The worker may have completed one more task before the kill.)
      expect(atCrash.slice(0, acknowledged.length)).toEqual(acknowledged);

      await server.start();
      expect(await served(h)).toEqual(atCrash);
      await h.signal('add', 'after the torn write');
      expect(await h.query<string[]>('items')).toHaveLength(11);
      const written = await served(h);
      // Killed again: what was written after the torn record is there at the next start, as served before.
      await server.kill();
      expect(journaled(dataDir).get(h.firstExecutionRunId)).toEqual(written);
      await server.start();
      expect(await served(h)).toEqual(written);
      await h.signal('finish');
      expect(await h.result()).toEqual([...Array.from({ length: 10 }, (_, s) => `before ${s}`), 'after the torn write']);
    });
  });

});
