import { sql, type Kysely } from 'kysely';

// SLA clocks, priority and escalations on both sides of a request.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['provider_tasks', 'parent_tasks']) {
    await db.schema
      .alterTable(table)
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(3))
      .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sla', 'jsonb')
      .execute();
  }
  await db.schema
    .createTable('escalations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('task_number', 'text', (c) => c.notNull())
    .addColumn('sla', 'text', (c) => c.notNull().check(sql`sla in ('response', 'resolution')`))
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('breached_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('escalations_task_idx').on('escalations').columns(['task_number', 'level']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('escalations').ifExists().execute();
  for (const table of ['provider_tasks', 'parent_tasks']) {
    await db.schema.alterTable(table).dropColumn('sla').dropColumn('escalation_level').dropColumn('priority').execute();
  }
}
