import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors';
import { SESSION_COOKIE } from './auth';

/**
 * Requests per minute per token, or per session cookie without one (per client address without
 * either); 429 with Retry-After past it.
 */
export default fp(async function limits(app: FastifyInstance, opts: { perMinute: number }) {
  await app.register(rateLimit, {
    max: opts.perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const auth = request.headers.authorization;
      if (auth) return `token:${createHash('sha256').update(auth).digest('hex')}`;
      const session = request.cookies?.[SESSION_COOKIE];
      return session ? `session:${createHash('sha256').update(session).digest('hex')}` : `ip:${request.ip}`;
    },
    // Thrown, so the product's error handler answers it like every other error (headers are set).
    errorResponseBuilder: (_request, context) =>
      new DomainError('rate_limited', `Too many requests: at most ${context.max} a minute; retry in ${context.after}`, { retryAfter: context.after }),
  });
});
