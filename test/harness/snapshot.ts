import { sql } from 'kysely';
import type { TestStack } from './stack';

/**
 * Every row of every table of every instance, plus every workflow of the stack with its history
 * length: compared before and after a refused call to prove it wrote nothing anywhere.
 */
export async function everything(s: TestStack) {
  const dbs: Record<string, string[]> = {};
  await Promise.all(
    s.instances.ids.map(async (instance) => {
      const db = s.instances.db(instance);
      // Every table there is, so tables added later are covered too.
      for (const table of await db.introspection.getTables()) {
        const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(db);
        dbs[`${instance}.${table.name}`] = rows.map((r) => JSON.stringify(r)).sort();
      }
    }),
  );
  const runs: Array<{ workflowId: string; runId: string }> = [];
  for await (const wf of s.temporal.client.workflow.list()) if (wf.taskQueue === s.taskQueue) runs.push(wf);
  const workflows: Record<string, number> = {};
  await Promise.all(
    runs.map(async ({ workflowId, runId }) => {
      const history = await s.temporal.client.workflow.getHandle(workflowId, runId).fetchHistory();
      workflows[`${workflowId}/${runId}`] = history.events?.length ?? 0;
    }),
  );
  return { dbs, workflows };
}
