import { api, EventType, WorkflowExecutionStatus, durationMs, num, timestampMs, type HistoryEvent, type Payload, type proto } from './proto';
import { isUnset } from './search-attributes';
import type { ClockTimer } from './clock';
import { decodeEvent, encodeEvent, type HistoryLog } from './event-log';
import { acceptedUpdateCompletedWorkflow, encodeOutcome } from './updates';
import type { ServiceError } from './errors';
import type { EventSpan } from './journal';

const TIMEOUT_SCHEDULE_TO_START = api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START;
const RESET_WORKFLOW = api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW;

type Attrs<K extends keyof HistoryEvent> = NonNullable<HistoryEvent[K]>;
export type ActivityScheduled = Attrs<'activityTaskScheduledEventAttributes'>;
export type ChildInitiated = Attrs<'startChildWorkflowExecutionInitiatedEventAttributes'>;
export type UpdateRequest = proto.temporal.api.update.v1.IRequest;
export type UpdateOutcome = proto.temporal.api.update.v1.IOutcome;

/** One pending activity. `attempt` and the fields below it are runtime state, not history. */
export interface ActivityState {
  scheduledEventId: number;
  attrs: ActivityScheduled;
  firstScheduledTime: number;
  attempt: number;
  attemptScheduledTime: number;
  state: 'scheduled' | 'started' | 'backoff' | 'done';
  startedTime?: number;
  identity?: string;
  heartbeatDetails?: proto.temporal.api.common.v1.IPayloads | null;
  lastHeartbeatTime?: number;
  lastFailure?: proto.temporal.api.failure.v1.IFailure | null;
  cancelRequested: boolean;
  latestCancelRequestedEventId: number;
  timers: ClockTimer[];
  closeTimer?: ClockTimer;
  release?: () => void;
}

export interface WorkflowTaskState {
  scheduledEventId: number;
  startedEventId: number;
  attempt: number;
  scheduledTime: number;
  startedTime: number;
  /** A task created only to deliver updates: its events reach history only if it produces any. */
  speculative: boolean;
  /**
   * A retry of a failed or timed-out task (attempt > 1): its events reach history only when it completes,
   * and its own failure or timeout writes nothing (the real server's transient workflow task).
   */
  transient?: boolean;
  /** Who started it (for a speculative or transient task's WorkflowTaskStarted, written later). */
  startedBy?: string;
  /** Distinguishes dispatches of the same scheduled event (stale completions are refused). */
  seq: number;
  release?: () => void;
  timer?: ClockTimer;
  stickyFallback?: NodeJS.Timeout;
  queries: Map<string, PendingQuery>;
}

export interface PendingQuery {
  id: string;
  query: proto.temporal.api.query.v1.IWorkflowQuery;
  resolve(result: { answer?: proto.temporal.api.common.v1.IPayloads | null; error?: string }): void;
}

export interface UpdateState {
  id: string;
  request: UpdateRequest;
  stage: 'admitted' | 'accepted' | 'completed';
  /** Sent to the worker with a task that has not ended yet (the real server's Sent state). */
  delivered: boolean;
  /** Left the registry without an outcome: its waiters get this error, or admit it again on the current run. */
  aborted?: ServiceError | 'retry';
  acceptedEventId?: number;
  /** Encoded (encodeOutcome). */
  outcome?: Uint8Array;
}

/** An event waiting for its id; `linkStarted` fills startedEventId with the id written just before it. */
export interface BufferedEvent {
  event: HistoryEvent;
  linkStarted?: boolean;
}

/** A Nexus operation the run scheduled (devserver/nexus-operations.ts); attempts are runtime state, not history. */
export interface NexusOperationState {
  scheduledEventId: number;
  attrs: Attrs<'nexusOperationScheduledEventAttributes'>;
  scheduledTime: number;
  /** scheduled: its start request goes (or went) to the handler; started: the handler runs it asynchronously; done: its outcome is recorded. */
  state: 'scheduled' | 'started' | 'done';
  operationToken?: string;
  /** Its NexusOperationCancelRequested event, once the workflow asked to cancel it; `cancelDone` once the handler answered that request. */
  cancelRequestedEventId?: number;
  cancelRequestedTime?: number;
  cancelDone?: boolean;
  cancelFailed?: boolean;
  /** What DescribeWorkflowExecution shows of its attempts (the start request's, or the cancel request's once it goes). */
  lastAttemptFailure?: proto.temporal.api.failure.v1.IFailure;
  lastAttemptCompleteTime?: number;
  /** When a request that failed retryably goes again (backing off until then). */
  nextAttemptTime?: number;
  attempt: number;
  /** Attempts of the cancel request sent to the handler. */
  cancelAttempt: number;
  startedTime?: number;
  /** Its schedule-to-close, schedule-to-start and start-to-close deadlines; `timers` are its current request's. */
  deadlines: ClockTimer[];
  timers: ClockTimer[];
  release?: () => void;
}

