// What a decided change writes on each side of a request. Pure: the exchange workflow queues these
// writes, and the benchmark's direct-write baseline makes the same ones without Temporal.
import { providerStateOf, type ConsumerState, type Side } from '../domain/model';
import type { Transition } from '../domain/state-machine';
import type { SlaState } from '../domain/sla';
import type { AttachmentWrite, AuditWrite, CommentWrite, EscalationWrite, TaskChange } from '../activities/exchange-activities';

export interface DecidedChange {
  /** The change's number within its request: orders each side's writes, and a late retry of an older one never overwrites a newer one. */
  seq: number;
  from: ConsumerState;
  transition: Transition;
  comments: CommentWrite[];
  /** Files the change attaches; internal ones, like internal comments, stay at the acting side. */
  attachments?: AttachmentWrite[];
  /** The side whose person acted: internal comments stay there. */
  actingSide?: Side;
  escalation?: EscalationWrite;
  /** The SLA clocks after the change, for requests that track SLAs: then every change carries them. */
  sla?: SlaState;
  /** The audit entry a side records for a change worth one, in that side's states. */
  audit(side: Side, fromState: string, toState: string): AuditWrite;
}

/** The writes of one change, consumer first; a side without anything to record is left out. */
export function sideChanges(change: DecidedChange, instances: Record<Side, string>): Array<Omit<TaskChange, 'number'>> {
  const { transition: t } = change;
  const writes: Array<Omit<TaskChange, 'number'>> = [];
  for (const side of ['consumer', 'provider'] as const) {
    const comments = change.comments.filter((c) => c.visibility === 'public' || side === change.actingSide);
    const attachments = (change.attachments ?? []).filter((a) => a.visibility === 'public' || side === change.actingSide);
    const fromSide = side === 'consumer' ? change.from : providerStateOf(change.from);
    const toSide = side === 'consumer' ? t.state : providerStateOf(t.state);
    const changed = fromSide !== toSide || t.assignedTo !== undefined || t.resolution !== undefined;
    // With SLAs every change carries the clocks, so both sides always hold the current ones; a
    // clock-only write leaves no audit entry.
    const noteworthy = changed || comments.length > 0 || attachments.length > 0 || change.escalation !== undefined;
    if (!noteworthy && !change.sla) continue;
    writes.push({
      instance: instances[side],
      side,
      seq: change.seq,
      state: t.state,
      assignedTo: t.assignedTo,
      resolution: t.resolution,
      comments,
      // Only when there are some: every other change's write stays exactly what it always was.
      ...(attachments.length ? { attachments } : {}),
      audit: noteworthy ? change.audit(side, fromSide, toSide) : undefined,
      ...(change.sla ? { sla: change.sla, escalation: change.escalation } : {}),
    });
  }
  return writes;
}
