import { randomUUID } from 'node:crypto';
import {
  api,
  EventType,
  WorkflowExecutionStatus,
  durationMs,
  long,
  msDuration,
  num,
  timestamp,
  timestampMs,
  type Failure,
  type HistoryEvent,
  type Payloads,
  type proto,
} from './proto';
import { Execution } from './execution';
import { alreadyExists, invalidArgument, notFound } from './errors';
import { decideRetry, withRetryDefaults } from './retry';
import { validateAttributes } from './search-attributes';
import { abortOnClose, admitUpdate } from './updates';
import { DEFAULT_WFT_TIMEOUT_MS, NORMAL } from './history';
import { priorityProblem, type Priority } from './priority';
import { compileCronSchedule, cronBackoffMs } from './calendar-spec';
import type { Engine } from './engine';

const { enums } = api;

/**
 * The fields of a new workflow as a start request and a schedule's action both carry them
 * (NewWorkflowExecutionInfo's names), as StartParams takes them.
 */
export function newWorkflowParams(info: proto.temporal.api.workflow.v1.INewWorkflowExecutionInfo) {
  return {
    workflowType: info.workflowType?.name ?? '',
    taskQueue: info.taskQueue?.name ?? '',
    input: info.input,
    executionTimeoutMs: durationMs(info.workflowExecutionTimeout),
    runTimeoutMs: durationMs(info.workflowRunTimeout),
    taskTimeoutMs: durationMs(info.workflowTaskTimeout),
    retryPolicy: info.retryPolicy,
    priority: validPriority(info.priority),
    memo: info.memo,
    searchAttributes: info.searchAttributes,
    header: info.header,
    userMetadata: info.userMetadata,
  };
}

/** A start's priority, refused with INVALID_ARGUMENT as the real server refuses it. */
function validPriority(p: Priority | null | undefined): Priority | undefined {
  const problem = priorityProblem(p);
  if (problem) throw invalidArgument(problem);
  return p ?? undefined;
}

export interface StartParams {
  ns: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input?: Payloads | null;
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  taskTimeoutMs?: number;
  identity?: string;
  requestId?: string;
  reusePolicy?: number;
  conflictPolicy?: number;
  retryPolicy?: proto.temporal.api.common.v1.IRetryPolicy | null;
  /** Its tasks' priority (devserver/priority.ts), and what its activities and children inherit. */
  priority?: Priority;
  memo?: proto.temporal.api.common.v1.IMemo | null;
  searchAttributes?: proto.temporal.api.common.v1.ISearchAttributes | null;
  header?: proto.temporal.api.common.v1.IHeader | null;
  startDelayMs?: number;
  /** Runs on this cron schedule: each run waits for its tick, and its close starts the next. */
  cronSchedule?: string;
  /** Search attributes the server itself sets (a schedule's TemporalScheduledById...), not validated as a client's. */
  systemAttributes?: Record<string, proto.temporal.api.common.v1.IPayload>;
  /** What a schedule hands its next run: the last result and failure of the runs it started. */
  lastCompletionResult?: Payloads | null;
  continuedFailure?: Failure | null;
  signal?: { name: string; input?: Payloads | null; header?: proto.temporal.api.common.v1.IHeader | null };
  /** Update-with-start: the update a new run's first workflow task carries. */
  update?: proto.temporal.api.update.v1.IRequest;
  /** The starter asked for the first workflow task in the answer (eager workflow start). */
  eager?: boolean;
  parent?: { ns: string; workflowId: string; runId: string; initiatedEventId: number; root: { workflowId: string; runId: string } };
  /** Continue-as-new or retry of a previous run. */
  continued?: {
    previous: Execution;
    initiator: number;
    failure?: Failure | null;
    lastCompletionResult?: Payloads | null;
    attempt: number;
  };
  userMetadata?: proto.temporal.api.sdk.v1.IUserMetadata | null;
  /** Called when the chain closes (a Nexus operation's handler workflow: devserver/nexus-operations.ts). */
  completionCallbacks?: proto.temporal.api.common.v1.ICallback[] | null;
}