export interface ChildState {
  initiatedEventId: number;
  attrs: ChildInitiated;
  startedEventId?: number;
  runId?: string;
}

export class Execution {
  status: number = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  // The start event as encoded, decoded when asked: a decoded one cost each open run about 1.5 KB.
  private startEvent = new Uint8Array(0);
  workflowType = '';
  taskQueue = '';
  firstRunId = '';
  startTime = 0;
  closeTime = 0;
  executionTime = 0;
  wft?: WorkflowTaskState;
  wftAttempt = 1;
  /** Started event id of the last completed workflow task ("previousStartedEventId"). */
  lastCompletedStartedEventId = 0;
  sticky?: { queue: string; timeoutMs: number };
  /** Events that arrived while a workflow task was running; written after it completes. */
  buffered: BufferedEvent[] = [];
  /** True while a workflow task completion is being written: new outside events wait in `buffered`. */
  completing = false;
  readonly activities = new Map<number, ActivityState>();
  readonly timers = new Map<string, { startedEventId: number; fireTime: number; handle?: ClockTimer }>();
  readonly children = new Map<number, ChildState>();
  readonly nexusOperations = new Map<number, NexusOperationState>();
  readonly pendingSignals = new Map<number, Attrs<'signalExternalWorkflowExecutionInitiatedEventAttributes'>>();
  readonly pendingCancels = new Map<number, Attrs<'requestCancelExternalWorkflowExecutionInitiatedEventAttributes'>>();
  readonly updates = new Map<string, UpdateState>();
  queuedQueries: PendingQuery[] = [];
  cancelRequested = false;
  /** The request ids of the signals this run took, so a client's retry of one is not a second signal. */
  readonly signalRequestIds = new Set<string>();
  searchAttributes: Record<string, Payload> = {};
  memo: Record<string, Payload> = {};
  startRequestId = '';
  /** Its start carries completion callbacks (a Nexus operation's handler run): known without decoding the start. */
  hasCompletionCallbacks = false;
  /** The run a reset of this one started (DescribeWorkflowExecution's workflowExtendedInfo.resetRunId). */
  resetRunId = '';
  /** Bytes of the encoded events written so far: the history size a workflow task reports. */
  historySizeBytes = 0;
  /** The first workflow task waits for a start delay or retry backoff. */
  firstTaskDelayed = false;
  /** The run's priority (devserver/priority.ts): every task dispatch reads it, and `started` decodes its event each time. */
  priority?: proto.temporal.api.common.v1.IPriority;
  runTimers: ClockTimer[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly ns: string,
    readonly workflowId: string,
    readonly runId: string,
    readonly history: HistoryLog,
  ) {}

  get nextEventId(): number {
    return this.history.length + 1;
  }

