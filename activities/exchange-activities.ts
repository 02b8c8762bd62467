import { sql } from 'kysely';
import { formatTaskNumber, parentTaskTypes, providerStateOf, type CatalogKind, type ConsumerState, type Side } from '../domain/model';
import type { Db } from '../db/connect';
import type { InstanceDatabases } from '../db/instances';
import { initialPriority, type SlaState } from '../domain/sla';

export interface CommentWrite {
  /** Idempotency key, the same on both sides: `<workflowId>/c/<seq>`. */
  id: string;
  seq: number;
  visibility: 'public' | 'internal';
  originInstance: string;
  authorName: string;
  body: string;
  createdAt: string;
}

/** A file on the request: its metadata only; its bytes are in its origin's database (and copied by copyAttachment). */
export interface AttachmentWrite {
  /** The attachment's (and its content's) id, the same on both sides. */
  id: string;
  /** Position in the conversation: the comments' counter. */
  seq: number;
  visibility: 'public' | 'internal';
  /** The instance whose database holds the bytes: the uploader's. */
  originInstance: string;
  authorName: string;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string;
}

export interface AuditWrite {
  id: string;
  action: string;
  actorName: string;
  actorInstance: string;
  fromState: string | null;
  toState: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

export interface ExchangeRecord {
  workflowId: string;
  consumer: string;
  provider: string;
  number: string;
  catalogItem: { id: string; name: string; kind: CatalogKind };
  shortDescription: string;
  description: string;
  variables: Record<string, unknown>;
  requestedBy: { userId: string; name: string };
}

/** One change to one side's copy of a request; written in one transaction. */
export interface TaskChange {
  instance: string;
  side: Side;
  /** The task's number on that side (PTSK... on the consumer, CS/INC/CHG... on the provider). */
  number: string;
  /** Per-request change counter: a late retry of an older change never overwrites a newer one. */
  seq: number;
  state?: ConsumerState;
  assignedTo?: { userId: string; name: string } | null;
  resolution?: { code: string; notes: string } | null;
  providerNumber?: string;
  /** SLA clocks, priority and escalation level after this change. */
  sla?: SlaState;
  escalation?: EscalationWrite;
  comments: CommentWrite[];
  /** Files shown from this change on; a side that is not their origin has their bytes copied first. */
  attachments?: AttachmentWrite[];
  audit?: AuditWrite;
}

export interface EscalationWrite {
  /** `<workflowId>/e/<level>`: the same escalation on both sides, once. */
  id: string;
  sla: 'response' | 'resolution';
  level: number;
  priority: number;
  breachedAt: string;
}

/** The columns of a side's task row that change `c` sets. */
function taskPatch(c: TaskChange): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (c.state) patch.state = c.side === 'consumer' ? c.state : providerStateOf(c.state);
  if (c.assignedTo !== undefined) {
    patch.assigned_to_name = c.assignedTo?.name ?? null;
    if (c.side === 'provider') patch.assigned_to = c.assignedTo?.userId ?? null;
  }
  if (c.resolution !== undefined) {
    patch.resolution_code = c.resolution?.code ?? null;
    patch.resolution_notes = c.resolution?.notes ?? null;
  }
  if (c.providerNumber && c.side === 'consumer') patch.provider_number = c.providerNumber;
  if (c.sla) {
    patch.sla = JSON.stringify(c.sla);
    patch.priority = c.sla.priority;
    patch.escalation_level = c.sla.escalationLevel;
  }
  return patch;
}

/**
 * The exchange workflow's side effects: every write to an instance's database. Each is idempotent
 * (keys derived from the workflow and the action), so Temporal may retry any of them safely. As long
 * as the activities it holds, each a short method over `instances`.
 */
