import { sql, type Kysely } from 'kysely';

// Files attached to requests (issue 14). The bytes live in the instance's own database, in chunks of a
// fixed size (db/repositories/attachments.ts), so no single value is huge and a file is read and copied
// one chunk at a time:
// - attachment_contents: one stored file (complete once every chunk is there and its SHA-256 checked).
//   An upload stages its files here under ids of their own before the workflow knows them; a content
//   no attachment points at is invisible, and one left over by a process that died is swept later.
// - attachment_chunks: the bytes, by content and index. A content renamed (an upload's staged file
//   taking its attachment's id) takes its chunks along.
// - attachments: a file people see on a request, with the same id on both sides (also its content's
//   id). A row here is what makes a file visible, and it is written only by the workflow's writes.
// Inserting an attachment, or marking it replicated, is a live event (kind `attachment`) like a comment.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const now = sql`now()`;
  await db.schema
    .createTable('attachment_contents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sha256', 'text')
    .addColumn('size', 'bigint')
    .addColumn('complete', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('attachment_contents_created_idx').on('attachment_contents').column('created_at').execute();

  await db.schema
    .createTable('attachment_chunks')
    .addColumn('content_id', 'text', (c) => c.notNull().references('attachment_contents.id').onDelete('cascade').onUpdate('cascade'))
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('data', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('attachment_chunks_pk', ['content_id', 'idx'])
    .execute();

  await db.schema
    .createTable('attachments')
    .addColumn('id', 'text', (c) => c.primaryKey().references('attachment_contents.id'))
    .addColumn('task_number', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public', 'internal')`))
    .addColumn('origin_instance', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('replicated_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute();
  await db.schema.createIndex('attachments_task_idx').on('attachments').columns(['task_number', 'seq']).execute();

  // record_task_event comes from 2026-12-01T07-00-task-events: ids in commit order, pruned, notified.
  await sql`
    create function attachment_row_event() returns trigger language plpgsql as $$
    begin
      perform record_task_event(NEW.task_number, 'attachment');
      return null;
    end $$`.execute(db);
  await sql`
    create constraint trigger attachments_inserted_event after insert on attachments
    deferrable initially deferred for each row execute function attachment_row_event()`.execute(db);
  // The other side has the file now: the uploader's page shows it replicated.
  await sql`
    create constraint trigger attachments_replicated_event after update on attachments
    deferrable initially deferred for each row when (OLD.replicated_at is distinct from NEW.replicated_at) execute function attachment_row_event()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists attachments_replicated_event on attachments`.execute(db);
  await sql`drop trigger if exists attachments_inserted_event on attachments`.execute(db);
  await sql`drop function if exists attachment_row_event()`.execute(db);
  await db.schema.dropTable('attachments').ifExists().execute();
  await db.schema.dropTable('attachment_chunks').ifExists().execute();
  await db.schema.dropTable('attachment_contents').ifExists().execute();
}