  get running(): boolean {
    return this.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  get started(): Attrs<'workflowExecutionStartedEventAttributes'> {
    return decodeEvent(this.startEvent).workflowExecutionStartedEventAttributes!;
  }

  get closeEvent(): HistoryEvent | undefined {
    return this.running ? undefined : this.history.at(-1);
  }

  /**
   * Resolves on the next appended event (history and update long-polls), or after `ms`. Either way
   * it leaves no timer or waiter behind: a parked run is polled every 20 s for as long as it waits.
   */
  nextChange(ms = Infinity): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = ms === Infinity ? undefined : setTimeout(done, ms).unref();
      this.waiters.add(done);
    });
  }

  notify(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /**
   * Applies one history event to the execution's state. The live server and recovery from a data
   * directory both go through here, so a restarted server holds exactly the state it persisted.
   */
  apply(event: HistoryEvent, encoded: Uint8Array = encodeEvent(event), span?: EventSpan): void {
    // Long only as a flat switch with one short case per event type: it reads as the table it is.
    const id = num(event.eventId);
    const time = timestampMs(event.eventTime);
    this.history.push(encoded, span);
    this.historySizeBytes += encoded.byteLength;
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const a = event.workflowExecutionStartedEventAttributes!;
        this.startEvent = new Uint8Array(encoded);
        this.hasCompletionCallbacks = !!a.completionCallbacks?.length;
        this.workflowType = a.workflowType?.name ?? '';
        this.taskQueue = a.taskQueue?.name ?? '';
        this.firstRunId = a.firstExecutionRunId || this.runId;
        this.startTime = time;
        this.executionTime = time + durationMs(a.firstWorkflowTaskBackoff);
        this.firstTaskDelayed = durationMs(a.firstWorkflowTaskBackoff) > 0;
        this.searchAttributes = { ...(a.searchAttributes?.indexedFields ?? {}) };
        this.memo = { ...(a.memo?.fields ?? {}) };
        if (a.priority) this.priority = { priorityKey: a.priority.priorityKey, fairnessKey: a.priority.fairnessKey, fairnessWeight: a.priority.fairnessWeight };
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        this.firstTaskDelayed = false;
        this.wft = {
          scheduledEventId: id,
          startedEventId: 0,
          attempt: event.workflowTaskScheduledEventAttributes?.attempt || 1,
          scheduledTime: time,
          startedTime: 0,
          speculative: false,
          seq: 0,
          queries: this.wft?.queries ?? new Map(),
        };
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        if (this.wft) {
          this.wft.startedEventId = id;
          this.wft.startedTime = time;
        }
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        this.lastCompletedStartedEventId = num(event.workflowTaskCompletedEventAttributes?.startedEventId);
        this.wft = undefined;
        this.wftAttempt = 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
      case EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
        // A sticky task nobody took (SCHEDULE_TO_START) does not count as a failed attempt (the real server's
        // rule), nor does the task a reset fails: the new run's next task is its first attempt.
        this.wftAttempt =
          event.workflowTaskFailedEventAttributes?.cause === RESET_WORKFLOW
            ? 1
            : (this.wft?.attempt ?? this.wftAttempt) + (event.workflowTaskTimedOutEventAttributes?.timeoutType === TIMEOUT_SCHEDULE_TO_START ? 0 : 1);
        this.wft = undefined;
        this.sticky = undefined;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        this.activities.set(id, {
          scheduledEventId: id,
          attrs: event.activityTaskScheduledEventAttributes!,
          firstScheduledTime: time,
          attempt: 1,
          attemptScheduledTime: time,
          state: 'scheduled',
          cancelRequested: false,
          latestCancelRequestedEventId: 0,
          timers: [],
        });
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: {
        const act = this.activities.get(num(event.activityTaskCancelRequestedEventAttributes?.scheduledEventId));
        if (act) {
          act.cancelRequested = true;
          act.latestCancelRequestedEventId = id;
        }
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const a =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        this.activities.delete(num(a?.scheduledEventId));
        break;
      }
      case EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED:
        this.nexusOperations.set(id, { scheduledEventId: id, attrs: event.nexusOperationScheduledEventAttributes!, scheduledTime: time, state: 'scheduled', attempt: 1, cancelAttempt: 1, deadlines: [], timers: [] });
        break;
      case EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED: {
        const op = this.nexusOperations.get(num(event.nexusOperationCancelRequestedEventAttributes?.scheduledEventId));
        if (op) {
          op.cancelRequestedEventId = id;
          op.cancelRequestedTime = time;
        }
        break;
      }
      case EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED:
      case EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED: {
        const attrs = event.nexusOperationCancelRequestCompletedEventAttributes ?? event.nexusOperationCancelRequestFailedEventAttributes;
        const op = this.nexusOperations.get(num(attrs?.scheduledEventId));
        if (op) {
          op.cancelDone = true;
          op.cancelFailed = !!event.nexusOperationCancelRequestFailedEventAttributes;
        }
        break;
      }
      case EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED: {
        const op = this.nexusOperations.get(num(event.nexusOperationStartedEventAttributes?.scheduledEventId));
        if (op) {
          op.state = 'started';
          op.operationToken = event.nexusOperationStartedEventAttributes?.operationToken ?? '';
          op.startedTime = time;
        }
        break;
      }
      case EventType.EVENT_TYPE_NEXUS_OPERATION_COMPLETED:
      case EventType.EVENT_TYPE_NEXUS_OPERATION_FAILED:
      case EventType.EVENT_TYPE_NEXUS_OPERATION_CANCELED:
      case EventType.EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT: {
        const attrs =
          event.nexusOperationCompletedEventAttributes ??
          event.nexusOperationFailedEventAttributes ??
          event.nexusOperationCanceledEventAttributes ??
          event.nexusOperationTimedOutEventAttributes;
        this.nexusOperations.delete(num(attrs?.scheduledEventId));
        break;
      }
      case EventType.EVENT_TYPE_TIMER_STARTED: {
        const a = event.timerStartedEventAttributes!;
        this.timers.set(a.timerId!, { startedEventId: id, fireTime: time + durationMs(a.startToFireTimeout) });
        break;
      }
      case EventType.EVENT_TYPE_TIMER_FIRED:
        this.timers.delete(event.timerFiredEventAttributes!.timerId!);
        break;
      case EventType.EVENT_TYPE_TIMER_CANCELED:
        this.timers.delete(event.timerCanceledEventAttributes!.timerId!);
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        this.children.set(id, { initiatedEventId: id, attrs: event.startChildWorkflowExecutionInitiatedEventAttributes! });
        break;
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
        const a = event.childWorkflowExecutionStartedEventAttributes!;
        const child = this.children.get(num(a.initiatedEventId));
        if (child) {
          child.startedEventId = id;
          child.runId = a.workflowExecution?.runId ?? undefined;
        }
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: {
        const a =
          event.startChildWorkflowExecutionFailedEventAttributes ??
          event.childWorkflowExecutionCompletedEventAttributes ??
          event.childWorkflowExecutionFailedEventAttributes ??
          event.childWorkflowExecutionCanceledEventAttributes ??
          event.childWorkflowExecutionTimedOutEventAttributes ??
          event.childWorkflowExecutionTerminatedEventAttributes;
        this.children.delete(num(a?.initiatedEventId));
        break;
      }
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        this.pendingSignals.set(id, event.signalExternalWorkflowExecutionInitiatedEventAttributes!);
        break;
      case EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
        this.pendingSignals.delete(num(event.externalWorkflowExecutionSignaledEventAttributes?.initiatedEventId));
        break;
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
        this.pendingSignals.delete(num(event.signalExternalWorkflowExecutionFailedEventAttributes?.initiatedEventId));
        break;
      case EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        this.pendingCancels.set(id, event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes!);
        break;
      case EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
        this.pendingCancels.delete(num(event.externalWorkflowExecutionCancelRequestedEventAttributes?.initiatedEventId));
        break;
      case EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
        this.pendingCancels.delete(num(event.requestCancelExternalWorkflowExecutionFailedEventAttributes?.initiatedEventId));
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
        this.cancelRequested = true;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        if (event.workflowExecutionSignaledEventAttributes?.requestId) this.signalRequestIds.add(event.workflowExecutionSignaledEventAttributes.requestId);
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        for (const [k, v] of Object.entries(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})) {
          if (isUnset(v)) delete this.searchAttributes[k];
          else this.searchAttributes[k] = v;
        }
        break;
      case EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
        for (const [k, v] of Object.entries(event.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields ?? {})) {
          if (!v.data || v.data.length === 0) delete this.memo[k];
          else this.memo[k] = v;
        }
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
        const a = event.workflowExecutionUpdateAcceptedEventAttributes!;
        const update = this.updateFor(a.protocolInstanceId!, a.acceptedRequest ?? {});
        update.stage = 'accepted';
        update.acceptedEventId = id;
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
        const a = event.workflowExecutionUpdateCompletedEventAttributes!;
        const update = this.updates.get(a.meta!.updateId!);
        if (update) {
          update.stage = 'completed';
          update.outcome = a.outcome ? encodeOutcome(a.outcome) : undefined;
          // A completed update answers a repeat of its id from the outcome alone.
          update.request = {};
        }
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        this.close(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, time);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        this.close(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, time);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
        this.close(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, time);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
        this.close(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, time);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
        this.close(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, time);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        this.close(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, time);
        break;
      default:
        break;
    }
    this.notify();
  }

  private updateFor(id: string, request: UpdateRequest): UpdateState {
    let update = this.updates.get(id);
    if (!update) {
      update = { id, request, stage: 'admitted', delivered: true };
      this.updates.set(id, update);
    }
    return update;
  }

  private close(status: number, time: number): void {
    this.status = status;
    this.closeTime = time;
    this.wft = undefined;
    this.sticky = undefined;
    // An accepted update never completes now: its outcome says so (the real server keeps none in history,
    // and gives this one after a restart too).
    for (const update of this.updates.values()) {
      if (update.stage !== 'accepted') continue;
      update.stage = 'completed';
      update.outcome = acceptedUpdateCompletedWorkflow;
      update.request = {};
    }
  }
}

export const executionKey = (ns: string, workflowId: string) => `${ns}\u0000${workflowId}`;
