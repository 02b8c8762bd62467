import { Type } from 'typebox';
import { WorkflowNotFoundError, isGrpcServiceError, type WorkflowExecutionDescription } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors';
import { snapshotQuery } from '../../workflows/definitions';
import { reconcile } from '../../services/reconcile';
import { requireOperator } from '../plugins/auth';
import { errorResponses } from '../schemas';
import type { ApiDeps } from '../deps';

const WorkflowParams = Type.Object({ workflowId: Type.String({ minLength: 1, maxLength: 300 }) });

const summaryOf = (d: Pick<WorkflowExecutionDescription, 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'>) => ({
  workflowId: d.workflowId,
  runId: d.runId,
  status: d.status.name,
  startTime: d.startTime.toISOString(),
  closeTime: d.closeTime?.toISOString() ?? null,
  searchAttributes: Object.fromEntries(
    d.typedSearchAttributes.getAll().map(({ key, value }) => [key.name, value instanceof Date ? value.toISOString() : value]),
  ),
});

/** What a failing Temporal call means for an operator's request. */
function opsError(err: unknown, workflowId?: string): never {
  if (err instanceof WorkflowNotFoundError) throw new DomainError('not_found', `No exchange workflow ${workflowId}`);
  // The client wraps the server's gRPC error (e.g. in a ServiceError, as list() does): look at its cause too.
  const cause = (err as { cause?: unknown } | null | undefined)?.cause;
  const grpc = isGrpcServiceError(err) ? err : isGrpcServiceError(cause) ? cause : undefined;
  if (grpc?.code === 3) throw new DomainError('validation_failed', `query: ${grpc.details}`, { field: 'query' });
  if (grpc?.code === 5) throw new DomainError('not_found', `No exchange workflow ${workflowId}`);
  throw err;
}

/**
 * Operator visibility over every exchanged request, from Temporal itself: the same data the
 * Temporal UI shows, for scripts and for the dev server (which has no UI).
 */
export default async function opsRoutes(fastify: FastifyInstance, deps: ApiDeps) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onRequest', async (request) => requireOperator(request));

  app.get(
    '/ops/requests',
    {
      schema: {
        summary: 'Exchanged requests matching a Temporal visibility query (operator token)',
        description: 'e.g. ?query=SlaBreached = true AND ExchangeState = "work_in_progress"',
        querystring: Type.Object(
          {
            query: Type.Optional(Type.String({ maxLength: 2000 })),
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1 to 500 (default 100)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Type.Record(Type.String(), Type.Unknown())) }), ...errorResponses(401, 403, 422) },
      },
    },
    async (request) => {
      const { query, limit } = request.query;
      const max = limit === undefined ? 100 : Number(limit);
      if (max < 1 || max > 500) throw new DomainError('validation_failed', 'limit must be from 1 to 500', { field: 'limit' });
      const scoped = `WorkflowType = 'exchange'${query?.trim() ? ` AND (${query})` : ''}`;
      const items = [];
      try {
        for await (const w of deps.temporal.workflow.list({ query: scoped, pageSize: Math.min(max, 100) })) {
          items.push(summaryOf(w));
          if (items.length >= max) break;
        }
      } catch (err) {
        opsError(err);
      }
      return { items };
    },
  );

  app.get(
    '/ops/requests/:workflowId',
    {
      schema: {
        summary: "One request: Temporal's description, the workflow's live state, and pending activities with their last error",
        params: WorkflowParams,
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { workflowId } = request.params;
      const handle = deps.temporal.workflow.getHandle(workflowId);
      const description = await handle.describe().catch((err) => opsError(err, workflowId));
      if (description.type !== 'exchange') throw new DomainError('not_found', `No exchange workflow ${workflowId}`);
      const state = await handle.query(snapshotQuery).catch(() => null);
      return {
        ...summaryOf(description),
        historyLength: description.historyLength,
        state,
        pendingActivities: (description.raw.pendingActivities ?? []).map((a) => ({
          activityType: a.activityType?.name,
          attempt: a.attempt,
          lastFailure: a.lastFailure?.message ?? null,
        })),
      };
    },
  );

  app.get(
    '/ops/requests/:workflowId/history',
    {
      schema: {
        summary: 'The workflow event history as JSON (usable as a replay fixture)',
        params: WorkflowParams,
        // Sent as Temporal's own proto3 JSON, already serialized.
        response: { 200: Type.Unsafe<string>({ description: 'temporal.api.history.v1.History in proto3 JSON' }), ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { workflowId } = request.params;
      const history = await deps.temporal.workflow.getHandle(workflowId).fetchHistory().catch((err) => opsError(err, workflowId));
      return reply.type('application/json').send(historyToJSON(history));
    },
  );

  app.get(
    '/ops/reconcile',
    {
      schema: {
        summary: "Drift detection: every request's copies in both instances' databases against each other and its workflow (operator token)",
        description: 'The report `npm run reconcile` prints: { checked, inSync, pending, drifted: [{ workflowId, consumerNumber, providerNumber, differences }] }. Reads every request; meant for occasional checks.',
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...errorResponses(401, 403) },
      },
    },
    async () => ({ ...(await reconcile(deps.instances, deps.temporal)) }),
  );
}
