// Replicating a decided change: its writes on each side (workflows/side-changes.ts), queued behind
// everything earlier on that side, and what operators see updated.
import type { Side } from '../domain/model';
import type { Transition } from '../domain/state-machine';
import type { AttachmentWrite, CommentWrite, EscalationWrite, TaskChange } from '../activities/exchange-activities';
import type { ExchangeInput } from './definitions';
import type { AuditActor, RequestRecords } from './records';
import type { RequestState } from './request-state';
import { sideChanges } from './side-changes';
import type { QueuedWrite, WriteQueues } from './write-queues';
import { copyAttachment, type Write } from './writes';

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
  /** Files it attaches (metadata only; the bytes are in the uploader's database). */
  attachments?: AttachmentWrite[];
  /** The side whose person acted: its write is the one an update waits for, and internal comments stay there. */
  actingSide?: Side;
  escalation?: EscalationWrite;
}

/**
 * Returns `replicate`: it writes one accepted change to both sides (internal comments and files only to
 * the side that wrote them) and returns the acting side's queued write, if that side has one.
 */
export function replicator({ input, request, records, queues, write, publishVisibility }: ReplicationParts) {
  /**
   * The write of a change that shows files whose bytes are on the other side: each file is copied
   * first, then the change is written, then the uploader's side is told it has been (queued behind that
   * side's own writes, so after the files are shown there too).
   */
  const receivingFiles = (change: Omit<TaskChange, 'number'>, files: AttachmentWrite[], action: string, apply: () => Promise<void>) => async () => {
    for (const file of files) {
      await copyAttachment(
        { id: file.id, from: file.originInstance, to: change.instance, sha256: file.sha256, size: file.size },
        `${action}: copy ${file.fileName} from ${file.originInstance} to ${change.instance} (change ${change.seq})`,
      );
    }
    await apply();
    const uploader: Side = change.side === 'consumer' ? 'provider' : 'consumer';
    const instance = input[uploader].instance;
    queues.enqueue(uploader, () =>
      write('markAttachmentsReplicated', `${action}: ${files.length} file(s) replicated to ${change.instance}, noted in ${instance} (change ${change.seq})`, [
        { instance, ids: files.map((f) => f.id) },
      ]),
    );
  };

  return ({ from, transition: t, action, actor, comments, attachments, actingSide, escalation }: Change): QueuedWrite | undefined => {
    const seq = request.nextChange();
    const details = t.comment ? { comment: t.comment } : {};
    const changes = sideChanges(
      {
        seq,
        from,
        transition: t,
        comments,
        attachments,
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
      const apply = () => {
        const number = change.side === 'consumer' ? input.number : request.providerNumber!;
        return write('applyTaskChange', `${action}: write ${number} in ${change.instance} (change ${seq})`, [
          change.side === 'consumer' ? { ...change, number, providerNumber: request.providerNumber ?? undefined } : { ...change, number },
        ]);
      };
      // A change without files from elsewhere queues `apply` itself: the command sequence every request
      // recorded before files existed (the drains' awaits are part of history; see write-queues.ts).
      const foreign = (change.attachments ?? []).filter((a) => a.originInstance !== change.instance);
      const item = queues.enqueue(change.side, foreign.length ? receivingFiles(change, foreign, action, apply) : apply);
      if (change.side === actingSide) acting = item;
    }
    publishVisibility();
    return acting;
  };
}
