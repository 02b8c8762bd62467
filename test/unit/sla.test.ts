import { describe, it, expect } from 'vitest';
import { DomainError } from '../../domain/errors';
import type { ConsumerState } from '../../domain/model';
import {
  initialSlaState,
  nextSlaDeadline,
  slaDue,
  slaOnTransition,
  slaReport,
  slaTargetsMs,
  type SlaEvent,
  type SlaName,
  type SlaReport,
  type SlaState,
  type SlaTargetsMs,
} from '../../domain/sla';

// ---------------------------------------------------------------------------------------------
// Fixtures: small epoch values, targets in minutes.
// ---------------------------------------------------------------------------------------------

const MIN = 60_000;
const t0 = 1_000_000;
/** Epoch ms `m` minutes after t0. */
const at = (m: number) => t0 + m * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

const TARGETS: SlaTargetsMs = { response: 10 * MIN, resolution: 60 * MIN, acceptance: 20 * MIN };

/** A request received at t0 with `targets` and `priority`. */
const received = (targets: SlaTargetsMs = TARGETS, priority = 3): SlaState =>
  slaOnTransition(initialSlaState(priority), targets, 'new', 'received', t0);

/** Applies one transition at minute `m`. */
const move = (s: SlaState, from: ConsumerState, to: ConsumerState, m: number, targets: SlaTargetsMs = TARGETS, assigned = false): SlaState =>
  slaOnTransition(s, targets, from, to, at(m), assigned ? { assigned: true } : {});

/** The first assignment at minute `m` (received -> work_in_progress). */
const assign = (s: SlaState, m: number, targets: SlaTargetsMs = TARGETS) => move(s, 'received', 'work_in_progress', m, targets, true);

const breach = (sla: 'response' | 'resolution', level: number, priority: number, overdueByMs: number): SlaEvent => ({
  type: 'breach',
  sla,
  level,
  priority,
  overdueByMs,
});

/** Calls slaDue at each minute in turn, threading the state; returns every event and the final state. */
function dueAt(s: SlaState, minutes: number[]): { state: SlaState; events: SlaEvent[] } {
  const events: SlaEvent[] = [];
  for (const m of minutes) {
    const r = slaDue(s, at(m));
    s = r.state;
    events.push(...r.events);
  }
  return { state: s, events };
}

const reportOf = (s: SlaState, name: SlaName, now: number): SlaReport | undefined => slaReport(s, now).find((r) => r.name === name);

/** The DomainError `fn` throws; fails the test if it throws nothing or something else. */
function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

// ---------------------------------------------------------------------------------------------
// slaTargetsMs
// ---------------------------------------------------------------------------------------------

describe('slaTargetsMs', () => {
  it('parses short and ISO-8601 durations into milliseconds', () => {
    expect(slaTargetsMs({ responseTime: '30m', resolutionTime: 'PT4H', acceptanceWindow: '3d' })).toEqual({
      response: 30 * MIN,
      resolution: 240 * MIN,
      acceptance: 3 * 24 * 60 * MIN,
    });
    expect(slaTargetsMs({ responseTime: '90s', resolutionTime: 'P1DT2H30M', acceptanceWindow: '2w' })).toEqual({
      response: 90_000,
      resolution: (24 * 60 + 150) * MIN,
      acceptance: 14 * 24 * 60 * MIN,
    });
  });

  it('leaves a target that is absent or empty undefined', () => {
    expect(slaTargetsMs({})).toEqual({ response: undefined, resolution: undefined, acceptance: undefined });
    expect(slaTargetsMs({ responseTime: '', resolutionTime: '1h' })).toEqual({ response: undefined, resolution: 60 * MIN, acceptance: undefined });
  });

  it.each([
    ['responseTime', 'soon', 'sla.responseTime'],
    ['resolutionTime', '0m', 'sla.resolutionTime'],
    ['resolutionTime', '1.5h', 'sla.resolutionTime'],
    ['acceptanceWindow', 'PT', 'sla.acceptanceWindow'],
    ['acceptanceWindow', '-3d', 'sla.acceptanceWindow'],
  ] as const)('refuses %s = %j with a validation error naming %s', (key, value, field) => {
    const err = refusal(() => slaTargetsMs({ responseTime: '30m', resolutionTime: '4h', acceptanceWindow: '3d', [key]: value }));
    expect(err.code).toBe('validation_failed');
    expect(err.details).toEqual({ field });
    expect(err.message).toContain(field);
  });
});

