// Operator visibility over every exchanged request, from Temporal itself: the same data the Temporal UI
// shows, for scripts and for the dev server.
import { WorkflowNotFoundError, isGrpcServiceError, type WorkflowExecutionDescription } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DomainError } from '../domain/errors';
import { snapshotQuery } from '../workflows/definitions';
import type { ServiceDeps } from './deps';

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

/** Exchange workflows matching a visibility query (within the exchange workflows), at most `max`. */
export async function listRequests(deps: ServiceDeps, query: string | undefined, max: number) {
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
  return items;
}

/** One request: Temporal's description, the workflow's live state, and its pending activities with their last error. */
export async function describeRequest(deps: ServiceDeps, workflowId: string) {
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
}

/** The workflow's event history in Temporal's proto3 JSON (usable as a replay fixture). */
export async function requestHistoryJSON(deps: ServiceDeps, workflowId: string): Promise<string> {
  const history = await deps.temporal.workflow.getHandle(workflowId).fetchHistory().catch((err) => opsError(err, workflowId));
  return historyToJSON(history);
}
