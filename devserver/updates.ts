import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { ServiceError, invalidArgument, notFound } from './errors';
import { api, EventType, decodeMessage, encodeMessage, long, type Failure, type ProtocolMessage, type proto } from './proto';
import type { Execution, UpdateOutcome, UpdateState } from './execution';
import type { Attrs } from './history';

// The lifecycle of an update that has not completed yet, after the real server's update registry
// (service/history/workflow/update: abort_reason.go, errors_failures.go, registry.go).

const Stage = api.enums.v1.UpdateWorkflowExecutionLifecycleStage;

/** The outcome of an accepted update whose workflow closed first: a failure, not an error, since its caller knows it was accepted. */
const acceptedUpdateCompletedWorkflowFailure: Failure = {
  message: 'Workflow Update failed because the Workflow completed before the Update completed.',
  source: 'Server',
  applicationFailureInfo: { type: 'AcceptedUpdateCompletedWorkflow', nonRetryable: true },
};

const OutcomeType = api.update.v1.Outcome;
/** An outcome as an update keeps it: encoded, in its own memory (decoded, one cost a parked run about 700 bytes). */
export const encodeOutcome = (outcome: UpdateOutcome): Uint8Array => new Uint8Array(OutcomeType.encode(outcome).finish());
const decodeOutcome = (encoded: Uint8Array): UpdateOutcome => OutcomeType.decode(encoded);
export const acceptedUpdateCompletedWorkflow = encodeOutcome({ failure: acceptedUpdateCompletedWorkflowFailure });

/** The server rejects on the worker's behalf an update it was sent and ignored (an old SDK or a bug), so it is not sent forever. */
const unprocessedUpdateFailure: Failure = {
  message: "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
  source: 'Server',
  applicationFailureInfo: { type: 'UnprocessedUpdate', nonRetryable: true },
};

const ABORTED_BY_CLOSING = 'workflow update was aborted by closing workflow';
const abortedByWorkflowClosing = () => notFound(ABORTED_BY_CLOSING);
/** Whether an update failed because its workflow closed without accepting it (update-with-start retries those). */
export const abortedByClosing = (err: ServiceError) => err.code === status.NOT_FOUND && err.message === ABORTED_BY_CLOSING;

/** serviceerror.WorkflowNotReady: FAILED_PRECONDITION with a WorkflowNotReadyFailure detail. */
const workflowTaskFailed = () =>
  new ServiceError(status.FAILED_PRECONDITION, 'Unable to perform workflow execution update due to unexpected workflow task failure.', {
    typeName: 'temporal.api.errordetails.v1.WorkflowNotReadyFailure',
    value: {},
  });

/** Stops waiters on an update that leaves the registry without an outcome. */
function abort(exec: Execution, update: UpdateState, why: UpdateState['aborted']): void {
  update.aborted = why;
  exec.updates.delete(update.id);
}

function complete(exec: Execution, update: UpdateState, failure: Failure | null | undefined): void {
  update.stage = 'completed';
  update.outcome = encodeOutcome({ failure });
  exec.updates.delete(update.id);
}

/**
 * Admits an update (or finds the one with the same id); `scheduleTask` makes a speculative workflow task
 * carry it when none is pending.
 */
export function admitUpdate(exec: Execution, request: proto.temporal.api.update.v1.IRequest, scheduleTask: () => void): UpdateState {
  const id = request.meta?.updateId || randomUUID();
  const existing = exec.updates.get(id);
  if (existing) return existing;
  if (!exec.running) throw notFound('workflow execution already completed');
  if (!request.input?.name) throw invalidArgument('Update name is not set on request.');
  // Re-decoded so the kept request does not pin the whole RPC message its payloads were sliced from.
  const own = decodeMessage<proto.temporal.api.update.v1.IRequest>(
    'temporal.api.update.v1.Request',
    encodeMessage('temporal.api.update.v1.Request', { ...request, meta: { ...request.meta, updateId: id } }),
  );
  const update: UpdateState = { id, request: own, stage: 'admitted', delivered: false };
  exec.updates.set(id, update);
  if (!exec.wft && !exec.firstTaskDelayed) scheduleTask();
  return update;
}

/** The event a worker's acceptance or response message writes (a rejection writes none: applyRejections). */
export function updateMessageEvent(exec: Execution, m: ProtocolMessage): { type: number; attrs: Attrs } | undefined {
  const type_url = m.body?.type_url ?? '';
  if (type_url.endsWith('temporal.api.update.v1.Acceptance')) {
    const acc = decodeMessage<proto.temporal.api.update.v1.IAcceptance>('temporal.api.update.v1.Acceptance', m.body!.value!);
    const update = exec.updates.get(m.protocolInstanceId ?? '');
    return {
      type: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      attrs: {
        protocolInstanceId: m.protocolInstanceId,
        acceptedRequestMessageId: acc.acceptedRequestMessageId,
        acceptedRequestSequencingEventId: acc.acceptedRequestSequencingEventId,
        acceptedRequest: acc.acceptedRequest ?? update?.request,
      },
    };
  }
  if (type_url.endsWith('temporal.api.update.v1.Response')) {
    const res = decodeMessage<proto.temporal.api.update.v1.IResponse>('temporal.api.update.v1.Response', m.body!.value!);
    const update = exec.updates.get(res.meta?.updateId ?? m.protocolInstanceId ?? '');
    return {
      type: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
      attrs: { meta: res.meta, acceptedEventId: long(update?.acceptedEventId ?? 0), outcome: res.outcome },
    };
  }
  return undefined;
}

