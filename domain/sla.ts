import { parseDuration } from './durations';
import type { SlaTargets } from './catalog-item';
import type { CatalogKind, ConsumerState } from './model';

/**
 * SLA arithmetic, pure. Three clocks per request:
 * - response: received -> first assignment;
 * - resolution: received -> solution proposed; paused while awaiting_info; a rejection restarts it;
 * - acceptance: resolved -> the consumer's decision; a reminder at half, auto-close at the end.
 * A breached response or resolution clock escalates, then escalates again at every further interval
 * of the same length until it is met.
 */
export type SlaName = 'response' | 'resolution' | 'acceptance';
export const slaNames: readonly SlaName[] = ['response', 'resolution', 'acceptance'];

export interface SlaClock {
  targetMs: number;
  /** Running time accumulated before `runningSince`. */
  elapsedMs: number;
  /** When the clock last started running (epoch ms); null while paused or stopped. */
  runningSince: number | null;
  /** When it was met (stopped for good). */
  metAt: number | null;
  breachedAt: number | null;
  /** Escalations this clock has caused (response/resolution); 1 once the reminder went out (acceptance). */
  escalations: number;
}

export interface SlaState {
  clocks: Partial<Record<SlaName, SlaClock>>;
  escalationLevel: number;
  /** 1 critical .. 4 low. */
  priority: number;
}

export type SlaEvent =
  | { type: 'breach'; sla: 'response' | 'resolution'; level: number; priority: number; overdueByMs: number }
  | { type: 'reminder' }
  | { type: 'auto_close' };

export interface SlaTargetsMs {
  response?: number;
  resolution?: number;
  acceptance?: number;
}

export function slaTargetsMs(sla: SlaTargets): SlaTargetsMs {
  return {
    response: sla.responseTime ? parseDuration(sla.responseTime, 'sla.responseTime') : undefined,
    resolution: sla.resolutionTime ? parseDuration(sla.resolutionTime, 'sla.resolutionTime') : undefined,
    acceptance: sla.acceptanceWindow ? parseDuration(sla.acceptanceWindow, 'sla.acceptanceWindow') : undefined,
  };
}

/** A request's priority before any escalation: a service-affecting issue starts at 2, the other kinds at 3. */
export const initialPriority = (kind: CatalogKind): number => (kind === 'service_affecting_issue' ? 2 : 3);

export const initialSlaState = (priority = 3): SlaState => ({ clocks: {}, escalationLevel: 0, priority });

const elapsed = (c: SlaClock, now: number) => c.elapsedMs + (c.runningSince === null ? 0 : now - c.runningSince);
const start = (targetMs: number, now: number): SlaClock => ({ targetMs, elapsedMs: 0, runningSince: now, metAt: null, breachedAt: null, escalations: 0 });
const pause = (c: SlaClock, now: number): SlaClock => (c.runningSince === null ? c : { ...c, elapsedMs: elapsed(c, now), runningSince: null });
const resume = (c: SlaClock, now: number): SlaClock => (c.runningSince !== null || c.metAt !== null ? c : { ...c, runningSince: now });
const meet = (c: SlaClock, now: number): SlaClock => (c.metAt !== null ? c : { ...pause(c, now), metAt: now });

/**
 * Moves the clocks for a state change of the request (consumer states). `assigned` marks a first
 * assignment. `restartAcceptanceWhileResolved` reproduces an old defect for the requests that recorded
 * it: a comment while resolved restarted the acceptance window.
 */
