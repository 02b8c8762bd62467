import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors';

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

/** Refuses, before anything runs, input that could not be stored exactly as sent. */
export default fp(async function storableText(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    for (const [context, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const field = unstorableText(value, context);
      if (field) throw new DomainError('validation_failed', `${field} must be valid Unicode text without NUL characters`, { field });
    }
  });
});
