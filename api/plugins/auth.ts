import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors';
import type { Actor } from '../../domain/model';
import type { InstanceDatabases } from '../../db/instances';
import type { SessionService } from '../../services/sessions';
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
    /** Set when the caller was identified by the session cookie rather than a bearer token. */
    session?: { instance: string; id: string };
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token (health, docs). */
    public?: boolean;
  }
}

/** The browser session's cookie (POST /session sets it). */
export const SESSION_COOKIE = 'sx_session';

/**
 * Set and cleared with the session cookie but readable by the page, and holding no secret: the web
 * app asks GET /session only when it is there, so a signed-out visit makes no failing request.
 */
export const SIGNED_IN_COOKIE = 'sx_signed_in';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Cross-site request forgery: a browser sends the session cookie along with a request another site
 * makes. A mutation is refused when the browser says the request is cross-site (`Sec-Fetch-Site`),
 * or when its `Origin` is not this API's own origin (scheme and Host). Bearer tokens are never sent
 * by a browser on its own, so bearer requests are not checked.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  if (!MUTATING.has(request.method)) return;
  if (request.headers['sec-fetch-site'] === 'cross-site') {
    throw new DomainError('forbidden', 'Cross-site request refused: a signed-in browser may change things only from this site (Sec-Fetch-Site: cross-site)');
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `${request.protocol}://${request.host}`.toLowerCase()) {
    throw new DomainError('forbidden', `Cross-site request refused: Origin ${origin} is not this site's origin`);
  }
}

/** The authenticated caller; routes that are not public always have one. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.operator) throw new DomainError('forbidden', 'The operator token is for the /ops routes; act on requests with a user token');
  if (!request.caller) throw new DomainError('unauthorized', NO_CREDENTIALS);
  return request.caller;
}

/** Only the operator token may read /ops routes. */
export function requireOperator(request: FastifyRequest): void {
  if (!request.operator) throw new DomainError('forbidden', 'The /ops routes need the operator token (OPS_TOKEN)');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

const NO_CREDENTIALS = 'An API token is required: Authorization: Bearer <token> (or the session cookie of POST /session)';

const callerFor = (instances: InstanceDatabases, instance: string, user: User): Caller => ({
  instance,
  user,
  actor: { instance, organization: instances.config(instance).name, userId: user.id, name: user.name, role: user.role },
});

/**
 * Resolves `Authorization: Bearer <token>` to one user of one instance, or to the operator; without
 * an Authorization header, the session cookie. A request with an Authorization header is judged by it
 * alone: a cookie beside it is ignored, whether or not the token is valid.
 */
export default fp(async function auth(app: FastifyInstance, opts: { instances: InstanceDatabases; opsToken?: string; sessions: SessionService }) {
  const opsDigest = opts.opsToken ? digest(opts.opsToken) : undefined;
  app.addHook('onRequest', async (request, reply) => {
    // The docs UI's own routes come from @fastify/swagger-ui and cannot carry our route config: judge by the matched route.
    if (request.routeOptions.config?.public || request.routeOptions.url?.startsWith('/docs')) return;
    const header = request.headers.authorization;
    const cookie = request.cookies?.[SESSION_COOKIE];
    if (header === undefined && cookie) {
      refuseCrossSite(request);
      try {
        const session = await opts.sessions.authenticate(cookie);
        request.caller = callerFor(opts.instances, session.instance, session.user);
        request.session = { instance: session.instance, id: session.sessionId };
      } catch (err) {
        // An ended session's cookie is of no further use: the browser drops it.
        if (err instanceof DomainError && err.code === 'unauthorized') clearSessionCookie(request, reply);
        throw err;
      }
      return;
    }
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (token && opsDigest && timingSafeEqual(digest(token), opsDigest)) {
      request.operator = true;
      return;
    }
    const parsed = token ? parseToken(token) : undefined;
    if (!parsed || !opts.instances.ids.includes(parsed.instance)) {
      throw new DomainError('unauthorized', header ? 'The API token is not valid' : NO_CREDENTIALS);
    }
    const user = await userForToken(opts.instances.db(parsed.instance), parsed.tokenId, parsed.secret);
    if (!user) throw new DomainError('unauthorized', 'The API token is not valid');
    request.caller = callerFor(opts.instances, parsed.instance, user);
  });
});

/** The cookie's attributes: httpOnly, SameSite=Lax, Path=/, and Secure when the request came over HTTPS. */
const cookieOptions = (request: FastifyRequest) => ({ httpOnly: true, sameSite: 'lax' as const, path: '/', secure: request.protocol === 'https' });

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(request), maxAge: maxAgeSeconds });
  reply.setCookie(SIGNED_IN_COOKIE, '1', { ...cookieOptions(request), httpOnly: false, maxAge: maxAgeSeconds });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
  reply.clearCookie(SIGNED_IN_COOKIE, { ...cookieOptions(request), httpOnly: false });
}