export function slaOnTransition(
  s: SlaState,
  targets: SlaTargetsMs,
  from: ConsumerState,
  to: ConsumerState,
  now: number,
  event: { assigned?: boolean; restartAcceptanceWhileResolved?: boolean } = {},
): SlaState {
  const clocks = { ...s.clocks };
  const update = (name: SlaName, f: (c: SlaClock) => SlaClock) => {
    const c = clocks[name];
    if (c) clocks[name] = f(c);
  };
  if (from === 'new' && to === 'received') {
    if (targets.response) clocks.response = start(targets.response, now);
    if (targets.resolution) clocks.resolution = start(targets.resolution, now);
  }
  // A reassignment does not reset a response SLA that was already met.
  if (event.assigned) update('response', (c) => meet(c, now));
  if (to === 'awaiting_info') update('resolution', (c) => pause(c, now));
  if (from === 'awaiting_info' && to === 'work_in_progress') update('resolution', (c) => resume(c, now));
  if (to === 'resolved' && (from !== 'resolved' || event.restartAcceptanceWhileResolved)) {
    update('resolution', (c) => meet(c, now));
    if (targets.acceptance) clocks.acceptance = start(targets.acceptance, now);
  }
  if (from === 'resolved' && to === 'work_in_progress') {
    update('acceptance', (c) => meet(c, now));
    // A rejected solution restarts the resolution clock from the rejection.
    if (targets.resolution) clocks.resolution = start(targets.resolution, now);
  }
  if (to === 'closed' || to === 'cancelled') {
    for (const name of slaNames) update(name, (c) => (c.metAt !== null ? c : meet(c, now)));
  }
  return { ...s, clocks };
}

/** When the next SLA event is due (epoch ms), or undefined when no clock is running. */
export function nextSlaDeadline(s: SlaState, now: number): number | undefined {
  let next: number | undefined;
  for (const name of slaNames) {
    const c = s.clocks[name];
    if (!c || c.runningSince === null) continue;
    const dueAtElapsed = name === 'acceptance' ? (c.escalations === 0 ? c.targetMs / 2 : c.targetMs) : (c.escalations + 1) * c.targetMs;
    const at = now + (dueAtElapsed - elapsed(c, now));
    next = next === undefined ? at : Math.min(next, at);
  }
  return next;
}

/** The SLA events due at `now`, and the state after them. */
export function slaDue(s: SlaState, now: number): { state: SlaState; events: SlaEvent[] } {
  const clocks = { ...s.clocks };
  const events: SlaEvent[] = [];
  let { escalationLevel, priority } = s;
  // Missed escalations of both clocks go out in the order they fell due (as timely calls would give
  // them), so each gets the request's level and priority at its own moment; a tie goes to response.
  for (;;) {
    let name: 'response' | 'resolution' | undefined;
    let lateBy = -1;
    for (const n of ['response', 'resolution'] as const) {
      const c = clocks[n];
      if (!c || c.runningSince === null) continue;
      const by = elapsed(c, now) - (c.escalations + 1) * c.targetMs;
      if (by >= 0 && by > lateBy) [name, lateBy] = [n, by];
    }
    if (!name) break;
    const c = clocks[name]!;
    escalationLevel++;
    priority = Math.max(1, priority - 1);
    clocks[name] = { ...c, escalations: c.escalations + 1, breachedAt: c.breachedAt ?? now - (elapsed(c, now) - c.targetMs) };
    events.push({ type: 'breach', sla: name, level: escalationLevel, priority, overdueByMs: elapsed(c, now) - c.targetMs });
  }
  const a = clocks.acceptance;
  if (a && a.runningSince !== null) {
    const e = elapsed(a, now);
    if (e >= a.targetMs) {
      clocks.acceptance = { ...meet(a, now), escalations: 1 };
      events.push({ type: 'auto_close' });
    } else if (a.escalations === 0 && e >= a.targetMs / 2) {
      clocks.acceptance = { ...a, escalations: 1 };
      events.push({ type: 'reminder' });
    }
  }
  return { state: { clocks, escalationLevel, priority }, events };
}

export interface SlaReport {
  name: SlaName;
  targetMs: number;
  elapsedMs: number;
  remainingMs: number | null;
  breachedAt: string | null;
  paused: boolean;
  met: boolean;
}

/** Each clock as a task response shows it at `now`. */
export function slaReport(s: SlaState, now: number): SlaReport[] {
  return slaNames.flatMap((name) => {
    const c = s.clocks[name];
    if (!c) return [];
    const e = elapsed(c, now);
    return [
      {
        name,
        targetMs: c.targetMs,
        elapsedMs: e,
        remainingMs: c.breachedAt !== null || c.metAt !== null ? null : Math.max(0, c.targetMs - e),
        breachedAt: c.breachedAt === null ? null : new Date(c.breachedAt).toISOString(),
        paused: c.runningSince === null && c.metAt === null,
        met: c.metAt !== null,
      },
    ];
  });
}
