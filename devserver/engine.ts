import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import {
  api,
  CommandType,
  EventType,
  WorkflowExecutionStatus,
  decodeMessage,
  durationMs,
  encodeMessage,
  long,
  msDuration,
  num,
  timestamp,
  timestampMs,
  type Command,
  type Failure,
  type HistoryEvent,
  type Payloads,
  type ProtocolMessage,
  type proto,
} from './proto';
import { Execution, executionKey, type ActivityState, type PendingQuery, type UpdateState, type WorkflowTaskState } from './execution';
import { commandAttributesKey, eventAttributesKey } from './event-names';
import { decodeEvent, encodeEvent } from './event-log';
import { ServiceError, alreadyExists, invalidArgument, notFound } from './errors';
import { Journal, type JournalRecord } from './journal';
import { Matching } from './matching';
import { decideRetry, withRetryDefaults } from './retry';
import { validateAttributes } from './search-attributes';
import { abortOnClose, abortSentUpdates, applyRejections, rejectUnprocessed, sendUpdates, unsendUpdates } from './updates';
import { encodeToken, type TaskToken } from './task-token';
import type { VirtualClock } from './clock';
import type { Namespaces } from './namespaces';

const { enums } = api;
type Attrs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type PollWorkflowTaskResponse = proto.temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
type PollActivityTaskResponse = proto.temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse;
type CompleteRequest = proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest;
export interface PollerInfo {
  identity: string;
}