export interface StartResult {
  runId: string;
  started: boolean;
  exec: Execution;
  /** The first workflow task, started, when the start asked for it eagerly and got a new run. */
  eagerTask?: proto.temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
}

/** The life of a run: start (with id reuse and conflict policies), signals, cancel, terminate, timeouts, close, and its timers. */
export class Runs {
  constructor(private readonly e: Engine) {}

  startWorkflow(p: StartParams): StartResult {
    const ns = this.e.namespaces.get(p.ns);
    if (!p.workflowId) throw invalidArgument('WorkflowId is not set on request.');
    if (!p.workflowType) throw invalidArgument('WorkflowType is not set on request.');
    if (!p.taskQueue) throw invalidArgument('TaskQueue is not set on request.');
    if ([p.executionTimeoutMs, p.runTimeoutMs, p.taskTimeoutMs, p.startDelayMs].some((t) => (t ?? 0) < 0)) {
      throw invalidArgument('Invalid timeout: timeouts must not be negative.');
    }
    if (p.cronSchedule) {
      if (p.startDelayMs) throw invalidArgument('CronSchedule and WorkflowStartDelay may not be used together.');
      compileCronSchedule(p.cronSchedule);
    }
    const searchAttributes = { ...validateAttributes(p.searchAttributes, ns.customAttributes), ...p.systemAttributes };
    const existing = this.e.findRun(p.ns, p.workflowId);
    if (existing && !p.continued) {
      if (p.requestId && existing.startRequestId === p.requestId) {
        if (p.signal && existing.running) this.signal(existing, p.signal.name, p.signal.input, p.identity ?? '', p.signal.header);
        return { runId: existing.runId, started: true, exec: existing };
      }
      if (existing.running) {
        const conflict =
          p.conflictPolicy ||
          (p.reusePolicy === enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
            ? enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING
            : enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL);
        if (conflict === enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
          if (p.signal) this.signal(existing, p.signal.name, p.signal.input, p.identity ?? '', p.signal.header);
          return { runId: existing.runId, started: false, exec: existing };
        }
        if (conflict === enums.v1.WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING) {
          this.terminate(existing, 'terminated by a new start with the same workflow id', null, p.identity ?? '');
        } else {
          throw alreadyExists(`Workflow execution is already running. WorkflowId: ${p.workflowId}, RunId: ${existing.runId}.`, {
            typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
            value: { startRequestId: existing.startRequestId, runId: existing.runId },
          });
        }
      } else {
        const reuse = p.reusePolicy || enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE;
        const failedish = [
          WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
          WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
          WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
          WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
        ].includes(existing.status);
        const rejected =
          reuse === enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
          (reuse === enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY && !failedish);
        if (rejected) {
          throw alreadyExists(
            `Workflow execution already finished and its workflow id may not be reused. WorkflowId: ${p.workflowId}, RunId: ${existing.runId}.`,
            {
              typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
              value: { startRequestId: existing.startRequestId, runId: existing.runId },
            },
          );
        }
      }
    }
    // A new cron chain waits for its first tick (the real server's first workflow task backoff).
    const now = this.e.clock.now();
    const first = p.cronSchedule && !p.continued ? { ...p, startDelayMs: cronBackoffMs(p.cronSchedule, now, now) ?? 0 } : p;
    const exec = this.createRun(first, searchAttributes);
    // A start delay leaves no first task to hand over: the real server then answers without one.
    const eagerTask = p.eager && !exec.firstTaskDelayed ? this.e.tasks.startEagerly(exec, p.identity ?? '') : undefined;
    return { runId: exec.runId, started: true, exec, eagerTask };
  }
  createRun(p: StartParams, searchAttributes: Record<string, proto.temporal.api.common.v1.IPayload>, runId: string = randomUUID()): Execution {
    const exec = new Execution(p.ns, p.workflowId, runId, this.e.newHistory());
    const now = this.e.clock.now();
    const prev = p.continued?.previous;
    const firstRunId = prev ? prev.firstRunId : runId;
    const executionTimeoutMs = p.executionTimeoutMs ?? 0;
    const expiration = prev
      ? timestampMs(prev.started.workflowExecutionExpirationTime)
      : executionTimeoutMs > 0
        ? now + executionTimeoutMs
        : 0;
    // The real server's OverrideWorkflowRunTimeout: the run timeout defaults to, and is capped by, the execution timeout.
    const runTimeoutMs = executionTimeoutMs > 0 && (!p.runTimeoutMs || p.runTimeoutMs > executionTimeoutMs) ? executionTimeoutMs : (p.runTimeoutMs ?? 0);
    this.e.addRun(exec);
    exec.startRequestId = p.requestId ?? '';
    if (p.requestId) this.e.history.record({ t: 'start', ns: p.ns, wid: p.workflowId, rid: runId, requestId: p.requestId });
    this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
      workflowId: p.workflowId,
      workflowType: { name: p.workflowType },
      taskQueue: { name: p.taskQueue, kind: NORMAL },
      input: p.input,
      workflowExecutionTimeout: msDuration(executionTimeoutMs),
      workflowRunTimeout: msDuration(runTimeoutMs),
      workflowTaskTimeout: msDuration(p.taskTimeoutMs || DEFAULT_WFT_TIMEOUT_MS),
      identity: p.identity ?? '',
      originalExecutionRunId: runId,
      firstExecutionRunId: firstRunId,
      continuedExecutionRunId: prev?.runId ?? '',
      initiator: p.continued?.initiator ?? (p.cronSchedule ? enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE : 0),
      continuedFailure: p.continued?.failure ?? p.continuedFailure,
      lastCompletionResult: p.continued?.lastCompletionResult ?? p.lastCompletionResult,
      retryPolicy: p.retryPolicy ? withRetryDefaults(p.retryPolicy) : undefined,
      attempt: p.continued?.attempt ?? 1,
      workflowExecutionExpirationTime: expiration ? timestamp(expiration) : undefined,
      firstWorkflowTaskBackoff: p.startDelayMs ? msDuration(p.startDelayMs) : undefined,
      cronSchedule: p.cronSchedule ?? '',
      memo: p.memo ?? undefined,
      searchAttributes: { indexedFields: searchAttributes },
      header: p.header ?? undefined,
      parentWorkflowNamespace: p.parent?.ns ?? prev?.started.parentWorkflowNamespace ?? '',
      parentWorkflowExecution: p.parent
        ? { workflowId: p.parent.workflowId, runId: p.parent.runId }
        : (prev?.started.parentWorkflowExecution ?? undefined),
      parentInitiatedEventId: long(p.parent ? p.parent.initiatedEventId : num(prev?.started.parentInitiatedEventId)),
      rootWorkflowExecution: p.parent ? p.parent.root : (prev?.started.rootWorkflowExecution ?? { workflowId: p.workflowId, runId }),
      priority: p.priority,
      completionCallbacks: p.completionCallbacks ?? undefined,
    }, undefined, p.userMetadata);
    if (p.signal) {
      this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        signalName: p.signal.name,
        input: p.signal.input,
        identity: p.identity ?? '',
        header: p.signal.header,
      });
    }
    // Admitted before the first task is offered, so that task carries it (a waiting poller takes it at once).
    if (p.update) admitUpdate(exec, p.update, () => {});
    this.armRunTimers(exec);
    if (exec.firstTaskDelayed) this.armFirstTask(exec);
    else if (!p.eager) this.e.tasks.schedule(exec);
    return exec;
  }

  armRunTimers(exec: Execution): void {
    const runTimeout = durationMs(exec.started.workflowRunTimeout);
    const expiration = timestampMs(exec.started.workflowExecutionExpirationTime);
    const deadlines = [runTimeout > 0 ? exec.startTime + runTimeout : 0, expiration].filter((d) => d > 0);
    if (deadlines.length) exec.runTimers.push(this.e.clock.at(Math.min(...deadlines), () => this.timeoutWorkflow(exec)));
  }

  armFirstTask(exec: Execution): void {
    exec.runTimers.push(
      this.e.clock.at(exec.executionTime, () => {
        exec.firstTaskDelayed = false;
        if (exec.running && !exec.wft) this.e.tasks.schedule(exec);
      }),
    );
  }

  /** A signal; one whose `requestId` the run already took (a client retrying it) is taken once, as on the real server. */
  signal(exec: Execution, name: string, input: Payloads | null | undefined, identity: string, header?: proto.temporal.api.common.v1.IHeader | null, requestId = ''): void {
    if (!exec.running) throw notFound('workflow execution already completed');
    if (!name) throw invalidArgument('SignalName is not set on request.');
    if (requestId && exec.signalRequestIds.has(requestId)) return;
    // Noted now as well: the event may wait in the buffer while a workflow task runs.
    if (requestId) exec.signalRequestIds.add(requestId);
    this.e.history.addExternal(exec, [
      { type: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, attrs: { signalName: name, input, identity, header, requestId } },
    ]);
  }

  requestCancel(exec: Execution, reason: string, identity: string, external?: { initiatedEventId: number; workflowId: string; runId: string }): void {
    if (!exec.running) throw notFound('workflow execution already completed');
    if (exec.cancelRequested) return;
    this.e.history.addExternal(exec, [
      {
        type: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
        attrs: {
          cause: reason,
          identity,
          externalInitiatedEventId: long(external?.initiatedEventId ?? 0),
          externalWorkflowExecution: external ? { workflowId: external.workflowId, runId: external.runId } : undefined,
        },
      },
    ]);
  }

  terminate(exec: Execution, reason: string, details: Payloads | null | undefined, identity: string): void {
    if (!exec.running) throw notFound('workflow execution already completed');
    exec.completing = false;
    this.e.tasks.closeOutstanding(exec);
    this.e.history.flushBuffered(exec);
    this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, { reason, details, identity });
    this.onClosed(exec);
  }

  private timeoutWorkflow(exec: Execution): void {
    if (!exec.running) return;
    this.e.tasks.closeOutstanding(exec);
    this.e.history.flushBuffered(exec);
    // As the real server: a run that times out before its execution expires is retried under the workflow's
    // retry policy (or says why not, e.g. RETRY_POLICY_NOT_SET); an expired execution is never retried.
    const now = this.e.clock.now();
    const expiration = timestampMs(exec.started.workflowExecutionExpirationTime) || undefined;
    const failure: Failure = {
      message: 'workflow timeout',
      source: 'Server',
      timeoutFailureInfo: { timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE },
    };
    const policy = exec.started.retryPolicy;
    const decision =
      expiration !== undefined && now >= expiration
        ? { retryState: enums.v1.RetryState.RETRY_STATE_TIMEOUT }
        : policy
          ? decideRetry(policy, exec.started.attempt || 1, failure, now, expiration)
          : { retryState: enums.v1.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET };
    // Not retried, an unexpired cron run still starts the next one, with the last result it was given.
    const cronDelay = decision.delayMs === undefined && !(expiration !== undefined && now >= expiration) ? this.cronBackoff(exec) : undefined;
    if (decision.delayMs === undefined && cronDelay === undefined) {
      this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, { retryState: decision.retryState });
      this.onClosed(exec);
      return;
    }
    const next =
      decision.delayMs !== undefined
        ? this.retryRunParams(exec, failure, decision.delayMs)
        : this.cronRunParams(exec, cronDelay!, exec.started.lastCompletionResult, failure);
    const newRunId = randomUUID();
    this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, { retryState: decision.retryState, newExecutionRunId: newRunId });
    this.continueWith(exec, next, newRunId);
  }

  /** Closes a run that a new one continues (retry, continue-as-new), then starts that one. */
  continueWith(exec: Execution, next: StartParams, newRunId: string): void {
    this.onClosed(exec);
    this.createRun(next, next.searchAttributes?.indexedFields ?? {}, newRunId);
  }

  /** Releases everything a closed run held and tells whoever waits on it. */
  onClosed(exec: Execution): void {
    const task = exec.wft;
    if (task) this.e.tasks.release(task);
    for (const t of exec.runTimers) t.cancel();
    for (const t of exec.timers.values()) t.handle?.cancel();
    for (const act of exec.activities.values()) this.e.activities.stop(act);
    for (const op of exec.nexusOperations.values()) this.e.nexus.stop(op);
    exec.buffered = [];
    const close = exec.closeEvent!;
    abortOnClose(exec, !!successorRunId(close));
    // The chain's callbacks go with its successor, and are called when the chain ends.
    if (!successorRunId(close)) this.e.nexus.deliverCallbacks(exec, close);
    // Queries asked while it ran are answered from the closed history instead.
    const queries = [...(task?.queries.values() ?? []), ...exec.queuedQueries];
    exec.queuedQueries = [];
    for (const q of queries) this.e.queries.dispatchLegacy(exec, q);
    exec.notify();
    if (exec.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW) this.e.children.notifyParent(exec, close);
    this.e.children.applyParentClosePolicy(exec);
    this.e.retention.add(exec);
  }

  /** The next attempt of a workflow under its retry policy: same type, queue and input, after the backoff. */
  retryRunParams(exec: Execution, failure: Failure | null | undefined, delayMs: number): StartParams {
    return this.nextRunParams(exec, {
      workflowType: exec.workflowType,
      taskQueue: exec.taskQueue,
      input: exec.started.input,
      startDelayMs: delayMs,
      continued: { previous: exec, initiator: enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, failure, attempt: (exec.started.attempt || 1) + 1 },
    });
  }

  /** How long a cron workflow's next run waits; undefined when the run has no cron schedule (or no tick is left). */
  cronBackoff(exec: Execution): number | undefined {
    const cron = exec.started.cronSchedule;
    return cron ? cronBackoffMs(cron, exec.executionTime, this.e.clock.now()) : undefined;
  }

  /** A cron workflow's next run: the chain's request again, with the last result and the failure (if any) it carries over. */
  cronRunParams(exec: Execution, delayMs: number, lastCompletionResult: Payloads | null | undefined, failure: Failure | null | undefined): StartParams {
    const s = exec.started;
    return this.nextRunParams(exec, {
      workflowType: exec.workflowType,
      taskQueue: exec.taskQueue,
      input: s.input,
      // As the real server: the start's memo and search attributes, not what the run upserted.
      memo: s.memo,
      searchAttributes: s.searchAttributes,
      startDelayMs: delayMs,
      continued: { previous: exec, initiator: enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE, failure, lastCompletionResult, attempt: 1 },
    });
  }

  nextRunParams(exec: Execution, p: Partial<StartParams> & Pick<StartParams, 'workflowType' | 'taskQueue' | 'continued'>): StartParams {
    const s = exec.started;
    return {
      ns: exec.ns,
      workflowId: exec.workflowId,
      identity: s.identity ?? '',
      runTimeoutMs: durationMs(s.workflowRunTimeout) || undefined,
      taskTimeoutMs: durationMs(s.workflowTaskTimeout) || undefined,
      executionTimeoutMs: durationMs(s.workflowExecutionTimeout) || undefined,
      retryPolicy: s.retryPolicy,
      // Continue-as-new, a retry or the next cron run keeps the run's priority, as on the real server.
      priority: exec.priority,
      memo: { fields: exec.memo },
      searchAttributes: { indexedFields: exec.searchAttributes },
      header: s.header,
      cronSchedule: s.cronSchedule || undefined,
      completionCallbacks: s.completionCallbacks,
      ...p,
    };
  }

  /** A user timer (StartTimer): fires into history as an outside event. */
  armTimer(exec: Execution, timerId: string): void {
    const timer = exec.timers.get(timerId);
    if (!timer) return;
    timer.handle = this.e.clock.at(timer.fireTime, () => {
      if (exec.timers.get(timerId) !== timer || !exec.running) return;
      this.e.history.addExternal(exec, [
        { type: EventType.EVENT_TYPE_TIMER_FIRED, attrs: { timerId, startedEventId: long(timer.startedEventId) } },
      ]);
    });
  }

}

/** The run a closed run's chain continues with (continue-as-new, retry, cron), if any. */
export function successorRunId(close: HistoryEvent): string | undefined {
  const a =
    close.workflowExecutionContinuedAsNewEventAttributes ??
    close.workflowExecutionCompletedEventAttributes ??
    close.workflowExecutionFailedEventAttributes ??
    close.workflowExecutionTimedOutEventAttributes;
  return a?.newExecutionRunId || undefined;
}
