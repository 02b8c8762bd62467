import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DomainError } from '../../domain/errors';
import type { Actor } from '../../domain/model';
import type { User } from '../../db/schema';
import { createUser, listUsers, setPasswordHash, userById } from '../../db/repositories/users';
import { hashPassword } from '../../services/passwords';
import { callerOf } from '../plugins/auth';
import { NewUserSchema, SetPasswordSchema, UserListSchema, UserSchema, errorResponses } from '../schemas';
import { idempotent, sendStored } from '../idempotency';
import type { ApiDeps } from '../deps';
import type { InstanceDatabases } from '../../db/instances';

/** What the API shows of a user: never a token or a password hash. */
export const userResponse = (user: User, instances: InstanceDatabases, instance: string) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  role: user.role,
  instance,
  organization: instances.config(instance).name,
});

function requireUserAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new DomainError('forbidden', 'Only admin users manage users');
}

const UserParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** Admins list and add users of their own instance and set their passwords. */
export default async function userRoutes(fastify: FastifyInstance, deps: ApiDeps) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/users',
    {
      schema: {
        summary: "The caller's instance's users by name (admin), with whether each has a password",
        response: { 200: UserListSchema, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      requireUserAdmin(caller.actor);
      const users = await listUsers(deps.instances.db(caller.instance));
      return { items: users.map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role, hasPassword: u.has_password })) };
    },
  );

  app.post(
    '/users',
    {
      schema: {
        summary: "Add a user to the caller's instance (admin). Without a password, the user cannot sign in until an admin sets one",
        body: NewUserSchema,
        response: { 201: UserSchema, ...errorResponses(400, 401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireUserAdmin(caller.actor);
      const { name, email, role, password } = request.body;
      const db = deps.instances.db(caller.instance);
      const result = await idempotent(request, db, caller.user.id, async () => {
        const passwordHash = password === undefined ? undefined : await hashPassword(password);
        const { user } = await createUser(db, caller.instance, { name, email: email.trim().toLowerCase(), role, passwordHash });
        return { status: 201, body: userResponse(user, deps.instances, caller.instance) };
      });
      return sendStored(reply, result);
    },
  );

  app.post(
    '/users/:id/password',
    {
      schema: {
        summary: "Set a user's password (admin, own instance): ends that user's browser sessions",
        params: UserParams,
        body: SetPasswordSchema,
        response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      requireUserAdmin(caller.actor);
      const db = deps.instances.db(caller.instance);
      const { id } = request.params;
      // Another instance's user looks the same as one that does not exist.
      const notFound = new DomainError('not_found', `No user ${id}`);
      const user = await userById(db, id);
      if (!user) throw notFound;
      if (!(await setPasswordHash(db, id, await hashPassword(request.body.password)))) throw notFound;
      return userResponse(user, deps.instances, caller.instance);
    },
  );
}
