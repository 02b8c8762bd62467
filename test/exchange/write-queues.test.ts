// workflows/write-queues.ts: each side sees every change exactly once and in order, creation first;
// a side that is down holds up only its own queue and catches up in order when it returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalTestEnv } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { actions } from '../../workflows/definitions';
import { ann, bob, createExchangeTestEnv, runExchange, StubActivities } from './stub-exchange';

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createExchangeTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const seqs = (stub: StubActivities, side: 'consumer' | 'provider') => stub.written(side).map((c) => c.seq);

describe('write queues', () => {
  it('keep writing one side while the other fails; the failing side catches up in order, each change once', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, {}, async ({ handle, snapshot }) => {
      // The receive change (1) is on both sides before acme goes down.
      await eventually(async () => seqs(stub, 'consumer'), (s) => s.includes(1), { what: 'the receive change at acme' });
      stub.down.add('acme');

      // The provider's actions are answered once the provider's side is written: acme being down does not hold them up.
      const assigned = await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      expect(assigned).toMatchObject({ consumerState: 'work_in_progress', assignedTo: { userId: 'u-bob', name: 'Bob' } });
      await handle.executeUpdate(actions.comment.update, { args: [{ actor: bob, body: 'Please try safe mode' }] });
      await handle.executeUpdate(actions.work_note.update, { args: [{ actor: bob, body: 'Probably the GPU driver' }] });
      const proposed = await handle.executeUpdate(actions.propose_solution.update, {
        args: [{ actor: bob, resolutionCode: 'solved', resolutionNotes: 'Rolled back the driver' }],
      });
      expect(proposed.consumerState).toBe('resolved');
      expect(seqs(stub, 'provider')).toEqual([1, 2, 3, 4, 5]);

      // Skip the retries' backoff: change 2 keeps failing at acme, and nothing after it is tried there.
      await t.env.sleep(30_000);
      const acmeAttempts = () => stub.calls.filter((c) => c.activity === 'applyTaskChange' && c.arg.instance === 'acme' && c.arg.seq > 1);
      expect(acmeAttempts().length).toBeGreaterThanOrEqual(3);
      expect(acmeAttempts().every((c) => c.failed && c.activity === 'applyTaskChange' && c.arg.seq === 2)).toBe(true);
      expect(seqs(stub, 'consumer')).toEqual([1]);
      const behind = await snapshot();
      expect(behind.pending).toEqual({ consumer: 4, provider: 0 });
      expect(behind.oldestPendingAt.consumer).not.toBeNull();
      expect(behind.oldestPendingAt.provider).toBeNull();

      stub.down.delete('acme');
      await t.env.sleep(60_000);
      await eventually(async () => seqs(stub, 'consumer'), (s) => s.length === 5, { what: 'acme to catch up' });
      expect(seqs(stub, 'consumer')).toEqual([1, 2, 3, 4, 5]);
      expect(stub.written('consumer').map((c) => c.state)).toEqual(['received', 'work_in_progress', 'work_in_progress', 'work_in_progress', 'resolved']);
      // Every failed attempt was of change 2, each later change was tried once, after change 2 landed.
      const attempts = acmeAttempts();
      const firstSuccess = attempts.findIndex((c) => !c.failed);
      expect(attempts.slice(0, firstSuccess).every((c) => c.activity === 'applyTaskChange' && c.arg.seq === 2)).toBe(true);
      expect(attempts.slice(firstSuccess).map((c) => !c.failed && c.activity === 'applyTaskChange' && c.arg.seq)).toEqual([2, 3, 4, 5]);
      expect((await snapshot()).pending).toEqual({ consumer: 0, provider: 0 });

      // The consumer's answer is written once acme has it.
      const closed = await handle.executeUpdate(actions.accept.update, { args: [{ actor: ann }] });
      expect(closed.consumerState).toBe('closed');
      expect(await handle.result()).toMatchObject({ consumerState: 'closed', providerState: 'closed', pending: { consumer: 0, provider: 0 } });
      expect(seqs(stub, 'consumer')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(seqs(stub, 'provider')).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  it('write each side’s record first: no change reaches a side before its creation succeeded', async () => {
    const stub = new StubActivities();
    stub.down.add('globex');
    await runExchange(t, stub, {}, async ({ handle, snapshot }) => {
      // The consumer's Provider Task exists (the created update answered) while globex is down.
      expect(stub.log()).toEqual(['createProviderTask acme']);
      expect((await snapshot()).consumerState).toBe('new');
      await t.env.sleep(10_000);
      expect(stub.calls.filter((c) => c.activity === 'createParentTask').every((c) => c.failed)).toBe(true);
      expect(stub.calls.some((c) => c.activity === 'applyTaskChange')).toBe(false);

      stub.down.delete('globex');
      await t.env.sleep(30_000);
      await eventually(async () => stub.log(), (l) => l.length === 4, { what: 'the receive change on both sides' });
      expect(stub.log().slice(0, 2)).toEqual(['createProviderTask acme', 'createParentTask globex']);
      // Both sides' writes of change 1 are scheduled together, once the parent task exists.
      expect(stub.log().slice(2).sort()).toEqual(['applyTaskChange acme 1', 'applyTaskChange globex 1']);
      expect((await snapshot()).consumerState).toBe('received');
      await handle.executeUpdate(actions.cancel.update, { args: [{ actor: ann }] });
      await handle.result();
    });
  });
});
