import { describe, expect, it } from 'vitest';
import { useCleanup } from '../harness/temp-dir';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { freePort } from '../harness/devserver-process';
import { startDevServer, type DevServer } from '../../devserver/index';
import { dirBytes, encoded, journaled, served } from '../harness/data-dir';
import type { collector } from '../workflows/messages';

const HOUR = 3_600_000;

// Where the dev server keeps histories with a data dir; a real cluster brings its own persistence.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

describe.skipIf(!onDevServer)('histories kept in the data dir', () => {
  const { cleanup, tempDir } = useCleanup('devserver-histories-');

  // With no cache every history is read from the files, part of it often from what the same turn of
  // the server appended and has not written yet (the task's started event a poll is answered with).
  it.each([
    ['its recent events cached', undefined],
    ['no cache', 0],
  ])('serves exactly what the journal holds, to sticky and non-sticky workers, long polls and replay, across compaction and a restart (%s)', async (_, historyCacheBytes) => {
    const dataDir = tempDir();
    const port = await freePort();
    // A small threshold: the runs' events end up split between snapshots and tails.
    const start = () => startDevServer({ port, uiPort: false, dataDir, compactAfterBytes: 16 * 1024, historyCacheBytes });
    let server: DevServer = await start();
    cleanup.push(() => server.close());
    const t: TemporalTestEnv = await createTemporalTestEnv({ address: server.address });
    cleanup.push(() => t.teardown());
    const padding = 'y'.repeat(300);

    // Twelve signals: a history longer than the events the server caches per run, so most are read from disk.
    const run = async (taskQueue: string, i: number) => {
      const h = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `disk-${i}-${taskQueue}` });
      for (let s = 0; s < 12; s++) await h.signal('add', `${i}:${s}:${padding}`);
      return h;
    };
    const handles: Awaited<ReturnType<typeof run>>[] = [];
    // A worker with no cache is sent the whole history with every task; a caching one only new events.
    for (const maxCachedWorkflows of [0, 100]) {
      await t.withWorker({ maxCachedWorkflows }, async (taskQueue) => {
        handles.push(...(await Promise.all(Array.from({ length: 4 }, (_, i) => run(taskQueue, i)))));
        const [h] = handles.slice(-1);
        // A long poll for new events: it answers the events written while it waited, as they are in the history.
        const req = { namespace: t.namespace, execution: { workflowId: h.workflowId, runId: h.firstExecutionRunId } };
        const first = await t.client.workflowService.getWorkflowExecutionHistory({ ...req, waitNewEvent: true });
        const waited = t.client.workflowService.getWorkflowExecutionHistory({ ...req, waitNewEvent: true, nextPageToken: first.nextPageToken });
        await h.signal('add', 'while polled');
        const got = encoded((await waited).history?.events);
        expect(got.length).toBeGreaterThan(0);
        expect((await served(h)).slice(first.history!.events!.length, first.history!.events!.length + got.length)).toEqual(got);
        for (const x of handles.slice(-4)) await x.signal('finish');
        for (const [i, x] of handles.slice(-4).entries()) expect((await x.result()).length).toBe(12 + (i === 3 ? 1 : 0));
      });
    }
    expect(await t.replayAll()).toBeGreaterThanOrEqual(8);
    const before = await Promise.all(handles.map(served));

    await server.close();
    const journal = journaled(dataDir);
    for (const [i, h] of handles.entries()) expect(journal.get(h.firstExecutionRunId)).toEqual(before[i]);
    server = await start();
    expect(await Promise.all(handles.map(served))).toEqual(before);
  });

  it('shrinks the data dir once retention deleted most of what it holds, without waiting for the tail to grow', async () => {
    const dataDir = tempDir();
    const server = await startDevServer({ port: 0, uiPort: false, dataDir, retentionMs: HOUR, compactAfterBytes: 32 * 1024 });
    cleanup.push(() => server.close());
    const t = await createTemporalTestEnv({ address: server.address });
    cleanup.push(() => t.teardown());
    const padding = 'z'.repeat(2000);

    await t.withWorker({}, async (taskQueue) => {
      const live = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `kept-${taskQueue}` });
      await live.signal('add', 'kept');
      const done = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const h = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `deleted-${i}-${taskQueue}` });
          await h.signal('add', padding);
          await h.signal('finish');
          return h;
        }),
      );
      for (const h of done) await h.result();
      const full = dirBytes(dataDir);
      expect(full).toBeGreaterThan(80 * 1024);
      const kept = await served(live);

      await t.env.sleep(2 * HOUR);
      // Compaction runs on its own turn once retention has deleted the runs.
      await new Promise((r) => setTimeout(r, 200));
      expect(dirBytes(dataDir)).toBeLessThan(full / 4);
      expect(await served(live)).toEqual(kept);
      await live.signal('finish');
      expect(await live.result()).toEqual(['kept']);
    });
  });
});
