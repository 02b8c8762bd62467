import { allowedActions, type ExchangeState } from '../domain/state-machine';
import { slaReport } from '../domain/sla';
import type { Actor } from '../domain/model';
import { exchangeStateOf, type TaskRecord } from '../db/repositories/tasks';
import type { SideAttachment } from '../db/repositories/attachments';
import type { AttachmentItem, TaskResponse } from './schemas';
import type { ExchangeSnapshot } from '../workflows/definitions';

const iso = (d: Date | string) => new Date(d).toISOString();

/** ISO-8601 duration with whole seconds, e.g. PT4H0M30S. */
export function isoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return `P${d ? `${d}D` : ''}T${h}H${m}M${sec}S`;
}

/** A comment's id as one side shows it: its task's number and its position there, e.g. `PTSK0001001-3`. */
export const commentId = (taskNumber: string, position: number) => `${taskNumber}-${position}`;

/** A file as one side shows it: numbered and placed among that side's comments (db/repositories/attachments.ts). */
export function attachmentItem(a: SideAttachment): AttachmentItem {
  return {
    id: a.id,
    fileName: a.file_name,
    size: a.size,
    contentType: a.content_type,
    sha256: a.sha256,
    visibility: a.visibility,
    originInstance: a.origin_instance,
    authorName: a.author_name,
    seq: a.position,
    afterComment: a.commentsBefore,
    replication: a.visibility === 'internal' ? 'internal' : a.replicated_at ? 'replicated' : 'pending',
    createdAt: iso(a.created_at),
  };
}

/** `now` only matters for the SLA figures: running clocks are read at that moment. */
export function taskResponse(task: TaskRecord, actor: Actor, now = Date.now()): TaskResponse {
  const common = {
    state: task.row.state,
    catalogItem: { id: task.row.catalog_item_id, name: task.row.catalog_item_name },
    shortDescription: task.row.short_description,
    description: task.row.description,
    variables: task.row.variables,
    requestedBy: task.row.requested_by_name,
    assignedTo: task.row.assigned_to_name,
    resolution: task.row.resolution_code ? { code: task.row.resolution_code, notes: task.row.resolution_notes ?? '' } : null,
    allowedActions: allowedActions(exchangeStateOf(task, actor.instance), actor),
    priority: task.row.priority,
    escalationLevel: task.row.escalation_level,
    slas: task.row.sla
      ? slaReport(task.row.sla, now).map((r) => ({
          name: r.name,
          target: isoDuration(r.targetMs),
          elapsed: isoDuration(r.elapsedMs),
          remaining: r.remainingMs === null ? null : isoDuration(r.remainingMs),
          breachedAt: r.breachedAt,
          paused: r.paused,
          met: r.met,
        }))
      : [],
    // Numbered per side (db/repositories/tasks.ts): never the stored id or seq, which count the
    // provider's internal work notes too.
    comments: task.comments.map((c) => ({
      id: commentId(task.row.number, c.position),
      seq: c.position,
      visibility: c.visibility,
      author: c.author_name,
      instance: c.origin_instance,
      body: c.body,
      createdAt: iso(c.created_at),
    })),
    attachments: task.attachments.map(attachmentItem),
    auditTrail: task.audit.map((a) => ({
      action: a.action,
      actor: a.actor_name,
      instance: a.actor_instance,
      fromState: a.from_state,
      toState: a.to_state,
      details: a.details,
      at: iso(a.created_at),
    })),
    createdAt: iso(task.row.created_at),
    updatedAt: iso(task.row.updated_at),
  };
  return task.side === 'consumer'
    ? { number: task.row.number, side: 'consumer', type: 'provider_task', counterpart: { instance: task.row.provider_instance, number: task.row.provider_number }, ...common }
    : { number: task.row.number, side: 'provider', type: task.row.task_type, counterpart: { instance: task.row.consumer_instance, number: task.row.consumer_number }, ...common };
}

/**
 * The answer to an action: the task as stored on the caller's side, with the fields the action
 * decided (state, assignee, resolution, what may follow) as the action left them. An action racing
 * another is answered as if it ran alone at its place in the order the workflow decided them, even
 * when the other's write has already landed.
 */
export function actionAnswer(task: TaskRecord, actor: Actor, decided: ExchangeSnapshot): TaskResponse {
  const response = taskResponse(task, actor);
  const exchange: ExchangeState = { ...exchangeStateOf(task, actor.instance), state: decided.consumerState, assignedTo: decided.assignedTo };
  return {
    ...response,
    state: task.side === 'consumer' ? decided.consumerState : decided.providerState,
    assignedTo: decided.assignedTo?.name ?? null,
    resolution: decided.resolution,
    allowedActions: allowedActions(exchange, actor),
  };
}
