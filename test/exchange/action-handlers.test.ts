// workflows/action-handlers.ts (and `act` in exchange.ts): every action is an update that answers with
// the request as that action left it, once the acting side has it written; a refused update fails
// with the state machine's code and leaves nothing behind; a refused signal changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TemporalTestEnv } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { actions } from '../../workflows/definitions';
import { ann, bob, carol, createExchangeTestEnv, runExchange, StubActivities } from './stub-exchange';

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createExchangeTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

/** What an update rejects with: its ApplicationFailure cause. */
async function refusal(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('action handlers', () => {
  it('answer an update with the request as that action left it, once the acting side has it, whatever was decided meanwhile', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle, snapshot }) => {
      await eventually(snapshot, (s) => s.consumerState === 'received' && s.pending.provider === 0, { what: 'the receive change at globex' });
      stub.down.add('globex');
      const assigning = handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      // Decided at once (the query sees it) although globex has not written it.
      await eventually(snapshot, (s) => s.assignedTo?.name === 'Bob', { what: 'the assignment to be decided' });
      // A second action is decided while the first waits for its write.
      await handle.signal(actions.request_info.signal, { actor: bob, question: 'Which driver version?' });
      await eventually(snapshot, (s) => s.consumerState === 'awaiting_info', { what: 'the information request to be decided' });

      stub.down.delete('globex');
      await t.env.sleep(60_000);
      const answer = await assigning;
      expect(answer).toMatchObject({ consumerState: 'work_in_progress', providerState: 'work_in_progress', assignedTo: { userId: 'u-bob', name: 'Bob' } });
      // When it was decided, the assignment itself waited at globex (behind nothing else there).
      expect(answer.pending.provider).toBe(1);
      expect(await snapshot()).toMatchObject({ consumerState: 'awaiting_info', assignedTo: { name: 'Bob' } });
      await eventually(async () => stub.written('provider').map((c) => c.state), (s) => s.length === 3, { what: 'globex to catch up' });
      expect(stub.written('provider').map((c) => c.state)).toEqual(['received', 'work_in_progress', 'awaiting_info']);
    });
  });

  it('refuse an update with the state machine’s code and leave no write; a refused signal changes nothing', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle, snapshot }) => {
      await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      const writes = () => stub.calls.filter((c) => c.activity === 'applyTaskChange').length;
      const before = writes();

      const conflict = await refusal(handle.executeUpdate(actions.assign.update, { args: [{ actor: carol }] }));
      expect(conflict.type).toBe('conflict');
      expect(conflict.message).toBe('The request is already assigned to Bob');
      expect(conflict.details).toEqual([{ assignedTo: 'Bob', state: 'work_in_progress' }]);

      const forbidden = await refusal(handle.executeUpdate(actions.work_note.update, { args: [{ actor: ann, body: 'psst' }] }));
      expect(forbidden.type).toBe('forbidden');

      const invalid = await refusal(handle.executeUpdate(actions.accept.update, { args: [{ actor: ann }] }));
      expect(invalid.type).toBe('invalid_transition');
      expect(invalid.details).toEqual([expect.objectContaining({ state: 'work_in_progress', allowedActions: expect.arrayContaining(['comment', 'cancel']) })]);

      await handle.signal(actions.accept.signal, { actor: ann });
      // The next accepted action is change 3: nothing was decided in between.
      const commented = await handle.executeUpdate(actions.comment.update, { args: [{ actor: ann, body: 'Any news?' }] });
      expect(commented).toMatchObject({ consumerState: 'work_in_progress', assignedTo: { name: 'Bob' } });
      expect(writes()).toBe(before + 2);
      expect(stub.written('consumer').map((c) => c.seq)).toEqual([1, 2, 3]);
      expect((await snapshot()).consumerState).toBe('work_in_progress');
      // Refused updates leave no trace in history: only the two accepted ones are there.
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest?.input?.name)).toEqual([
        'created',
        'assign',
        'comment',
      ]);
    });
  });
});
