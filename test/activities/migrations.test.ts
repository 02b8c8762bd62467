// Databases that already hold requests upgrade on start: the migration that gave the task tables their
// side-named names (db/migrations/2026-12-01T05-00-side-named-task-tables.ts) keeps every row, and
// its constraints and indexes follow the tables; the live stream's task_events (2026-12-01T07-00)
// starts empty and records changes from then on. Runs on a PGlite data directory, as a restarted
// service finds it, and on a fresh database on DATABASE_URL's server when that is set.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { dropDatabase, ensureDatabase, openInstanceConnection, type InstanceDbLocation } from '../../db/connect';
import { migrations } from '../../db/migrations/index';
import { openPGlite } from '../../db/pglite';
import { cachedBareImage } from '../../db/image-cache';

const BEFORE_RENAME = '2026-11-26T13-00-sla-escalations';
const databaseUrl = process.env.DATABASE_URL || undefined;

interface Backend {
  name: string;
  location: () => Promise<InstanceDbLocation>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  open: (location: InstanceDbLocation) => Promise<Kysely<any>>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const backends: Backend[] = [
  {
    name: 'a PGlite data directory',
    location: async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sx-migrations-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      return { dataDir };
    },
    // A new database as initdb leaves it, from its cached image: initdb itself costs about 3 CPU-seconds.
    open: async ({ dataDir }) => new Kysely({ dialect: new PGliteDialect({ pglite: await openPGlite(dataDir, { image: await cachedBareImage() }) }) }),
  },
];
if (databaseUrl) {
  backends.push({
    name: "a PostgreSQL database on DATABASE_URL's server",
    location: async () => {
      const name = `sx_migrations_${randomBytes(4).toString('hex')}`;
      cleanups.push(() => dropDatabase(databaseUrl, name));
      return { url: await ensureDatabase(databaseUrl, name) };
    },
    open: async ({ url }) => new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) }),
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const migrator = (db: Kysely<any>) => new Migrator({ db, provider: { getMigrations: async () => migrations } });

