import { api, long, type proto } from './proto';
import { notFound } from './errors';
import type { Execution, PendingQuery, WorkflowTaskState } from './execution';
import { encodeToken, type TaskToken } from './task-token';
import { queueKey } from './matching';
import { NORMAL } from './history';
import type { Engine } from './engine';

const { enums } = api;

/**
 * Queries: a running workflow answers them with its next workflow task; a closed one (or one with a task
 * in flight past them) through a query task, the real server's legacy query.
 */
export class Queries {
  private readonly legacy = new Map<string, { exec: Execution; query: PendingQuery }>();

  constructor(private readonly e: Engine) {}

  route(exec: Execution, q: PendingQuery): void {
    if (exec.running && exec.wft && !exec.wft.startedEventId) exec.wft.queries.set(q.id, q);
    else if (exec.running && exec.wft) exec.queuedQueries.push(q);
    else this.dispatchLegacy(exec, q);
  }

  forget(exec: Execution, id: string): void {
    this.legacy.delete(id);
    exec.wft?.queries.delete(id);
    exec.queuedQueries = exec.queuedQueries.filter((q) => q.id !== id);
  }

  dispatchLegacy(exec: Execution, q: PendingQuery): void {
    this.legacy.set(q.id, { exec, query: q });
    const sticky = exec.running && exec.sticky && this.e.workflowTasks.hasPoller(queueKey(exec.ns, exec.sticky.queue)) ? exec.sticky.queue : undefined;
    this.e.workflowTasks.offer(queueKey(exec.ns, sticky ?? exec.taskQueue), () => {
      if (!this.legacy.has(q.id)) return undefined;
      return {
        taskToken: encodeToken({ ns: exec.ns, wid: exec.workflowId, rid: exec.runId, kind: 'query', id: q.id, seq: 0 }),
        workflowExecution: { workflowId: exec.workflowId, runId: exec.runId },
        workflowType: { name: exec.workflowType },
        previousStartedEventId: long(exec.lastCompletedStartedEventId),
        startedEventId: long(0),
        attempt: 1,
        history: { events: sticky ? [] : exec.history.slice() },
        workflowExecutionTaskQueue: { name: exec.taskQueue, kind: NORMAL },
        query: q.query,
      };
    });
  }

  answerLegacy(token: TaskToken, req: proto.temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest): void {
    const entry = this.legacy.get(String(token.id));
    if (token.kind !== 'query' || !entry) throw notFound('query task not found, or already expired');
    this.legacy.delete(String(token.id));
    entry.query.resolve(
      req.completedType === enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED
        ? { answer: req.queryResult }
        : { error: req.errorMessage || req.failure?.message || 'query failed' },
    );
  }
}

/** Resolves the queries a completed workflow task answered. */
export function answerTaskQueries(task: WorkflowTaskState, results: Record<string, proto.temporal.api.query.v1.IWorkflowQueryResult> | null | undefined): void {
  for (const [id, result] of Object.entries(results ?? {})) {
    const q = task.queries.get(id);
    task.queries.delete(id);
    q?.resolve(
      result.resultType === enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED
        ? { answer: result.answer }
        : { error: result.errorMessage || result.failure?.message || 'query failed' },
    );
  }
}
