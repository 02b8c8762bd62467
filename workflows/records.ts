// What the exchange workflow writes, built from the request and the time it happens: the record both
// sides create, audit entries, comments (people's and the system's), escalations and their webhooks.
// Pure: every id derives from the workflow id and a counter, so a retried write carries the same keys.
import { displayName, type Actor, type Side } from '../domain/model';
import type { Action, Transition } from '../domain/state-machine';
import type { SlaEvent, SlaState } from '../domain/sla';
import type { AttachmentMeta } from '../domain/attachments';
import type { AttachmentWrite, AuditWrite, CommentWrite, EscalationWrite, ExchangeRecord } from '../activities/exchange-activities';
import type { WebhookDelivery } from '../activities/webhook-activities';
import type { ExchangeInput } from './definitions';

export const SYSTEM_AUTHOR = 'Service Exchange';
const SLA_LABEL = { response: 'response time', resolution: 'resolution time' } as const;
export const PRIORITY_LABEL = ['', 'critical', 'high', 'moderate', 'low'];

export const formatDuration = (ms: number) => {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
};

/** Who an audit entry names. */
export interface AuditActor {
  name: string;
  instance: string;
}

/** Who a comment shows as its author. */
export interface CommentAuthor {
  originInstance: string;
  authorName: string;
}

export const systemAuthor: CommentAuthor = { originInstance: 'system', authorName: SYSTEM_AUTHOR };
export const authorOf = (actor: Actor): CommentAuthor => ({ originInstance: actor.instance, authorName: displayName(actor) });
export const auditActorOf = (actor: Actor): AuditActor => ({ name: displayName(actor), instance: actor.instance });

/** The comments an action posts, in order: its own text (public, or an internal work note), then the transition's. */
export function actionComments(action: Action, t: Transition): Array<{ body: string; visibility: CommentWrite['visibility'] }> {
  const comments: Array<{ body: string; visibility: CommentWrite['visibility'] }> = [];
  if (action.type === 'comment') comments.push({ body: action.body, visibility: 'public' });
  if (action.type === 'work_note') comments.push({ body: action.body, visibility: 'internal' });
  if (t.comment) comments.push({ body: t.comment, visibility: 'public' });
  return comments;
}

/** The files an action attaches (only `attach` does), in the order uploaded, public unless it says internal. */
export function actionAttachments(action: Action): Array<{ file: AttachmentMeta; visibility: AttachmentWrite['visibility'] }> {
  if (action.type !== 'attach') return [];
  const visibility = action.visibility === 'internal' ? 'internal' : 'public';
  return action.attachments.map((file) => ({ file, visibility }));
}

/** The record builders of one request (workflow `workflowId`), one short builder per kind of record. Times are epoch ms. */
export function requestRecords(workflowId: string, input: ExchangeInput) {
  const iso = (ms: number) => new Date(ms).toISOString();
  const comment = (seq: number, visibility: CommentWrite['visibility'], author: CommentAuthor, body: string, now: number): CommentWrite => ({
    id: `${workflowId}/c/${seq}`,
    seq,
    visibility,
    originInstance: author.originInstance,
    authorName: author.authorName,
    body,
    createdAt: iso(now),
  });
  /** A file in the conversation at `seq` (the comments' counter); its id is the one the upload stored its bytes under. */
  const attachment = (seq: number, visibility: AttachmentWrite['visibility'], author: CommentAuthor, file: AttachmentMeta, now: number): AttachmentWrite => ({
    id: file.id,
    seq,
    visibility,
    originInstance: author.originInstance,
    authorName: author.authorName,
    fileName: file.fileName,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    createdAt: iso(now),
  });
  const audit = (seq: number, side: Side, action: string, actor: AuditActor, from: string | null, to: string | null, details: Record<string, unknown>, now: number): AuditWrite => ({
    id: `${workflowId}/a/${seq}/${side}`,
    action,
    actorName: actor.name,
    actorInstance: actor.instance,
    fromState: from,
    toState: to,
    details,
    createdAt: iso(now),
  });
  const record: ExchangeRecord = {
    workflowId,
    consumer: input.consumer.instance,
    provider: input.provider.instance,
    number: input.number,
    catalogItem: { id: input.catalogItem.id, name: input.catalogItem.name, kind: input.catalogItem.kind },
    shortDescription: input.shortDescription,
    description: input.description,
    variables: input.variables,
    requestedBy: { userId: input.requestedBy.userId, name: input.requestedBy.name },
  };
  /** The requester, who submitted the request (the consumer's first audit entry). */
  const requester: AuditActor = { name: displayName(input.requestedBy), instance: input.consumer.instance };
  /** The service acting at the provider (receiving the request, linking its number). */
  const provider: AuditActor = { name: SYSTEM_AUTHOR, instance: input.provider.instance };

  return {
    comment,
    attachment,
    audit,
    /** The service itself, for what the SLA clocks do (escalate, remind, auto-close). */
    slaActor: { name: SYSTEM_AUTHOR, instance: 'system' } as AuditActor,
    provider,

    /** The consumer's Provider Task, in state new. */
    providerTask: (now: number) => ({ ...record, audit: audit(0, 'consumer', 'submitted', requester, null, 'new', {}, now) }),
    /** The provider's parent task. */
    parentTask: (now: number) => ({
      ...record,
      requestedByDisplay: displayName(input.requestedBy),
      audit: audit(0, 'provider', 'received', provider, null, 'new', { consumerNumber: input.number }, now),
    }),

    /** A breached SLA: the escalation both sides record and the system comment naming it. */
    escalation(e: Extract<SlaEvent, { type: 'breach' }>, sla: SlaState, commentSeq: number, now: number): { escalation: EscalationWrite; comment: CommentWrite } {
      const breachedAt = iso(now - e.overdueByMs);
      const target = sla.clocks[e.sla]?.targetMs ?? 0;
      const escalation: EscalationWrite = { id: `${workflowId}/e/${e.level}`, sla: e.sla, level: e.level, priority: e.priority, breachedAt };
      const body = `SLA breached: ${SLA_LABEL[e.sla]} of ${formatDuration(target)} exceeded. Escalation level ${e.level}, priority ${e.priority} (${PRIORITY_LABEL[e.priority]}).`;
      return { escalation, comment: comment(commentSeq, 'public', systemAuthor, body, now) };
    },

    /** The webhook an instance gets for an escalation. */
    escalationWebhook: (instance: string, escalation: EscalationWrite, providerNumber: string | null): WebhookDelivery => ({
      instance,
      deliveryId: `${escalation.id}/${instance}`,
      event: {
        type: 'sla.breached',
        request: { consumer: input.consumer.instance, provider: input.provider.instance, number: input.number, providerNumber },
        sla: escalation.sla,
        level: escalation.level,
        priority: escalation.priority,
        breachedAt: escalation.breachedAt,
      },
    }),

    /** Half the acceptance window has passed without an answer. */
    reminder: (sla: SlaState, commentSeq: number, now: number): CommentWrite => {
      const closesAt = iso(now + (sla.clocks.acceptance?.targetMs ?? 0) / 2);
      return comment(commentSeq, 'public', systemAuthor, `Reminder: please accept or reject the proposed solution. Without an answer the request closes as accepted at ${closesAt}.`, now);
    },
  };
}

export type RequestRecords = ReturnType<typeof requestRecords>;
