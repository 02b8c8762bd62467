import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { allocateProviderTaskNumber } from '../../db/repositories/tasks';
import { requireRequester, submitRequest } from '../../services/submit-request';
import { callerOf } from '../plugins/auth';
import { NewRequestSchema, TaskSchema, errorResponses } from '../schemas';
import { idempotent, sendStored } from '../idempotency';
import { taskResponse } from '../task-response';
import type { ApiDeps } from '../deps';

export default async function requestRoutes(fastify: FastifyInstance, deps: ApiDeps) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/requests',
    {
      schema: {
        summary: "Order a remote catalog item: creates this instance's Provider Task and the provider's parent task",
        description: 'Send an Idempotency-Key header to make retries safe: the same key returns the same request.',
        body: NewRequestSchema,
        response: { 201: TaskSchema, ...errorResponses(400, 401, 403, 409, 422, 503) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireRequester(caller.actor);
      const db = deps.instances.db(caller.instance);
      const result = await idempotent(
        request,
        db,
        caller.user.id,
        async (reserveNumber) => ({ status: 201, body: taskResponse(await submitRequest(deps, caller.actor, reserveNumber, request.body), caller.actor) }),
        () => allocateProviderTaskNumber(db),
      );
      return sendStored(reply, result);
    },
  );
}
