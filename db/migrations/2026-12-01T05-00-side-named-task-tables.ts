import { sql, type Kysely } from 'kysely';

// Task tables named for the side that holds them, then the product's own term: the consumer's
// Provider Tasks (was provider_tasks, which read as if it lived on the provider's side) and the
// provider's parent tasks (was parent_tasks). Renames keep every row. The constraints and indexes
// whose names start with the table's name follow it: the primary key, the unique constraints, the
// state index, and on PostgreSQL 18 (PGlite) the named not-null constraints too, so the names are
// read from the catalog rather than listed here.
const renames = [
  { from: 'provider_tasks', to: 'consumer_provider_tasks' },
  { from: 'parent_tasks', to: 'provider_parent_tasks' },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function renameTable(db: Kysely<any>, from: string, to: string): Promise<void> {
  await db.schema.alterTable(from).renameTo(to).execute();
  const renamed = (name: string) => `${to}${name.slice(from.length)}`;
  const prefix = `${from}_`;
  const { rows: constraints } = await sql<{ name: string }>`
    select conname as name from pg_constraint
    where conrelid = to_regclass(${to}) and left(conname, ${prefix.length}) = ${prefix}`.execute(db);
  // Renaming a primary key or unique constraint renames the index behind it too.
  for (const { name } of constraints) {
    await sql`alter table ${sql.table(to)} rename constraint ${sql.id(name)} to ${sql.id(renamed(name))}`.execute(db);
  }
  const { rows: indexes } = await sql<{ name: string }>`
    select indexname as name from pg_indexes
    where schemaname = current_schema() and tablename = ${to} and left(indexname, ${prefix.length}) = ${prefix}`.execute(db);
  for (const { name } of indexes) {
    await sql`alter index ${sql.id(name)} rename to ${sql.id(renamed(name))}`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  for (const { from, to } of renames) await renameTable(db, from, to);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  for (const { from, to } of renames) await renameTable(db, to, from);
}
