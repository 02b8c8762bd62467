import { sql } from 'kysely';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors';
import { validateVariables } from '../../domain/catalog-form';
import { formatTaskNumber, PROVIDER_TASK_PREFIX } from '../../domain/model';
import { findTask } from '../../db/repositories/tasks';
import { createdUpdate, exchangeWorkflowId, type ExchangeInput } from '../../workflows/definitions';
import { exchangeSearchAttributes } from '../../workflows/search-attributes';
import { callerOf } from '../plugins/auth';
import { NewRequestSchema, TaskSchema, errorResponses } from '../schemas';
import { idempotent, sendStored } from '../idempotency';
import { taskView } from '../task-view';
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
      if (caller.user.role === 'agent') throw new DomainError('forbidden', 'Only requester or admin users submit requests');
      const body = request.body;
      const db = deps.instances.db(caller.instance);
      const allocateNumber = async () => {
        const { rows } = await sql<{ n: string }>`select nextval('provider_task_number_seq') as n`.execute(db);
        return formatTaskNumber(PROVIDER_TASK_PREFIX, Number(rows[0].n));
      };
      const result = await idempotent(
        request,
        db,
        caller.user.id,
        async (number) => {
          const item = await db
            .selectFrom('remote_catalog_items')
            .selectAll()
            .where('id', '=', body.catalogItemId)
            .where('state', '=', 'published')
            .executeTakeFirst();
          if (!item || !deps.instances.ids.includes(item.provider_instance)) {
            throw new DomainError('validation_failed', `catalogItemId: no published catalog item ${body.catalogItemId} in this instance's remote catalog`, {
              field: 'catalogItemId',
            });
          }
          const variables = validateVariables(item.form, body.variables ?? {});
          const input: ExchangeInput = {
            consumer: { instance: caller.instance, organization: deps.instances.config(caller.instance).name },
            provider: { instance: item.provider_instance, organization: deps.instances.config(item.provider_instance).name },
            number: number!,
            catalogItem: { id: item.id, name: item.name, kind: item.kind, sla: item.sla },
            shortDescription: body.shortDescription,
            description: body.description ?? '',
            variables,
            requestedBy: caller.actor,
          };
          const workflowId = exchangeWorkflowId(caller.instance, number!);
          try {
            await deps.temporal.workflow.start('exchange', {
              workflowId,
              taskQueue: deps.taskQueue,
              args: [input],
              // What operators see in the Temporal UI and search on.
              staticSummary: `${number} ${item.name}: ${body.shortDescription}`.slice(0, 200),
              staticDetails: `${input.consumer.organization} (${input.consumer.instance}) orders "${item.name}" (${item.kind}) from ${input.provider.organization} (${input.provider.instance}), requested by ${caller.actor.name}.`,
              typedSearchAttributes: [
                { key: exchangeSearchAttributes.ExchangeState, value: 'new' },
                { key: exchangeSearchAttributes.ConsumerInstance, value: input.consumer.instance },
                { key: exchangeSearchAttributes.ProviderInstance, value: input.provider.instance },
                { key: exchangeSearchAttributes.CatalogItemKind, value: item.kind },
                { key: exchangeSearchAttributes.ProviderTaskNumber, value: number! },
                { key: exchangeSearchAttributes.EscalationLevel, value: 0 },
                { key: exchangeSearchAttributes.SlaBreached, value: false },
              ],
            });
          } catch (err) {
            // A retry of a submission that got this far: the request exists, answer with it.
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
          await deps.temporal.workflow.getHandle(workflowId).executeUpdate(createdUpdate);
          const task = await findTask(db, number!);
          return { status: 201, body: taskView(task!, caller.actor) };
        },
        allocateNumber,
      );
      return sendStored(reply, result);
    },
  );
}
