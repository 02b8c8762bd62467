import Fastify, { type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import errors from './plugins/errors';
import auth from './plugins/auth';
import openapi from './plugins/openapi';
import healthRoutes from './routes/health';
import catalogRoutes from './routes/catalog';
import requestRoutes from './routes/requests';
import taskRoutes from './routes/tasks';
import type { ApiDeps } from './deps';

export const BODY_LIMIT_BYTES = 256 * 1024;

/** Builds the HTTP API: external plugins, then ours, then the routes (the fastify/demo layout). */
export async function buildApp(deps: ApiDeps, options: { logger?: FastifyServerOptions['logger'] } = {}) {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  await app.register(openapi);
  await app.register(errors);
  await app.register(auth, { instances: deps.instances });
  await app.register(healthRoutes, deps);
  await app.register(catalogRoutes, deps);
  await app.register(requestRoutes, deps);
  await app.register(taskRoutes, deps);
  return app;
}