// ---------------------------------------------------------------------------------------------
// Starting the clocks
// ---------------------------------------------------------------------------------------------

describe('starting the clocks', () => {
  it('starts response and resolution at receipt, not acceptance', () => {
    const s = received();
    expect(slaReport(s, t0).map((r) => r.name)).toEqual(['response', 'resolution']);
    expect(s.escalationLevel).toBe(0);
    expect(s.priority).toBe(3);
  });

  it('starts only the clocks that have a target', () => {
    const s = received({ resolution: 60 * MIN });
    expect(slaReport(s, t0).map((r) => r.name)).toEqual(['resolution']);
    expect(nextSlaDeadline(s, t0)).toBe(at(60));
  });

  it('has no deadline and no events without targets', () => {
    const s = received({});
    expect(nextSlaDeadline(s, t0)).toBeUndefined();
    expect(slaDue(s, at(10_000)).events).toEqual([]);
    expect(slaReport(s, at(10_000))).toEqual([]);
  });

  it('gives the earliest deadline of the running clocks, whatever `now` is', () => {
    const s = received();
    expect(nextSlaDeadline(s, t0)).toBe(at(10));
    expect(nextSlaDeadline(s, at(7))).toBe(at(10));
  });
});

// ---------------------------------------------------------------------------------------------
// Response clock and escalation
// ---------------------------------------------------------------------------------------------

