import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { checkHealth } from '../../services/health';
import { ComponentHealthSchema } from '../schemas';
import type { ApiDeps } from '../deps';

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
            temporal: ComponentHealthSchema,
            instances: Type.Record(Type.String(), ComponentHealthSchema),
          }),
        },
      },
    },
    async () => checkHealth(deps),
  );
}
