import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors';
import type { Actor } from '../../domain/model';
import type { InstanceDatabases } from '../../db/instances';
import type { User } from '../../db/schema';
import { parseToken, userForToken } from '../../db/repositories/users';

export interface Caller {
  instance: string;
  user: User;
  actor: Actor;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    /** Set when the request carries the operator token (OPS_TOKEN): /ops routes only. */
    operator?: boolean;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (health, docs). */
    public?: boolean;
  }
}

/** The authenticated caller; routes that are not public always have one. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.operator) throw new DomainError('forbidden', 'The operator token is for the /ops routes; act on requests with a user token');
  if (!request.caller) throw new DomainError('unauthorized', 'An API token is required: Authorization: Bearer <token>');
  return request.caller;
}

/** Only the operator token may read /ops routes. */
export function requireOperator(request: FastifyRequest): void {
  if (!request.operator) throw new DomainError('forbidden', 'The /ops routes need the operator token (OPS_TOKEN)');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Resolves `Authorization: Bearer <token>` to one user of one instance, or to the operator. */
export default fp(async function auth(app: FastifyInstance, opts: { instances: InstanceDatabases; opsToken?: string }) {
  const opsDigest = opts.opsToken ? digest(opts.opsToken) : undefined;
  app.addHook('onRequest', async (request) => {
    // The docs UI's own routes come from @fastify/swagger-ui and cannot carry our route config: judge by the matched route.
    if (request.routeOptions.config?.public || request.routeOptions.url?.startsWith('/docs')) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (token && opsDigest && timingSafeEqual(digest(token), opsDigest)) {
      request.operator = true;
      return;
    }
    const parsed = token ? parseToken(token) : undefined;
    if (!parsed || !opts.instances.ids.includes(parsed.instance)) {
      throw new DomainError('unauthorized', header ? 'The API token is not valid' : 'An API token is required: Authorization: Bearer <token>');
    }
    const user = await userForToken(opts.instances.db(parsed.instance), parsed.tokenId, parsed.secret);
    if (!user) throw new DomainError('unauthorized', 'The API token is not valid');
    const organization = opts.instances.config(parsed.instance).name;
    request.caller = {
      instance: parsed.instance,
      user,
      actor: { instance: parsed.instance, organization, userId: user.id, name: user.name, role: user.role },
    };
  });
});
