// The exchange workflow's durable SLA timers: one loop that sleeps until the next SLA deadline unless
// the clocks change first, and hands the events due at the deadline to the workflow.
//
// The awaits here are part of every recorded history (the relative order of a timer's commands and
// the writes of the same change depends on how many microtask turns each step takes): move code
// here, don't reshape it. SETTLED_SLA_TIMERS_PATCH (workflows/patches.ts) explains the two orders.
import { CancellationScope, condition, sleep } from '@temporalio/workflow';
import type { SlaEvent } from '../domain/sla';
import type { RequestState } from './request-state';

/**
 * Resolves one round of condition checks later: after everything the current activation woke up
 * (update and signal handlers, activity results, the queues' drains they unblocked) has run as far as
 * it can, so whatever commands those produce come first. (The flag keeps the condition from being
 * satisfied when it is created; it is set before the next round checks it.)
 */
export const afterOthersSettled = () => {
  let checkedAgain = false;
  void Promise.resolve().then(() => (checkedAgain = true));
  return condition(() => checkedAgain);
};

/**
 * Waits until `changed` (true) or the timeout (false), acting on a change, and cancelling the timer,
 * only after the writes queued with it are scheduled (afterOthersSettled): SETTLED_SLA_TIMERS_PATCH.
 */
export const changedBefore = async (changed: () => boolean, timeoutMs?: number): Promise<boolean> => {
  if (timeoutMs === undefined) {
    await condition(changed);
    await afterOthersSettled();
    return true;
  }
  return CancellationScope.cancellable(async () => {
    try {
      return await Promise.race([sleep(timeoutMs).then(() => false), condition(changed).then(afterOthersSettled).then(() => true)]);
    } finally {
      CancellationScope.current().cancel();
    }
  });
};

export interface SlaTimerOptions {
  request: RequestState;
  /** SETTLED_SLA_TIMERS_PATCH: start and cancel timers after the writes of the same change. */
  settled: boolean;
  /** The clocks reached a deadline: `events` are due (none when the deadline only moved the clocks). */
  onDue(events: SlaEvent[]): void;
}

/** Durable SLA timers: sleeps until the next deadline unless the clocks change first; ends with the request. */
export const runSlaTimers = async ({ request, settled, onDue }: SlaTimerOptions) => {
  while (request.isOpen()) {
    const version = request.slaVersion;
    const changed = () => request.slaVersion !== version || !request.isOpen();
    const deadline = request.nextSlaDeadline(Date.now());
    // Without the patch, exactly the awaits requests started earlier recorded their commands with:
    // their order depends on how many microtask turns each step takes.
    if (deadline === undefined) {
      if (settled) await changedBefore(changed);
      else await condition(changed);
      continue;
    }
    const timeoutMs = Math.max(1, deadline - Date.now());
    if (settled ? await changedBefore(changed, timeoutMs) : await condition(changed, timeoutMs)) continue;
    onDue(request.takeDueSlaEvents(Date.now()));
  }
};
