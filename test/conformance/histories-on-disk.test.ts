import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../harness/temp-dir';
import type { WorkflowHandle } from '@temporalio/client';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { freePort, startDevServerProcess } from '../harness/devserver-process';
import { startDevServer, type DevServer } from '../../devserver/index';
import { Journal } from '../../devserver/journal';
import { api, type HistoryEvent } from '../../devserver/proto';
import type { collector } from '../workflows/messages';

const HOUR = 3_600_000;

// Where the dev server keeps histories with a data dir; a real cluster brings its own persistence.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

const dirBytes = (dir: string) => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
/** Events compared as their encodings: what the server wrote, whoever decoded them. */
const encoded = (events: HistoryEvent[] | null | undefined) => (events ?? []).map((e) => Buffer.from(api.history.v1.HistoryEvent.encode(e).finish()).toString('base64'));
const served = async (h: WorkflowHandle) => encoded((await h.fetchHistory()).events);

/** Every run's events as the data dir's journal holds them (read with the server stopped). */
function journaled(dataDir: string): Map<string, string[]> {
  const runs = new Map<string, HistoryEvent[]>();
  for (const rec of new Journal(dataDir).read()) if (rec.t === 'ev') runs.set(rec.rid, [...(runs.get(rec.rid) ?? []), rec.event]);
  return new Map([...runs].map(([rid, events]) => [rid, encoded(events)]));
}

describe.skipIf(!onDevServer)('histories kept in the data dir', () => {
  const { cleanup, tempDir } = useCleanup('devserver-histories-');

  it('serves exactly what the journal holds, to sticky and non-sticky workers, long polls and replay, across compaction and a restart', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    // A small threshold: the runs' events end up split between snapshots and tails.
    const start = () => startDevServer({ port, uiPort: false, dataDir, compactAfterBytes: 16 * 1024 });
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
