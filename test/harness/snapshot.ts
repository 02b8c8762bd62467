import { sql, type Kysely } from 'kysely';
import type { TestStack } from './stack';

const tablesOf = new WeakMap<Kysely<unknown>, Promise<string[]>>();
/** Each database's last fingerprint, with the snapshot (`pg_current_snapshot()`) it was read in. */
const lastOf = new WeakMap<Kysely<unknown>, { snapshot: string; rows: TableFingerprint[] }>();

interface TableFingerprint {
  name: string;
  rows: number;
  hash: string;
}

/**
 * A fingerprint of every row of every table of every instance (row count and the sum of the rows'
 * 64-bit hashes, computed by the database), plus every workflow of the stack with its history
 * length: compared before and after a refused call to prove it wrote nothing anywhere. Any changed,
 * added or removed row changes its table's fingerprint.
 */
export async function everything(s: TestStack) {
  const dbs: Record<string, { rows: number; hash: string }> = {};
  await Promise.all(
    s.instances.ids.map(async (instance) => {
      const db = s.instances.db(instance) as unknown as Kysely<unknown>;
      for (const r of await fingerprint(db)) dbs[`${instance}.${r.name}`] = { rows: r.rows, hash: r.hash };
    }),
  );
  const workflows: Record<string, number> = {};
  const runs: Array<{ workflowId: string; runId: string }> = [];
  for await (const wf of s.temporal.client.workflow.list({ query: `TaskQueue = '${s.taskQueue}'` })) runs.push(wf);
  await Promise.all(
    runs.map(async ({ workflowId, runId }) => {
      // Describe answers from the run's current state: its length counts every event so far.
      workflows[`${workflowId}/${runId}`] = (await s.temporal.client.workflow.getHandle(workflowId, runId).describe()).historyLength;
    }),
  );
  return { dbs, workflows };
}

/**
 * One database's tables, each with its fingerprint. Hashing every row is most of a comparison's cost,
 * and most comparisons follow calls that wrote nothing: when the database's snapshot (which
 * transactions have completed, and which are still running) is the one the last fingerprint was read
 * in, no transaction has committed or aborted since, so no row can differ and that fingerprint stands.
 */
async function fingerprint(db: Kysely<unknown>): Promise<TableFingerprint[]> {
  const last = lastOf.get(db);
  if (last) {
    const { rows } = await sql<{ snapshot: string }>`select pg_current_snapshot()::text as snapshot`.execute(db);
    if (rows[0].snapshot === last.snapshot) return last.rows;
  }
  // Every table there is (asked once per database), so tables added later are covered too.
  if (!tablesOf.has(db)) tablesOf.set(db, db.introspection.getTables().then((ts) => ts.map((t) => t.name)));
  const tables = await tablesOf.get(db)!;
  const perTable = tables.map(
    // The sum of the rows' hashes: order-free, so no sort and no concatenation of the whole table.
    (name) => sql`select ${name} as name, count(*)::int as rows, coalesce(sum(hashtextextended(r::text, 0)::numeric), 0)::text as hash from ${sql.table(name)} r`,
  );
  // One statement, one snapshot: the one the rows were read in, recorded with them (no table is named '').
  const snapshotRow = sql`select '', 0, pg_current_snapshot()::text`;
  const { rows } = await sql<TableFingerprint>`${sql.join([...perTable, snapshotRow], sql` union all `)}`.execute(db);
  const tableRows = rows.filter((r) => r.name !== '');
  lastOf.set(db, { snapshot: rows.find((r) => r.name === '')!.hash, rows: tableRows });
  return tableRows;
}
