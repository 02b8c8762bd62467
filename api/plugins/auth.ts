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
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (health, docs). */
    public?: boolean;
  }
}

/** The authenticated caller; routes that are not public always have one. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new DomainError('unauthorized', 'An API token is required: Authorization: Bearer <token>');
  return request.caller;
}

/** Resolves `Authorization: Bearer <token>` to one user of one instance. */
export default fp(async function auth(app: FastifyInstance, opts: { instances: InstanceDatabases }) {
  app.addHook('onRequest', async (request) => {
    // The docs UI's own routes come from @fastify/swagger-ui and cannot carry our route config.
    if (request.routeOptions.config?.public || request.url.startsWith('/docs')) return;
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
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
