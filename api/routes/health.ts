import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { checkHealth } from '../../services/health';
import type { ApiDeps } from '../deps';

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
    async () => checkHealth(deps),
  );
}
