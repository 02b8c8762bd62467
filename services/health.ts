// Health: how each instance database and Temporal answer right now.
import { sql } from 'kysely';
import type { ServiceDeps } from './deps';

const SLOW_MS = 500;

export interface ComponentHealth {
  status: 'up' | 'slow' | 'down';
  latencyMs: number;
}

async function timed<T>(check: () => Promise<T>, timeoutMs = 3000): Promise<ComponentHealth> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let ok = true;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
  } catch {
    ok = false;
  } finally {
    clearTimeout(timer);
  }
  const latencyMs = Math.round(performance.now() - started);
  return { status: !ok ? 'down' : latencyMs > SLOW_MS ? 'slow' : 'up', latencyMs };
}

/** Temporal and every instance database: `up`, `slow` (over 500 ms) or `down` (no answer within 3 s). */
export async function checkHealth(deps: ServiceDeps): Promise<{ status: 'ok' | 'degraded'; temporal: ComponentHealth; instances: Record<string, ComponentHealth> }> {
  const [temporal, ...dbs] = await Promise.all([
    timed(() => deps.temporal.workflowService.getSystemInfo({})),
    ...deps.instances.ids.map((id) => timed(() => sql`select 1`.execute(deps.instances.db(id)))),
  ]);
  const instances = Object.fromEntries(deps.instances.ids.map((id, i) => [id, dbs[i]]));
  return { status: [temporal, ...dbs].every((s) => s.status === 'up') ? 'ok' : 'degraded', temporal, instances };
}
