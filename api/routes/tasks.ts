import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors';
import { actionSpecs, jsonActionTypes } from '../../domain/actions';
import { findTask } from '../../db/repositories/tasks';
import { listTasks } from '../../db/repositories/task-list';
import { cursorAfter, decodeCursor } from '../task-cursor';
import { actOnTask, findActionTarget, taskNotFound } from '../../services/act-on-task';
import { callerOf } from '../plugins/auth';
import { ListTasksQuery, TaskListSchema, TaskParams, TaskSchema, actionBodies, errorResponses } from '../schemas';
import { idempotent, sendStored } from '../idempotency';
import { actionAnswer, taskResponse } from '../task-response';
import { syncStatus } from '../sync-status';
import { workflowUiUrl } from '../workflow-ui-url';
import type { ApiDeps } from '../deps';

/**
 * The action routes, POST /tasks/:number/<path>, from the action registry (domain/actions.ts); an
 * action whose body carries files has its own route (./attachments.ts).
 */
export const actionRoutes = jsonActionTypes.map((action) => ({ action, ...actionSpecs[action].http }));

/** GET /tasks, GET /tasks/:number and one POST per action. A Fastify plugin, as long as its routes. */
export default async function taskRoutes(fastify: FastifyInstance, deps: ApiDeps) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/tasks',
    {
      schema: {
        summary: "This instance's exchanged tasks: Provider Tasks it ordered and parent tasks it fulfils, newest first or as a work queue",
        querystring: ListTasksQuery,
        response: { 200: TaskListSchema, ...errorResponses(400, 401, 422) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const q = request.query;
      const limit = q.limit === undefined ? 20 : Number(q.limit);
      if (limit < 1 || limit > 100) throw new DomainError('validation_failed', 'limit must be from 1 to 100', { field: 'limit' });
      const order = q.order ?? 'newest';
      const rows = await listTasks(deps.instances.db(caller.instance), {
        state: q.state,
        assignedTo: q.assignee === undefined ? undefined : q.assignee === 'me' ? caller.user.id : null,
        breached: q.breached === undefined ? undefined : q.breached === 'true',
        open: q.open === undefined ? undefined : q.open === 'true',
        side: q.side,
        order,
        limit: limit + 1,
        cursor: q.cursor ? decodeCursor(q.cursor, order) : undefined,
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          number: r.number,
          side: r.side,
          state: r.state,
          shortDescription: r.short_description,
          catalogItemName: r.catalog_item_name,
          counterpartInstance: r.counterpart_instance,
          counterpartNumber: r.counterpart_number,
          assignedTo: r.assigned_to_name,
          priority: r.priority,
          slaDeadline: r.sla_due_ms === null ? null : new Date(r.sla_due_ms).toISOString(),
          slaBreached: r.sla_breached,
          createdAt: new Date(r.created_at).toISOString(),
          updatedAt: new Date(r.updated_at).toISOString(),
        })),
        nextCursor: rows.length > limit && last ? cursorAfter(order, last) : null,
      };
    },
  );

  const load = async (instance: string, number: string) => {
    const task = await findTask(deps.instances.db(instance), number);
    if (!task) throw taskNotFound(number);
    return task;
  };

  app.get(
    '/tasks/:number',
    {
      schema: {
        summary: 'A task with its comments (work notes only on the provider side), audit trail, SLAs and sync status',
        params: TaskParams,
        response: { 200: TaskSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const task = await load(caller.instance, request.params.number);
      const workflowId = task.row.workflow_id;
      // Admins run their instance: they may follow a request into Temporal (issue 13).
      const workflow = caller.actor.role === 'admin' ? { id: workflowId, url: workflowUiUrl(deps.temporalUiUrl, deps.temporal.options.namespace, workflowId) } : undefined;
      return { ...taskResponse(task, caller.actor), sync: await syncStatus(deps.temporal, workflowId), ...(workflow && { workflow }) };
    },
  );

  for (const route of actionRoutes) {
    app.post(
      `/tasks/:number/${route.path}`,
      {
        schema: {
          summary: route.summary,
          description: 'Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.',
          params: TaskParams,
          body: actionBodies[route.action],
          response: { [route.status]: TaskSchema, ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
        },
        // No body at all (a bare POST, as `fetch(url, { method: 'POST' })` sends) is the empty object:
        // "Assign to me" needs no fields, and an action that does names the missing one.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { number } = request.params;
        const body = request.body as Record<string, unknown>;
        const workflowId = await findActionTarget(deps, caller.actor, number);
        const key = request.headers['idempotency-key'];
        const updateId = typeof key === 'string' ? `${caller.user.id}:${key}` : undefined;
        const result = await idempotent(request, deps.instances.db(caller.instance), caller.user.id, async () => {
          const { task, decided } = await actOnTask(deps, caller.actor, { number, workflowId }, route.action, body, updateId);
          return { status: route.status, body: actionAnswer(task, caller.actor, decided) };
        });
        return sendStored(reply, result);
      },
    );
  }
}
