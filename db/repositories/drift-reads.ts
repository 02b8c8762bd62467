// What reconciliation (services/reconcile.ts) reads of one instance: task rows by page or by number,
// and their public comments, public files and escalations.
import type { Db } from '../connect';
import type { DriftAttachment, DriftComment, DriftEscalation, ParentTaskRecord, ProviderTaskRecord } from '../../domain/drift';

export type ConsumerTaskRow = ProviderTaskRecord & { provider_instance: string };
export type ParentTaskRow = ParentTaskRecord & { consumer_instance: string };

// What the two sides' task rows must agree on, beside each side's own link to the other.
const AGREED_COLUMNS = ['state', 'assigned_to_name', 'resolution_code', 'resolution_notes', 'priority', 'escalation_level'] as const;
const CONSUMER_COLUMNS = ['number', 'workflow_id', 'provider_instance', 'provider_number', ...AGREED_COLUMNS] as const;
const PARENT_COLUMNS = ['number', 'workflow_id', 'consumer_instance', 'consumer_number', ...AGREED_COLUMNS] as const;
const COMMENT_COLUMNS = ['id', 'task_number', 'seq', 'visibility', 'author_name', 'body', 'origin_instance'] as const;
const ESCALATION_COLUMNS = ['id', 'task_number', 'sla', 'level', 'priority'] as const;

/** The numbers of the consumer's Provider Tasks after `after`, in order, at most `limit`. */
export async function consumerTaskNumbersAfter(db: Db, after: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('consumer_provider_tasks').select('number').where('number', '>', after).orderBy('number').limit(limit).execute();
  return rows.map((r) => r.number);
}

/** The consumer's Provider Tasks `numbers` that exist, in order. */
export async function consumerTasks(db: Db, numbers: string[]): Promise<ConsumerTaskRow[]> {
  if (!numbers.length) return [];
  return (await db.selectFrom('consumer_provider_tasks').select([...CONSUMER_COLUMNS]).where('number', 'in', numbers).orderBy('number').execute()) as ConsumerTaskRow[];
}

/** Which of the consumer's Provider Tasks `numbers` exist, and the provider each names. */
export async function consumerTaskLinks(db: Db, numbers: string[]): Promise<Array<{ number: string; provider_instance: string }>> {
  if (!numbers.length) return [];
  return db.selectFrom('consumer_provider_tasks').select(['number', 'provider_instance']).where('number', 'in', numbers).execute();
}

/** The provider's parent tasks after `after`, in order, at most `limit`. */
export async function parentTasksAfter(db: Db, after: string, limit: number): Promise<ParentTaskRow[]> {
  return (await db.selectFrom('provider_parent_tasks').select([...PARENT_COLUMNS]).where('number', '>', after).orderBy('number').limit(limit).execute()) as ParentTaskRow[];
}

/** The provider's parent tasks that point at the consumer's Provider Tasks `consumerNumbers`, in order. */
export async function parentTasksPointingAt(db: Db, consumerInstance: string, consumerNumbers: string[]): Promise<ParentTaskRow[]> {
  if (!consumerNumbers.length) return [];
  return (await db
    .selectFrom('provider_parent_tasks')
    .select([...PARENT_COLUMNS])
    .where('consumer_instance', '=', consumerInstance)
    .where('consumer_number', 'in', consumerNumbers)
    .orderBy('number')
    .execute()) as ParentTaskRow[];
}

type OfTask<T> = T & { task_number: string };

export async function publicComments(db: Db, numbers: string[]): Promise<Array<OfTask<DriftComment>>> {
  if (!numbers.length) return [];
  return (await db.selectFrom('comments').select([...COMMENT_COLUMNS]).where('task_number', 'in', numbers).where('visibility', '=', 'public').execute()) as Array<OfTask<DriftComment>>;
}

/** The public files of these tasks, each with the SHA-256 of its stored bytes (null: missing or incomplete). */
export async function publicAttachments(db: Db, numbers: string[]): Promise<Array<OfTask<DriftAttachment>>> {
  if (!numbers.length) return [];
  const rows = await db
    .selectFrom('attachments as a')
    .leftJoin('attachment_contents as c', (j) => j.onRef('c.id', '=', 'a.id').on('c.complete', '=', true))
    .select(['a.id', 'a.task_number', 'a.seq', 'a.visibility', 'a.file_name', 'a.size', 'a.sha256', 'c.sha256 as stored_sha256'])
    .where('a.task_number', 'in', numbers)
    .where('a.visibility', '=', 'public')
    .execute();
  return rows.map((r) => ({ ...r, size: Number(r.size) })) as Array<OfTask<DriftAttachment>>;
}

export async function escalations(db: Db, numbers: string[]): Promise<Array<OfTask<DriftEscalation>>> {
  if (!numbers.length) return [];
  return db.selectFrom('escalations').select([...ESCALATION_COLUMNS]).where('task_number', 'in', numbers).execute();
}
