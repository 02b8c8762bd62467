import { sql } from 'kysely';
import type { Db } from '../connect';

/** The channel the task_events triggers notify (pg_notify) with each new event's id. */
export const TASK_EVENTS_CHANNEL = 'task_events';

/**
 * What changed, as the triggers name it: a task appeared, was escalated, got a proposed solution, an
 * assignee, another state, or anything else; a public comment or a work note was added; a file was
 * attached, or the other side has it now.
 */
export const taskEventKinds = ['created', 'escalated', 'solution', 'assigned', 'state', 'updated', 'comment', 'work_note', 'attachment'] as const;
export type TaskEventKind = (typeof taskEventKinds)[number];

/** One change to one task of an instance; ids grow in the order the changes committed. */
export interface TaskEvent {
  id: number;
  task: string;
  kind: TaskEventKind;
  at: Date;
}

/** The events after `afterId`, oldest first, at most `limit`. */
export async function taskEventsAfter(db: Db, afterId: number, limit: number): Promise<TaskEvent[]> {
  const rows = await db.selectFrom('task_events').selectAll().where('id', '>', String(afterId)).orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: Number(r.id), task: r.task_number, kind: r.kind as TaskEventKind, at: new Date(r.at) }));
}

/** The oldest and newest ids the table keeps (older ones are pruned); 0 and 0 when it holds none. */
export async function taskEventBounds(db: Db): Promise<{ oldest: number; newest: number }> {
  const { rows } = await sql<{ oldest: string | number | null; newest: string | number | null }>`
    select min(id) as oldest, max(id) as newest from task_events`.execute(db);
  return { oldest: Number(rows[0]?.oldest ?? 0), newest: Number(rows[0]?.newest ?? 0) };
}
