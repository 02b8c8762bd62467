import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { api, type proto } from './proto';
import { ServiceError, invalidArgument, notFound } from './errors';
import { updateAnswer, updateSettled } from './updates';
import { checkFirstRun, pollBudget, runOf, waitOn, type Handlers, type RequestOf } from './rpc-common';
import type { Execution, UpdateState } from './execution';
import type { Engine } from './engine';

const { enums } = api;

/**
 * Waits for an update to reach the wanted stage, at most `budgetMs` (the long-poll interval): `find` names
 * the run and update, again after an abort to be retried (the real server retries those internally).
 */
export async function awaitUpdate(find: () => { exec: Execution; update: UpdateState }, wanted: number | null | undefined, budgetMs: number) {
  const until = Date.now() + budgetMs;
  for (;;) {
    const { exec, update } = find();
    await waitOn(exec, until - Date.now(), () => updateSettled(update, wanted));
    const { retry, response } = updateAnswer(exec, update);
    if (!retry) return response;
    if (Date.now() >= until) return { stage: enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED };
  }
}

/** WorkflowService: queries and updates, which wait for a worker's answer. */
export function queryUpdateHandlers(engine: Engine): Handlers {
  const namespaces = engine.namespaces;
  return {
    QueryWorkflow: async (req: RequestOf<'QueryWorkflowRequest'>, call) => {
      const exec = runOf(engine, req.namespace, req.execution);
      if (!req.query?.queryType) throw invalidArgument('QueryType is not set on request.');
      const Reject = enums.v1.QueryRejectCondition;
      const cleanly = [enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED];
      if (
        (req.queryRejectCondition === Reject.QUERY_REJECT_CONDITION_NOT_OPEN && !exec.running) ||
        (req.queryRejectCondition === Reject.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY && !cleanly.includes(exec.status))
      ) {
        return { queryRejected: { status: exec.status } };
      }
      if (exec.running && exec.wftAttempt >= 3) {
        // As the real server: while the workflow task keeps failing, a query could only time out, so it fails fast.
        throw new ServiceError(grpc.status.FAILED_PRECONDITION, 'Unable to query workflow due to Workflow Task in failed state.');
      }
      const id = randomUUID();
      const result = await new Promise<{ answer?: proto.temporal.api.common.v1.IPayloads | null; error?: string }>((resolve, reject) => {
        const timer = setTimeout(() => {
          engine.forgetQuery(exec, id);
          reject(new ServiceError(grpc.status.DEADLINE_EXCEEDED, 'query timed out: no worker answered it in time'));
        }, pollBudget(call, 30_000));
        engine.query(exec, {
          id,
          query: req.query!,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
      if (result.error !== undefined) throw invalidArgument(result.error);
      return { queryResult: result.answer };
    },
    UpdateWorkflowExecution: async (req: RequestOf<'UpdateWorkflowExecutionRequest'>, call) => {
      const ns = namespaces.get(req.namespace).name;
      if (!req.request) throw invalidArgument('Update request is not set.');
      const request = req.request;
      return awaitUpdate(
        () => {
          const exec = engine.getRun(ns, req.workflowExecution?.workflowId ?? '', req.workflowExecution?.runId);
          checkFirstRun(exec, req.firstExecutionRunId);
          return { exec, update: engine.admitUpdate(exec, request) };
        },
        req.waitPolicy?.lifecycleStage,
        pollBudget(call, 20_000),
      );
    },
    PollWorkflowExecutionUpdate: async (req: RequestOf<'PollWorkflowExecutionUpdateRequest'>, call) => {
      const ref = req.updateRef;
      const ns = namespaces.get(req.namespace).name;
      return awaitUpdate(
        () => {
          const exec = engine.getRun(ns, ref?.workflowExecution?.workflowId ?? '', ref?.workflowExecution?.runId);
          const update = exec.updates.get(ref?.updateId ?? '');
          if (!update) throw notFound(exec.running ? `update ${ref?.updateId} not found` : 'workflow execution already completed');
          return { exec, update };
        },
        req.waitPolicy?.lifecycleStage,
        pollBudget(call, 20_000),
      );
    },
  };
}
