import { sql } from 'kysely';
import type { Db } from '../connect';
import type { AuditRow, CommentRow, ProviderParentTaskRow, ConsumerProviderTaskRow } from '../schema';
import { formatTaskNumber, PROVIDER_TASK_PREFIX, type ConsumerState, type Side } from '../../domain/model';
import type { ExchangeState } from '../../domain/state-machine';
import { listAttachments, type SideAttachment } from './attachments';

/**
 * A comment as one side sees it. `position` numbers the comments this side shows, 1, 2, 3… in
 * conversation order, without gaps: the stored `seq` (and the stored id, `<workflowId>/c/<seq>`) is
 * shared by both sides and counts the provider's internal work notes too, so it must never reach a
 * consumer. Each side writes its comments in `seq` order, so a comment's position never changes.
 */
export type SideComment = CommentRow & { position: number };

/** A task as one instance sees it: its Provider Task (consumer side) or its parent task (provider side). */
export type TaskRecord =
  | { side: 'consumer'; row: ConsumerProviderTaskRow; comments: SideComment[]; attachments: SideAttachment[]; audit: AuditRow[] }
  | { side: 'provider'; row: ProviderParentTaskRow; comments: SideComment[]; attachments: SideAttachment[]; audit: AuditRow[] };

export const sideOfNumber = (number: string): Side => (number.startsWith(PROVIDER_TASK_PREFIX) ? 'consumer' : 'provider');

/** A new Provider Task number, reserved for one submission. */
export async function allocateProviderTaskNumber(db: Db): Promise<string> {
  const { rows } = await sql<{ n: string }>`select nextval('provider_task_number_seq') as n`.execute(db);
  return formatTaskNumber(PROVIDER_TASK_PREFIX, Number(rows[0].n));
}

/** The workflow behind a task: all an action needs before the workflow has decided it. */
export async function findWorkflowId(db: Db, number: string): Promise<string | undefined> {
  const table = sideOfNumber(number) === 'consumer' ? 'consumer_provider_tasks' : 'provider_parent_tasks';
  const row = await db.selectFrom(table).select('workflow_id').where('number', '=', number).executeTakeFirst();
  return row?.workflow_id;
}

export async function findTask(db: Db, number: string): Promise<TaskRecord | undefined> {
  const side = sideOfNumber(number);
  const row =
    side === 'consumer'
      ? await db.selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst()
      : await db.selectFrom('provider_parent_tasks').selectAll().where('number', '=', number).executeTakeFirst();
  if (!row) return undefined;
  const [comments, attachments, audit] = await Promise.all([
    db
      .selectFrom('comments')
      .selectAll()
      // Numbered over the rows this side shows (the window runs after the where clause).
      .select(sql<number>`cast(row_number() over (order by seq, id) as integer)`.as('position'))
      .where('task_number', '=', number)
      // Work notes never leave the provider, and a consumer's view never shows one even if one got there.
      .$if(side === 'consumer', (q) => q.where('visibility', '=', 'public'))
      .orderBy('seq')
      .orderBy('id')
      .execute(),
    listAttachments(db, number, side),
    db.selectFrom('audit_log').selectAll().where('task_number', '=', number).orderBy('created_at').orderBy('id').execute(),
  ]);
  return side === 'consumer'
    ? { side, row: row as ConsumerProviderTaskRow, comments, attachments, audit }
    : { side, row: row as ProviderParentTaskRow, comments, attachments, audit };
}

/** The facts the state machine needs, as this instance's copy of the task records them. */
export function exchangeStateOf(task: TaskRecord, instance: string): ExchangeState {
  if (task.side === 'consumer') {
    const r = task.row;
    return { state: r.state, consumer: instance, provider: r.provider_instance, assignedTo: r.assigned_to_name ? { userId: '', name: r.assigned_to_name } : null };
  }
  const r = task.row;
  // The provider's "new" is the consumer's "received": the provider only has tasks it received.
  const state: ConsumerState = r.state === 'new' ? 'received' : r.state;
  return {
    state,
    consumer: r.consumer_instance,
    provider: instance,
    assignedTo: r.assigned_to ? { userId: r.assigned_to, name: r.assigned_to_name ?? '' } : null,
  };
}