const NORMAL = enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL;
const DEFAULT_WFT_TIMEOUT_MS = 10_000;
const TERMINAL_COMMANDS = new Set<number>([
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

/** A failed command: the real server fails the workflow task with this cause and writes nothing else. */
class CommandError extends Error {
  constructor(
    readonly cause: number,
    message: string,
  ) {
    super(message);
  }
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
  memo?: proto.temporal.api.common.v1.IMemo | null;
  searchAttributes?: proto.temporal.api.common.v1.ISearchAttributes | null;
  header?: proto.temporal.api.common.v1.IHeader | null;
  startDelayMs?: number;
  signal?: { name: string; input?: Payloads | null; header?: proto.temporal.api.common.v1.IHeader | null };
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
}

export interface StartResult {
  runId: string;
  started: boolean;
  exec: Execution;
}

/**
 * The heart of the dev server: workflow executions, their histories, and the tasks workers poll.
 * It follows Temporal's history-service rules for event order, buffering, task attempts, timeouts,
 * retries, updates and queries; every state change is a history event applied through Execution.
 */
export class Engine {
  readonly workflowTasks = new Matching<PollerInfo, PollWorkflowTaskResponse>();
  readonly activityTasks = new Matching<PollerInfo, PollActivityTaskResponse>();
  private readonly runsById = new Map<string, Execution>();
  private readonly runsByWorkflow = new Map<string, Execution[]>();
  private readonly legacyQueries = new Map<string, { exec: Execution; query: PendingQuery }>();
  private taskSeq = 0;

  constructor(
    readonly clock: VirtualClock,
    readonly namespaces: Namespaces,
    private readonly journal?: Journal,
  ) {}

  // ---------------------------------------------------------------- lookups

  executions(ns: string): Iterable<Execution> {
    return [...this.runsById.values()].filter((e) => e.ns === ns);
  }

  /** The named run, or the latest run of the workflow id when runId is empty. */
  getRun(ns: string, workflowId: string, runId?: string | null): Execution {
    if (!workflowId) throw invalidArgument('WorkflowId is not set on request.');
    if (runId) {
      const exec = this.runsById.get(`${ns}\u0000${runId}`);
      if (exec && exec.workflowId === workflowId) return exec;
      throw notFound(`workflow execution not found for workflow ID "${workflowId}" and run ID "${runId}"`);
    }
    const runs = this.runsByWorkflow.get(executionKey(ns, workflowId));
    if (!runs?.length) throw notFound(`workflow not found for ID: ${workflowId}`);
    return runs[runs.length - 1];
  }

  private findRun(ns: string, workflowId: string, runId?: string | null): Execution | undefined {
    try {
      return this.getRun(ns, workflowId, runId);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- history writing

  private makeEvent(type: number, attrs: Attrs, time = this.clock.now(), id = 0): HistoryEvent {
    return { eventId: long(id), eventTime: timestamp(time), eventType: type, [eventAttributesKey(type)]: attrs } as HistoryEvent;
  }

  /** `userMetadata` is the summary/details an SDK attached to the command or start (shown by UIs). */
  private append(exec: Execution, type: number, attrs: Attrs, time?: number, userMetadata?: proto.temporal.api.sdk.v1.IUserMetadata | null): number {
    const event = this.makeEvent(type, attrs, time, exec.nextEventId);
    if (userMetadata) event.userMetadata = userMetadata;
    const encoded = encodeEvent(event);
    this.record(Journal.eventRecord(exec.ns, exec.workflowId, exec.runId, encoded));
    // The execution keeps pieces of some events (update outcomes, search attributes...): they come
    // from the event's own encoding, not from views into the RPC message that carried them, which
    // would keep the whole message alive for as long as the workflow runs.
    exec.apply(decodeEvent(new Uint8Array(encoded)), encoded);
    return num(event.eventId);
  }

  private record(rec: JournalRecord): void {
    if (this.journal) this.journal.write([rec]);
  }

  /**
   * Adds events that come from outside the workflow (signals, activity results, fired timers...).
   * While a workflow task runs they are buffered, as the real server does, and written after it.
   */
  private addExternal(exec: Execution, entries: Array<{ type: number; attrs: Attrs; linkStarted?: boolean }>): void {
    if (!exec.running) return;
    if (exec.completing || exec.wft?.startedEventId) {
      for (const e of entries) {
        const event = this.makeEvent(e.type, e.attrs);
        this.record(Journal.bufferedRecord(exec.ns, exec.runId, event, e.linkStarted));
        exec.buffered.push({ event, linkStarted: e.linkStarted });
      }
      return;
    }
    let last = 0;
    for (const e of entries) {
      last = this.append(exec, e.type, e.linkStarted ? { ...e.attrs, startedEventId: long(last) } : e.attrs);
    }
    this.needWorkflowTask(exec);
  }

  private flushBuffered(exec: Execution): boolean {
    if (!exec.buffered.length) return false;
    const entries = exec.buffered;
    exec.buffered = [];
    let last = 0;
    for (const { event, linkStarted } of entries) {
      const key = eventAttributesKey(event.eventType!);
      const attrs = (event as Attrs)[key] as Attrs;
      last = this.append(exec, event.eventType!, linkStarted ? { ...attrs, startedEventId: long(last) } : attrs, timestampMs(event.eventTime));
    }
    this.record({ t: 'flush', ns: exec.ns, rid: exec.runId });
    return true;
  }

  // ---------------------------------------------------------------- starting workflows

  startWorkflow(p: StartParams): StartResult {
    const ns = this.namespaces.get(p.ns);
    if (!p.workflowId) throw invalidArgument('WorkflowId is not set on request.');
    if (!p.workflowType) throw invalidArgument('WorkflowType is not set on request.');
    if (!p.taskQueue) throw invalidArgument('TaskQueue is not set on request.');
    if ([p.executionTimeoutMs, p.runTimeoutMs, p.taskTimeoutMs, p.startDelayMs].some((t) => (t ?? 0) < 0)) {
      throw invalidArgument('Invalid timeout: timeouts must not be negative.');
    }
    const searchAttributes = validateAttributes(p.searchAttributes, ns.customAttributes);
    const existing = this.findRun(p.ns, p.workflowId);
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
    const exec = this.createRun(p, searchAttributes);
    return { runId: exec.runId, started: true, exec };
  }

  private createRun(p: StartParams, searchAttributes: Record<string, proto.temporal.api.common.v1.IPayload>, runId = randomUUID()): Execution {
    const exec = new Execution(p.ns, p.workflowId, runId);
    const now = this.clock.now();
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
    this.runsById.set(`${p.ns}\u0000${runId}`, exec);
    const key = executionKey(p.ns, p.workflowId);
    this.runsByWorkflow.set(key, [...(this.runsByWorkflow.get(key) ?? []), exec]);
    exec.startRequestId = p.requestId ?? '';
    if (p.requestId) this.record({ t: 'start', ns: p.ns, wid: p.workflowId, rid: runId, requestId: p.requestId });
    this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
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
      initiator: p.continued?.initiator ?? 0,
      continuedFailure: p.continued?.failure,
      lastCompletionResult: p.continued?.lastCompletionResult,
      retryPolicy: p.retryPolicy ? withRetryDefaults(p.retryPolicy) : undefined,
      attempt: p.continued?.attempt ?? 1,
      workflowExecutionExpirationTime: expiration ? timestamp(expiration) : undefined,
      firstWorkflowTaskBackoff: p.startDelayMs ? msDuration(p.startDelayMs) : undefined,
      memo: p.memo ?? undefined,
      searchAttributes: { indexedFields: searchAttributes },
      header: p.header ?? undefined,
      parentWorkflowNamespace: p.parent?.ns ?? prev?.started.parentWorkflowNamespace ?? '',
      parentWorkflowExecution: p.parent
        ? { workflowId: p.parent.workflowId, runId: p.parent.runId }
        : (prev?.started.parentWorkflowExecution ?? undefined),
      parentInitiatedEventId: long(p.parent ? p.parent.initiatedEventId : num(prev?.started.parentInitiatedEventId)),
      rootWorkflowExecution: p.parent ? p.parent.root : (prev?.started.rootWorkflowExecution ?? { workflowId: p.workflowId, runId }),
    }, undefined, p.userMetadata);
    if (p.signal) {
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        signalName: p.signal.name,
        input: p.signal.input,
        identity: p.identity ?? '',
        header: p.signal.header,
      });
    }
    this.armRunTimers(exec);
    if (exec.firstTaskDelayed) this.armFirstTask(exec);
    else this.scheduleWorkflowTask(exec);
    return exec;
  }

  private armRunTimers(exec: Execution): void {
    const runTimeout = durationMs(exec.started.workflowRunTimeout);
    const expiration = timestampMs(exec.started.workflowExecutionExpirationTime);
    const deadlines = [runTimeout > 0 ? exec.startTime + runTimeout : 0, expiration].filter((d) => d > 0);
    if (deadlines.length) exec.runTimers.push(this.clock.at(Math.min(...deadlines), () => this.timeoutWorkflow(exec)));
  }

  private armFirstTask(exec: Execution): void {
    exec.runTimers.push(
      this.clock.at(exec.executionTime, () => {
        exec.firstTaskDelayed = false;
        if (exec.running && !exec.wft) this.scheduleWorkflowTask(exec);
      }),
    );
  }

  // ---------------------------------------------------------------- signals, cancellation, termination

  signal(exec: Execution, name: string, input: Payloads | null | undefined, identity: string, header?: proto.temporal.api.common.v1.IHeader | null): void {
    if (!exec.running) throw notFound('workflow execution already completed');
    if (!name) throw invalidArgument('SignalName is not set on request.');
    this.addExternal(exec, [
      { type: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, attrs: { signalName: name, input, identity, header } },
    ]);
  }

  requestCancel(exec: Execution, reason: string, identity: string, external?: { initiatedEventId: number; workflowId: string; runId: string }): void {
    if (!exec.running) throw notFound('workflow execution already completed');
    if (exec.cancelRequested) return;
    this.addExternal(exec, [
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
    this.closeOutstandingTask(exec);
    this.flushBuffered(exec);
    this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, { reason, details, identity });
    this.onClosed(exec);
  }

  private timeoutWorkflow(exec: Execution): void {
    if (!exec.running) return;
    this.closeOutstandingTask(exec);
    this.flushBuffered(exec);
    // As the real server: a run that times out before its execution expires is retried under the workflow's
    // retry policy (or says why not, e.g. RETRY_POLICY_NOT_SET); an expired execution is never retried.
    const now = this.clock.now();
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
    if (decision.delayMs === undefined) {
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, { retryState: decision.retryState });
      this.onClosed(exec);
      return;
    }
    const next = this.retryRunParams(exec, failure, decision.delayMs);
    const newRunId = randomUUID();
    this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, { retryState: decision.retryState, newExecutionRunId: newRunId });
    this.onClosed(exec);
    this.createRun(next, next.searchAttributes?.indexedFields ?? {}, newRunId);
  }

  /**
   * Before a run is closed from outside (terminate, timeout), as the real server does: a workflow task a
   * worker holds is failed (WorkflowTaskFailed, cause FORCE_CLOSE_COMMAND), one nobody took is dropped.
   * Either way it stops holding the clock, and its queries are answered from the closed history.
   */
  private closeOutstandingTask(exec: Execution): void {
    const task = exec.wft;
    if (!task) return;
    this.releaseWorkflowTask(task);
    this.requeueTaskWork(exec, task);
    if (task.startedEventId) {
      this.recordTaskFailure(exec, task, {
        cause: enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
        identity: 'history-service',
      });
    }
    exec.wft = undefined;
  }

  /** Releases everything a closed run held and tells whoever waits on it. */
  private onClosed(exec: Execution): void {
    const task = exec.wft;
    if (task) this.releaseWorkflowTask(task);
    for (const t of exec.runTimers) t.cancel();
    for (const t of exec.timers.values()) t.handle?.cancel();
    for (const act of exec.activities.values()) this.stopActivity(act);
    exec.buffered = [];
    const close = exec.closeEvent!;
    const continuing =
      exec.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW ||
      !!(close.workflowExecutionFailedEventAttributes ?? close.workflowExecutionTimedOutEventAttributes)?.newExecutionRunId;
    abortOnClose(exec, continuing);
    // Queries asked while it ran are answered from the closed history instead.
    const queries = [...(task?.queries.values() ?? []), ...exec.queuedQueries];
    exec.queuedQueries = [];
    for (const q of queries) this.dispatchLegacyQuery(exec, q);
    exec.notify();
    if (exec.status !== WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW) this.notifyParent(exec, close);
    this.applyParentClosePolicy(exec);
  }

  // ---------------------------------------------------------------- workflow tasks

  private needWorkflowTask(exec: Execution): void {
    if (!exec.running || exec.firstTaskDelayed) return;
    if (!exec.wft) {
      this.scheduleWorkflowTask(exec);
    } else if (exec.wft.speculative && !exec.wft.startedEventId) {
      // New events make a pending update-only task a real one. (A pending transient retry stays as it is:
      // startWorkflowTask turns it into an ordinary task once it sees the new events.)
      const queries = exec.wft.queries;
      this.releaseWorkflowTask(exec.wft);
      exec.wft = undefined;
      this.scheduleWorkflowTask(exec);
      for (const [id, q] of queries) exec.wft!.queries.set(id, q);
    }
  }

  /** Where a new workflow task goes, as WorkflowTaskScheduled records it: the sticky queue while one is set (real server's CurrentTaskQueue). */
  private currentTaskQueue(exec: Execution): proto.temporal.api.taskqueue.v1.ITaskQueue {
    return exec.sticky
      ? { name: exec.sticky.queue, kind: enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: exec.taskQueue }
      : { name: exec.taskQueue, kind: NORMAL };
  }

  private scheduleWorkflowTask(exec: Execution, speculative = false): void {
    if (speculative || exec.wftAttempt > 1) {
      // Speculative (update-only) and transient (retry) tasks are kept out of history until they complete.
      exec.wft = {
        // A transient task notes where history ended when it was scheduled (the real server's ScheduledEventID).
        scheduledEventId: speculative ? 0 : exec.nextEventId,
        startedEventId: 0,
        attempt: speculative ? 1 : exec.wftAttempt,
        scheduledTime: this.clock.now(),
        startedTime: 0,
        speculative,
        transient: !speculative,
        seq: 0,
        queries: new Map(),
      };
    } else {
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
        taskQueue: this.currentTaskQueue(exec),
        startToCloseTimeout: exec.started.workflowTaskTimeout,
        attempt: exec.wftAttempt,
      });
    }
    this.dispatchWorkflowTask(exec, exec.wft!);
  }

  private dispatchWorkflowTask(exec: Execution, task: WorkflowTaskState): void {
    task.release ??= this.clock.hold();
    const normalQueue = queueKey(exec.ns, exec.taskQueue);
    const sticky = exec.sticky;
    if (!sticky) {
      this.workflowTasks.offer(normalQueue, (p) => this.startWorkflowTask(exec, task, false, p));
      return;
    }
    const stickyQueue = queueKey(exec.ns, sticky.queue);
    const claim = (p: PollerInfo) => this.startWorkflowTask(exec, task, true, p);
    this.workflowTasks.offer(stickyQueue, claim);
    if (task.startedEventId) return;
    // A sticky worker that does not pick the task up in time has gone: any worker may take it.
    task.stickyFallback = setTimeout(() => {
      if (exec.wft !== task || task.startedEventId) return;
      this.workflowTasks.drain(stickyQueue, (c) => c === claim);
      exec.sticky = undefined;
      this.workflowTasks.offer(normalQueue, (p) => this.startWorkflowTask(exec, task, false, p));
    }, sticky.timeoutMs);
  }

  private startWorkflowTask(exec: Execution, task: WorkflowTaskState, sticky: boolean, poller: PollerInfo): PollWorkflowTaskResponse | undefined {
    if (exec.wft !== task || task.startedEventId || !exec.running) return undefined;
    clearTimeout(task.stickyFallback);
    if (task.transient && task.scheduledEventId !== exec.nextEventId) {
      // New events arrived while this retry waited, which ends the failure streak: as the real server does,
      // it starts as an ordinary task, attempt 1, written to history after those events.
      const { release, queries } = task;
      exec.wftAttempt = 1;
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
        taskQueue: this.currentTaskQueue(exec),
        startToCloseTimeout: exec.started.workflowTaskTimeout,
        attempt: 1,
      });
      task = exec.wft!;
      Object.assign(task, { release, queries });
    }
    task.seq = ++this.taskSeq;
    const now = this.clock.now();
    const extra: HistoryEvent[] = [];
    if (task.speculative || task.transient) {
      task.scheduledEventId = exec.nextEventId;
      task.startedEventId = exec.nextEventId + 1;
      task.startedTime = now;
      task.startedBy = poller.identity;
      extra.push(
        this.makeEvent(
          EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
          { taskQueue: this.currentTaskQueue(exec), startToCloseTimeout: exec.started.workflowTaskTimeout, attempt: task.attempt },
          task.scheduledTime,
          task.scheduledEventId,
        ),
        this.makeEvent(
          EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
          { scheduledEventId: long(task.scheduledEventId), identity: poller.identity, requestId: randomUUID() },
          now,
          task.startedEventId,
        ),
      );
    } else {
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
        scheduledEventId: long(task.scheduledEventId),
        identity: poller.identity,
        requestId: randomUUID(),
        historySizeBytes: long(0),
      });
    }
    const timeoutMs = durationMs(exec.started.workflowTaskTimeout) || DEFAULT_WFT_TIMEOUT_MS;
    task.timer = this.clock.after(timeoutMs, () => this.timeoutWorkflowTask(exec, task));
    const messages = sendUpdates(exec, task.startedEventId);
    const from = sticky ? exec.lastCompletedStartedEventId : 0;
    return {
      taskToken: encodeToken({ ns: exec.ns, wid: exec.workflowId, rid: exec.runId, kind: 'wft', id: task.scheduledEventId, seq: task.seq }),
      workflowExecution: { workflowId: exec.workflowId, runId: exec.runId },
      workflowType: { name: exec.workflowType },
      previousStartedEventId: long(exec.lastCompletedStartedEventId),
      startedEventId: long(task.startedEventId),
      attempt: task.attempt,
      history: { events: [...exec.history.slice(from), ...extra] },
      workflowExecutionTaskQueue: { name: exec.taskQueue, kind: NORMAL },
      scheduledTime: timestamp(task.scheduledTime),
      startedTime: timestamp(now),
      queries: Object.fromEntries([...task.queries].map(([id, q]) => [id, q.query])),
      messages,
    };
  }

  private releaseWorkflowTask(task: WorkflowTaskState): void {
    task.timer?.cancel();
    clearTimeout(task.stickyFallback);
    task.release?.();
  }

  private startedWorkflowTask(token: TaskToken): { exec: Execution; task: WorkflowTaskState } {
    const exec = this.runsById.get(`${token.ns}\u0000${token.rid}`);
    const task = exec?.wft;
    if (!exec || !exec.running || !task || token.kind !== 'wft' || task.seq !== token.seq || !task.startedEventId) {
      throw notFound('Workflow task not found.');
    }
    return { exec, task };
  }

  /** Undoes the delivery of a task that will not complete, so its updates and queries go out again. */
  private requeueTaskWork(exec: Execution, task: WorkflowTaskState): void {
    unsendUpdates(exec);
    exec.queuedQueries.push(...task.queries.values());
    task.queries.clear();
  }

  private timeoutWorkflowTask(exec: Execution, task: WorkflowTaskState): void {
    if (exec.wft !== task || !exec.running) return;
    this.releaseWorkflowTask(task);
    this.requeueTaskWork(exec, task);
    if (task.speculative) {
      exec.wft = undefined;
      exec.sticky = undefined;
    } else if (task.transient) {
      this.endTransientTask(exec, task);
    } else {
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
        scheduledEventId: long(task.scheduledEventId),
        startedEventId: long(task.startedEventId),
        timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
      });
    }
    this.afterWorkflowTask(exec, true);
  }

  failWorkflowTask(token: TaskToken, req: proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest): void {
    const { exec, task } = this.startedWorkflowTask(token);
    this.releaseWorkflowTask(task);
    this.requeueTaskWork(exec, task);
    this.recordTaskFailure(exec, task, { cause: req.cause, failure: req.failure, identity: req.identity });
    this.afterWorkflowTask(exec, true);
  }

  /** Writes WorkflowTaskFailed for a started task, except for a transient one, whose failure leaves no trace. */
  private recordTaskFailure(exec: Execution, task: WorkflowTaskState, attrs: Attrs): void {
    if (task.transient) {
      this.endTransientTask(exec, task);
      return;
    }
    this.materializeSpeculative(exec, task);
    this.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
      scheduledEventId: long(task.scheduledEventId),
      startedEventId: long(task.startedEventId),
      ...attrs,
    });
  }

  /** A transient task failed or timed out: nothing is written, the next retry counts one more attempt. */
  private endTransientTask(exec: Execution, task: WorkflowTaskState): void {
    exec.wft = undefined;
    exec.sticky = undefined;
    exec.wftAttempt = task.attempt + 1;
  }

  /** A speculative or transient task that completes is written to history as an ordinary one. */
  private materializeSpeculative(exec: Execution, task: WorkflowTaskState): void {
    if (!task.speculative && !task.transient) return;
    task.speculative = false;
    task.transient = false;
    const queries = task.queries;
    this.append(
      exec,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      { taskQueue: this.currentTaskQueue(exec), startToCloseTimeout: exec.started.workflowTaskTimeout, attempt: task.attempt },
      task.scheduledTime,
    );
    this.append(
      exec,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      { scheduledEventId: long(task.scheduledEventId), identity: task.startedBy, requestId: randomUUID() },
      task.startedTime,
    );
    // apply() made a fresh task record; keep the dispatch's identity so its token stays valid.
    Object.assign(exec.wft!, { seq: task.seq, queries, release: task.release, timer: task.timer });
  }

  /** After a workflow task ends: write what waited, start the next task if needed, route queries. */
  private afterWorkflowTask(exec: Execution, needTask: boolean): void {
    if (!exec.running) return;
    if (this.flushBuffered(exec)) {
      // New events end a failure streak: the next task is an ordinary one, attempt 1 (as on the real server).
      needTask = true;
      exec.wftAttempt = 1;
    }
    const undelivered = [...exec.updates.values()].some((u) => u.stage === 'admitted' && !u.delivered);
    if (!exec.wft && needTask) this.scheduleWorkflowTask(exec);
    else if (!exec.wft && undelivered) this.scheduleWorkflowTask(exec, true);
    const queries = exec.queuedQueries;
    exec.queuedQueries = [];
    for (const q of queries) this.routeQuery(exec, q);
  }

  completeWorkflowTask(token: TaskToken, req: CompleteRequest): proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse {
    const { exec, task } = this.startedWorkflowTask(token);
    const commands = req.commands ?? [];
    const messages = new Map((req.messages ?? []).map((m) => [m.id ?? '', m]));
    // Validate everything first: a bad command fails the whole task and writes nothing else.
    try {
      for (const c of commands) this.validateCommand(exec, c, messages);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      this.releaseWorkflowTask(task);
      this.refuseCompletion(exec, task, err, req.identity);
      throw invalidArgument(err.message);
    }
    this.releaseWorkflowTask(task);
    const sticky = req.stickyAttributes?.workerTaskQueue?.name;
    exec.sticky = sticky ? { queue: sticky, timeoutMs: durationMs(req.stickyAttributes?.scheduleToStartTimeout) || 5000 } : undefined;
    for (const [id, result] of Object.entries(req.queryResults ?? {})) {
      const q = task.queries.get(id);
      task.queries.delete(id);
      q?.resolve(
        result.resultType === enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED
          ? { answer: result.answer }
          : { error: result.errorMessage || result.failure?.message || 'query failed' },
      );
    }

    const closes = commands.some((c) => TERMINAL_COMMANDS.has(c.commandType!));
    if (closes && exec.buffered.length > 0) {
      // New events arrived while the workflow decided to close: let it see them first. Admitted updates do
      // not hold it back (the real server's rule: they are aborted when it closes).
      this.refuseCompletion(exec, task, new CommandError(enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, 'UnhandledCommand'), req.identity);
      return {};
    }
    exec.queuedQueries.push(...task.queries.values());
    task.queries.clear();
    applyRejections(exec, messages.values());

    const producedNothing = commands.length === 0 && [...messages.values()].every((m) => m.body?.type_url?.endsWith('Rejection'));
    if (task.speculative && producedNothing && !exec.buffered.length) {
      // The real server drops an update-only task that only rejected: history is untouched.
      if (!req.forceCreateNewWorkflowTask) rejectUnprocessed(exec);
      exec.wft = undefined;
      this.afterWorkflowTask(exec, false);
      return { resetHistoryEventId: long(exec.lastCompletedStartedEventId) };
    }
    this.materializeSpeculative(exec, task);

    const completedId = this.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
      scheduledEventId: long(task.scheduledEventId),
      startedEventId: long(task.startedEventId),
      identity: req.identity,
      binaryChecksum: req.binaryChecksum,
      sdkMetadata: req.sdkMetadata,
      meteringMetadata: req.meteringMetadata,
      workerVersion: req.workerVersionStamp,
    });
    const after: Array<() => void> = [];
    const eager: number[] = [];
    let needTask = !!req.forceCreateNewWorkflowTask;
    exec.completing = true;
    try {
      for (const c of commands) {
        if (!exec.running) break;
        needTask = this.applyCommand(exec, c, completedId, messages, req.identity ?? '', after, eager) || needTask;
      }
    } finally {
      exec.completing = false;
    }
    // A closing workflow aborts the updates it left unanswered instead (onClosed).
    if (exec.running && !req.forceCreateNewWorkflowTask) rejectUnprocessed(exec);
    const activityTasks = this.startEagerActivities(exec, eager, req.identity ?? '');
    this.afterWorkflowTask(exec, needTask);
    for (const fn of after) fn();
    return { activityTasks };
  }

  /** The server refuses a completion: nothing it asked for is written, and the task is retried. */
  private refuseCompletion(exec: Execution, task: WorkflowTaskState, err: CommandError, identity: string | null | undefined): void {
    abortSentUpdates(exec);
    exec.queuedQueries.push(...task.queries.values());
    task.queries.clear();
    this.recordTaskFailure(exec, task, { cause: err.cause, failure: { message: err.message, source: 'Server' }, identity });
    this.afterWorkflowTask(exec, true);
  }

  // ---------------------------------------------------------------- commands

  private validateCommand(exec: Execution, c: Command, messages: Map<string, ProtocolMessage>): void {
    const Cause = enums.v1.WorkflowTaskFailedCause;
    const a = (c as Attrs)[commandAttributesKey(c.commandType!)] as Attrs | undefined;
    switch (c.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
        if (!a?.activityId) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, 'ActivityId is not set.');
        if (!a.activityType?.name) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, 'ActivityType is not set.');
        if (!durationMs(a.scheduleToCloseTimeout) && !durationMs(a.startToCloseTimeout)) {
          throw new CommandError(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
            'A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand.',
          );
        }
        return;
      case CommandType.COMMAND_TYPE_START_TIMER:
        if (!a?.timerId) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES, 'TimerId is not set.');
        if (exec.timers.has(a.timerId)) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID, `Timer ${a.timerId} already started.`);
        return;
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        try {
          validateAttributes(a?.searchAttributes, this.namespaces.get(exec.ns).customAttributes);
        } catch (err) {
          throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES, (err as Error).message);
        }
        return;
      case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
        if (!a?.workflowId || !a.workflowType?.name) {
          throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES, 'Child WorkflowId or WorkflowType is not set.');
        }
        return;
      case CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE:
        if (!messages.has(a?.messageId)) {
          throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE, `Protocol message ${a?.messageId} is missing.`);
        }
        return;
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
      case CommandType.COMMAND_TYPE_CANCEL_TIMER:
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_RECORD_MARKER:
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
      case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
        return;
      default:
        throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, `The dev server does not support command ${CommandType[c.commandType!] ?? c.commandType}.`);
    }
  }

  /** Writes one command's events; returns true when a new workflow task must follow. */
  private applyCommand(
    exec: Execution,
    c: Command,
    completedId: number,
    messages: Map<string, ProtocolMessage>,
    identity: string,
    after: Array<() => void>,
    eager: number[],
  ): boolean {
    const a = (c as Attrs)[commandAttributesKey(c.commandType!)] as Attrs;
    const wftCompleted = long(completedId);
    switch (c.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const id = this.append(exec, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
          activityId: a.activityId,
          activityType: a.activityType,
          taskQueue: a.taskQueue?.name ? a.taskQueue : { name: exec.taskQueue, kind: NORMAL },
          header: a.header,
          input: a.input,
          ...activityTimeouts(a, durationMs(exec.started.workflowRunTimeout)),
          workflowTaskCompletedEventId: wftCompleted,
          retryPolicy: withRetryDefaults(a.retryPolicy),
          priority: a.priority,
        }, undefined, c.userMetadata);
        // The worker asked to run it itself, with a slot it reserved: it starts once all commands are in.
        if (a.requestEagerExecution) eager.push(id);
        else this.dispatchActivity(exec, exec.activities.get(id)!);
        return false;
      }
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        const scheduledEventId = num(a.scheduledEventId);
        const act = exec.activities.get(scheduledEventId);
        const requestedId = this.append(exec, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
          scheduledEventId: long(scheduledEventId),
          workflowTaskCompletedEventId: wftCompleted,
        });
        if (act && (act.state === 'scheduled' || act.state === 'backoff')) {
          this.stopActivity(act);
          this.append(exec, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
            scheduledEventId: long(scheduledEventId),
            startedEventId: long(0),
            latestCancelRequestedEventId: long(requestedId),
            identity,
          });
          return true;
        }
        return false;
      }
      case CommandType.COMMAND_TYPE_START_TIMER: {
        this.append(exec, EventType.EVENT_TYPE_TIMER_STARTED, {
          timerId: a.timerId,
          startToFireTimeout: a.startToFireTimeout,
          workflowTaskCompletedEventId: wftCompleted,
        });
        this.armTimer(exec, a.timerId);
        return false;
      }
      case CommandType.COMMAND_TYPE_CANCEL_TIMER: {
        const timer = exec.timers.get(a.timerId);
        if (!timer) return false;
        timer.handle?.cancel();
        // A firing that is still buffered never happened as far as the workflow knows.
        exec.buffered = exec.buffered.filter(
          (b) => !(b.event.eventType === EventType.EVENT_TYPE_TIMER_FIRED && b.event.timerFiredEventAttributes?.timerId === a.timerId),
        );
        this.append(exec, EventType.EVENT_TYPE_TIMER_CANCELED, {
          timerId: a.timerId,
          startedEventId: long(timer.startedEventId),
          workflowTaskCompletedEventId: wftCompleted,
          identity,
        });
        return false;
      }
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, { result: a.result, workflowTaskCompletedEventId: wftCompleted });
        after.push(() => this.onClosed(exec));
        return false;
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        this.failWorkflow(exec, a.failure, wftCompleted, after);
        return false;
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, { details: a.details, workflowTaskCompletedEventId: wftCompleted });
        after.push(() => this.onClosed(exec));
        return false;
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        this.continueAsNew(exec, a, wftCompleted, after);
        return false;
      case CommandType.COMMAND_TYPE_RECORD_MARKER:
        this.append(exec, EventType.EVENT_TYPE_MARKER_RECORDED, {
          markerName: a.markerName,
          details: a.details,
          header: a.header,
          failure: a.failure,
          workflowTaskCompletedEventId: wftCompleted,
        });
        return false;
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        this.append(exec, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
          workflowTaskCompletedEventId: wftCompleted,
          searchAttributes: { indexedFields: validateAttributes(a.searchAttributes, this.namespaces.get(exec.ns).customAttributes) },
        });
        return false;
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
        this.append(exec, EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, { workflowTaskCompletedEventId: wftCompleted, upsertedMemo: a.upsertedMemo });
        return false;
      case CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION: {
        const id = this.append(exec, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
          ...a,
          namespace: a.namespace || exec.ns,
          taskQueue: a.taskQueue?.name ? a.taskQueue : { name: exec.taskQueue, kind: NORMAL },
          workflowTaskCompletedEventId: wftCompleted,
        });
        after.push(() => this.startChild(exec, id));
        return false;
      }
      case CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION: {
        const id = this.append(exec, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
          namespace: a.namespace || exec.ns,
          workflowExecution: a.execution,
          signalName: a.signalName,
          input: a.input,
          control: a.control,
          childWorkflowOnly: a.childWorkflowOnly,
          header: a.header,
          workflowTaskCompletedEventId: wftCompleted,
        });
        after.push(() => this.signalExternal(exec, id));
        return false;
      }
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: {
        const id = this.append(exec, EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
          namespace: a.namespace || exec.ns,
          workflowExecution: { workflowId: a.workflowId, runId: a.runId },
          control: a.control,
          childWorkflowOnly: a.childWorkflowOnly,
          reason: a.reason,
          workflowTaskCompletedEventId: wftCompleted,
        });
        after.push(() => this.cancelExternal(exec, id));
        return false;
      }
      case CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE:
        this.applyUpdateMessage(exec, messages.get(a.messageId)!);
        return false;
      default:
        return false;
    }
  }

  private failWorkflow(exec: Execution, failure: Failure | null | undefined, wftCompleted: ReturnType<typeof long>, after: Array<() => void>): void {
    const policy = exec.started.retryPolicy;
    const expiration = timestampMs(exec.started.workflowExecutionExpirationTime) || undefined;
    const decision = policy
      ? decideRetry(policy, exec.started.attempt || 1, failure ?? undefined, this.clock.now(), expiration)
      : { retryState: enums.v1.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET };
    if (decision.delayMs === undefined) {
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
        failure,
        retryState: decision.retryState,
        workflowTaskCompletedEventId: wftCompleted,
      });
      after.push(() => this.onClosed(exec));
      return;
    }
    const next = this.retryRunParams(exec, failure, decision.delayMs);
    const newRunId = randomUUID();
    this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
      failure,
      retryState: decision.retryState,
      workflowTaskCompletedEventId: wftCompleted,
      newExecutionRunId: newRunId,
    });
    after.push(() => {
      this.onClosed(exec);
      this.createRun(next, next.searchAttributes?.indexedFields ?? {}, newRunId);
    });
  }

  private continueAsNew(exec: Execution, a: Attrs, wftCompleted: ReturnType<typeof long>, after: Array<() => void>): void {
    const next = this.nextRunParams(exec, {
      workflowType: a.workflowType?.name || exec.workflowType,
      taskQueue: a.taskQueue?.name || exec.taskQueue,
      input: a.input,
      // Unset on the command, the run and task timeouts carry over from the current run (as the real server does).
      runTimeoutMs: durationMs(a.workflowRunTimeout) || durationMs(exec.started.workflowRunTimeout) || undefined,
      taskTimeoutMs: durationMs(a.workflowTaskTimeout) || durationMs(exec.started.workflowTaskTimeout) || undefined,
      startDelayMs: durationMs(a.backoffStartInterval) || undefined,
      header: a.header,
      memo: a.memo ?? undefined,
      searchAttributes: a.searchAttributes
        ? { indexedFields: { ...exec.searchAttributes, ...validateAttributes(a.searchAttributes, this.namespaces.get(exec.ns).customAttributes) } }
        : undefined,
      retryPolicy: a.retryPolicy ?? undefined,
      continued: {
        previous: exec,
        initiator: a.initiator || enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
        failure: a.failure,
        lastCompletionResult: a.lastCompletionResult,
        attempt: 1,
      },
    });
    const newRunId = randomUUID();
    this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
      newExecutionRunId: newRunId,
      workflowType: { name: next.workflowType },
      taskQueue: { name: next.taskQueue, kind: NORMAL },
      input: next.input,
      workflowRunTimeout: msDuration(next.runTimeoutMs ?? 0),
      workflowTaskTimeout: msDuration(next.taskTimeoutMs ?? DEFAULT_WFT_TIMEOUT_MS),
      workflowTaskCompletedEventId: wftCompleted,
      backoffStartInterval: msDuration(next.startDelayMs ?? 0),
      initiator: next.continued!.initiator,
      header: next.header,
      memo: next.memo,
      searchAttributes: next.searchAttributes,
    });
    after.push(() => {
      this.onClosed(exec);
      this.createRun(next, next.searchAttributes?.indexedFields ?? {}, newRunId);
    });
  }

  /** The next attempt of a workflow under its retry policy: same type, queue and input, after the backoff. */
  private retryRunParams(exec: Execution, failure: Failure | null | undefined, delayMs: number): StartParams {
    return this.nextRunParams(exec, {
      workflowType: exec.workflowType,
      taskQueue: exec.taskQueue,
      input: exec.started.input,
      startDelayMs: delayMs,
      continued: { previous: exec, initiator: enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY, failure, attempt: (exec.started.attempt || 1) + 1 },
    });
  }

  private nextRunParams(exec: Execution, p: Partial<StartParams> & Pick<StartParams, 'workflowType' | 'taskQueue' | 'continued'>): StartParams {
    const s = exec.started;
    return {
      ns: exec.ns,
      workflowId: exec.workflowId,
      identity: s.identity ?? '',
      runTimeoutMs: durationMs(s.workflowRunTimeout) || undefined,
      taskTimeoutMs: durationMs(s.workflowTaskTimeout) || undefined,
      executionTimeoutMs: durationMs(s.workflowExecutionTimeout) || undefined,
      retryPolicy: s.retryPolicy,
      memo: { fields: exec.memo },
      searchAttributes: { indexedFields: exec.searchAttributes },
      header: s.header,
      ...p,
    };
  }

  // ---------------------------------------------------------------- timers

  private armTimer(exec: Execution, timerId: string): void {
    const timer = exec.timers.get(timerId);
    if (!timer) return;
    timer.handle = this.clock.at(timer.fireTime, () => {
      if (exec.timers.get(timerId) !== timer || !exec.running) return;
      this.addExternal(exec, [
        { type: EventType.EVENT_TYPE_TIMER_FIRED, attrs: { timerId, startedEventId: long(timer.startedEventId) } },
      ]);
    });
  }

  // ---------------------------------------------------------------- activities

  /**
   * Eager activities start at once, recorded as started by the completing worker, and go back in the
   * completion's response instead of through matching (unless the workflow closed or cancelled them
   * meanwhile), as the real server does with system.enableActivityEagerExecution on.
   */
  private startEagerActivities(exec: Execution, ids: number[], identity: string): PollActivityTaskResponse[] {
    const tasks: PollActivityTaskResponse[] = [];
    for (const id of ids) {
      const act = exec.running ? exec.activities.get(id) : undefined;
      const task = act && this.dispatchActivity(exec, act, { identity });
      if (task) tasks.push(task);
    }
    return tasks;
  }

  /** Offers an activity's attempt to pollers; or, for an eager start, starts it for `eagerFor` and returns its task. */
  private dispatchActivity(exec: Execution, act: ActivityState, eagerFor?: PollerInfo): PollActivityTaskResponse | undefined {
    act.release ??= this.clock.hold();
    act.state = 'scheduled';
    act.attemptScheduledTime = this.clock.now();
    const a = act.attrs;
    const scheduleToStart = durationMs(a.scheduleToStartTimeout);
    const scheduleToClose = durationMs(a.scheduleToCloseTimeout);
    if (scheduleToStart > 0) {
      act.timers.push(this.clock.after(scheduleToStart, () => this.timeoutActivity(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)));
    }
    if (scheduleToClose > 0 && !act.closeTimer) {
      act.closeTimer = this.clock.at(act.firstScheduledTime + scheduleToClose, () =>
        this.timeoutActivity(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
      );
    }
    const attempt = act.attempt;
    if (eagerFor) return this.startActivity(exec, act, attempt, eagerFor);
    this.activityTasks.offer(queueKey(exec.ns, a.taskQueue?.name ?? exec.taskQueue), (p) => this.startActivity(exec, act, attempt, p));
    return undefined;
  }

  private startActivity(exec: Execution, act: ActivityState, attempt: number, poller: PollerInfo): PollActivityTaskResponse | undefined {
    if (!exec.running || exec.activities.get(act.scheduledEventId) !== act || act.attempt !== attempt || act.state !== 'scheduled') {
      return undefined;
    }
    const now = this.clock.now();
    act.state = 'started';
    act.startedTime = now;
    act.identity = poller.identity;
    act.lastHeartbeatTime = undefined;
    for (const t of act.timers) t.cancel();
    act.timers = [];
    const a = act.attrs;
    const startToClose = durationMs(a.startToCloseTimeout);
    if (startToClose > 0) {
      act.timers.push(this.clock.after(startToClose, () => this.timeoutActivity(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, attempt)));
    }
    this.armHeartbeatTimeout(exec, act);
    return {
      taskToken: encodeToken({ ns: exec.ns, wid: exec.workflowId, rid: exec.runId, kind: 'act', id: act.scheduledEventId, seq: attempt }),
      workflowNamespace: exec.ns,
      workflowType: { name: exec.workflowType },
      workflowExecution: { workflowId: exec.workflowId, runId: exec.runId },
      activityType: a.activityType,
      activityId: a.activityId,
      header: a.header,
      input: a.input,
      heartbeatDetails: act.heartbeatDetails,
      scheduledTime: timestamp(act.firstScheduledTime),
      currentAttemptScheduledTime: timestamp(act.attemptScheduledTime),
      startedTime: timestamp(now),
      attempt,
      scheduleToCloseTimeout: a.scheduleToCloseTimeout,
      startToCloseTimeout: a.startToCloseTimeout,
      heartbeatTimeout: a.heartbeatTimeout,
      retryPolicy: a.retryPolicy,
      priority: a.priority,
    };
  }

  private heartbeatTimer = new WeakMap<ActivityState, { cancel(): void }>();

  private armHeartbeatTimeout(exec: Execution, act: ActivityState): void {
    const heartbeat = durationMs(act.attrs.heartbeatTimeout);
    this.heartbeatTimer.get(act)?.cancel();
    if (heartbeat <= 0) return;
    const attempt = act.attempt;
    this.heartbeatTimer.set(
      act,
      this.clock.after(heartbeat, () => this.timeoutActivity(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT, attempt)),
    );
  }

  private stopActivity(act: ActivityState): void {
    for (const t of act.timers) t.cancel();
    act.timers = [];
    act.closeTimer?.cancel();
    this.heartbeatTimer.get(act)?.cancel();
    act.release?.();
    act.release = undefined;
    act.state = 'done';
  }

  /** The started activity named by a token, or NOT_FOUND as the real server answers a stale token. */
  activityByToken(token: TaskToken): { exec: Execution; act: ActivityState } {
    const exec = this.runsById.get(`${token.ns}\u0000${token.rid}`);
    const act = exec?.activities.get(Number(token.id));
    if (!exec || !exec.running || !act || token.kind !== 'act' || act.attempt !== token.seq || act.state !== 'started') {
      throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
    }
    return { exec, act };
  }

  activityById(ns: string, workflowId: string, runId: string | null | undefined, activityId: string): { exec: Execution; act: ActivityState } {
    const exec = this.getRun(ns, workflowId, runId);
    const act = [...exec.activities.values()].find((x) => x.attrs.activityId === activityId);
    if (!exec.running || !act || act.state === 'done') {
      throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
    }
    return { exec, act };
  }

  heartbeat(exec: Execution, act: ActivityState, details: Payloads | null | undefined): { cancelRequested: boolean } {
    act.heartbeatDetails = details ?? act.heartbeatDetails;
    act.lastHeartbeatTime = this.clock.now();
    if (act.state === 'started') this.armHeartbeatTimeout(exec, act);
    return { cancelRequested: act.cancelRequested };
  }

  completeActivity(exec: Execution, act: ActivityState, result: Payloads | null | undefined, identity: string): void {
    this.finishActivity(exec, act, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { result, identity });
  }

  cancelActivity(exec: Execution, act: ActivityState, details: Payloads | null | undefined, identity: string): void {
    this.finishActivity(exec, act, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
      details,
      identity,
      latestCancelRequestedEventId: long(act.latestCancelRequestedEventId),
    });
  }

  failActivity(exec: Execution, act: ActivityState, failure: Failure | null | undefined, identity: string, details?: Payloads | null): void {
    if (details) act.heartbeatDetails = details;
    this.attemptFailed(exec, act, failure ?? { message: 'activity failed' }, (retryState) => ({
      type: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
      attrs: { failure, identity, retryState },
    }));
  }

  private timeoutActivity(exec: Execution, act: ActivityState, timeoutType: number, attempt?: number): void {
    if (!exec.running || act.state === 'done' || (attempt !== undefined && act.attempt !== attempt)) return;
    const name = { 1: 'StartToClose', 2: 'ScheduleToStart', 3: 'ScheduleToClose', 4: 'Heartbeat' }[timeoutType] ?? 'Unknown';
    const failure: Failure = {
      message: `activity ${name} timeout`,
      source: 'Server',
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: act.heartbeatDetails },
    };
    // Whatever the timeout type, the recorded failure's cause is the previous attempt's failure (as the real
    // server writes it); the failure kept for the next attempt's lastFailure has no cause.
    const event = (retryState: number) => ({
      type: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
      attrs: { failure: { ...failure, cause: act.lastFailure ?? undefined }, retryState },
    });
    const retryable = timeoutType === enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE || timeoutType === enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
    if (retryable) this.attemptFailed(exec, act, failure, event);
    else this.closeActivity(exec, act, event(act.cancelRequested ? enums.v1.RetryState.RETRY_STATE_CANCEL_REQUESTED : enums.v1.RetryState.RETRY_STATE_TIMEOUT));
  }

  /** One attempt failed: schedule the next after backoff, or record the final outcome. */
  private attemptFailed(exec: Execution, act: ActivityState, failure: Failure, finalEvent: (retryState: number) => { type: number; attrs: Attrs }): void {
    // An activity whose cancellation was requested is never retried (the real server checks this first).
    if (act.cancelRequested) {
      this.closeActivity(exec, act, finalEvent(enums.v1.RetryState.RETRY_STATE_CANCEL_REQUESTED));
      return;
    }
    const scheduleToClose = durationMs(act.attrs.scheduleToCloseTimeout);
    const decision = decideRetry(
      act.attrs.retryPolicy ?? withRetryDefaults(undefined),
      act.attempt,
      failure,
      this.clock.now(),
      scheduleToClose > 0 ? act.firstScheduledTime + scheduleToClose : undefined,
    );
    if (decision.delayMs === undefined) {
      this.closeActivity(exec, act, finalEvent(decision.retryState));
      return;
    }
    for (const t of act.timers) t.cancel();
    this.heartbeatTimer.get(act)?.cancel();
    act.lastFailure = failure;
    act.attempt++;
    act.state = 'backoff';
    // No worker has anything to do during the backoff: it is a server timer, which time skipping may
    // jump over (the next attempt's dispatch holds the clock again).
    act.release?.();
    act.release = undefined;
    act.timers = [this.clock.after(decision.delayMs, () => exec.running && act.state === 'backoff' && this.dispatchActivity(exec, act))];
  }

  private finishActivity(exec: Execution, act: ActivityState, type: number, attrs: Attrs): void {
    this.closeActivity(exec, act, { type, attrs });
  }

  /** Writes the activity's final events: ActivityTaskStarted (only now, as the real server does) then the outcome. */
  private closeActivity(exec: Execution, act: ActivityState, outcome: { type: number; attrs: Attrs }): void {
    const wasStarted = act.state === 'started';
    this.stopActivity(act);
    const entries: Array<{ type: number; attrs: Attrs; linkStarted?: boolean }> = [];
    if (wasStarted) {
      entries.push({
        type: EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        attrs: {
          scheduledEventId: long(act.scheduledEventId),
          identity: act.identity,
          requestId: randomUUID(),
          attempt: act.attempt,
          lastFailure: act.attempt > 1 ? act.lastFailure : undefined,
        },
      });
    }
    entries.push({
      type: outcome.type,
      attrs: { ...outcome.attrs, scheduledEventId: long(act.scheduledEventId), startedEventId: long(0) },
      linkStarted: wasStarted,
    });
    this.addExternal(exec, entries);
  }

  // ---------------------------------------------------------------- children and external workflows

  private startChild(parent: Execution, initiatedEventId: number): void {
    const child = parent.children.get(initiatedEventId);
    if (!child || !parent.running || child.startedEventId) return;
    const a = child.attrs;
    const ns = a.namespace || parent.ns;
    const existing = this.findRun(ns, a.workflowId ?? '');
    const root = parent.started.rootWorkflowExecution ?? { workflowId: parent.workflowId, runId: parent.runId };
    const alreadyOurs =
      existing?.started.parentWorkflowExecution?.runId === parent.runId && num(existing.started.parentInitiatedEventId) === initiatedEventId;
    let runId: string;
    try {
      runId = alreadyOurs
        ? existing!.runId
        : this.startWorkflow({
            ns,
            workflowId: a.workflowId!,
            workflowType: a.workflowType?.name ?? '',
            taskQueue: a.taskQueue?.name ?? parent.taskQueue,
            input: a.input,
            executionTimeoutMs: durationMs(a.workflowExecutionTimeout),
            runTimeoutMs: durationMs(a.workflowRunTimeout),
            taskTimeoutMs: durationMs(a.workflowTaskTimeout),
            reusePolicy: a.workflowIdReusePolicy ?? undefined,
            retryPolicy: a.retryPolicy,
            memo: a.memo,
            searchAttributes: a.searchAttributes,
            header: a.header,
            identity: parent.started.identity ?? '',
            parent: { ns: parent.ns, workflowId: parent.workflowId, runId: parent.runId, initiatedEventId, root: { workflowId: root.workflowId!, runId: root.runId! } },
          }).runId;
    } catch (err) {
      if (!(err instanceof ServiceError) || err.code !== status.ALREADY_EXISTS) throw err;
      this.addExternal(parent, [
        {
          type: EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
          attrs: {
            namespace: ns,
            workflowId: a.workflowId,
            workflowType: a.workflowType,
            cause: enums.v1.StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
            control: a.control,
            initiatedEventId: long(initiatedEventId),
            workflowTaskCompletedEventId: a.workflowTaskCompletedEventId,
          },
        },
      ]);
      return;
    }
    this.addExternal(parent, [
      {
        type: EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
        attrs: {
          namespace: ns,
          initiatedEventId: long(initiatedEventId),
          workflowExecution: { workflowId: a.workflowId, runId },
          workflowType: a.workflowType,
          header: a.header,
        },
      },
    ]);
  }

  private notifyParent(child: Execution, closeEvent: HistoryEvent): void {
    const s = child.started;
    if (!s.parentWorkflowExecution?.workflowId) return;
    const parent = this.findRun(s.parentWorkflowNamespace || child.ns, s.parentWorkflowExecution.workflowId, s.parentWorkflowExecution.runId);
    const initiatedEventId = num(s.parentInitiatedEventId);
    const record = parent?.children.get(initiatedEventId);
    if (!parent || !record) return;
    const base = {
      namespace: child.ns,
      workflowExecution: { workflowId: child.workflowId, runId: child.runId },
      workflowType: { name: child.workflowType },
      initiatedEventId: long(initiatedEventId),
      startedEventId: long(record.startedEventId ?? 0),
    };
    const E = EventType;
    const byClose: Record<number, [number, Attrs]> = {
      [E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: [E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED, { result: closeEvent.workflowExecutionCompletedEventAttributes?.result }],
      [E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: [
        E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
        { failure: closeEvent.workflowExecutionFailedEventAttributes?.failure, retryState: closeEvent.workflowExecutionFailedEventAttributes?.retryState },
      ],
      [E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: [E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED, { details: closeEvent.workflowExecutionCanceledEventAttributes?.details }],
      [E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: [E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT, { retryState: closeEvent.workflowExecutionTimedOutEventAttributes?.retryState }],
      [E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: [E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED, {}],
    };
    const mapped = byClose[closeEvent.eventType!];
    if (!mapped) return;
    // A retried child reports only its final run (its failed or timed-out run with a successor is not final).
    if ((closeEvent.workflowExecutionFailedEventAttributes ?? closeEvent.workflowExecutionTimedOutEventAttributes)?.retryState === enums.v1.RetryState.RETRY_STATE_IN_PROGRESS) return;
    this.addExternal(parent, [{ type: mapped[0], attrs: { ...base, ...mapped[1] } }]);
  }

  private applyParentClosePolicy(parent: Execution): void {
    if (parent.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW) return;
    for (const child of parent.children.values()) {
      if (!child.startedEventId) continue;
      const target = this.findRun(child.attrs.namespace || parent.ns, child.attrs.workflowId ?? '');
      if (!target?.running || target.firstRunId !== child.runId && target.runId !== child.runId && target.started.firstExecutionRunId !== child.runId) continue;
      const policy = child.attrs.parentClosePolicy;
      if (policy === enums.v1.ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON) continue;
      if (policy === enums.v1.ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL) this.requestCancel(target, 'parent closed', 'dev-server');
      else this.terminate(target, 'by parent close policy', null, 'dev-server');
    }
  }

  private signalExternal(source: Execution, initiatedEventId: number): void {
    const a = source.pendingSignals.get(initiatedEventId);
    if (!a || !source.running) return;
    const ns = a.namespace || source.ns;
    const target = this.findRun(ns, a.workflowExecution?.workflowId ?? '', a.workflowExecution?.runId);
    const common = { initiatedEventId: long(initiatedEventId), namespace: ns, workflowExecution: a.workflowExecution, control: a.control };
    if (target?.running && (!a.childWorkflowOnly || target.started.parentWorkflowExecution?.runId === source.runId)) {
      this.signal(target, a.signalName ?? '', a.input, source.started.identity ?? '', a.header);
      this.addExternal(source, [{ type: EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, attrs: common }]);
    } else {
      this.addExternal(source, [
        {
          type: EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
          attrs: { ...common, cause: enums.v1.SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND },
        },
      ]);
    }
  }

  private cancelExternal(source: Execution, initiatedEventId: number): void {
    const a = source.pendingCancels.get(initiatedEventId);
    if (!a || !source.running) return;
    const ns = a.namespace || source.ns;
    const target = this.findRun(ns, a.workflowExecution?.workflowId ?? '', a.workflowExecution?.runId);
    const common = { initiatedEventId: long(initiatedEventId), namespace: ns, workflowExecution: a.workflowExecution };
    if (target?.running) {
      this.requestCancel(target, a.reason ?? '', source.started.identity ?? '', { initiatedEventId, workflowId: source.workflowId, runId: source.runId });
      this.addExternal(source, [{ type: EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, attrs: common }]);
    } else {
      this.addExternal(source, [
        {
          type: EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
          attrs: { ...common, control: a.control, cause: enums.v1.CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND },
        },
      ]);
    }
  }

  // ---------------------------------------------------------------- updates

  /** Admits an update (or finds the one with the same id) and makes sure a workflow task carries it. */
  admitUpdate(exec: Execution, request: proto.temporal.api.update.v1.IRequest): UpdateState {
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
    if (!exec.wft && !exec.firstTaskDelayed) this.scheduleWorkflowTask(exec, true);
    return update;
  }

  private applyUpdateMessage(exec: Execution, m: ProtocolMessage): void {
    const type_url = m.body?.type_url ?? '';
    if (type_url.endsWith('temporal.api.update.v1.Acceptance')) {
      const acc = decodeMessage<proto.temporal.api.update.v1.IAcceptance>('temporal.api.update.v1.Acceptance', m.body!.value!);
      const update = exec.updates.get(m.protocolInstanceId ?? '');
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, {
        protocolInstanceId: m.protocolInstanceId,
        acceptedRequestMessageId: acc.acceptedRequestMessageId,
        acceptedRequestSequencingEventId: acc.acceptedRequestSequencingEventId,
        acceptedRequest: acc.acceptedRequest ?? update?.request,
      });
    } else if (type_url.endsWith('temporal.api.update.v1.Response')) {
      const res = decodeMessage<proto.temporal.api.update.v1.IResponse>('temporal.api.update.v1.Response', m.body!.value!);
      const update = exec.updates.get(res.meta?.updateId ?? m.protocolInstanceId ?? '');
      this.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, {
        meta: res.meta,
        acceptedEventId: long(update?.acceptedEventId ?? 0),
        outcome: res.outcome,
      });
    }
  }

  // ---------------------------------------------------------------- queries

  query(exec: Execution, q: PendingQuery): void {
    this.routeQuery(exec, q);
  }

  private routeQuery(exec: Execution, q: PendingQuery): void {
    if (exec.running && exec.wft && !exec.wft.startedEventId) exec.wft.queries.set(q.id, q);
    else if (exec.running && exec.wft) exec.queuedQueries.push(q);
    else this.dispatchLegacyQuery(exec, q);
  }

  forgetQuery(exec: Execution, id: string): void {
    this.legacyQueries.delete(id);
    exec.wft?.queries.delete(id);
    exec.queuedQueries = exec.queuedQueries.filter((q) => q.id !== id);
  }

  private dispatchLegacyQuery(exec: Execution, q: PendingQuery): void {
    this.legacyQueries.set(q.id, { exec, query: q });
    const sticky = exec.running && exec.sticky && this.workflowTasks.hasPoller(queueKey(exec.ns, exec.sticky.queue)) ? exec.sticky.queue : undefined;
    this.workflowTasks.offer(queueKey(exec.ns, sticky ?? exec.taskQueue), () => {
      if (!this.legacyQueries.has(q.id)) return undefined;
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

  answerLegacyQuery(token: TaskToken, req: proto.temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest): void {
    const entry = this.legacyQueries.get(String(token.id));
    if (token.kind !== 'query' || !entry) throw notFound('query task not found, or already expired');
    this.legacyQueries.delete(String(token.id));
    entry.query.resolve(
      req.completedType === enums.v1.QueryResultType.QUERY_RESULT_TYPE_ANSWERED
        ? { answer: req.queryResult }
        : { error: req.errorMessage || req.failure?.message || 'query failed' },
    );
  }

  // ---------------------------------------------------------------- workers

  /** A worker shut down: its sticky queue will not be polled again, so its tasks go to any worker. */
  dropStickyQueue(ns: string, stickyQueue: string): void {
    for (const exec of this.executions(ns)) {
      if (exec.sticky?.queue !== stickyQueue) continue;
      exec.sticky = undefined;
      const task = exec.wft;
      if (task && !task.startedEventId) {
        clearTimeout(task.stickyFallback);
        this.workflowTasks.drain(queueKey(ns, stickyQueue));
        this.dispatchWorkflowTask(exec, task);
      }
    }
  }

  resetSticky(exec: Execution): void {
    exec.sticky = undefined;
  }

  // ---------------------------------------------------------------- recovery

  /** Rebuilds every execution from the journal, then restarts its timers and tasks. */
  recover(): void {
    if (!this.journal) return;
    const buffered = new Map<string, Array<{ event: HistoryEvent; linkStarted?: boolean }>>();
    for (const rec of this.journal.read()) {
      switch (rec.t) {
        case 'ns':
          this.namespaces.restore(rec);
          break;
        case 'sa':
          this.namespaces.restoreAttribute(rec.ns, rec.name, rec.kind);
          break;
        case 'start':
          this.requestIds.set(`${rec.ns}\u0000${rec.rid}`, rec.requestId);
          break;
        case 'ev': {
          let exec = this.runsById.get(`${rec.ns}\u0000${rec.rid}`);
          if (!exec) {
            exec = new Execution(rec.ns, rec.wid, rec.rid);
            exec.startRequestId = this.requestIds.get(`${rec.ns}\u0000${rec.rid}`) ?? '';
            this.runsById.set(`${rec.ns}\u0000${rec.rid}`, exec);
            const key = executionKey(rec.ns, rec.wid);
            this.runsByWorkflow.set(key, [...(this.runsByWorkflow.get(key) ?? []), exec]);
          }
          exec.apply(rec.event);
          break;
        }
        case 'buf':
          buffered.set(`${rec.ns}\u0000${rec.rid}`, [...(buffered.get(`${rec.ns}\u0000${rec.rid}`) ?? []), { event: rec.event, linkStarted: rec.link }]);
          break;
        case 'flush':
          buffered.delete(`${rec.ns}\u0000${rec.rid}`);
          break;
      }
    }
    for (const exec of this.runsById.values()) {
      if (!exec.running) continue;
      exec.buffered = buffered.get(`${exec.ns}\u0000${exec.runId}`) ?? [];
      this.armRunTimers(exec);
      for (const id of exec.timers.keys()) this.armTimer(exec, id);
      for (const act of exec.activities.values()) this.dispatchActivity(exec, act);
      const task = exec.wft;
      if (task?.startedEventId) {
        // The worker that held this task talked to the previous process: time it out, as the real server would.
        this.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
          scheduledEventId: long(task.scheduledEventId),
          startedEventId: long(task.startedEventId),
          timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
        });
        this.afterWorkflowTask(exec, true);
      } else if (task) {
        this.dispatchWorkflowTask(exec, task);
      } else if (exec.firstTaskDelayed) {
        this.armFirstTask(exec);
      } else if (exec.buffered.length) {
        this.afterWorkflowTask(exec, true);
      } else if (exec.wftAttempt > 1) {
        // The last task failed and its retry, kept out of history, was pending: retry again (as an
        // ordinary task if events were written since the failure).
        const last = exec.history.at(-1)?.eventType;
        if (last !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED && last !== EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) exec.wftAttempt = 1;
        this.scheduleWorkflowTask(exec);
      }
      for (const id of exec.children.keys()) this.startChild(exec, id);
      for (const id of exec.pendingSignals.keys()) this.signalExternal(exec, id);
      for (const id of exec.pendingCancels.keys()) this.cancelExternal(exec, id);
    }
  }

  private readonly requestIds = new Map<string, string>();

  close(): void {
    this.workflowTasks.close();
    this.activityTasks.close();
  }
}

export const queueKey = (ns: string, name: string) => `${ns}\u0000${name}`;

/** Fills activity timeouts the way the real server does, so workers never see an unset one. */
function activityTimeouts(a: Attrs, runTimeoutMs: number) {
  const clamp = (ms: number) => (runTimeoutMs > 0 && (ms === 0 || ms > runTimeoutMs) ? runTimeoutMs : ms);
  let scheduleToClose = clamp(durationMs(a.scheduleToCloseTimeout));
  let scheduleToStart = clamp(durationMs(a.scheduleToStartTimeout));
  let startToClose = clamp(durationMs(a.startToCloseTimeout));
  if (durationMs(a.scheduleToCloseTimeout) > 0) {
    scheduleToStart = scheduleToStart > 0 ? Math.min(scheduleToStart, scheduleToClose) : scheduleToClose;
    startToClose = startToClose > 0 ? Math.min(startToClose, scheduleToClose) : scheduleToClose;
  } else {
    scheduleToClose = runTimeoutMs;
    if (!durationMs(a.scheduleToStartTimeout)) scheduleToStart = runTimeoutMs;
  }
  const heartbeat = Math.min(durationMs(a.heartbeatTimeout), startToClose || Infinity);
  return {
    scheduleToCloseTimeout: msDuration(scheduleToClose),
    scheduleToStartTimeout: msDuration(scheduleToStart),
    startToCloseTimeout: msDuration(startToClose),
    heartbeatTimeout: msDuration(heartbeat),
  };
}
