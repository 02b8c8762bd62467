import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors';
import { reconcile } from '../../services/reconcile';
import { describeRequest, listRequests, requestHistoryJSON } from '../../services/operations';
import { exchangeOverview } from '../../services/overview';
import { requireOperator } from '../plugins/auth';
import { errorResponses, OverviewSchema, ReconcileReportSchema } from '../schemas';
import type { ApiDeps } from '../deps';

const WorkflowParams = Type.Object({ workflowId: Type.String({ minLength: 1, maxLength: 300 }) });

/**
 * Operator visibility over every exchanged request, from Temporal itself: the same data the
 * Temporal UI shows, for scripts and for the operations page. A Fastify plugin, as long as its routes.
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
      const items = await listRequests(deps, query, max);
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
      return describeRequest(deps, workflowId);
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
      return reply.type('application/json').send(await requestHistoryJSON(deps, workflowId));
    },
  );

  app.get(
    '/ops/reconcile',
    {
      schema: {
        summary: "Drift detection: every request's copies in both instances' databases against each other and its workflow (operator token)",
        description: 'The report `npm run reconcile` prints: { checked, inSync, pending, drifted: [{ workflowId, consumerNumber, providerNumber, differences }] }. Reads every request; meant for occasional checks.',
        response: { 200: ReconcileReportSchema, ...errorResponses(401, 403) },
      },
    },
    async () => reconcile(deps.instances, deps.temporal),
  );

  app.get(
    '/ops/overview',
    {
      schema: {
        summary: 'The exchange at a glance, whole and per instance pair: requests by state, write backlog per side, failing writes, SLA breaches, escalations, database health (operator token)',
        description: 'What the operations page (/app/operations) shows. The reconcile report stays on demand (GET /ops/reconcile).',
        response: { 200: OverviewSchema, ...errorResponses(401, 403) },
      },
    },
    async () => exchangeOverview(deps, deps.temporalUiUrl),
  );
}