/**
 * A table's primary key and unique constraints, its indexes, and the names of any constraint or index
 * of it that still starts with `stale` (PostgreSQL 18 also names its not-null constraints after the table).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function namesOf(db: Kysely<any>, table: string, stale?: string) {
  const exists = (await sql<{ t: string | null }>`select to_regclass(${table})::text as t`.execute(db)).rows[0].t !== null;
  const all = (await sql<{ n: string; keys: boolean }>`
    select conname as n, contype in ('p', 'u') as keys from pg_constraint where conrelid = to_regclass(${table})
    union all select indexname, false from pg_indexes where schemaname = current_schema() and tablename = ${table}`.execute(db)).rows;
  const constraints = all.filter((r) => r.keys).map((r) => r.n).sort();
  const indexes = (await sql<{ n: string }>`select indexname as n from pg_indexes where schemaname = current_schema() and tablename = ${table} order by 1`.execute(db)).rows.map((r) => r.n);
  const staleNames = stale ? all.map((r) => r.n).filter((n) => n.startsWith(`${stale}_`)) : [];
  return { exists, constraints, indexes, staleNames };
}

describe.each(backends)('renaming the task tables on $name', (backend) => {
  it('keeps the rows written before it, under the new names, and gives them back on the way down', async () => {
    const location = await backend.location();

    // A database as the previous release left it, holding one request on each side.
    const old = await backend.open(location);
    const migrated = await migrator(old).migrateTo(BEFORE_RENAME);
    expect(migrated.error).toBeUndefined();
    await sql`insert into provider_tasks (number, workflow_id, provider_instance, provider_number, catalog_item_id, catalog_item_name, kind,
        short_description, description, variables, state, requested_by, requested_by_name, sync_seq, priority)
      values ('PTSK0001001', 'exchange:acme:PTSK0001001', 'globex', 'CS0001001', 'item-1', 'IT help request', 'help_request',
        'Laptop screen flickers', 'Since this morning', '{"category":"hardware"}', 'work_in_progress', 'u-ann', 'Ann Lee', 4, 2)`.execute(old);
    await sql`insert into parent_tasks (number, workflow_id, task_type, consumer_instance, consumer_number, catalog_item_id, catalog_item_name,
        short_description, description, variables, state, requested_by_name, assigned_to, assigned_to_name, sync_seq)
      values ('CS0001001', 'exchange:acme:PTSK0001001', 'case', 'acme', 'PTSK0001001', 'item-1', 'IT help request',
        'Laptop screen flickers', 'Since this morning', '{"category":"hardware"}', 'work_in_progress', 'Ann Lee', 'u-bob', 'Bob Stone', 4)`.execute(old);
    await old.destroy();

    // The service starts on it: opening migrates to the latest.
    const connection = await openInstanceConnection(location);
    const db = connection.db;
    try {
      const consumerRows = await db.selectFrom('consumer_provider_tasks').selectAll().execute();
      expect(consumerRows).toHaveLength(1);
      expect(consumerRows[0]).toMatchObject({
        number: 'PTSK0001001',
        workflow_id: 'exchange:acme:PTSK0001001',
        provider_number: 'CS0001001',
        variables: { category: 'hardware' },
        state: 'work_in_progress',
        sync_seq: 4,
        priority: 2,
      });
      const parentRows = await db.selectFrom('provider_parent_tasks').selectAll().execute();
      expect(parentRows).toHaveLength(1);
      expect(parentRows[0]).toMatchObject({ number: 'CS0001001', consumer_number: 'PTSK0001001', assigned_to_name: 'Bob Stone', sync_seq: 4 });

      expect(await namesOf(db, 'provider_tasks')).toMatchObject({ exists: false });
      expect(await namesOf(db, 'parent_tasks')).toMatchObject({ exists: false });
      expect(await namesOf(db, 'consumer_provider_tasks', 'provider_tasks')).toEqual({
        exists: true,
        staleNames: [],
        constraints: ['consumer_provider_tasks_pkey', 'consumer_provider_tasks_workflow_id_key'],
        indexes: ['consumer_provider_tasks_pkey', 'consumer_provider_tasks_state_idx', 'consumer_provider_tasks_workflow_id_key'],
      });
      expect(await namesOf(db, 'provider_parent_tasks', 'parent_tasks')).toEqual({
        exists: true,
        staleNames: [],
        constraints: ['provider_parent_tasks_consumer_unique', 'provider_parent_tasks_pkey', 'provider_parent_tasks_workflow_id_key'],
        indexes: ['provider_parent_tasks_consumer_unique', 'provider_parent_tasks_pkey', 'provider_parent_tasks_state_idx', 'provider_parent_tasks_workflow_id_key'],
      });
      // The constraints still hold under their new names.
      await expect(
        sql`insert into provider_parent_tasks (number, workflow_id, task_type, consumer_instance, consumer_number, catalog_item_id, catalog_item_name,
            short_description, description, variables, state, requested_by_name)
          values ('CS0001002', 'exchange:acme:other', 'case', 'acme', 'PTSK0001001', 'item-1', 'IT help request', 'x', 'x', '{}', 'new', 'Ann Lee')`.execute(db),
      ).rejects.toThrow(/provider_parent_tasks_consumer_unique/);

      // Rows written before task_events existed make no events; changes from then on do, in the same transaction.
      expect(await db.selectFrom('task_events').selectAll().execute()).toEqual([]);
      await db.updateTable('consumer_provider_tasks').set({ state: 'resolved', resolution_code: 'solved' }).where('number', '=', 'PTSK0001001').execute();
      expect(await db.selectFrom('task_events').select(['task_number', 'kind']).execute()).toEqual([{ task_number: 'PTSK0001001', kind: 'solution' }]);

      // And back down: the previous names, with the rows.
      const down = await migrator(db).migrateTo(BEFORE_RENAME);
      expect(down.error).toBeUndefined();
      expect(await namesOf(db, 'consumer_provider_tasks')).toMatchObject({ exists: false });
      expect(await namesOf(db, 'task_events')).toMatchObject({ exists: false });
      expect(await namesOf(db, 'provider_tasks', 'consumer_provider_tasks')).toEqual({
        exists: true,
        staleNames: [],
        constraints: ['provider_tasks_pkey', 'provider_tasks_workflow_id_key'],
        indexes: ['provider_tasks_pkey', 'provider_tasks_state_idx', 'provider_tasks_workflow_id_key'],
      });
      expect((await sql<{ number: string }>`select number from provider_tasks`.execute(db)).rows).toEqual([{ number: 'PTSK0001001' }]);
      expect((await sql<{ number: string }>`select number from parent_tasks`.execute(db)).rows).toEqual([{ number: 'CS0001001' }]);
    } finally {
      await connection.close();
    }
  });
});