const sent = (u: UpdateState) => u.stage === 'admitted' && u.delivered;

/** The request messages a starting task carries: every update admitted and not (or no longer) counted as sent. */
export function sendUpdates(exec: Execution, startedEventId: number): ProtocolMessage[] {
  const messages: ProtocolMessage[] = [];
  for (const update of exec.updates.values()) {
    if (update.stage !== 'admitted' || update.delivered) continue;
    update.delivered = true;
    messages.push({
      id: `${update.id}/request`,
      protocolInstanceId: update.id,
      // Sequenced after the event before WorkflowTaskStarted, as the real server does.
      eventId: long(startedEventId - 1),
      body: { type_url: 'type.googleapis.com/temporal.api.update.v1.Request', value: encodeMessage('temporal.api.update.v1.Request', update.request) },
    });
  }
  return messages;
}

/**
 * A task the worker failed, or that timed out, will not answer its updates: they go out again with the
 * next one (the real server sends already-sent updates again when a task is retried), and their callers
 * see only a delay.
 */
export function unsendUpdates(exec: Execution): void {
  for (const update of exec.updates.values()) if (update.stage === 'admitted') update.delivered = false;
}

/**
 * The server refused a completion (AbortReasonWorkflowTaskFailed): updates the workflow was sent cannot be
 * retried (the workflow might fail on them again), so their callers get FAILED_PRECONDITION; updates it had
 * not seen are delivered with the next task, their callers unaware; accepted ones carry on.
 */
export function abortSentUpdates(exec: Execution): void {
  for (const update of [...exec.updates.values()]) if (sent(update)) abort(exec, update, workflowTaskFailed());
  exec.notify();
}

/**
 * The run closed. Updates it never accepted are aborted: with NOT_FOUND when it is the last run, or retried
 * against the run that continues it (continue-as-new, retry), their callers unaware. Accepted ones were
 * completed with acceptedUpdateCompletedWorkflowFailure when the close event was applied.
 */
export function abortOnClose(exec: Execution, continuing: boolean): void {
  for (const update of [...exec.updates.values()]) {
    if (update.stage === 'admitted') abort(exec, update, continuing ? 'retry' : abortedByWorkflowClosing());
  }
}

/** Applies the worker's rejections: a rejected update leaves no trace but its caller's answer. */
export function applyRejections(exec: Execution, messages: Iterable<ProtocolMessage>): void {
  for (const m of messages) {
    if (!m.body?.type_url?.endsWith('temporal.api.update.v1.Rejection')) continue;
    const rejection = decodeMessage<proto.temporal.api.update.v1.IRejection>('temporal.api.update.v1.Rejection', m.body.value!);
    const update = exec.updates.get(m.protocolInstanceId ?? '');
    if (update) complete(exec, update, rejection.failure);
  }
}

/**
 * After a completion that left the workflow running: an update sent to the worker must have been accepted or
 * rejected by now. Not for a heartbeat completion, which need not answer anything.
 */
export function rejectUnprocessed(exec: Execution): void {
  for (const update of [...exec.updates.values()]) if (sent(update)) complete(exec, update, unprocessedUpdateFailure);
  exec.notify();
}

export interface UpdateWaitResult {
  /** The update was aborted to be retried: admit it again, on the workflow's current run. */
  retry?: true;
  response?: proto.temporal.api.workflowservice.v1.IUpdateWorkflowExecutionResponse;
}

const stageOf = (update: UpdateState) =>
  update.stage === 'completed'
    ? Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
    : update.stage === 'accepted'
      ? Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
      : Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED;

/** Whether a waiter for `wanted` may answer now. */
export function updateSettled(update: UpdateState, wanted: number | null | undefined): boolean {
  return !!update.aborted || stageOf(update) >= (wanted || Stage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
}

/**
 * What a waiter answers once settled or out of time: the abort error, a retry, or the stage reached (on a
 * long-poll expiry below the wanted stage, the caller asks again with the same update id).
 */
export function updateAnswer(exec: Execution, update: UpdateState): UpdateWaitResult {
  if (update.aborted === 'retry') return { retry: true };
  if (update.aborted) throw update.aborted;
  return {
    response: {
      updateRef: { workflowExecution: { workflowId: exec.workflowId, runId: exec.runId }, updateId: update.id },
      outcome: update.stage === 'completed' && update.outcome ? decodeOutcome(update.outcome) : undefined,
      stage: stageOf(update),
    },
  };
}
