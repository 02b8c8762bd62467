import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { api, EventType, durationMs, long, timestamp, type Failure, type HistoryEvent, type proto } from './proto';
import { ServiceError, invalidArgument, notFound } from './errors';
import { encodeToken, type TaskToken } from './task-token';
import { queueKey, type PollerInfo } from './matching';
import type { Execution, NexusOperationState } from './execution';
import type { Attrs } from './history';
import type { Engine } from './engine';

const { enums } = api;
type PollNexusTaskResponse = proto.temporal.api.workflowservice.v1.IPollNexusTaskQueueResponse;
type NexusResponse = proto.temporal.api.nexus.v1.IResponse;
type HandlerError = proto.temporal.api.nexus.v1.IHandlerError;
type Callback = proto.temporal.api.common.v1.ICallback;

/** The callback URL the real server gives handlers for completions it delivers itself (commonnexus.SystemCallbackURL). */
export const SYSTEM_CALLBACK_URL = 'temporal://system';
/** The callback header naming the operation a completion is for (ours: the URL is the server's own). */
const CALLBACK_TOKEN_HEADER = 'temporal-callback-token';
/** How long a handler has to answer one start request before it is tried again (the real server's default request timeout). */
const REQUEST_TIMEOUT_MS = 10_000;
// Retries of a start request that failed retryably, as the real server's default Nexus retry policy.
const RETRY_INITIAL_MS = 1_000;
const RETRY_MAX_MS = 60_000;
/** Handler error types the caller retries unless the handler says otherwise (Nexus's HandlerError.Retryable). */
const RETRYABLE_TYPES = new Set(['INTERNAL', 'UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'RESOURCE_EXHAUSTED']);

interface CallbackToken {
  ns: string;
  wid: string;
  rid: string;
  id: number;
  requestId: string;
}

/**
 * Nexus operations a workflow calls (ScheduleNexusOperation) on an endpoint whose target is a worker's
 * task queue, as the real server's nexusoperations component runs them: the start request goes to
 * that queue's Nexus pollers; a synchronous answer completes the operation, an asynchronous one starts
 * it, and the handler's workflow completes it through its completion callback when it closes. A
 * handler error is retried with backoff unless it is not retryable; the schedule-to-close timeout
 * ends it. Every outcome is an outside event on the caller's run.
 */
export class NexusOperations {
  constructor(private readonly e: Engine) {}

  /** The ScheduleNexusOperation command: its event, then the start request (once every command is written). */
  schedule(exec: Execution, a: Attrs, completedId: ReturnType<typeof long>, userMetadata: proto.temporal.api.sdk.v1.IUserMetadata | null | undefined, after: Array<() => void>): void {
    const endpoint = this.e.nexusEndpoints.byName(a.endpoint)!;
    const id = this.e.history.append(
      exec,
      EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
      {
        endpoint: a.endpoint,
        service: a.service,
        operation: a.operation,
        input: a.input,
        scheduleToCloseTimeout: a.scheduleToCloseTimeout,
        scheduleToStartTimeout: a.scheduleToStartTimeout,
        startToCloseTimeout: a.startToCloseTimeout,
        nexusHeader: a.nexusHeader,
        workflowTaskCompletedEventId: completedId,
        requestId: randomUUID(),
        endpointId: endpoint.id,
      },
      undefined,
      userMetadata,
    );
    after.push(() => {
      const op = exec.nexusOperations.get(id);
      if (op && exec.running) this.arm(exec, op);
    });
  }

  /** Arms what an operation waits for: its timeouts, and its start request while it has not started. */
  arm(exec: Execution, op: NexusOperationState): void {
    const { TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, TIMEOUT_TYPE_SCHEDULE_TO_START } = enums.v1.TimeoutType;
    const scheduleToClose = durationMs(op.attrs.scheduleToCloseTimeout);
    const scheduleToStart = durationMs(op.attrs.scheduleToStartTimeout);
    // Deadlines first in `deadlines`: an attempt's timers come and go after them.
    if (scheduleToClose > 0) op.deadlines.push(this.e.clock.at(op.scheduledTime + scheduleToClose, () => this.timedOut(exec, op, TIMEOUT_TYPE_SCHEDULE_TO_CLOSE)));
    if (scheduleToStart > 0 && op.state === 'scheduled') {
      op.deadlines.push(this.e.clock.at(op.scheduledTime + scheduleToStart, () => op.state === 'scheduled' && this.timedOut(exec, op, TIMEOUT_TYPE_SCHEDULE_TO_START)));
    }
    if (op.state === 'scheduled') this.request(exec, op);
    else {
      this.armStartToClose(exec, op);
      if (op.cancelRequestedEventId && !op.cancelDone) this.requestCancelation(exec, op);
    }
  }

  /** Start-to-close counts from the operation's start: the real server's newer per-operation timeout. */
  private armStartToClose(exec: Execution, op: NexusOperationState): void {
    const startToClose = durationMs(op.attrs.startToCloseTimeout);
    const startedAt = op.startedTime ?? this.e.clock.now();
    if (startToClose > 0) op.deadlines.push(this.e.clock.at(startedAt + startToClose, () => this.timedOut(exec, op, enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE)));
  }

  /** Offers the start request to the endpoint's task queue. While it waits for a worker, time skipping waits too. */
  private request(exec: Execution, op: NexusOperationState): void {
    const endpoint = this.e.nexusEndpoints.byName(op.attrs.endpoint ?? '');
    if (!endpoint) {
      this.finish(exec, op, EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED, { message: `endpoint "${op.attrs.endpoint}" not found`, applicationFailureInfo: { nonRetryable: true } });
      return;
    }
    op.release ??= this.e.clock.hold();
    op.nextAttemptTime = undefined;
    const attempt = op.attempt;
    this.e.nexusTasks.offer(queueKey(endpoint.namespace, endpoint.taskQueue), (poller) => this.startRequest(exec, op, attempt, poller));
  }

  private pending(exec: Execution, op: NexusOperationState): boolean {
    return exec.running && exec.nexusOperations.get(op.scheduledEventId) === op && op.state !== 'done';
  }

  private startRequest(exec: Execution, op: NexusOperationState, attempt: number, _poller: PollerInfo): PollNexusTaskResponse | undefined {
    if (!this.pending(exec, op) || op.state !== 'scheduled' || op.attempt !== attempt) return undefined;
    const a = op.attrs;
    const callback: CallbackToken = { ns: exec.ns, wid: exec.workflowId, rid: exec.runId, id: op.scheduledEventId, requestId: a.requestId ?? '' };
    // No answer in time: the request is tried again, as a request that timed out.
    op.timers.push(this.e.clock.after(REQUEST_TIMEOUT_MS, () => op.attempt === attempt && this.attemptFailed(exec, op, { message: 'request timed out' }, true)));
    const scheduleToClose = durationMs(a.scheduleToCloseTimeout);
    const header: Record<string, string> = { ...a.nexusHeader };
    if (scheduleToClose > 0) header['request-timeout'] = `${Math.max(0, Math.min(REQUEST_TIMEOUT_MS, op.scheduledTime + scheduleToClose - this.e.clock.now()))}ms`;
    return {
      taskToken: encodeToken({ ns: exec.ns, wid: exec.workflowId, rid: exec.runId, kind: 'nexus', id: op.scheduledEventId, seq: attempt }),
      request: {
        header,
        scheduledTime: timestamp(op.scheduledTime),
        endpoint: a.endpoint,
        capabilities: { temporalFailureResponses: true },
        startOperation: {
          service: a.service,
          operation: a.operation,
          requestId: a.requestId,
          callback: SYSTEM_CALLBACK_URL,
          callbackHeader: { [CALLBACK_TOKEN_HEADER]: Buffer.from(JSON.stringify(callback)).toString('base64url') },
          payload: a.input,
        },
      },
    };
  }

  /** The operation a Nexus task token names, while that request (to start it, or to cancel it) is the one outstanding. */
  private byToken(token: TaskToken): { exec: Execution; op: NexusOperationState } {
    const exec = this.e.runById(token.ns, token.rid);
    const op = exec?.nexusOperations.get(Number(token.id));
    const current =
      token.kind === 'nexus'
        ? op?.state === 'scheduled' && op.attempt === token.seq
        : token.kind === 'nexus-cancel' && op?.state === 'started' && !op.cancelDone && op.cancelAttempt === token.seq;
    if (!exec || !op || !current || !this.pending(exec, op)) throw notFound('Nexus task not found or already expired');
    return { exec, op };
  }

  /** RespondNexusTaskCompleted. */
  respondCompleted(token: TaskToken, response: NexusResponse | null | undefined): void {
    const { exec, op } = this.byToken(token);
    if (token.kind === 'nexus-cancel') {
      if (!response?.cancelOperation) throw invalidArgument('the response to a cancel request must carry cancelOperation');
      this.cancelationAnswered(exec, op);
    } else {
      this.completed(exec, op, response);
    }
  }

  /** RespondNexusTaskFailed. */
  respondFailed(token: TaskToken, failure: Failure | null | undefined, error: HandlerError | null | undefined): void {
    const { exec, op } = this.byToken(token);
    const { retryable, cause } = handlerFailure(failure, error);
    if (token.kind === 'nexus-cancel') this.cancelationFailed(exec, op, cause, retryable);
    else this.attemptFailed(exec, op, cause, retryable);
  }

  /** A start request's answer: a result (synchronous), a started operation (asynchronous), or the operation's own failure. */
  private completed(exec: Execution, op: NexusOperationState, response: NexusResponse | null | undefined): void {
    const start = response?.startOperation;
    if (!start) throw invalidArgument('the response to a start request must carry startOperation');
    if (start.syncSuccess) {
      this.finish(exec, op, EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED, undefined, { result: start.syncSuccess.payload });
    } else if (start.asyncSuccess) {
      const token = start.asyncSuccess.operationToken || start.asyncSuccess.operationId || '';
      if (!token) throw invalidArgument('an asynchronous start must carry an operation token');
      this.started(exec, op, token);
    } else {
      const failure = start.failure ?? nexusFailure(start.operationError?.failure, start.operationError?.operationState === 'canceled');
      const canceled = !!failure.canceledFailureInfo;
      this.finish(exec, op, canceled ? EventType.EVENT_TYPE_NEXUS_OPERATION_CANCELED : EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED, failure);
    }
  }

  private attemptFailed(exec: Execution, op: NexusOperationState, failure: Failure, retryable: boolean): void {
    if (!this.pending(exec, op) || op.state !== 'scheduled') return;
    if (!retryable) {
      this.finish(exec, op, EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED, failure);
      return;
    }
    const next = ++op.attempt;
    this.backOff(exec, op, failure, next - 1, () => op.attempt === next && this.request(exec, op));
  }

  /**
   * A request that failed retryably goes again after a backoff (1 s doubling, at most a minute). The
   * backoff is a server timer: time skipping may jump it (the next request holds the clock again).
   */
  private backOff(exec: Execution, op: NexusOperationState, failure: Failure, failedAttempt: number, resend: () => void): void {
    const delay = Math.min(RETRY_INITIAL_MS * 2 ** (failedAttempt - 1), RETRY_MAX_MS);
    this.noteFailedAttempt(op, failure, delay);
    this.clearAttemptTimers(op);
    this.release(op);
    op.timers.push(this.e.clock.after(delay, () => this.pending(exec, op) && resend()));
  }

  private started(exec: Execution, op: NexusOperationState, operationToken: string): void {
    op.attempt++; // the start request is answered: a late answer to it is stale
    this.clearAttemptTimers(op);
    this.release(op);
    op.state = 'started';
    op.operationToken = operationToken;
    // What Describe shows from now on is the cancel request's attempts, if any.
    op.lastAttemptFailure = undefined;
    op.lastAttemptCompleteTime = undefined;
    op.nextAttemptTime = undefined;
    op.startedTime = this.e.clock.now();
    this.armStartToClose(exec, op);
    this.e.history.addExternal(exec, [
      {
        type: EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED,
        attrs: { scheduledEventId: long(op.scheduledEventId), operationToken, operationId: operationToken, requestId: op.attrs.requestId },
      },
    ]);
    // A cancelation asked for before the operation started goes to the handler now that there is something to cancel.
    if (op.cancelRequestedEventId && !op.cancelDone) this.requestCancelation(exec, op);
  }

  // ---------------------------------------------------------------- cancelation

  /** The RequestCancelNexusOperation command: its event; the handler is asked once the operation has started. */
  requestCancel(exec: Execution, scheduledEventId: number, completedId: ReturnType<typeof long>, userMetadata: proto.temporal.api.sdk.v1.IUserMetadata | null | undefined, after: Array<() => void>): void {
    const id = this.e.history.append(
      exec,
      EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED,
      { scheduledEventId: long(scheduledEventId), workflowTaskCompletedEventId: completedId },
      undefined,
      userMetadata,
    );
    const op = exec.nexusOperations.get(scheduledEventId);
    if (op) op.cancelRequestedEventId = id;
    after.push(() => op && op.state === 'started' && this.pending(exec, op) && this.requestCancelation(exec, op));
  }

  private requestCancelation(exec: Execution, op: NexusOperationState): void {
    const endpoint = this.e.nexusEndpoints.byName(op.attrs.endpoint ?? '');
    if (!endpoint) {
      this.cancelationAnswered(exec, op, { message: `endpoint "${op.attrs.endpoint}" not found` });
      return;
    }
    // Until the handler answers, time skipping waits for it (as for the start request).
    op.release ??= this.e.clock.hold();
    op.nextAttemptTime = undefined;
    const attempt = op.cancelAttempt;
    this.e.nexusTasks.offer(queueKey(endpoint.namespace, endpoint.taskQueue), () => {
      if (!this.pending(exec, op) || op.cancelDone || op.cancelAttempt !== attempt) return undefined;
      op.timers.push(this.e.clock.after(REQUEST_TIMEOUT_MS, () => op.cancelAttempt === attempt && this.cancelationFailed(exec, op, { message: 'request timed out' }, true)));
      return {
        taskToken: encodeToken({ ns: exec.ns, wid: exec.workflowId, rid: exec.runId, kind: 'nexus-cancel', id: op.scheduledEventId, seq: attempt }),
        request: {
          header: { ...op.attrs.nexusHeader },
          scheduledTime: timestamp(this.e.clock.now()),
          endpoint: op.attrs.endpoint,
          capabilities: { temporalFailureResponses: true },
          cancelOperation: { service: op.attrs.service, operation: op.attrs.operation, operationToken: op.operationToken, operationId: op.operationToken },
        },
      };
    });
  }

  private cancelationFailed(exec: Execution, op: NexusOperationState, failure: Failure, retryable: boolean): void {
    if (!this.pending(exec, op) || op.cancelDone) return;
    if (!retryable) {
      this.cancelationAnswered(exec, op, failure);
      return;
    }
    const next = ++op.cancelAttempt;
    this.backOff(exec, op, failure, next - 1, () => op.cancelAttempt === next && !op.cancelDone && this.requestCancelation(exec, op));
  }

  /** The handler took the cancel request (the operation ends when its handler says so), or refused it. */
  private cancelationAnswered(exec: Execution, op: NexusOperationState, failure?: Failure): void {
    op.cancelDone = true;
    op.cancelFailed = !!failure;
    op.cancelAttempt++;
    this.clearAttemptTimers(op);
    this.release(op);
    const attrs = { scheduledEventId: long(op.scheduledEventId), requestedEventId: long(op.cancelRequestedEventId ?? 0), failure };
    this.e.history.addExternal(exec, [
      { type: failure ? EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED : EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED, attrs },
    ]);
  }

  private timedOut(exec: Execution, op: NexusOperationState, timeoutType: number): void {
    if (!this.pending(exec, op)) return;
    this.finish(exec, op, EventType.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT, { message: 'operation timed out', timeoutFailureInfo: { timeoutType } });
  }

  /** Records the operation's outcome; a failure is wrapped as the real server wraps it (NexusOperationFailureInfo). */
  private finish(exec: Execution, op: NexusOperationState, type: number, cause?: Failure, extra: Attrs = {}): void {
    if (!this.pending(exec, op)) return;
    this.stop(op);
    // Done now, though its event may wait in the buffer while a workflow task runs: no second outcome.
    op.state = 'done';
    const failure: Failure | undefined = cause && {
      message: 'nexus operation completed unsuccessfully',
      nexusOperationExecutionFailureInfo: {
        scheduledEventId: long(op.scheduledEventId),
        endpoint: op.attrs.endpoint,
        service: op.attrs.service,
        operation: op.attrs.operation,
        operationToken: op.operationToken ?? '',
        operationId: op.operationToken ?? '',
      },
      cause,
    };
    this.e.history.addExternal(exec, [{ type, attrs: { scheduledEventId: long(op.scheduledEventId), requestId: op.attrs.requestId, failure, ...extra } }]);
  }

  private noteFailedAttempt(op: NexusOperationState, failure: Failure, delayMs: number): void {
    const now = this.e.clock.now();
    op.lastAttemptFailure = failure;
    op.lastAttemptCompleteTime = now;
    op.nextAttemptTime = now + delayMs;
  }

  /** DescribeWorkflowExecution's view of a pending operation, as the real server gives it. */
  static pendingInfo(op: NexusOperationState): proto.temporal.api.workflow.v1.IPendingNexusOperationInfo {
    const { PendingNexusOperationState: S, NexusOperationCancellationState: C } = enums.v1;
    const starting = op.state === 'scheduled';
    // The start request's attempts while it has not started, the cancel request's after.
    const attempts = {
      lastAttemptFailure: op.lastAttemptFailure,
      lastAttemptCompleteTime: op.lastAttemptCompleteTime ? timestamp(op.lastAttemptCompleteTime) : undefined,
      nextAttemptScheduleTime: op.nextAttemptTime ? timestamp(op.nextAttemptTime) : undefined,
    };
    const a = op.attrs;
    return {
      endpoint: a.endpoint,
      service: a.service,
      operation: a.operation,
      operationToken: op.operationToken,
      operationId: op.operationToken,
      scheduleToCloseTimeout: a.scheduleToCloseTimeout,
      scheduleToStartTimeout: a.scheduleToStartTimeout,
      startToCloseTimeout: a.startToCloseTimeout,
      scheduledTime: timestamp(op.scheduledTime),
      scheduledEventId: long(op.scheduledEventId),
      state: !starting ? S.PENDING_NEXUS_OPERATION_STATE_STARTED : op.nextAttemptTime ? S.PENDING_NEXUS_OPERATION_STATE_BACKING_OFF : S.PENDING_NEXUS_OPERATION_STATE_SCHEDULED,
      attempt: op.attempt,
      ...(starting ? attempts : {}),
      cancellationInfo: op.cancelRequestedEventId
        ? {
            requestedTime: op.cancelRequestedTime ? timestamp(op.cancelRequestedTime) : undefined,
            state: op.cancelDone
              ? op.cancelFailed
                ? C.NEXUS_OPERATION_CANCELLATION_STATE_FAILED
                : C.NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED
              : op.nextAttemptTime && !starting
                ? C.NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF
                : C.NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED,
            attempt: op.cancelAttempt,
            ...(!starting ? attempts : {}),
          }
        : undefined,
    };
  }

  private clearAttemptTimers(op: NexusOperationState): void {
    for (const t of op.timers) t.cancel();
    op.timers = [];
  }

  stop(op: NexusOperationState): void {
    for (const t of [...op.timers, ...op.deadlines]) t.cancel();
    op.timers = [];
    op.deadlines = [];
    this.release(op);
  }

  private release(op: NexusOperationState): void {
    op.release?.();
    op.release = undefined;
  }

  // ---------------------------------------------------------------- the handler's side

  /** The completion callbacks a start may carry: only the server's own (what this server hands handlers). */
  static checkCallbacks(callbacks: Callback[] | null | undefined): void {
    for (const cb of callbacks ?? []) {
      if (cb.nexus?.url !== SYSTEM_CALLBACK_URL || !cb.nexus.header?.[CALLBACK_TOKEN_HEADER]) {
        throw new ServiceError(
          status.UNIMPLEMENTED,
          `completionCallbacks is not implemented by the dev server for other callbacks than its own Nexus operations' (${SYSTEM_CALLBACK_URL})`,
        );
      }
    }
  }

  /** A handler's run closed with no run after it: its callbacks complete the operations that started it. */
  deliverCallbacks(handler: Execution, close: HistoryEvent): void {
    if (!handler.hasCompletionCallbacks) return;
    for (const cb of handler.started.completionCallbacks ?? []) {
      let token: CallbackToken;
      try {
        token = JSON.parse(Buffer.from(cb.nexus?.header?.[CALLBACK_TOKEN_HEADER] ?? '', 'base64url').toString('utf8')) as CallbackToken;
      } catch {
        continue;
      }
      const exec = this.e.runById(token.ns, token.rid);
      const op = exec?.nexusOperations.get(token.id);
      if (!exec || !op || op.attrs.requestId !== token.requestId || !this.pending(exec, op)) continue;
      // The run can close before its handler's answer to the start request arrives: started first, as the real server records it.
      if (op.state === 'scheduled') this.started(exec, op, cb.nexus?.header?.['nexus-operation-token'] ?? '');
      const outcome = handlerOutcome(close);
      if (outcome.result !== undefined) this.finish(exec, op, EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED, undefined, { result: outcome.result });
      else this.finish(exec, op, outcome.canceled ? EventType.EVENT_TYPE_NEXUS_OPERATION_CANCELED : EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED, outcome.failure);
    }
  }
}

/** What a handler workflow's close says of the operation it backs. */
function handlerOutcome(close: HistoryEvent): { result?: proto.temporal.api.common.v1.IPayload | null; failure?: Failure; canceled?: boolean } {
  if (close.workflowExecutionCompletedEventAttributes) return { result: close.workflowExecutionCompletedEventAttributes.result?.payloads?.[0] ?? null };
  if (close.workflowExecutionFailedEventAttributes) return { failure: close.workflowExecutionFailedEventAttributes.failure ?? { message: 'workflow failed' } };
  if (close.workflowExecutionCanceledEventAttributes) {
    return { canceled: true, failure: { message: 'operation canceled', canceledFailureInfo: { details: close.workflowExecutionCanceledEventAttributes.details } } };
  }
  if (close.workflowExecutionTerminatedEventAttributes) {
    const t = close.workflowExecutionTerminatedEventAttributes;
    return { failure: { message: t.reason || 'operation terminated', terminatedFailureInfo: {} } };
  }
  return { failure: { message: 'operation exceeded internal timeout', timeoutFailureInfo: { timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE } } };
}

/** A handler error as a Temporal failure, and whether the caller retries it (unless the handler says, by its type). */
function handlerFailure(failure: Failure | null | undefined, error: HandlerError | null | undefined): { retryable: boolean; cause: Failure } {
  const info = failure?.nexusHandlerFailureInfo;
  const type = info?.type ?? error?.errorType ?? 'INTERNAL';
  const behavior = info?.retryBehavior ?? error?.retryBehavior ?? 0;
  const { NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE: RETRYABLE, NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE: NON_RETRYABLE } = enums.v1.NexusHandlerErrorRetryBehavior;
  const retryable = behavior === RETRYABLE || (behavior !== NON_RETRYABLE && RETRYABLE_TYPES.has(type));
  return { retryable, cause: failure ?? nexusFailure(error?.failure, false, type) };
}

/** A failure in Nexus's own format (a handler that does not answer with Temporal failures) as a Temporal failure. */
function nexusFailure(f: proto.temporal.api.nexus.v1.IFailure | null | undefined, canceled: boolean, type?: string): Failure {
  const message = f?.message ?? '';
  if (canceled) return { message, canceledFailureInfo: {} };
  return type ? { message, nexusHandlerFailureInfo: { type } } : { message, applicationFailureInfo: { type: 'OperationError', nonRetryable: true } };
}
