// workflows/replication.ts (with side-changes.ts): a decided change becomes the writes of each side:
// public comments on both sides under one key, internal work notes only at the side that wrote them,
// the provider's number on the consumer's Provider Task, even when the request was cancelled before
// the provider had it (late writes).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TemporalTestEnv } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { actions } from '../../workflows/definitions';
import { LATE_WRITES_PATCH } from '../../workflows/exchange';
import { ann, bob, createExchangeTestEnv, parentNumberOf, runExchange, StubActivities, type StubCall } from './stub-exchange';

const { EventType, ResetReapplyType } = temporal.api.enums.v1;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createExchangeTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

/** The patch ids a run recorded markers for. */
async function recordedPatches(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [JSON.parse(Buffer.from(data).toString('utf8')).id as string] : [];
  });
}

describe('replication', () => {
  it('writes public comments to both sides under one key and internal work notes only to the side that wrote them', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle, workflowId }) => {
      await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      await handle.executeUpdate(actions.work_note.update, { args: [{ actor: bob, body: 'Probably the GPU driver' }] });
      await handle.executeUpdate(actions.comment.update, { args: [{ actor: ann, body: 'It started after the update' }] });
      await handle.executeUpdate(actions.cancel.update, { args: [{ actor: ann }] });
      await handle.result();

      const comments = (side: 'consumer' | 'provider') => stub.written(side).flatMap((c) => c.comments.map((m) => ({ change: c.seq, ...m })));
      expect(comments('provider')).toEqual([
        expect.objectContaining({ change: 3, seq: 1, id: `${workflowId}/c/1`, visibility: 'internal', body: 'Probably the GPU driver', authorName: 'Bob (Globex)', originInstance: 'globex' }),
        expect.objectContaining({ change: 4, seq: 2, id: `${workflowId}/c/2`, visibility: 'public', body: 'It started after the update', authorName: 'Ann (Acme Corp)', originInstance: 'acme' }),
      ]);
      expect(comments('consumer')).toEqual([expect.objectContaining({ change: 4, seq: 2, id: `${workflowId}/c/2`, visibility: 'public', body: 'It started after the update' })]);
      // The work note's change still carries the clocks to the consumer, without an audit entry there.
      const noteAtConsumer = stub.written('consumer').find((c) => c.seq === 3)!;
      expect(noteAtConsumer).toMatchObject({ state: 'work_in_progress', comments: [] });
      expect(noteAtConsumer.audit).toBeUndefined();
      expect(stub.written('provider').find((c) => c.seq === 3)!.audit).toMatchObject({ id: `${workflowId}/a/3/provider`, action: 'work_note', actorName: 'Bob (Globex)' });
    });
  });

  it('writes an action delivered in the first workflow task (a reset to it reapplies the actions) after each side’s record', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle, workflowId, input }) => {
      await eventually(async () => stub.written('provider'), (w) => w.length >= 1, { what: 'the receive change at globex' });
      await handle.executeUpdate(actions.comment.update, { args: [{ actor: ann, body: 'Any news?' }] });
      const [history, { runId }] = await Promise.all([handle.fetchHistory(), handle.describe()]);
      const firstTask = history.events!.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)!.eventId!;
      const before = stub.calls.length;
      await t.client.workflowService.resetWorkflowExecution({
        namespace: t.namespace,
        workflowExecution: { workflowId, runId },
        workflowTaskFinishEventId: firstTask,
        reason: 'replay from the start',
        requestId: randomUUID(),
        resetReapplyType: ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE,
      });
      const atProvider = (calls: StubCall[]) => calls.filter((c) => !c.failed && (c.activity === 'createParentTask' || (c.activity === 'applyTaskChange' && c.arg.side === 'provider')));
      const again = await eventually(
        async () => atProvider(stub.calls.slice(before)),
        (calls) => calls.some((c) => c.activity === 'applyTaskChange' && c.arg.comments.length > 0),
        { what: 'the comment written again at globex' },
      );
      // The reset run's comment reaches the provider after its parent task, under that task's number.
      expect(again[0].activity).toBe('createParentTask');
      const comment = again.find((c) => c.activity === 'applyTaskChange' && c.arg.comments.length > 0)!;
      expect(comment.arg).toMatchObject({ number: parentNumberOf(input.number), comments: [expect.objectContaining({ id: `${workflowId}/c/1`, body: 'Any news?' })] });
    });
  });

  it('gives the consumer the provider’s number with the receive change, and the task numbers of each side', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle, input, snapshot }) => {
      const received = await eventually(async () => stub.written('consumer'), (w) => w.length >= 1, { what: 'the receive change at acme' });
      expect(received[0]).toMatchObject({ instance: 'acme', number: input.number, seq: 1, state: 'received', providerNumber: parentNumberOf(input.number) });
      expect(received[0].audit).toMatchObject({ action: 'receive', fromState: 'new', toState: 'received', actorName: 'Service Exchange', actorInstance: 'globex' });
      const atProvider = await eventually(async () => stub.written('provider'), (w) => w.length >= 1, { what: 'the receive change at globex' });
      expect(atProvider[0]).toMatchObject({ instance: 'globex', number: parentNumberOf(input.number), seq: 1, state: 'received' });
      expect(atProvider[0].providerNumber).toBeUndefined();
      expect(await snapshot()).toMatchObject({ providerNumber: parentNumberOf(input.number), consumerState: 'received', providerState: 'new' });
      const attrs = (await handle.describe()).searchAttributes;
      expect(attrs.ParentTaskNumber).toEqual([parentNumberOf(input.number)]);
      expect(attrs.ExchangeState).toEqual(['received']);
    });
  });

  it('links the provider’s number on a request cancelled before the provider had it (late writes), then ends', async () => {
    const stub = new StubActivities();
    stub.down.add('globex');
    await runExchange(t, stub, {}, async ({ handle, input, snapshot }) => {
      const cancelled = await handle.executeUpdate(actions.cancel.update, { args: [{ actor: ann, reason: 'Fixed itself' }] });
      expect(cancelled).toMatchObject({ consumerState: 'cancelled', providerNumber: null, pending: { consumer: 1, provider: 2 } });
      expect(stub.written('consumer')).toEqual([expect.objectContaining({ seq: 1, state: 'cancelled' })]);
      expect(stub.written('consumer')[0].providerNumber).toBeUndefined();
      expect((await snapshot()).pending).toEqual({ consumer: 0, provider: 2 });

      stub.down.delete('globex');
      // Awaiting the result lets time skip over the parent task's retries.
      const result = await handle.result();
      expect(result).toMatchObject({ consumerState: 'cancelled', providerState: 'cancelled', providerNumber: parentNumberOf(input.number), pending: { consumer: 0, provider: 0 } });
      expect(stub.written('provider').map((c) => [c.seq, c.number, c.state])).toEqual([
        [1, parentNumberOf(input.number), 'cancelled'],
        [2, parentNumberOf(input.number), 'cancelled'],
      ]);
      const linked = stub.written('consumer')[1];
      expect(linked).toMatchObject({ seq: 2, state: 'cancelled', providerNumber: parentNumberOf(input.number), comments: [] });
      // Nothing the people see changed: no audit entry, only the number (and the clocks).
      expect(linked.audit).toBeUndefined();
      expect(stub.written('consumer')).toHaveLength(2);
      // The consumer's queue had ended with the cancellation: the number went out as a late write.
      expect(await recordedPatches(handle)).toContain(LATE_WRITES_PATCH);
    });
  });
});
