import { sql, type Kysely } from 'kysely';

// Signing in with an email and a password (issue 12): a slow hash of each user's password, browser
// sessions, and the failed sign-ins that rate-limit guessing. All three live in the instance's own
// database, so every API process serving the instance sees the same sessions and counters.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('password_hash', 'text').execute();
  // One account per email in an instance, whatever its case. Fails on a database that already holds
  // two users with the same email: rename one of them first.
  await sql`create unique index users_email_key on users (lower(email))`.execute(db);

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('sign_in_failures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('failed_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_failures_account_idx').on('sign_in_failures').columns(['account', 'failed_at']).execute();
  await db.schema.createIndex('sign_in_failures_address_idx').on('sign_in_failures').columns(['address', 'failed_at']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sign_in_failures').ifExists().execute();
  await db.schema.dropTable('sessions').ifExists().execute();
  await sql`drop index if exists users_email_key`.execute(db);
  await db.schema.alterTable('users').dropColumn('password_hash').execute();
}
