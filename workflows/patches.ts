// The exchange workflow's patches: each one keeps requests started by an older generation replaying with
// the command sequence they recorded. Which of them a request runs with is read once, when it starts.
import { patched } from '@temporalio/workflow';

/**
 * Requests started before SLA tracking and operator visibility existed replay without them; every
 * command those features add is behind this patch.
 */
export const SLA_AND_VISIBILITY_PATCH = 'sla-and-visibility-v1';

/**
 * A write queued for a side after that side's queue had already drained (the provider's number,
 * learned only after the request was cancelled while the provider was unreachable) is written before
 * the request ends. Requests that ended without one replay unchanged: the patch is asked only then
 * (workflows/write-queues.ts).
 */
export const LATE_WRITES_PATCH = 'drain-late-writes-v1';

/**
 * Generation 3 tried each write first as a local activity, in the workflow task that accepted the
 * action. Superseded by RECORDED_WRITES_PATCH: only requests that recorded this marker use it.
 */
export const LOCAL_WRITES_PATCH = 'local-writes-v1';

/**
 * Every write is a scheduled activity, so it runs only after the workflow task that decided it is in
 * history. A local activity runs before its task is recorded: when that task failed or timed out
 * (two actions racing, a worker killed), its writes had landed for a decision the retried task could
 * make differently.
 */
export const RECORDED_WRITES_PATCH = 'recorded-writes-v1';

/**
 * A comment or work note while resolved no longer restarts the acceptance window (and its reminder).
 * Requests started before replay with the restart.
 */
export const ACCEPTANCE_WINDOW_PATCH = 'acceptance-window-kept-v1';

/**
 * The SLA timer is started and cancelled only after every write the same change queued has been
 * scheduled. Without it, whether the timer's commands came before or after those writes depended on
 * how the workflow task's events were grouped into activations, and Core groups them differently live
 * and on replay in one case: a worker without the request in its cache, given an update right after a
 * workflow task that completed without commands (e.g. after the previous worker stopped), runs the
 * update and that task's activity results in one activation, while a replay of the resulting history
 * runs them in two. The recorded order then failed replay with a nondeterminism error (TimerCanceled
 * where an ActivityTaskScheduled was expected). Requests started before this patch keep the old order
 * (workflows/sla-timers.ts).
 */
export const SETTLED_SLA_TIMERS_PATCH = 'settled-sla-timers-v1';

/** What a request runs with, decided by the patches it recorded (new requests: the current behaviour). */
export interface RequestGeneration {
  /** SLA clocks, escalations, webhooks and search attributes (SLA_AND_VISIBILITY_PATCH). */
  withSla: boolean;
  /** SLA timers start and stop after the writes of the same change (SETTLED_SLA_TIMERS_PATCH). */
  settledTimers: boolean;
  /** Generation 3: each write first tried as a local activity (LOCAL_WRITES_PATCH, not RECORDED_WRITES_PATCH). */
  localWrites: boolean;
  /** The old defect: a comment while resolved restarts the acceptance window (no ACCEPTANCE_WINDOW_PATCH). */
  restartAcceptanceWhileResolved: boolean;
}

/**
 * Asks the patches, in the order every generation recorded their markers (and only those each
 * generation asked: the `&&`s are part of the recorded sequence). Called once, first thing.
 */
export function requestGeneration(): RequestGeneration {
  const withSla = patched(SLA_AND_VISIBILITY_PATCH);
  const settledTimers = withSla && patched(SETTLED_SLA_TIMERS_PATCH);
  const localWrites = !patched(RECORDED_WRITES_PATCH) && patched(LOCAL_WRITES_PATCH);
  const restartAcceptanceWhileResolved = withSla && !patched(ACCEPTANCE_WINDOW_PATCH);
  return { withSla, settledTimers, localWrites, restartAcceptanceWhileResolved };
}
