import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../connect';
import { consumerStates, isOpen, type ConsumerState, type Side } from '../../domain/model';
import { slaNames, type SlaName } from '../../domain/sla';

/** One row of GET /tasks: a task on either side, with what a list page shows. */
export interface TaskSummaryRow {
  number: string;
  side: Side;
  state: string;
  short_description: string;
  catalog_item_name: string;
  counterpart_instance: string;
  counterpart_number: string | null;
  assigned_to_name: string | null;
  /** 1 critical .. 4 low. */
  priority: number;
  /** When the earliest running SLA clock reaches its target (epoch ms; past once breached); null when none runs. */
  sla_due_ms: number | null;
  sla_breached: boolean;
  created_at: Date;
  updated_at: Date;
}

export type TaskOrder = 'newest' | 'queue';

/** Where a page ended, in the terms of its order: the next page starts after this row. */
export type ListCursor =
  | { order: 'newest'; createdAt: string; number: string }
  | { order: 'queue'; assigned: boolean; priority: number; slaDueMs: number | null; number: string };

export interface TaskListQuery {
  state?: ConsumerState;
  /** A user id (tasks assigned to that user), or null (unassigned tasks). */
  assignedTo?: string | null;
  /** true: tasks with a breached SLA clock; false: tasks without one. */
  breached?: boolean;
  /** true: tasks still open (not closed or cancelled); false: ended ones. */
  open?: boolean;
  /** consumer: the Provider Tasks this instance ordered; provider: the parent tasks it fulfils. */
  side?: Side;
  order: TaskOrder;
  limit: number;
  cursor?: ListCursor;
}

// The SLA figures from the stored clocks (domain/sla.ts SlaState, as JSON), the way slaReport reads
// them, so the database can filter and order by them. A running clock reaches its target at
// runningSince + targetMs - elapsedMs; a paused or met one has runningSince null. A task has breached
// when any clock has a breachedAt, as for the SlaBreached search attribute (workflows/visibility.ts).
const clockField = (name: SlaName, field: 'runningSince' | 'targetMs' | 'elapsedMs' | 'breachedAt') =>
  sql`(sla -> 'clocks' -> ${sql.lit(name)} ->> ${sql.lit(field)})`;
const slaDueMs: RawBuilder<number | null> = sql`least(${sql.join(
  slaNames.map((n) => sql`${clockField(n, 'runningSince')}::float8 + ${clockField(n, 'targetMs')}::float8 - ${clockField(n, 'elapsedMs')}::float8`),
)})`;
const endedStates = consumerStates.filter((state) => !isOpen(state));
const slaBreached: RawBuilder<boolean> = sql`coalesce(${sql.join(slaNames.map((n) => clockField(n, 'breachedAt')))}) is not null`;

/**
 * This instance's exchanged tasks on both sides, keyset-paginated, in one of two orders:
 * - newest: newest first;
 * - queue (an agent's work queue): unassigned first, then by priority (1 critical first), then the
 *   nearest SLA deadline (none last), then number.
 */
export async function listTasks(db: Db, opts: TaskListQuery): Promise<TaskSummaryRow[]> {
  const common = ['number', 'state', 'short_description', 'catalog_item_name', 'assigned_to_name', 'priority', 'sla', 'created_at', 'updated_at'] as const;
  const consumer = db
    .selectFrom('consumer_provider_tasks')
    .select([
      ...common,
      sql<Side>`'consumer'`.as('side'),
      'provider_instance as counterpart_instance',
      'provider_number as counterpart_number',
      // Consumer tasks are assigned to the provider's people, never to a user of this instance.
      sql<string | null>`null`.as('assigned_to'),
    ]);
  const provider = db
    .selectFrom('provider_parent_tasks')
    .select([...common, sql<Side>`'provider'`.as('side'), 'consumer_instance as counterpart_instance', 'consumer_number as counterpart_number', 'assigned_to']);
  const tasks = db
    .selectFrom(consumer.unionAll(provider).as('t'))
    .selectAll()
    .select([
      slaDueMs.as('sla_due_ms'),
      slaBreached.as('sla_breached'),
      sql<boolean>`assigned_to_name is not null`.as('assigned'),
      // Keyset comparisons need a value for "no deadline": it sorts after every real one.
      sql<number>`coalesce(${slaDueMs}, 'Infinity'::float8)`.as('sla_due_key'),
    ]);

  let q = db.selectFrom(tasks.as('q')).select(['number', 'side', 'state', 'short_description', 'catalog_item_name', 'counterpart_instance', 'counterpart_number', 'assigned_to_name', 'priority', 'sla_due_ms', 'sla_breached', 'created_at', 'updated_at']);
  if (opts.state) q = q.where('state', '=', opts.state);
  if (opts.assignedTo === null) q = q.where('assigned_to_name', 'is', null);
  else if (opts.assignedTo !== undefined) q = q.where('assigned_to', '=', opts.assignedTo);
  if (opts.breached !== undefined) q = q.where('sla_breached', '=', opts.breached);
  if (opts.open !== undefined) q = q.where('state', opts.open ? 'not in' : 'in', endedStates);
  if (opts.side) q = q.where('side', '=', opts.side);

  const c = opts.cursor;
  if (c && c.order !== opts.order) throw new Error(`a ${c.order} cursor cannot page the ${opts.order} order`);
  if (opts.order === 'newest') {
    if (c?.order === 'newest') {
      const createdAt = new Date(c.createdAt);
      q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('number', '<', c.number)])]));
    }
    q = q.orderBy('created_at', 'desc').orderBy('number', 'desc');
  } else {
    if (c?.order === 'queue') {
      const due = String(c.slaDueMs ?? 'Infinity');
      q = q.where(sql<boolean>`(assigned, priority, sla_due_key, number) > (${c.assigned}::boolean, ${c.priority}::integer, ${due}::float8, ${c.number}::text)`);
    }
    q = q.orderBy('assigned').orderBy('priority').orderBy('sla_due_key').orderBy('number');
  }
  return (await q.limit(opts.limit).execute()) as TaskSummaryRow[];
}