describe('response clock', () => {
  it('has no event one millisecond before its target and breaches exactly at it', () => {
    const s = received();
    const early = slaDue(s, at(10) - 1);
    expect(early.events).toEqual([]);
    expect(early.state.escalationLevel).toBe(0);
    expect(early.state.priority).toBe(3);

    const due = slaDue(s, at(10));
    expect(due.events).toEqual([breach('response', 1, 2, 0)]);
    expect(due.state.escalationLevel).toBe(1);
    expect(due.state.priority).toBe(2);
    expect(reportOf(due.state, 'response', at(10))?.breachedAt).toBe(iso(at(10)));
  });

  it('escalates again at 2x and 3x the target: levels 1, 2, 3 and priority 3 -> 2 -> 1 -> 1', () => {
    let s = received();
    const seen: { m: number; events: SlaEvent[]; level: number; priority: number; next: number | undefined }[] = [];
    for (const m of [10, 15, 20, 29, 30]) {
      const r = slaDue(s, at(m));
      s = r.state;
      seen.push({ m, events: r.events, level: s.escalationLevel, priority: s.priority, next: nextSlaDeadline(s, at(m)) });
    }
    expect(seen).toEqual([
      { m: 10, events: [breach('response', 1, 2, 0)], level: 1, priority: 2, next: at(20) },
      { m: 15, events: [], level: 1, priority: 2, next: at(20) },
      { m: 20, events: [breach('response', 2, 1, 10 * MIN)], level: 2, priority: 1, next: at(30) },
      { m: 29, events: [], level: 2, priority: 1, next: at(30) },
      { m: 30, events: [breach('response', 3, 1, 20 * MIN)], level: 3, priority: 1, next: at(40) },
    ]);
    // breachedAt stays the first breach.
    expect(reportOf(s, 'response', at(30))?.breachedAt).toBe(iso(at(10)));
  });

  it('never raises priority past 1 (critical)', () => {
    const { state, events } = dueAt(received(TARGETS, 1), [10, 20]);
    expect(events).toEqual([breach('response', 1, 1, 0), breach('response', 2, 1, 10 * MIN)]);
    expect(state.priority).toBe(1);
  });

  it('is met by the first assignment: no breach ever, resolution still escalates', () => {
    const s = assign(received(), 5);
    expect(nextSlaDeadline(s, at(5))).toBe(at(60));
    const { state, events } = dueAt(s, [10, 20, 30, 59]);
    expect(events).toEqual([]);
    expect(state.escalationLevel).toBe(0);
    expect(slaDue(state, at(60)).events).toEqual([breach('resolution', 1, 2, 0)]);
    expect(reportOf(state, 'response', at(60))).toEqual({
      name: 'response',
      targetMs: 10 * MIN,
      elapsedMs: 5 * MIN,
      remainingMs: null,
      breachedAt: null,
      paused: false,
      met: true,
    });
  });

  it('meeting response after its breach stops its escalations but not resolution\'s', () => {
    let s = slaDue(received(), at(10)).state; // response L1, priority 2
    s = assign(s, 15);
    expect(nextSlaDeadline(s, at(15))).toBe(at(60));
    const { state, events } = dueAt(s, [20, 30, 40, 50, 60, 120]);
    expect(events).toEqual([breach('resolution', 2, 1, 0), breach('resolution', 3, 1, 60 * MIN)]);
    expect(state.escalationLevel).toBe(3);
    const response = reportOf(state, 'response', at(120));
    expect(response).toMatchObject({ met: true, elapsedMs: 15 * MIN, breachedAt: iso(at(10)), remainingMs: null });
  });

  it('a reassignment after the response was met changes nothing', () => {
    const met = assign(received(), 5);
    const reassigned = move(met, 'work_in_progress', 'work_in_progress', 30, TARGETS, true);
    expect(reassigned).toEqual(met);
    expect(reportOf(reassigned, 'response', at(30))).toMatchObject({ met: true, elapsedMs: 5 * MIN, breachedAt: null });

    // Also after a breach: the breach and the met time stay as they were.
    const late = assign(slaDue(received(), at(10)).state, 12);
    const reassignedLate = move(late, 'work_in_progress', 'work_in_progress', 45, TARGETS, true);
    expect(reassignedLate).toEqual(late);
    expect(slaDue(reassignedLate, at(50)).events).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Two clocks
// ---------------------------------------------------------------------------------------------

describe('two clocks breaching', () => {
  const T: SlaTargetsMs = { response: 10 * MIN, resolution: 25 * MIN };

  it('keeps counting the request\'s escalation level across clocks', () => {
    const { state, events } = dueAt(received(T, 4), [10, 20, 25, 30]);
    expect(events).toEqual([
      breach('response', 1, 3, 0),
      breach('response', 2, 2, 10 * MIN),
      breach('resolution', 3, 1, 0),
      breach('response', 4, 1, 20 * MIN),
    ]);
    expect(state.escalationLevel).toBe(4);
    expect(state.priority).toBe(1);
    expect(nextSlaDeadline(state, at(30))).toBe(at(40));
  });

  it('breaches both at the same instant as two escalations', () => {
    const { state, events } = dueAt(received({ response: 10 * MIN, resolution: 10 * MIN }, 3), [10]);
    expect(events).toEqual([breach('response', 1, 2, 0), breach('resolution', 2, 1, 0)]);
    expect(state.escalationLevel).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------
// slaDue called late
// ---------------------------------------------------------------------------------------------

describe('slaDue called late', () => {
  it('emits every missed escalation of a clock, in order, and records the first breach time', () => {
    const { state, events } = slaDue(received(), at(35));
    expect(events.map((e) => (e.type === 'breach' ? [e.sla, e.level, e.priority] : e.type))).toEqual([
      ['response', 1, 2],
      ['response', 2, 1],
      ['response', 3, 1],
    ]);
    expect(state.escalationLevel).toBe(3);
    expect(state.priority).toBe(1);
    expect(reportOf(state, 'response', at(35))?.breachedAt).toBe(iso(at(10)));
    expect(nextSlaDeadline(state, at(35))).toBe(at(40));
    // Nothing is emitted twice.
    expect(slaDue(state, at(35)).events).toEqual([]);
    expect(slaDue(state, at(40)).events).toEqual([breach('response', 4, 1, 30 * MIN)]);
  });

  it('emits the missed escalations of two clocks in the order they fell due, as timely calls would', () => {
    const T: SlaTargetsMs = { response: 10 * MIN, resolution: 25 * MIN };
    const late = slaDue(received(T, 4), at(45));
    const timely = dueAt(received(T, 4), [10, 20, 25, 30, 40, 45]);
    const strip = (es: SlaEvent[]) => es.map((e) => (e.type === 'breach' ? [e.sla, e.level, e.priority] : e.type));
    expect(strip(late.events)).toEqual([
      ['response', 1, 3], // 10m
      ['response', 2, 2], // 20m
      ['resolution', 3, 1], // 25m
      ['response', 4, 1], // 30m
      ['response', 5, 1], // 40m
    ]);
    expect(strip(late.events)).toEqual(strip(timely.events));
    expect(late.state).toEqual(timely.state);
  });
});

// ---------------------------------------------------------------------------------------------
// Resolution: pause and resume
// ---------------------------------------------------------------------------------------------

describe('resolution clock paused while awaiting_info', () => {
  it('has no deadline while paused; a pause longer than the remaining time breaches only after resumption', () => {
    let s = assign(received(), 1); // response met
    s = move(s, 'work_in_progress', 'awaiting_info', 20); // 20m used, 40m left
    expect(nextSlaDeadline(s, at(20))).toBeUndefined();
    expect(nextSlaDeadline(s, at(500))).toBeUndefined();

    // Far past the original deadline (60m) and past 20m + 40m of wall time: still nothing.
    const paused = dueAt(s, [60, 100, 200]);
    expect(paused.events).toEqual([]);
    expect(paused.state).toEqual(s);
    expect(reportOf(s, 'resolution', at(200))).toEqual({
      name: 'resolution',
      targetMs: 60 * MIN,
      elapsedMs: 20 * MIN,
      remainingMs: 40 * MIN,
      breachedAt: null,
      paused: true,
      met: false,
    });

    // The consumer answers at 200m: the remaining 40m run from there.
    s = move(s, 'awaiting_info', 'work_in_progress', 200);
    expect(nextSlaDeadline(s, at(200))).toBe(at(240));
    expect(slaDue(s, at(240) - 1).events).toEqual([]);
    const due = slaDue(s, at(240));
    expect(due.events).toEqual([breach('resolution', 1, 2, 0)]);
    expect(reportOf(due.state, 'resolution', at(240))).toMatchObject({ breachedAt: iso(at(240)), elapsedMs: 60 * MIN, paused: false });
    expect(nextSlaDeadline(due.state, at(240))).toBe(at(300));
  });

  it('keeps the response deadline while resolution is paused', () => {
    const s = move(received(), 'received', 'awaiting_info', 2);
    expect(nextSlaDeadline(s, at(2))).toBe(at(10));
    expect(slaDue(s, at(10)).events).toEqual([breach('response', 1, 2, 0)]);
  });

  it('accumulates several pauses', () => {
    let s = assign(received(), 1);
    s = move(s, 'work_in_progress', 'awaiting_info', 10); // 10m used
    s = move(s, 'awaiting_info', 'work_in_progress', 30);
    s = move(s, 'work_in_progress', 'awaiting_info', 50); // +20m = 30m used
    s = move(s, 'awaiting_info', 'awaiting_info', 55, TARGETS, true); // a reassignment while waiting keeps it paused
    expect(nextSlaDeadline(s, at(55))).toBeUndefined();
    s = move(s, 'awaiting_info', 'work_in_progress', 100);
    expect(nextSlaDeadline(s, at(100))).toBe(at(130));
    expect(dueAt(s, [129]).events).toEqual([]);
    expect(slaDue(s, at(130)).events).toEqual([breach('resolution', 1, 2, 0)]);
  });

  it('escalates again one target of running time after a breach, not counting the pause', () => {
    let s = assign(received(), 1);
    s = slaDue(s, at(60)).state; // resolution L1
    s = move(s, 'work_in_progress', 'awaiting_info', 70); // 70m used
    expect(slaDue(s, at(120)).events).toEqual([]); // would be 2x if it ran
    s = move(s, 'awaiting_info', 'work_in_progress', 100);
    expect(nextSlaDeadline(s, at(100))).toBe(at(150)); // 50m more to 120m
    expect(slaDue(s, at(150) - 1).events).toEqual([]);
    expect(slaDue(s, at(150)).events).toEqual([breach('resolution', 2, 1, 60 * MIN)]);
  });
});

// ---------------------------------------------------------------------------------------------
// Resolution: met, rejected
// ---------------------------------------------------------------------------------------------

describe('resolution met and rejected', () => {
  it('is met by a proposed solution', () => {
    let s = assign(received(), 1);
    s = move(s, 'work_in_progress', 'resolved', 50);
    expect(reportOf(s, 'resolution', at(100))).toMatchObject({ met: true, elapsedMs: 50 * MIN, remainingMs: null, paused: false });
    // Only the acceptance clock remains: reminder at half of 20m.
    expect(nextSlaDeadline(s, at(50))).toBe(at(60));
    expect(dueAt(s, [60]).events).toEqual([{ type: 'reminder' }]);
  });

  it('a rejection restarts resolution from zero at the rejection and stops acceptance', () => {
    let s = assign(received(), 1);
    s = move(s, 'work_in_progress', 'resolved', 50);
    s = move(s, 'resolved', 'work_in_progress', 55);
    expect(reportOf(s, 'resolution', at(55))).toEqual({
      name: 'resolution',
      targetMs: 60 * MIN,
      elapsedMs: 0,
      remainingMs: 60 * MIN,
      breachedAt: null,
      paused: false,
      met: false,
    });
    expect(reportOf(s, 'acceptance', at(55))).toMatchObject({ met: true, elapsedMs: 5 * MIN });
    expect(nextSlaDeadline(s, at(55))).toBe(at(115));
    expect(dueAt(s, [60, 65, 75, 114]).events).toEqual([]); // not at the original 60m, no acceptance reminder/auto-close
    expect(slaDue(s, at(115)).events).toEqual([breach('resolution', 1, 2, 0)]);
  });

  it('a rejection after a breach gives a fresh clock; the request level keeps counting', () => {
    let s = assign(received(), 1);
    s = slaDue(s, at(60)).state; // resolution L1, priority 2
    s = move(s, 'work_in_progress', 'resolved', 70);
    s = move(s, 'resolved', 'work_in_progress', 80);
    expect(reportOf(s, 'resolution', at(80))).toMatchObject({ breachedAt: null, remainingMs: 60 * MIN, elapsedMs: 0 });
    expect(nextSlaDeadline(s, at(80))).toBe(at(140));
    expect(slaDue(s, at(120)).events).toEqual([]); // the old 2x point
    expect(slaDue(s, at(140)).events).toEqual([breach('resolution', 2, 1, 0)]);
  });
});

// ---------------------------------------------------------------------------------------------
// Acceptance
// ---------------------------------------------------------------------------------------------

describe('acceptance clock', () => {
  const resolvedAt30 = () => move(assign(received(), 1), 'work_in_progress', 'resolved', 30);

  it('reminds once at half the window, then auto-closes at its end', () => {
    let s = resolvedAt30();
    expect(nextSlaDeadline(s, at(30))).toBe(at(40));
    expect(slaDue(s, at(40) - 1).events).toEqual([]);

    let r = slaDue(s, at(40));
    expect(r.events).toEqual([{ type: 'reminder' }]);
    s = r.state;
    expect(nextSlaDeadline(s, at(40))).toBe(at(50));
    expect(dueAt(s, [41, 45, 49]).events).toEqual([]); // the reminder goes out once

    r = slaDue(s, at(50));
    expect(r.events).toEqual([{ type: 'auto_close' }]);
    s = r.state;
    expect(nextSlaDeadline(s, at(50))).toBeUndefined();
    expect(dueAt(s, [60, 1000]).events).toEqual([]);
    expect(reportOf(s, 'acceptance', at(60))).toMatchObject({ met: true, elapsedMs: 20 * MIN, paused: false });
    // Acceptance never escalates.
    expect(s.escalationLevel).toBe(0);
    expect(s.priority).toBe(3);
  });

  it('keeps its window and its one reminder when someone comments while resolved', () => {
    let s = resolvedAt30();
    s = move(s, 'resolved', 'resolved', 38); // a comment before the reminder
    expect(nextSlaDeadline(s, at(38))).toBe(at(40));
    s = slaDue(s, at(40)).state;
    s = move(s, 'resolved', 'resolved', 45); // and one after it
    expect(nextSlaDeadline(s, at(45))).toBe(at(50));
    expect(slaDue(s, at(50)).events).toEqual([{ type: 'auto_close' }]);
  });

  it('restarted on every comment while resolved, for requests that recorded that defect', () => {
    const s = slaOnTransition(resolvedAt30(), TARGETS, 'resolved', 'resolved', at(45), { restartAcceptanceWhileResolved: true });
    expect(nextSlaDeadline(s, at(45))).toBe(at(55));
  });

  it('stops when the consumer accepts', () => {
    let s = resolvedAt30();
    s = move(s, 'resolved', 'closed', 35);
    expect(nextSlaDeadline(s, at(35))).toBeUndefined();
    expect(dueAt(s, [40, 50, 100]).events).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// closed / cancelled
// ---------------------------------------------------------------------------------------------

describe('closed and cancelled stop every clock', () => {
  it.each(['cancelled', 'closed'] as const)('%s while response and resolution run', (to) => {
    const s = move(received(), 'received', to, 5);
    expect(nextSlaDeadline(s, at(5))).toBeUndefined();
    expect(dueAt(s, [10, 60, 1000]).events).toEqual([]);
    const report = slaReport(s, at(1000));
    expect(report.map((r) => [r.name, r.elapsedMs, r.met, r.paused, r.remainingMs])).toEqual([
      ['response', 5 * MIN, true, false, null],
      ['resolution', 5 * MIN, true, false, null],
    ]);
  });

  it('cancelled while awaiting_info: the paused clock is stopped, not resumable', () => {
    let s = assign(received(), 1);
    s = move(s, 'work_in_progress', 'awaiting_info', 20);
    s = move(s, 'awaiting_info', 'cancelled', 30);
    expect(reportOf(s, 'resolution', at(30))).toMatchObject({ paused: false, met: true, elapsedMs: 20 * MIN });
    expect(nextSlaDeadline(s, at(30))).toBeUndefined();
    expect(slaDue(s, at(1000)).events).toEqual([]);
  });

  it('cancelled after a breach: no further escalation', () => {
    let s = slaDue(received(), at(10)).state;
    s = move(s, 'received', 'cancelled', 15);
    expect(dueAt(s, [20, 30, 60]).events).toEqual([]);
    expect(s.escalationLevel).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// slaReport
// ---------------------------------------------------------------------------------------------

describe('slaReport', () => {
  it('reports target, elapsed, remaining, breachedAt, paused and met per clock', () => {
    let s = slaDue(received(), at(10)).state; // response breached at t0 + 10m
    s = assign(s, 12);
    s = move(s, 'work_in_progress', 'awaiting_info', 30);
    expect(slaReport(s, at(45))).toEqual([
      { name: 'response', targetMs: 600_000, elapsedMs: 720_000, remainingMs: null, breachedAt: '1970-01-01T00:26:40.000Z', paused: false, met: true },
      { name: 'resolution', targetMs: 3_600_000, elapsedMs: 1_800_000, remainingMs: 1_800_000, breachedAt: null, paused: true, met: false },
    ]);

    s = move(s, 'awaiting_info', 'work_in_progress', 50);
    expect(reportOf(s, 'resolution', at(60))).toEqual({
      name: 'resolution',
      targetMs: 3_600_000,
      elapsedMs: 2_400_000,
      remainingMs: 1_200_000,
      breachedAt: null,
      paused: false,
      met: false,
    });

    // Past the target before slaDue ran: remaining is 0, never negative.
    expect(reportOf(s, 'resolution', at(100))).toMatchObject({ elapsedMs: 80 * MIN, remainingMs: 0, breachedAt: null });
    // After the breach: remaining is null, breachedAt the moment it fell due.
    const breached = slaDue(s, at(100)).state;
    expect(reportOf(breached, 'resolution', at(100))).toMatchObject({ elapsedMs: 80 * MIN, remainingMs: null, breachedAt: iso(at(80)) });
  });

  it('includes the acceptance clock once a solution is proposed', () => {
    const s = move(assign(received(), 1), 'work_in_progress', 'resolved', 30);
    expect(reportOf(s, 'acceptance', at(37))).toEqual({
      name: 'acceptance',
      targetMs: 20 * MIN,
      elapsedMs: 7 * MIN,
      remainingMs: 13 * MIN,
      breachedAt: null,
      paused: false,
      met: false,
    });
  });
});
