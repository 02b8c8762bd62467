// workflows/sla-timers.ts and workflows/sla-events.ts: durable timers moved by the dev server's
// time-skipping clock, never the wall clock. A stalled request breaches its response SLA once per
// interval (escalation on both sides, a system comment, one webhook per instance, priority raised);
// a resolved request gets a reminder, then closes at the end of the acceptance window; an assignment
// before the deadline cancels the breach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyEventTypes, type TemporalTestEnv } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { actions } from '../../workflows/definitions';
import { bob, createExchangeTestEnv, DAY, exchangeInput, HOUR, MINUTE, parentNumberOf, runExchange, StubActivities } from './stub-exchange';

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createExchangeTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const iso = (ms: number) => new Date(ms).toISOString();
const helpRequest = (sla: { responseTime?: string; resolutionTime?: string; acceptanceWindow?: string }) =>
  exchangeInput({ catalogItem: { id: 'item-help', name: 'IT help', kind: 'help_request', sla } });

describe('SLA timers', () => {
  it('escalate a request nobody took within its response time: both sides, a system comment, one webhook per instance, priority raised', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, { input: helpRequest({ responseTime: '4h' }) }, async ({ handle, workflowId, input, snapshot }) => {
      const received = await eventually(snapshot, (s) => s.consumerState === 'received' && s.pending.provider === 0 && s.pending.consumer === 0, { what: 'received' });
      expect(received.sla).toMatchObject({ priority: 3, escalationLevel: 0 });
      const receivedAt = received.sla!.clocks.response!.runningSince!;

      await t.env.sleep(4 * HOUR - 10 * MINUTE);
      expect(stub.webhooks()).toEqual([]);
      expect((await snapshot()).sla).toMatchObject({ escalationLevel: 0, priority: 3 });

      await t.env.sleep(20 * MINUTE);
      await eventually(async () => stub.webhooks(), (w) => w.length === 2, { what: 'the escalation webhooks' });
      const breachedAt = iso(receivedAt + 4 * HOUR);
      const escalation = { id: `${workflowId}/e/1`, sla: 'response', level: 1, priority: 2, breachedAt };
      const body = 'SLA breached: response time of 4 h exceeded. Escalation level 1, priority 2 (high).';
      for (const side of ['consumer', 'provider'] as const) {
        const escalated = stub.written(side).filter((c) => c.escalation);
        expect(escalated).toHaveLength(1);
        expect(escalated[0]).toMatchObject({ seq: 2, state: 'received', escalation, sla: { escalationLevel: 1, priority: 2 } });
        expect(escalated[0].comments).toEqual([
          { id: `${workflowId}/c/1`, seq: 1, visibility: 'public', originInstance: 'system', authorName: 'Service Exchange', body, createdAt: expect.any(String) },
        ]);
        expect(escalated[0].audit).toMatchObject({ action: 'escalate', actorName: 'Service Exchange', actorInstance: 'system' });
      }
      const request = { consumer: 'acme', provider: 'globex', number: input.number, providerNumber: parentNumberOf(input.number) };
      expect([...stub.webhooks()].sort((a, b) => a.instance.localeCompare(b.instance))).toEqual(
        ['acme', 'globex'].map((instance) => ({
          instance,
          deliveryId: `${workflowId}/e/1/${instance}`,
          event: { type: 'sla.breached', request, sla: 'response', level: 1, priority: 2, breachedAt },
        })),
      );
      const after = await snapshot();
      expect(after.sla).toMatchObject({ escalationLevel: 1, priority: 2 });
      expect(after.sla!.clocks.response!.breachedAt).toBe(receivedAt + 4 * HOUR);
      const attrs = (await handle.describe()).searchAttributes;
      expect(attrs).toMatchObject({ EscalationLevel: [1], SlaBreached: [true], ExchangeState: ['received'] });
      expect(attrs.NextSlaDeadline).toEqual([new Date(receivedAt + 8 * HOUR)]);

      // Once per interval: nothing more until the next one.
      await t.env.sleep(2 * HOUR);
      expect(stub.webhooks()).toHaveLength(2);
      expect(stub.written('consumer').filter((c) => c.escalation)).toHaveLength(1);
    });
  });

  it('remind at half the acceptance window, then close the request as accepted at its end', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, { input: helpRequest({ acceptanceWindow: '2d' }) }, async ({ handle, workflowId }) => {
      await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      const proposed = await handle.executeUpdate(actions.propose_solution.update, {
        args: [{ actor: bob, resolutionCode: 'workaround', resolutionNotes: 'Use the external screen' }],
      });
      const resolvedAt = proposed.sla!.clocks.acceptance!.runningSince!;

      // Awaiting the result lets time skip to each timer.
      const result = await handle.result();
      expect(result).toMatchObject({ consumerState: 'closed', providerState: 'closed', resolution: { code: 'workaround', notes: 'Use the external screen' } });
      expect(result.sla!.clocks.acceptance).toMatchObject({ escalations: 1, metAt: expect.any(Number) });

      for (const side of ['consumer', 'provider'] as const) {
        const writes = stub.written(side);
        expect(writes.map((c) => [c.seq, c.state, c.audit?.action])).toEqual([
          [1, 'received', side === 'consumer' ? 'receive' : undefined],
          [2, 'work_in_progress', 'assign'],
          [3, 'resolved', 'propose_solution'],
          [4, 'resolved', 'remind'],
          [5, 'closed', 'auto_close'],
        ]);
        const [reminder] = writes[3].comments;
        const remindedAt = Date.parse(reminder.createdAt);
        expect(remindedAt).toBeGreaterThanOrEqual(resolvedAt + DAY);
        expect(remindedAt).toBeLessThan(resolvedAt + DAY + MINUTE);
        expect(reminder).toMatchObject({
          id: `${workflowId}/c/1`,
          authorName: 'Service Exchange',
          body: `Reminder: please accept or reject the proposed solution. Without an answer the request closes as accepted at ${iso(remindedAt + DAY)}.`,
        });
        const [closing] = writes[4].comments;
        expect(closing).toMatchObject({
          id: `${workflowId}/c/2`,
          authorName: 'Service Exchange',
          body: 'Closed automatically: the proposed solution was not accepted or rejected within the acceptance window.',
        });
        expect(Date.parse(closing.createdAt)).toBeGreaterThanOrEqual(resolvedAt + 2 * DAY);
        expect(Date.parse(closing.createdAt)).toBeLessThan(resolvedAt + 2 * DAY + MINUTE);
      }
      expect(stub.webhooks()).toEqual([]);
    });
  });

  it('cancel the breach when the request is assigned before the deadline', async () => {
    const stub = new StubActivities();
    await runExchange(t, stub, { input: helpRequest({ responseTime: '4h' }) }, async ({ handle, snapshot }) => {
      const received = await eventually(snapshot, (s) => s.consumerState === 'received', { what: 'received' });
      const receivedAt = received.sla!.clocks.response!.runningSince!;
      await t.env.sleep(3 * HOUR);
      const assigned = await handle.executeUpdate(actions.assign.update, { args: [{ actor: bob }] });
      const metAt = assigned.sla!.clocks.response!.metAt!;
      expect(metAt).toBeGreaterThanOrEqual(receivedAt + 3 * HOUR);
      expect(metAt).toBeLessThan(receivedAt + 4 * HOUR);

      await t.env.sleep(6 * HOUR);
      expect(stub.webhooks()).toEqual([]);
      expect(stub.calls.some((c) => c.activity === 'applyTaskChange' && c.arg.escalation)).toBe(false);
      const after = await snapshot();
      expect(after.sla).toMatchObject({ escalationLevel: 0, priority: 3 });
      expect(after.sla!.clocks.response).toMatchObject({ metAt, breachedAt: null, escalations: 0 });
      const types = await historyEventTypes(handle);
      expect(types).toContain('EVENT_TYPE_TIMER_CANCELED');
      expect(types).not.toContain('EVENT_TYPE_TIMER_FIRED');
      expect((await handle.describe()).searchAttributes).toMatchObject({ EscalationLevel: [0], SlaBreached: [false], AssignedTo: ['Bob'] });
    });
  });
});
