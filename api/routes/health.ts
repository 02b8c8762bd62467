import { sql } from 'kysely';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps';

const SLOW_MS = 500;

async function timed<T>(check: () => Promise<T>, timeoutMs = 3000): Promise<{ ok: boolean; latencyMs: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { ok: false, latencyMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

const Status = Type.Unsafe<'up' | 'slow' | 'down'>({ type: 'string', enum: ['up', 'slow', 'down'] });

export default async function healthRoutes(app: FastifyInstance, deps: ApiDeps) {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        summary: 'Each instance database and Temporal: up, slow or down',
        security: [],
        response: {
          200: Type.Object({
            status: Type.Unsafe<'ok' | 'degraded'>({ type: 'string', enum: ['ok', 'degraded'] }),
            temporal: Type.Object({ status: Status, latencyMs: Type.Number() }),
            instances: Type.Record(Type.String(), Type.Object({ status: Status, latencyMs: Type.Number() })),
          }),
        },
      },
    },
    async () => {
      const status = (r: { ok: boolean; latencyMs: number }) => ({ status: !r.ok ? ('down' as const) : r.latencyMs > SLOW_MS ? ('slow' as const) : ('up' as const), latencyMs: r.latencyMs });
      const [temporal, ...dbs] = await Promise.all([
        timed(() => deps.temporal.workflowService.getSystemInfo({})),
        ...deps.instances.ids.map((id) => timed(() => sql`select 1`.execute(deps.instances.db(id)))),
      ]);
      const instances = Object.fromEntries(deps.instances.ids.map((id, i) => [id, status(dbs[i])]));
      const all = [status(temporal), ...Object.values(instances)];
      return { status: all.every((s) => s.status === 'up') ? ('ok' as const) : ('degraded' as const), temporal: status(temporal), instances };
    },
  );
}
