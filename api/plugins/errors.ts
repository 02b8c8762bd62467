import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors';
import { fromTemporal, httpStatus, type ErrorBody } from '../errors';

/**
 * Every error leaves as {error: {code, message, details?}}. Client mistakes get their 4xx with the
 * reason; anything unexpected is logged in full and answered with a 500 that reveals nothing.
 */
export default fp(async function errors(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const domain = err instanceof DomainError ? err : fromTemporal(err);
    if (domain) {
      if (domain.code === 'unavailable') request.log.warn({ err }, 'dependency unavailable');
      return reply.status(httpStatus[domain.code]).send({ error: { code: domain.code, message: domain.message, details: domain.details } } satisfies ErrorBody);
    }
    if (err.validation) {
      const first = err.validation[0];
      const params = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
      const missing = params?.missingProperty;
      // An unknown field is named too, not just "must NOT have additional properties".
      const extra = missing ? undefined : params?.additionalProperty;
      const named = missing ?? extra;
      const path = [err.validationContext, ...(first?.instancePath ?? '').split('/').filter(Boolean), ...(named ? [named] : [])].join('.');
      const message = missing ? `${path} is required` : extra ? `${path} is not an accepted field` : `${path} ${first?.message ?? 'is invalid'}`;
      return reply.status(422).send({ error: { code: 'validation_failed', message, details: { field: path } } } satisfies ErrorBody);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({ error: { code: 'payload_too_large', message: err.message } } satisfies ErrorBody);
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Malformed JSON (400), an unsupported content type (415) and the like: Fastify's message names the problem.
      return reply.status(err.statusCode).send({ error: { code: 'bad_request', message: err.message } } satisfies ErrorBody);
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side; it has been logged' } } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } } satisfies ErrorBody),
  );
});
