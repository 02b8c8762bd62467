import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { SessionService } from '../../services/sessions';
import type { InstanceDatabases } from '../../db/instances';
import { callerOf, clearSessionCookie, refuseCrossSite, setSessionCookie } from '../plugins/auth';
import { SignInSchema, UserSchema, errorResponses } from '../schemas';
import { userResponse } from './users';

/** Signing in and out of a browser session: the session cookie stands in for a bearer token. */
export default async function sessionRoutes(fastify: FastifyInstance, deps: { sessions: SessionService; instances: InstanceDatabases }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { sessions } = deps;

  app.post(
    '/session',
    {
      config: { public: true },
      schema: {
        summary: 'Sign in with email and password: sets the session cookie',
        description:
          'A wrong email and a wrong password get the same 401. Failed sign-ins are limited per account and per client address (429 with Retry-After). ' +
          'Refused cross-site (Sec-Fetch-Site: cross-site, or an Origin other than this site).',
        security: [],
        body: SignInSchema,
        response: { 200: UserSchema, ...errorResponses(401, 403, 422, 429) },
      },
    },
    async (request, reply) => {
      // Signing a browser in from another site (login CSRF) is refused like any cookie mutation.
      refuseCrossSite(request);
      const { email, password, instance } = request.body;
      const signedIn = await sessions.signIn({ email, password, instance, address: request.ip });
      setSessionCookie(request, reply, signedIn.token, Math.floor(sessions.maxMs / 1000));
      return userResponse(signedIn.user, deps.instances, signedIn.instance);
    },
  );

  app.get(
    '/session',
    {
      schema: {
        summary: 'The signed-in user (by the session cookie, or a bearer token)',
        response: { 200: UserSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      return userResponse(caller.user, deps.instances, caller.instance);
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        summary: 'Sign out: ends the session on the server and clears the cookie',
        response: { 204: Type.Null(), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      callerOf(request);
      if (request.session) await sessions.signOut(request.session.instance, request.session.id);
      clearSessionCookie(request, reply);
      return reply.status(204).send(null);
    },
  );
}
