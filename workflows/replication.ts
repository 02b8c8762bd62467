// Replicating a decided change: its writes on each side (workflows/side-changes.ts), queued behind
// everything earlier on that side, and what operators see updated.
import type { Side } from '../domain/model';
import type { Transition } from '../domain/state-machine';
import type { CommentWrite, EscalationWrite } from '../activities/exchange-activities';
import type { ExchangeInput } from './definitions';
import type { AuditActor, RequestRecords } from './records';
import type { RequestState } from './request-state';
import { sideChanges } from './side-changes';
import type { QueuedWrite, WriteQueues } from './write-queues';
import type { Write } from './writes';

export interface ReplicationParts {
  input: ExchangeInput;
  request: RequestState;
  records: RequestRecords;
  queues: WriteQueues;
  write: Write;
  publishVisibility(): void;
}

/** A change as decided: from which state, the transition, who made it and what it posts. */
export interface Change {
  from: RequestState['state'];
  transition: Transition;
  /** Names the change in audit entries and activity summaries (`assign`, `escalate`, ...). */
  action: string;
  actor: AuditActor;
  comments: CommentWrite[];
  /** The side whose person acted: its write is the one an update waits for, and internal comments stay there. */
  actingSide?: Side;
  escalation?: EscalationWrite;
}

/**
 * Returns `replicate`: it writes one accepted change to both sides (internal comments only to the side
 * that wrote them) and returns the acting side's queued write, if that side has one.
 */
export function replicator({ input, request, records, queues, write, publishVisibility }: ReplicationParts) {
  return ({ from, transition: t, action, actor, comments, actingSide, escalation }: Change): QueuedWrite | undefined => {
    const seq = request.nextChange();
    const details = t.comment ? { comment: t.comment } : {};
    const changes = sideChanges(
      {
        seq,
        from,
        transition: t,
        comments,
        actingSide,
        escalation,
        sla: request.withSla ? request.sla : undefined,
        audit: (side, f, to) => records.audit(seq, side, action, actor, f, to, details, Date.now()),
      },
      { consumer: input.consumer.instance, provider: input.provider.instance },
    );
    let acting: QueuedWrite | undefined;
    for (const change of changes) {
      // The provider's number is known only once its parent task exists, which is queued first.
      const item = queues.enqueue(change.side, () => {
        const number = change.side === 'consumer' ? input.number : request.providerNumber!;
        return write('applyTaskChange', `${action}: write ${number} in ${change.instance} (change ${seq})`, [
          change.side === 'consumer' ? { ...change, number, providerNumber: request.providerNumber ?? undefined } : { ...change, number },
        ]);
      });
      if (change.side === actingSide) acting = item;
    }
    publishVisibility();
    return acting;
  };
}
