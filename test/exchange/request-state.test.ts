// workflows/request-state.ts, outside any workflow: the request's state, SLA clocks and counters, with
// time as an argument.
import { describe, expect, it } from 'vitest';
import { RequestState } from '../../workflows/request-state';
import { decide } from '../../domain/state-machine';
import { ann, bob, carol, exchangeInput, HOUR, MINUTE } from './fixtures';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const noBacklog = { pending: { consumer: 0, provider: 0 }, oldestPendingAt: { consumer: null, provider: null } };
const sla = { responseTime: '4h', resolutionTime: '3d', acceptanceWindow: '2d' };
const withSla = (kind: 'help_request' | 'service_affecting_issue' = 'help_request', targets: Record<string, string> = sla, restartAcceptanceWhileResolved = false) =>
  new RequestState(exchangeInput({ catalogItem: { id: 'i', name: 'IT help', kind, sla: targets } }), { withSla: true, restartAcceptanceWhileResolved });

/** Decides and applies an action as the workflow does; returns the state it left. */
const act = (r: RequestState, action: Parameters<typeof decide>[1], now: number, actor = bob) => {
  const t = decide(r.exchange, action, action.type === 'receive' || action.type === 'auto_close' ? undefined : actor);
  return r.apply(t, action.type, now);
};

describe('RequestState', () => {
  it('starts new and unassigned; priority 2 for a service-affecting issue, 3 otherwise; no clocks before it is received', () => {
    const r = withSla('help_request');
    expect(r.snapshot(noBacklog)).toEqual({
      number: expect.stringMatching(/^PTSK\d{7}$/),
      providerNumber: null,
      consumerState: 'new',
      providerState: 'new',
      assignedTo: null,
      resolution: null,
      ...noBacklog,
      sla: { clocks: {}, escalationLevel: 0, priority: 3 },
    });
    expect(withSla('service_affecting_issue').sla.priority).toBe(2);
    expect(r.nextSlaDeadline(T0)).toBeUndefined();
  });

  it('applies transitions: returns the state it left, keeps the assignee and resolution, moves the clocks at `now`', () => {
    const r = withSla();
    expect(act(r, { type: 'receive' }, T0)).toBe('new');
    expect(r.slaVersion).toBe(1);
    expect(r.sla.clocks.response).toMatchObject({ targetMs: 4 * HOUR, runningSince: T0, metAt: null });
    expect(r.nextSlaDeadline(T0)).toBe(T0 + 4 * HOUR);

    expect(act(r, { type: 'assign' }, T0 + HOUR)).toBe('received');
    expect(r.exchange).toMatchObject({ state: 'work_in_progress', assignedTo: { userId: 'u-bob', name: 'Bob' } });
    expect(r.sla.clocks.response!.metAt).toBe(T0 + HOUR);
    // A comment changes neither the assignee nor the resolution.
    act(r, { type: 'comment', body: 'hi' }, T0 + 2 * HOUR, carol);
    expect(r.exchange.assignedTo?.name).toBe('Bob');

    act(r, { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'done' }, T0 + 3 * HOUR);
    expect(r.resolution).toEqual({ code: 'solved', notes: 'done' });
    expect(r.sla.clocks.acceptance).toMatchObject({ runningSince: T0 + 3 * HOUR });
    expect(act(r, { type: 'reject', reason: 'still flickers' }, T0 + 4 * HOUR, ann)).toBe('resolved');
    expect(r.resolution).toBeNull();
    expect(r.snapshot(noBacklog)).toMatchObject({ consumerState: 'work_in_progress', providerState: 'work_in_progress', assignedTo: { name: 'Bob' } });
    expect(r.slaVersion).toBe(5);
  });

  it('hands out the SLA events due at `now` once, escalating level and priority', () => {
    const r = withSla();
    act(r, { type: 'receive' }, T0);
    expect(r.takeDueSlaEvents(T0 + 4 * HOUR - 1)).toEqual([]);
    const events = r.takeDueSlaEvents(T0 + 4 * HOUR + MINUTE);
    expect(events).toEqual([{ type: 'breach', sla: 'response', level: 1, priority: 2, overdueByMs: MINUTE }]);
    expect(r.sla).toMatchObject({ escalationLevel: 1, priority: 2 });
    expect(r.takeDueSlaEvents(T0 + 4 * HOUR + 2 * MINUTE)).toEqual([]);
    expect(r.nextSlaDeadline(T0 + 5 * HOUR)).toBe(T0 + 8 * HOUR);
  });

  it('keeps the acceptance window on a comment while resolved, unless the request replays the old defect', () => {
    for (const [restart, expected] of [
      [false, T0],
      [true, T0 + HOUR],
    ] as const) {
      const r = withSla('help_request', sla, restart);
      act(r, { type: 'receive' }, T0 - 2 * HOUR);
      act(r, { type: 'assign' }, T0 - HOUR);
      act(r, { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'done' }, T0);
      act(r, { type: 'comment', body: 'thanks' }, T0 + HOUR, ann);
      expect(r.sla.clocks.acceptance!.runningSince).toBe(expected);
    }
  });

  it('runs without SLAs for old requests and for unreadable targets (and says why)', () => {
    const old = new RequestState(exchangeInput({ catalogItem: { id: 'i', name: 'IT help', kind: 'help_request', sla } }), { withSla: false, restartAcceptanceWhileResolved: false });
    act(old, { type: 'receive' }, T0);
    expect(old.slaVersion).toBe(0);
    expect(old.snapshot(noBacklog).sla).toBeNull();

    const reasons: string[] = [];
    const broken = new RequestState(exchangeInput({ catalogItem: { id: 'i', name: 'IT help', kind: 'help_request', sla: { responseTime: 'soon' } } }), {
      withSla: true,
      restartAcceptanceWhileResolved: false,
      onInvalidSla: (reason) => reasons.push(reason),
    });
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/responseTime/);
    act(broken, { type: 'receive' }, T0);
    expect(broken.sla.clocks).toEqual({});
    expect(broken.nextSlaDeadline(T0)).toBeUndefined();
  });

  it('numbers changes and comments independently, from 1', () => {
    const r = withSla();
    expect([r.nextChange(), r.nextChange(), r.nextComment(), r.nextChange(), r.nextComment()]).toEqual([1, 2, 1, 3, 2]);
  });

  it('shows the provider’s number, the cancelled state on both sides and the backlog it is given', () => {
    const r = withSla();
    act(r, { type: 'cancel' }, T0, ann);
    r.providerNumber = 'CS0001001';
    const backlog = { pending: { consumer: 0, provider: 2 }, oldestPendingAt: { consumer: null, provider: '2026-03-02T09:00:00.000Z' } };
    expect(r.isOpen()).toBe(false);
    expect(r.snapshot(backlog)).toMatchObject({ providerNumber: 'CS0001001', consumerState: 'cancelled', providerState: 'cancelled', ...backlog });
  });
});
