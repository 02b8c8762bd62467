import { sql, type Kysely } from 'kysely';

// The live stream's source (issue 12, GET /events): one row per change to a task or its
// conversation, written by triggers in the transaction that made the change, whoever wrote it (the
// worker's activities, any API process). A row says only which task changed and how; readers re-read
// the task through the API, which applies the caller's authorization.
//
// Ids must become visible in id order, or a reader tailing `id > last seen` would skip a row whose
// transaction took its id first but committed last. So the triggers are deferred to commit and take a
// transaction-level advisory lock before taking an id: events of one database are numbered in commit
// order. The cost is that transactions changing tasks finish their commits one at a time per database.
//
// Only the last KEEP_EVENTS rows are kept: every PRUNE_EVERY-th event deletes what fell out of that
// window (an index range on the key, inside the same lock), so the table never grows and no job is needed.
// The channel is the one db/repositories/task-events.ts listens on.
const CHANNEL = 'task_events';
const KEEP_EVENTS = 10_000;
const PRUNE_EVERY = 1_000;
// Any constant: the key of the lock that orders the ids (pg_advisory_xact_lock's bigint space).
const ORDER_LOCK = 7_301_202_612;

const taskTables = ['consumer_provider_tasks', 'provider_parent_tasks'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('task_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('task_number', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await sql`
    create function record_task_event(task text, change text) returns void language plpgsql as $$
    declare
      event_id bigint;
    begin
      perform pg_advisory_xact_lock(${sql.lit(ORDER_LOCK)});
      insert into task_events (task_number, kind) values (task, change) returning id into event_id;
      perform pg_notify(${sql.lit(CHANNEL)}, event_id::text);
      if event_id % ${sql.lit(PRUNE_EVERY)} = 0 then
        delete from task_events where id <= event_id - ${sql.lit(KEEP_EVENTS)};
      end if;
    end $$`.execute(db);

  // A task row's change, named by what a person would notice first.
  await sql`
    create function task_row_event() returns trigger language plpgsql as $$
    begin
      perform record_task_event(NEW.number, case
        when TG_OP = 'INSERT' then 'created'
        when NEW.escalation_level is distinct from OLD.escalation_level then 'escalated'
        when NEW.resolution_code is not null and NEW.resolution_code is distinct from OLD.resolution_code then 'solution'
        when NEW.assigned_to_name is distinct from OLD.assigned_to_name then 'assigned'
        when NEW.state is distinct from OLD.state then 'state'
        else 'updated'
      end);
      return null;
    end $$`.execute(db);

  // A work note is named as one, never shown: its text stays in its row.
  await sql`
    create function comment_row_event() returns trigger language plpgsql as $$
    begin
      perform record_task_event(NEW.task_number, case when NEW.visibility = 'internal' then 'work_note' else 'comment' end);
      return null;
    end $$`.execute(db);

  // Constraint triggers can be deferred to commit; an INSERT trigger's WHEN cannot name OLD, hence two.
  for (const table of taskTables) {
    await sql`
      create constraint trigger ${sql.id(`${table}_inserted_event`)} after insert on ${sql.table(table)}
      deferrable initially deferred for each row execute function task_row_event()`.execute(db);
    // Rewriting a row with the values it has (a retried write) is no change.
    await sql`
      create constraint trigger ${sql.id(`${table}_updated_event`)} after update on ${sql.table(table)}
      deferrable initially deferred for each row when (OLD.* is distinct from NEW.*) execute function task_row_event()`.execute(db);
  }
  await sql`
    create constraint trigger comments_inserted_event after insert on comments
    deferrable initially deferred for each row execute function comment_row_event()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists comments_inserted_event on comments`.execute(db);
  for (const table of taskTables) {
    await sql`drop trigger if exists ${sql.id(`${table}_updated_event`)} on ${sql.table(table)}`.execute(db);
    await sql`drop trigger if exists ${sql.id(`${table}_inserted_event`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists comment_row_event()`.execute(db);
  await sql`drop function if exists task_row_event()`.execute(db);
  await sql`drop function if exists record_task_event(text, text)`.execute(db);
  await db.schema.dropTable('task_events').ifExists().execute();
}
