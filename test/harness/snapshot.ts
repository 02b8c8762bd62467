import { sql, type Kysely } from 'kysely';
import type { TestStack } from './stack';

const tablesOf = new WeakMap<Kysely<unknown>, Promise<string[]>>();

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
      // Every table there is (asked once per database), so tables added later are covered too.
      if (!tablesOf.has(db)) tablesOf.set(db, db.introspection.getTables().then((ts) => ts.map((t) => t.name)));
      const tables = await tablesOf.get(db)!;
      const perTable = tables.map(
        // The sum of the rows' hashes: order-free, so no sort and no concatenation of the whole table.
        (name) => sql`select ${name} as name, count(*)::int as rows, coalesce(sum(hashtextextended(r::text, 0)::numeric), 0)::text as hash from ${sql.table(name)} r`,
      );
      const { rows } = await sql<{ name: string; rows: number; hash: string }>`${sql.join(perTable, sql` union all `)}`.execute(db);
      for (const r of rows) dbs[`${instance}.${r.name}`] = { rows: r.rows, hash: r.hash };
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
