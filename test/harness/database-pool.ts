// In-memory embedded databases reused by the test files a process runs one after another: a closed
// one is emptied (every table truncated, every sequence restarted) and handed to the next stack,
// instead of a new one loading the database image (about 1 CPU-second each, two per stack).
import { Kysely, PGliteDialect, sql } from 'kysely';
import type { PGlite } from '@electric-sql/pglite';
import { openInstanceConnection, type InstanceConnection, type InstanceDbLocation } from '../../db/connect';
import { openPGlite } from '../../db/pglite';
import type { Database } from '../../db/schema';

// More than any one file holds at once is never needed again.
const MAX_IDLE = 6;
const idle: PGlite[] = [];

/** `InstanceDatabases.open`'s `connect` for tests: in memory from the pool, anything else opened as usual. */
export async function pooledConnection(location: InstanceDbLocation): Promise<InstanceConnection> {
  if (location.url || location.dataDir || !location.image) return openInstanceConnection(location);
  const pglite = idle.pop() ?? (await openPGlite(undefined, { image: await location.image() }));
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  const unlistens = new Set<() => Promise<void>>();
  return {
    db,
    async listen(channel, onNotify) {
      const unlisten = await pglite.listen(channel, onNotify);
      const once = async () => {
        unlistens.delete(once);
        await unlisten();
      };
      unlistens.add(once);
      return once;
    },
    async close() {
      for (const unlisten of [...unlistens]) await unlisten();
      // Not db.destroy(): that closes the PGlite.
      if (idle.length < MAX_IDLE && (await emptied(pglite))) idle.push(pglite);
      else await pglite.close();
    },
  };
}

/** Empties a database the way a fresh one from the image is: no rows, sequences at their start. */
async function emptied(pglite: PGlite): Promise<boolean> {
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  try {
    const tables = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'kysely_migration%'`.execute(db);
    await sql`truncate ${sql.join(tables.rows.map((t) => sql.id(t.name)))} restart identity cascade`.execute(db);
    const sequences = await sql<{ name: string; start: string }>`select sequencename as name, start_value::text as start from pg_sequences where schemaname = 'public'`.execute(db);
    for (const s of sequences.rows) await sql`select setval(${s.name}::regclass, ${Number(s.start)}, false)`.execute(db);
    return true;
  } catch {
    // Left in a state a truncate cannot undo (a test changed the schema...): not reused.
    return false;
  }
}
