import type { Db } from '../connect';

/** How many requests this instance ordered, per provider, state and escalation level: one grouped scan of its Provider Tasks. */
export async function consumerRequestCounts(db: Db): Promise<Array<{ provider: string; state: string; escalationLevel: number; count: number }>> {
  const rows = await db
    .selectFrom('consumer_provider_tasks')
    .select(['provider_instance', 'state', 'escalation_level'])
    .select((eb) => eb.fn.countAll().as('count'))
    .groupBy(['provider_instance', 'state', 'escalation_level'])
    .execute();
  // PostgreSQL answers count(*) as a bigint string.
  return rows.map((r) => ({ provider: r.provider_instance, state: r.state, escalationLevel: r.escalation_level, count: Number(r.count) }));
}
