import Fastify, { type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import errors from './plugins/errors';
import auth from './plugins/auth';
import openapi from './plugins/openapi';
import healthRoutes from './routes/health';
import catalogRoutes from './routes/catalog';
import requestRoutes from './routes/requests';
import taskRoutes from './routes/tasks';
import opsRoutes from './routes/ops';
import { DomainError } from '../domain/errors';
import type { ApiDeps } from './deps';

export const BODY_LIMIT_BYTES = 256 * 1024;

// Text PostgreSQL cannot store as sent: a NUL character (refused by the database, so a workflow's
// write would be retried forever) or an unpaired UTF-16 surrogate (silently replaced).
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first text (value or field name) in `value` that could not be stored verbatim. */
function unstorableText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (UNSTORABLE.test(key)) return path;
      const found = unstorableText(child, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

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
  await app.register(auth, { instances: deps.instances, opsToken: deps.opsToken });
  app.addHook('preValidation', async (request) => {
    for (const [context, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const field = unstorableText(value, context);
      if (field) throw new DomainError('validation_failed', `${field} must be valid Unicode text without NUL characters`, { field });
    }
  });
  await app.register(healthRoutes, deps);
  await app.register(catalogRoutes, deps);
  await app.register(requestRoutes, deps);
  await app.register(taskRoutes, deps);
  await app.register(opsRoutes, deps);
  return app;
}