export function createExchangeActivities(instances: InstanceDatabases) {
  return {
    /** The consumer's Provider Task, in state new. */
    async createProviderTask(r: ExchangeRecord & { audit: AuditWrite }): Promise<void> {
      await instances.db(r.consumer).transaction().execute(async (trx) => {
        await trx
          .insertInto('consumer_provider_tasks')
          .values({
            number: r.number,
            workflow_id: r.workflowId,
            provider_instance: r.provider,
            catalog_item_id: r.catalogItem.id,
            catalog_item_name: r.catalogItem.name,
            kind: r.catalogItem.kind,
            // Right from the start: the receipt's change, which starts the clocks, may land later.
            priority: initialPriority(r.catalogItem.kind),
            short_description: r.shortDescription,
            description: r.description,
            variables: JSON.stringify(r.variables),
            state: 'new',
            requested_by: r.requestedBy.userId,
            requested_by_name: r.requestedBy.name,
            provider_number: null,
            assigned_to_name: null,
            resolution_code: null,
            resolution_notes: null,
          })
          .onConflict((oc) => oc.column('number').doNothing())
          .execute();
        await insertAudit(trx, r.number, r.audit);
      });
    },

    /** The provider's parent task (case, incident or change); returns its number, the same on every retry. */
    async createParentTask(r: ExchangeRecord & { requestedByDisplay: string; audit: AuditWrite }): Promise<string> {
      const db = instances.db(r.provider);
      return db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('provider_parent_tasks').select('number').where('workflow_id', '=', r.workflowId).executeTakeFirst();
        if (existing) return existing.number;
        const { type, prefix } = parentTaskTypes[r.catalogItem.kind];
        const sequence = `${type}_number_seq`;
        const { rows } = await sql<{ n: string }>`select nextval(${sequence}) as n`.execute(trx);
        const number = formatTaskNumber(prefix, Number(rows[0].n));
        await trx
          .insertInto('provider_parent_tasks')
          .values({
            number,
            workflow_id: r.workflowId,
            task_type: type,
            consumer_instance: r.consumer,
            consumer_number: r.number,
            catalog_item_id: r.catalogItem.id,
            catalog_item_name: r.catalogItem.name,
            short_description: r.shortDescription,
            description: r.description,
            variables: JSON.stringify(r.variables),
            state: 'new',
            priority: initialPriority(r.catalogItem.kind),
            requested_by_name: r.requestedByDisplay,
            assigned_to: null,
            assigned_to_name: null,
            resolution_code: null,
            resolution_notes: null,
          })
          .execute();
        await insertAudit(trx, number, r.audit);
        return number;
      });
    },

    /** Applies one change (state, assignment, resolution, comments, audit) to one side. */
    async applyTaskChange(c: TaskChange): Promise<void> {
      await instances.db(c.instance).transaction().execute(async (trx) => {
        const patch = taskPatch(c);
        if (Object.keys(patch).length) {
          const table = c.side === 'consumer' ? 'consumer_provider_tasks' : 'provider_parent_tasks';
          await trx
            .updateTable(table)
            .set({ ...patch, sync_seq: c.seq, updated_at: new Date() })
            .where('number', '=', c.number)
            .where('sync_seq', '<', c.seq)
            .execute();
        }
        for (const comment of c.comments) {
          await trx
            .insertInto('comments')
            .values({
              id: comment.id,
              task_number: c.number,
              visibility: comment.visibility,
              origin_instance: comment.originInstance,
              author_name: comment.authorName,
              body: comment.body,
              seq: comment.seq,
              created_at: comment.createdAt,
            })
            .onConflict((oc) => oc.column('id').doNothing())
            .execute();
        }
        for (const a of c.attachments ?? []) {
          await trx
            .insertInto('attachments')
            .values({
              id: a.id,
              task_number: c.number,
              seq: a.seq,
              visibility: a.visibility,
              origin_instance: a.originInstance,
              author_name: a.authorName,
              file_name: a.fileName,
              content_type: a.contentType,
              size: a.size,
              sha256: a.sha256,
              // A received copy is replicated by being here; the uploader's side learns it later (markAttachmentsReplicated).
              replicated_at: a.originInstance === c.instance ? null : new Date(),
              created_at: a.createdAt,
            })
            .onConflict((oc) => oc.column('id').doNothing())
            .execute();
        }
        if (c.audit) await insertAudit(trx, c.number, c.audit);
        if (c.escalation) {
          await trx
            .insertInto('escalations')
            .values({
              id: c.escalation.id,
              task_number: c.number,
              sla: c.escalation.sla,
              level: c.escalation.level,
              priority: c.escalation.priority,
              breached_at: c.escalation.breachedAt,
            })
            .onConflict((oc) => oc.column('id').doNothing())
            .execute();
        }
      });
    },

    /** The other side has these files (of the uploader's side `instance`): they show as replicated there. */
    async markAttachmentsReplicated(m: { instance: string; ids: string[] }): Promise<void> {
      await instances.db(m.instance).updateTable('attachments').set({ replicated_at: new Date() }).where('id', 'in', m.ids).where('replicated_at', 'is', null).execute();
    },
  };
}

async function insertAudit(db: Db, taskNumber: string, a: AuditWrite): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: a.id,
      task_number: taskNumber,
      action: a.action,
      actor_name: a.actorName,
      actor_instance: a.actorInstance,
      from_state: a.fromState,
      to_state: a.toState,
      details: JSON.stringify(a.details),
      created_at: a.createdAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export type ExchangeActivities = ReturnType<typeof createExchangeActivities>;
