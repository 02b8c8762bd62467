// The exchange workflow with files (records.ts, side-changes.ts, replication.ts): only metadata goes
// through it; the side that lacks a file's bytes copies them before its write shows the file, and the
// uploader's side then learns the other side has it; internal files stay at the side that attached
// them; files and comments share one conversation order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TemporalTestEnv } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { actions } from '../../workflows/definitions';
import type { AttachmentMeta } from '../../domain/attachments';
import { ann, bob, createExchangeTestEnv, runExchange, StubActivities } from './stub-exchange';

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createExchangeTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

let files = 0;
const file = (): AttachmentMeta => {
  const n = ++files;
  return { id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, fileName: `file-${n}.txt`, size: 100 + n, contentType: 'text/plain', sha256: n.toString(16).padStart(64, '0') };
};
/** The log of one instance's successful calls, after its task's creation and the receive and assign changes. */
const logOf = (stub: StubActivities, instance: string) => stub.log().filter((l) => l.split(' ')[1] === instance).slice(3);

describe('files in the exchange workflow', () => {
  it('copies each file to the side that lacks it before that side’s write shows it, then tells the uploader’s side', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle }) => {
      await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      const [a, b] = [file(), file()];
      await handle.executeUpdate(actions.attach.update, { args: [{ actor: ann, attachments: [a, b] }] });
      await eventually(async () => stub.log(), (l) => l.some((x) => x.startsWith('markAttachmentsReplicated')), { what: 'the uploader told' });

      expect(logOf(stub, 'globex')).toEqual([`copyAttachment globex ${a.id}`, `copyAttachment globex ${b.id}`, 'applyTaskChange globex 3']);
      expect(logOf(stub, 'acme')).toEqual(['applyTaskChange acme 3', `markAttachmentsReplicated acme ${a.id},${b.id}`]);
      // A copy names the file and the two sides: never its bytes.
      const copies = stub.calls.flatMap((c) => (c.activity === 'copyAttachment' ? [c.arg] : []));
      expect(copies).toEqual([
        { id: a.id, from: 'acme', to: 'globex', sha256: a.sha256, size: a.size },
        { id: b.id, from: 'acme', to: 'globex', sha256: b.sha256, size: b.size },
      ]);
      // Both sides write the same files, under the same ids, at the same places in the conversation.
      for (const side of ['consumer', 'provider'] as const) {
        const change = stub.written(side).find((c) => c.seq === 3)!;
        expect(change.attachments).toEqual([
          { ...a, seq: 1, visibility: 'public', originInstance: 'acme', authorName: 'Ann (Acme Corp)', createdAt: expect.any(String) },
          { ...b, seq: 2, visibility: 'public', originInstance: 'acme', authorName: 'Ann (Acme Corp)', createdAt: expect.any(String) },
        ]);
        expect(change.audit).toMatchObject({ action: 'attach', actorName: 'Ann (Acme Corp)' });
      }
      // Changes without files carry no attachments field at all: their writes are what they always were.
      expect(stub.written('provider').filter((c) => c.seq !== 3).every((c) => !('attachments' in c))).toBe(true);
    });
  });

  it('holds the other side’s write back while its copy fails, without holding up the uploader', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle, snapshot }) => {
      await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      stub.down.add('acme');
      const f = file();
      // Bob's answer needs only his side.
      await handle.executeUpdate(actions.attach.update, { args: [{ actor: bob, attachments: [f] }] });
      expect(logOf(stub, 'globex')).toEqual(['applyTaskChange globex 3']);
      await t.env.sleep(10_000);
      // Only the copy was tried at acme, again and again; never the write that would show the file.
      const attempts = stub.calls.filter((c) => (c.activity === 'copyAttachment' && c.arg.to === 'acme') || (c.activity === 'applyTaskChange' && c.arg.instance === 'acme' && c.arg.seq === 3));
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.every((c) => c.activity === 'copyAttachment' && c.failed)).toBe(true);
      expect((await snapshot()).pending).toEqual({ consumer: 1, provider: 0 });

      stub.down.delete('acme');
      await t.env.sleep(30_000);
      await eventually(async () => logOf(stub, 'acme'), (l) => l.length === 2, { what: 'acme to catch up' });
      expect(logOf(stub, 'acme')).toEqual([`copyAttachment acme ${f.id}`, 'applyTaskChange acme 3']);
      await eventually(async () => logOf(stub, 'globex'), (l) => l.length === 2, { what: 'globex to be told' });
      expect(logOf(stub, 'globex')).toEqual(['applyTaskChange globex 3', `markAttachmentsReplicated globex ${f.id}`]);
    });
  });

  it('keeps internal files at the acting side: no copy, no write, no mark elsewhere', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle }) => {
      await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      const [secret, shared] = [file(), file()];
      await handle.executeUpdate(actions.attach.update, { args: [{ actor: bob, attachments: [secret], visibility: 'internal' }] });
      await handle.executeUpdate(actions.attach.update, { args: [{ actor: bob, attachments: [shared] }] });
      await eventually(async () => stub.log(), (l) => l.some((x) => x.startsWith('markAttachmentsReplicated')), { what: 'the public file replicated' });

      const ids = (side: 'consumer' | 'provider') => stub.written(side).flatMap((c) => (c.attachments ?? []).map((a) => [a.id, a.visibility]));
      expect(ids('provider')).toEqual([
        [secret.id, 'internal'],
        [shared.id, 'public'],
      ]);
      expect(ids('consumer')).toEqual([[shared.id, 'public']]);
      expect(stub.calls.filter((c) => c.activity === 'copyAttachment').map((c) => c.activity === 'copyAttachment' && c.arg.id)).toEqual([shared.id]);
      const towardAcme = stub.calls.filter(
        (c) =>
          (c.activity === 'applyTaskChange' && c.arg.instance === 'acme') ||
          (c.activity === 'copyAttachment' && c.arg.to === 'acme') ||
          (c.activity === 'markAttachmentsReplicated' && c.arg.instance === 'acme'),
      );
      expect(JSON.stringify(towardAcme)).not.toContain(secret.id);
      // The internal file's change still carries the clocks to the consumer, with nothing people see.
      const atConsumer = stub.written('consumer').find((c) => c.seq === 3)!;
      expect(atConsumer).toMatchObject({ state: 'work_in_progress', comments: [] });
      expect(atConsumer.audit).toBeUndefined();
      expect(atConsumer).not.toHaveProperty('attachments');
    });
  });

  it('puts files and comments in one order, the same on both sides', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle }) => {
      await handle.executeUpdate(actions.comment.update, { args: [{ actor: ann, body: 'Here is the log' }] });
      const [a, b] = [file(), file()];
      await handle.executeUpdate(actions.attach.update, { args: [{ actor: bob, attachments: [a, b] }] });
      await handle.executeUpdate(actions.work_note.update, { args: [{ actor: bob, body: 'Looks like the driver' }] });
      await handle.executeUpdate(actions.comment.update, { args: [{ actor: ann, body: 'Any news?' }] });
      await eventually(async () => stub.written('consumer').length, (n) => n >= 5, { what: 'acme to have every change' });

      const conversation = (side: 'consumer' | 'provider') =>
        stub
          .written(side)
          .flatMap((c) => [...c.comments.map((m) => [m.seq, m.body]), ...(c.attachments ?? []).map((f) => [f.seq, f.fileName])])
          .sort((x, y) => (x[0] as number) - (y[0] as number));
      expect(conversation('provider')).toEqual([
        [1, 'Here is the log'],
        [2, a.fileName],
        [3, b.fileName],
        [4, 'Looks like the driver'],
        [5, 'Any news?'],
      ]);
      expect(conversation('consumer')).toEqual(conversation('provider').filter(([seq]) => seq !== 4));
    });
  });

  it('refuses an internal file from the consumer, and an empty list, before anything is written', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle }) => {
      const refusal = async (update: Promise<unknown>) => {
        const err = await update.then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
        return (err as WorkflowUpdateFailedError).cause as { type?: string };
      };
      await eventually(async () => stub.written('consumer').length + stub.written('provider').length, (n) => n === 2, { what: 'the receive change on both sides' });
      const before = stub.calls.length;
      expect(await refusal(handle.executeUpdate(actions.attach.update, { args: [{ actor: ann, attachments: [file()], visibility: 'internal' }] }))).toMatchObject({ type: 'forbidden' });
      expect(await refusal(handle.executeUpdate(actions.attach.update, { args: [{ actor: ann, attachments: [] }] }))).toMatchObject({ type: 'validation_failed' });
      expect(stub.calls.slice(before)).toEqual([]);
      // Refused in the validator: nothing of them is in history.
      const updates = (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'attach');
      expect(updates).toEqual([]);
    });
  });
});
