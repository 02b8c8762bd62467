import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCleanup } from '../harness/temp-dir';
import { dirBytes } from '../harness/data-dir';
import type { WorkflowHandle } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { freePort, startDevServerProcess } from '../harness/devserver-process';
import { startDevServer, type DevServer } from '../../devserver/index';
import { Journal, type JournalRecord } from '../../devserver/journal';
import { encodeEvent } from '../../devserver/event-log';
import { long } from '../../devserver/proto';
import type { collector } from '../workflows/messages';
import type { actCall } from '../workflows/activities';

const HOUR = 3_600_000;

// Compaction of the dev server's data dir; a real cluster brings its own persistence.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

const events = async (h: WorkflowHandle) => JSON.stringify((await h.fetchHistory()).events);

describe.skipIf(!onDevServer)('journal compaction', () => {
  const { cleanup, tempDir } = useCleanup('devserver-compaction-');

  it('keeps the data dir bounded as closed runs are retained away; a restart restores exactly the live runs', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const start = () => startDevServer({ port, uiPort: false, dataDir, retentionMs: HOUR, compactAfterBytes: 32 * 1024 });
    let server: DevServer = await start();
    cleanup.push(() => server.close());
    const t: TemporalTestEnv = await createTemporalTestEnv({ address: server.address });
    cleanup.push(() => t.teardown());
    const padding = 'x'.repeat(500);

    await t.withWorker({}, async (taskQueue) => {
      const live: WorkflowHandle<typeof collector>[] = [];
      for (let i = 0; i < 3; i++) {
        live.push(await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `live-${i}-${taskQueue}` }));
        await live[i].signal('add', `live ${i}`);
      }
      const sizes: number[] = [];
      for (let round = 0; round < 6; round++) {
        const done = await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const h = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `done-${round}-${i}-${taskQueue}` });
            await h.signal('add', padding);
            await h.signal('finish');
            return h;
          }),
        );
        // One at a time: a time-skipping client's result() gives up and takes back the one time lock.
        for (const h of done) await h.result();
        await t.env.sleep(2 * HOUR);
        sizes.push(dirBytes(dataDir));
      }
      // 180 runs of about 3 KB each went through (each round's several times the 32 KiB that starts a
      // compaction); the dir holds the live runs, at most a round's runs not yet retained away, and a
      // tail no larger than that snapshot (or 32 KiB).
      expect(Math.max(...sizes)).toBeLessThan(300 * 1024);
      expect(readdirSync(dataDir).some((f) => /^snapshot-\d+\.jsonl$/.test(f))).toBe(true);
      expect((await t.client.workflow.count('')).count).toBe(3);
      const before = await Promise.all(live.map(events));

      // A clean shutdown leaves one snapshot of the three runs; a restart brings back exactly them.
      await server.close();
      expect(readdirSync(dataDir).filter((f) => f.startsWith('journal'))).toEqual([]);
      expect(dirBytes(dataDir)).toBeLessThan(16 * 1024);
      server = await start();
      expect((await t.client.workflow.count('')).count).toBe(3);
      expect(await Promise.all(live.map(events))).toEqual(before);
      for (const [i, h] of live.entries()) {
        await h.signal('add', 'after restart');
        await h.signal('finish');
        expect(await h.result()).toEqual([`live ${i}`, 'after restart']);
      }
    });
  });

  it('a clean shutdown leaves a snapshot alone that restores a running activity attempt and the clock offset', async () => {
    const dataDir = tempDir();
    const { server, t } = await startDevServerProcess(dataDir, cleanup);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let running!: () => void;
    const secondAttemptRunning = new Promise<void>((resolve) => (running = resolve));
    const activities = {
      failsOnceThenWaits: async () => {
        if (Context.current().info.attempt === 1) throw new Error('first attempt fails');
        running();
        await released;
        return Context.current().info.attempt;
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      await t.env.sleep(10 * 24 * HOUR);
      const skipped = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `snapshot-activity-${taskQueue}`,
        args: ['failsOnceThenWaits', { startToCloseTimeout: '5 minutes', retry: { initialInterval: '100 ms' } }],
      });
      await secondAttemptRunning;
      const before = await events(handle);

      expect(await server.stop()).toBe(true);
      expect(readdirSync(dataDir)).toEqual(['snapshot-1.jsonl']);
      await server.start();

      expect(await t.env.currentTimeMs()).toBeGreaterThanOrEqual(skipped);
      expect(await events(handle)).toEqual(before);
      release();
      expect(await handle.result()).toBe(2);
      const started = ((await handle.fetchHistory()).events ?? []).find((e) => e.activityTaskStartedEventAttributes)!.activityTaskStartedEventAttributes!;
      expect(started.attempt).toBe(2);
      expect(started.lastFailure?.message).toBe('first attempt fails');
    });
  });

  const recs: JournalRecord[] = [
    { t: 'ns', name: 'default', id: 'n1', retentionMs: HOUR },
    { t: 'clock', offset: 5 },
    { t: 'sa', ns: 'default', name: 'Color', kind: 'Keyword' },
  ];
  /** A closed journal in a new dir holding the first two of `recs`, as a server that stopped left it. */
  function journalWithTwoOfThree() {
    const dir = tempDir();
    const journal = new Journal(dir);
    journal.read();
    journal.write(recs.slice(0, 2));
    journal.close();
    return { dir, recs };
  }

  it('a crash mid-append leaves a torn last line: dropped at the next start, and what is written after it is kept', () => {
    const { dir, recs } = journalWithTwoOfThree();
    // Half an event record, never acknowledged (test/faults/devserver-journal-kill.test.ts kills a server mid-write).
    const tail = readdirSync(dir).find((f) => f.startsWith('journal'))!;
    appendFileSync(join(dir, tail), '{"t":"ev","ns":"default","wid":"torn","rid":"x","e":"CAEQ');

    const restarted = new Journal(dir);
    expect(restarted.read()).toEqual(recs.slice(0, 2));
    restarted.write(recs.slice(2));
    restarted.close();
    expect(new Journal(dir).read()).toEqual(recs);
  });

  it('writes what one synchronous stretch appends (events with the record that says they were written) in one write, so a kill leaves all of it or none', async () => {
    const { dir } = journalWithTwoOfThree();
    const journal = new Journal(dir);
    journal.read();
    let writes = 0;
    journal.onWrite = () => writes++;
    const encoded = Buffer.from(encodeEvent({ eventId: long(7), eventType: 10 }));
    const span = journal.writeEvent('default', 'w', 'r', encoded);
    journal.write([{ t: 'flush', ns: 'default', rid: 'r' }]);
    // Read back (a history served) before it is written: from what is pending.
    expect(Buffer.from(journal.readSpan(false, span.start, span.length).toString(), 'base64')).toEqual(encoded);
    expect(writes).toBe(0);
    await Promise.resolve();
    expect(writes).toBe(1);
    expect(Buffer.from(journal.readSpan(false, span.start, span.length).toString(), 'base64')).toEqual(encoded);
    journal.close();
    const read = new Journal(dir).read();
    expect(read.slice(2).map((r) => r.t)).toEqual(['ev', 'flush']);
  });

  it('serves a range of events that runs from the file into what is not yet written (events of a run are read in one go)', async () => {
    const { dir } = journalWithTwoOfThree();
    const journal = new Journal(dir);
    journal.read();
    const encoded = [7, 8, 9].map((id) => Buffer.from(encodeEvent({ eventId: long(id), eventType: 10 })));
    const first = journal.writeEvent('default', 'w', 'r', encoded[0]);
    await Promise.resolve(); // the first is written; the next two are pending
    const spans = [first, journal.writeEvent('default', 'w', 'r', encoded[1]), journal.writeEvent('default', 'w', 'r', encoded[2])];
    const read = (from: number, to: number) => journal.readSpan(false, spans[from].start, spans[to].start + spans[to].length - spans[from].start);
    const decoded = (raw: Buffer, from: number, to: number) =>
      spans.slice(from, to + 1).map((span) => Buffer.from(raw.toString('latin1', span.start - spans[from].start, span.start - spans[from].start + span.length), 'base64'));
    expect(decoded(read(0, 2), 0, 2)).toEqual(encoded);
    expect(decoded(read(1, 2), 1, 2)).toEqual(encoded.slice(1));
    expect(decoded(read(0, 0), 0, 0)).toEqual(encoded.slice(0, 1));
    await Promise.resolve();
    expect(decoded(read(0, 2), 0, 2)).toEqual(encoded);
    expect(() => journal.readSpan(false, spans[2].start, spans[2].length + 500)).toThrow(/past its end/);
    journal.close();
  });

  it('a crash between compaction steps finds a consistent snapshot and tail', () => {
    const { dir, recs } = journalWithTwoOfThree();

    // Mid-snapshot: its temp file is ignored (and removed); the old tail holds everything.
    writeFileSync(join(dir, 'snapshot-1.jsonl.tmp'), '{"t":"ns","na');
    const afterTorn = new Journal(dir);
    expect(afterTorn.read()).toEqual(recs.slice(0, 2));
    expect(existsSync(join(dir, 'snapshot-1.jsonl.tmp'))).toBe(false);

    // Snapshot renamed, tail not switched yet: the snapshot alone, the old tail's records not twice.
    afterTorn.writeSnapshot(recs.slice(0, 2));
    const afterRename = new Journal(dir);
    expect(afterRename.read()).toEqual(recs.slice(0, 2));
    expect(readdirSync(dir)).toEqual(['snapshot-1.jsonl']);

    // Switched: new records go to the new generation's tail, read after its snapshot.
    afterRename.write(recs.slice(2));
    afterRename.close();
    expect(new Journal(dir).read()).toEqual(recs);
    expect(readdirSync(dir).sort()).toEqual(['journal-1.jsonl', 'snapshot-1.jsonl']);
  });
});
