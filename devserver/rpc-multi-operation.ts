import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { api, durationMs, type proto } from './proto';
import { ServiceError, invalidArgument, statusDetails } from './errors';
import { abortedByClosing } from './updates';
import { awaitUpdate } from './rpc-queries-updates';
import { startWorkflow } from './rpc-executions';
import { pollBudget, type Handlers, type RequestOf } from './rpc-common';
import type { Execution } from './execution';
import type { Engine } from './engine';

// Update-with-start (ExecuteMultiOperation), after the real server's frontend checks (workflow_handler.go)
// and its history service (service/history/api/multioperation).

const { enums } = api;
type StartRequest = RequestOf<'StartWorkflowExecutionRequest'>;
type UpdateRequest = RequestOf<'UpdateWorkflowExecutionRequest'>;
type MultiOperationResponse = proto.temporal.api.workflowservice.v1.IExecuteMultiOperationResponse;

/** The status of the operation that did not run because the other one failed (serviceerror.MultiOperationAborted). */
const aborted = new ServiceError(status.ABORTED, 'Operation was aborted.', { typeName: 'temporal.api.failure.v1.MultiOperationExecutionAborted', value: {} });

/**
 * serviceerror.MultiOperationExecution: one status per operation (none for one that succeeded) in a
 * MultiOperationExecutionFailure detail; the call's code is the failed operation's, which the SDK unpacks.
 */
function multiOpError(start: ServiceError | undefined, update: ServiceError | undefined): ServiceError {
  const failed = [start, update].find((e) => e && e !== aborted);
  const statuses = [start, update].map((e) => (e ? { code: e.code, message: e.message, details: statusDetails(e) } : { code: status.OK }));
  return new ServiceError(failed?.code ?? status.ABORTED, 'Update-with-Start could not be executed.', {
    typeName: 'temporal.api.errordetails.v1.MultiOperationExecutionFailure',
    value: { statuses },
  });
}

/** WorkflowService: ExecuteMultiOperation, whose only allowed form is update-with-start: [Start, Update]. */
export function multiOperationHandlers(engine: Engine): Handlers {
  return {
    ExecuteMultiOperation: (req: RequestOf<'ExecuteMultiOperationRequest'>, call) => {
      const ns = engine.namespaces.get(req.namespace).name;
      const [first, second, ...more] = req.operations ?? [];
      // Decoded messages, as the typed requests of the single-operation RPCs.
      const start = first?.startWorkflow as StartRequest | null | undefined;
      const update = second?.updateWorkflow as UpdateRequest | null | undefined;
      if (!start || !update || more.length) throw invalidArgument('Operations have to be exactly [Start, Update].');
      checkOperations(req.namespace, start, update);
      return updateWithStart(engine, ns, start, update, Date.now() + pollBudget(call, 20_000));
    },
  };
}

/** The frontend's checks, each operation's error in its own status, before anything runs. */
function checkOperations(namespace: string, start: StartRequest, update: UpdateRequest): void {
  const otherNamespace = (ns: string) => !!ns && ns !== namespace;
  const startError = firstFailed([
    [otherNamespace(start.namespace), "Operation namespace did not match request's namespace."],
    [!!start.cronSchedule, 'CronSchedule is not allowed.'],
    [start.requestEagerExecution, 'RequestEagerExecution is not supported.'],
    [durationMs(start.workflowStartDelay) > 0, 'WorkflowStartDelay is not supported.'],
  ]);
  const updateError = firstFailed([
    [otherNamespace(update.namespace), "Operation namespace did not match request's namespace."],
    [!update.request?.input?.name, 'Update name is not set on request.'],
    [!!update.firstExecutionRunId, 'FirstExecutionRunId is not allowed.'],
    [!!update.workflowExecution?.runId, 'RunId is not allowed.'],
    [update.workflowExecution?.workflowId !== start.workflowId, 'WorkflowId is not consistent with previous operation(s).'],
  ]);
  if (startError || updateError) throw multiOpError(startError ?? aborted, updateError ?? aborted);
}

const firstFailed = (checks: [boolean, string][]) => {
  const failed = checks.find(([bad]) => bad);
  return failed ? invalidArgument(failed[1]) : undefined;
};

/**
 * The update goes to the running workflow when the start is a retry of the one that started it, the update is
 * already there, or the conflict policy says USE_EXISTING; otherwise the start runs (under its id policies), the
 * new run admitting the update before its first workflow task. Either way the call waits for the update's stage.
 */
async function updateWithStart(engine: Engine, ns: string, start: StartRequest, req: UpdateRequest, until: number, retried = false): Promise<MultiOperationResponse> {
  const request = { ...req.request!, meta: { ...req.request!.meta, updateId: req.request!.meta?.updateId || randomUUID() } };
  const current = engine.findRun(ns, start.workflowId);
  const known = current?.updates.get(request.meta.updateId);
  let run: Execution;
  let started = false;
  if (current && (known?.stage === 'completed' || (current.running && attaches(current, start, !!known)))) {
    run = current;
  } else {
    try {
      ({ exec: run, started } = startWorkflow(engine, start, { update: request }));
    } catch (err) {
      throw err instanceof ServiceError ? multiOpError(err, aborted) : err;
    }
  }
  const startResponse = { runId: run.runId, started, status: run.status };
  try {
    const updateResponse = await awaitUpdate(
      () => {
        const exec = engine.getRun(ns, start.workflowId);
        return { exec, update: engine.admitUpdate(exec, request) };
      },
      req.waitPolicy?.lifecycleStage,
      until - Date.now(),
    );
    return { responses: [{ startWorkflow: startResponse }, { updateWorkflow: updateResponse }] };
  } catch (err) {
    if (!(err instanceof ServiceError)) throw err;
    // The workflow it joined closed before accepting the update: as the real server, try once more (which starts
    // a new run), then answer ABORTED, which clients retry.
    if (!started && abortedByClosing(err)) {
      if (!retried) return updateWithStart(engine, ns, start, req, until, true);
      throw multiOpError(aborted, new ServiceError(status.ABORTED, err.message));
    }
    throw multiOpError(started ? undefined : aborted, err);
  }
}

function attaches(current: Execution, start: StartRequest, updateKnown: boolean): boolean {
  return (
    (!!start.requestId && current.startRequestId === start.requestId) ||
    updateKnown ||
    start.workflowIdConflictPolicy === enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
  );
}
