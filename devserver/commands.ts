import { randomUUID } from 'node:crypto';
import {
  api,
  CommandType,
  EventType,
  durationMs,
  long,
  msDuration,
  num,
  timestampMs,
  type Command,
  type Failure,
  type Payloads,
  type ProtocolMessage,
} from './proto';
import type { Execution } from './execution';
import { commandAttributesKey } from './event-names';
import { decideRetry, withRetryDefaults } from './retry';
import { validateAttributes } from './search-attributes';
import { updateMessageEvent } from './updates';
import { activityTimeouts } from './activities';
import { unsupportedCommandField } from './unsupported-fields';
import { priorityProblem } from './priority';
import { compileCronSchedule } from './calendar-spec';
import { DEFAULT_WFT_TIMEOUT_MS, NORMAL, type Attrs } from './history';
import type { Children } from './children';
import type { Engine } from './engine';

// The commands a workflow task completion carries: one validator and one handler per command type.

const { enums } = api;
const Cause = enums.v1.WorkflowTaskFailedCause;
type EventIdLong = ReturnType<typeof long>;

export const TERMINAL_COMMANDS = new Set<number>([
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

/** A failed command: the real server fails the workflow task with this cause and writes nothing else. */
export class CommandError extends Error {
  constructor(
    readonly cause: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the commands of one completion share while they are written. */
export interface CommandContext {
  e: Engine;
  exec: Execution;
  /** The WorkflowTaskCompleted event id, which each command's event points back to. */
  completedId: EventIdLong;
  messages: Map<string, ProtocolMessage>;
  identity: string;
  /** Work that waits until every command is written (closing the run, starting children...). */
  after: Array<() => void>;
  /** Activities the worker asked to run itself, started once all commands are in. */
  eager: number[];
}

type Validator = (e: Engine, exec: Execution, a: Attrs | undefined, messages: Map<string, ProtocolMessage>) => void;
/** Writes one command's events; returns true when a new workflow task must follow. */
type Handler = (ctx: CommandContext, a: Attrs, c: Command) => boolean;

const noCheck: Validator = () => {};

const checkSearchAttributes: Validator = (e, exec, a) => {
  try {
    validateAttributes(a?.searchAttributes, e.namespaces.get(exec.ns).customAttributes);
  } catch (err) {
    throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES, (err as Error).message);
  }
};

const checkPriority = (cause: number, priority: Attrs['priority']) => {
  const problem = priorityProblem(priority);
  if (problem) throw new CommandError(cause, problem);
};

const validators: Record<number, Validator> = {
  [CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]: (_e, _exec, a) => {
    if (!a?.activityId) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, 'ActivityId is not set.');
    if (!a.activityType?.name) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, 'ActivityType is not set.');
    if (!durationMs(a.scheduleToCloseTimeout) && !durationMs(a.startToCloseTimeout)) {
      throw new CommandError(
        Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
        'A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand.',
      );
    }
    checkPriority(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, a.priority);
  },
  [CommandType.COMMAND_TYPE_START_TIMER]: (_e, exec, a) => {
    if (!a?.timerId) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES, 'TimerId is not set.');
    if (exec.timers.has(a.timerId)) throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID, `Timer ${a.timerId} already started.`);
  },
  [CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]: checkSearchAttributes,
  [CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION]: checkSearchAttributes,
  [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: (_e, _exec, a) => {
    if (!a?.workflowId || !a.workflowType?.name) {
      throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES, 'Child WorkflowId or WorkflowType is not set.');
    }
    checkPriority(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES, a.priority);
    try {
      if (a.cronSchedule) compileCronSchedule(a.cronSchedule);
    } catch {
      throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES, 'invalid CronSchedule on StartChildWorkflowExecutionCommand.');
    }
  },
  [CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE]: (_e, _exec, a, messages) => {
    if (!messages.has(a?.messageId)) {
      throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_UPDATE_WORKFLOW_EXECUTION_MESSAGE, `Protocol message ${a?.messageId} is missing.`);
    }
  },
  [CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION]: (e, _exec, a) => {
    const bad = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES;
    if (!a?.endpoint) throw new CommandError(bad, 'Endpoint is not set on ScheduleNexusOperationCommand.');
    if (!a.service || !a.operation) throw new CommandError(bad, 'Service and Operation must be set on ScheduleNexusOperationCommand.');
    if (!e.nexusEndpoints.byName(a.endpoint)) throw new CommandError(bad, `endpoint "${a.endpoint}" not found`);
  },
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION]: (_e, exec, a) => {
    const bad = Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_NEXUS_OPERATION_ATTRIBUTES;
    const id = num(a?.scheduledEventId);
    const op = exec.nexusOperations.get(id);
    if (!op) throw new CommandError(bad, `requested cancelation for a non-existing or already completed operation with scheduled event ID of ${id}`);
    if (op.cancelRequestedEventId) throw new CommandError(bad, `cancelation was already requested for an operation with scheduled event ID ${id}`);
  },
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK]: noCheck,
  [CommandType.COMMAND_TYPE_CANCEL_TIMER]: noCheck,
  [CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]: noCheck,
  [CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION]: noCheck,
  [CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION]: noCheck,
  [CommandType.COMMAND_TYPE_RECORD_MARKER]: noCheck,
  [CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES]: noCheck,
  [CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION]: noCheck,
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION]: noCheck,
};

const attributesOf = (c: Command) => (c as Attrs)[commandAttributesKey(c.commandType!)] as Attrs | undefined;

/** Throws CommandError for a command the server would refuse, before anything of the completion is written. */
export function validateCommand(e: Engine, exec: Execution, c: Command, messages: Map<string, ProtocolMessage>): void {
  const validate = validators[c.commandType!];
  if (!validate) {
    throw new CommandError(Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, `The dev server does not support command ${CommandType[c.commandType!] ?? c.commandType}.`);
  }
  const unsupported = unsupportedCommandField(c);
  if (unsupported) throw new CommandError(BAD_ATTRIBUTES_CAUSE[c.commandType!] ?? Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, unsupported);
  validate(e, exec, attributesOf(c), messages);
}

/** The cause a command with attributes the server refuses fails its workflow task with. */
const BAD_ATTRIBUTES_CAUSE: Record<number, number> = {
  [CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]: Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES,
  [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES,
  [CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION]: Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CONTINUE_AS_NEW_ATTRIBUTES,
  [CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION]: Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES,
};

/** Writes one validated command's events; returns true when a new workflow task must follow. */
export function applyCommand(ctx: CommandContext, c: Command): boolean {
  return handlers[c.commandType!]?.(ctx, attributesOf(c)!, c) ?? false;
}

/** A command that closes the run: its event, then (after every command) the close. */
const closeWith =
  (type: number, attrs: (a: Attrs) => Attrs): Handler =>
  ({ e, exec, completedId, after }, a) => {
    e.history.append(exec, type, { ...attrs(a), workflowTaskCompletedEventId: completedId });
    after.push(() => e.runs.onClosed(exec));
    return false;
  };

/** A command that asks something of another workflow: its Initiated event now, the request once every command is written. */
const initiate =
  (type: number, attrs: (a: Attrs, exec: Execution) => Attrs, send: (children: Children, exec: Execution, initiatedId: number) => void): Handler =>
  ({ e, exec, completedId, after }, a, c) => {
    const id = e.history.append(exec, type, { ...attrs(a, exec), workflowTaskCompletedEventId: completedId }, undefined, c.userMetadata);
    after.push(() => send(e.children, exec, id));
    return false;
  };

const handlers: Record<number, Handler> = {
  [CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]: ({ e, exec, completedId, eager }, a, c) => {
    const id = e.history.append(exec, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
      activityId: a.activityId,
      activityType: a.activityType,
      taskQueue: a.taskQueue?.name ? a.taskQueue : { name: exec.taskQueue, kind: NORMAL },
      header: a.header,
      input: a.input,
      ...activityTimeouts(a, durationMs(exec.started.workflowRunTimeout)),
      workflowTaskCompletedEventId: completedId,
      retryPolicy: withRetryDefaults(a.retryPolicy),
      priority: a.priority,
    }, undefined, c.userMetadata);
    // The worker asked to run it itself, with a slot it reserved: it starts once all commands are in.
    if (a.requestEagerExecution) eager.push(id);
    else e.activities.dispatch(exec, exec.activities.get(id)!);
    return false;
  },
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK]: ({ e, exec, completedId, identity }, a) => {
    const scheduledEventId = num(a.scheduledEventId);
    const act = exec.activities.get(scheduledEventId);
    const requestedId = e.history.append(exec, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, {
      scheduledEventId: long(scheduledEventId),
      workflowTaskCompletedEventId: completedId,
    });
    if (act && (act.state === 'scheduled' || act.state === 'backoff')) {
      e.activities.stop(act);
      e.history.append(exec, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
        scheduledEventId: long(scheduledEventId),
        startedEventId: long(0),
        latestCancelRequestedEventId: long(requestedId),
        identity,
      });
      return true;
    }
    return false;
  },
  [CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION]: ({ e, exec, completedId, after }, a, c) => {
    e.nexus.schedule(exec, a, completedId, c.userMetadata, after);
    return false;
  },
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION]: ({ e, exec, completedId, after }, a, c) => {
    e.nexus.requestCancel(exec, num(a.scheduledEventId), completedId, c.userMetadata, after);
    return false;
  },
  [CommandType.COMMAND_TYPE_START_TIMER]: ({ e, exec, completedId }, a, c) => {
    e.history.append(
      exec,
      EventType.EVENT_TYPE_TIMER_STARTED,
      { timerId: a.timerId, startToFireTimeout: a.startToFireTimeout, workflowTaskCompletedEventId: completedId },
      undefined,
      c.userMetadata,
    );
    e.runs.armTimer(exec, a.timerId);
    return false;
  },
  [CommandType.COMMAND_TYPE_CANCEL_TIMER]: ({ e, exec, completedId, identity }, a) => {
    const timer = exec.timers.get(a.timerId);
    if (!timer) return false;
    timer.handle?.cancel();
    // A firing that is still buffered never happened as far as the workflow knows.
    exec.buffered = exec.buffered.filter(
      (b) => !(b.event.eventType === EventType.EVENT_TYPE_TIMER_FIRED && b.event.timerFiredEventAttributes?.timerId === a.timerId),
    );
    e.history.append(exec, EventType.EVENT_TYPE_TIMER_CANCELED, {
      timerId: a.timerId,
      startedEventId: long(timer.startedEventId),
      workflowTaskCompletedEventId: completedId,
      identity,
    });
    return false;
  },
  [CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]: (ctx, a) => {
    completeWorkflow(ctx, a.result);
    return false;
  },
  [CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION]: (ctx, a) => {
    failWorkflow(ctx, a.failure);
    return false;
  },
  [CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION]: closeWith(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, (a) => ({ details: a.details })),
  [CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION]: (ctx, a) => {
    continueAsNew(ctx, a);
    return false;
  },
  // A local activity's marker carries its summary, as the activity's own event would.
  [CommandType.COMMAND_TYPE_RECORD_MARKER]: ({ e, exec, completedId }, a, c) => {
    const attrs = { markerName: a.markerName, details: a.details, header: a.header, failure: a.failure, workflowTaskCompletedEventId: completedId };
    e.history.append(exec, EventType.EVENT_TYPE_MARKER_RECORDED, attrs, undefined, c.userMetadata);
    return false;
  },
  [CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]: ({ e, exec, completedId }, a) => {
    e.history.append(exec, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
      workflowTaskCompletedEventId: completedId,
      searchAttributes: { indexedFields: validateAttributes(a.searchAttributes, e.namespaces.get(exec.ns).customAttributes) },
    });
    return false;
  },
  [CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES]: ({ e, exec, completedId }, a) => {
    e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, { workflowTaskCompletedEventId: completedId, upsertedMemo: a.upsertedMemo });
    return false;
  },
  [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: initiate(
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    (a, exec) => ({
      ...a,
      namespace: a.namespace || exec.ns,
      taskQueue: a.taskQueue?.name ? a.taskQueue : { name: exec.taskQueue, kind: NORMAL },
    }),
    (children, exec, id) => children.startChild(exec, id),
  ),
  [CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION]: initiate(
    EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    (a, exec) => ({
      namespace: a.namespace || exec.ns,
      workflowExecution: a.execution,
      signalName: a.signalName,
      input: a.input,
      control: a.control,
      childWorkflowOnly: a.childWorkflowOnly,
      header: a.header,
    }),
    (children, exec, id) => children.signalExternal(exec, id),
  ),
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION]: initiate(
    EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    (a, exec) => ({
      namespace: a.namespace || exec.ns,
      workflowExecution: { workflowId: a.workflowId, runId: a.runId },
      control: a.control,
      childWorkflowOnly: a.childWorkflowOnly,
      reason: a.reason,
    }),
    (children, exec, id) => children.cancelExternal(exec, id),
  ),
  [CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE]: ({ e, exec, messages }, a) => {
    const event = updateMessageEvent(exec, messages.get(a.messageId)!);
    if (event) e.history.append(exec, event.type, event.attrs);
    return false;
  },
};

/** CompleteWorkflowExecution: the run completes; a cron run names the next run, which starts on the following tick with this result. */
function completeWorkflow({ e, exec, completedId, after }: CommandContext, result: Payloads | null | undefined): void {
  const cronDelay = e.runs.cronBackoff(exec);
  const newRunId = cronDelay === undefined ? undefined : randomUUID();
  e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, { result, workflowTaskCompletedEventId: completedId, newExecutionRunId: newRunId ?? '' });
  if (newRunId) {
    const next = e.runs.cronRunParams(exec, cronDelay!, result, null);
    after.push(() => e.runs.continueWith(exec, next, newRunId));
  } else {
    after.push(() => e.runs.onClosed(exec));
  }
}

/** FailWorkflowExecution: the run fails, or, under its retry policy, is retried by a new run after the backoff. */
function failWorkflow({ e, exec, completedId, after }: CommandContext, failure: Failure | null | undefined): void {
  const policy = exec.started.retryPolicy;
  const expiration = timestampMs(exec.started.workflowExecutionExpirationTime) || undefined;
  const decision = policy
    ? decideRetry(policy, exec.started.attempt || 1, failure ?? undefined, e.clock.now(), expiration)
    : { retryState: enums.v1.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET };
  // Not retried, a cron run still starts the next one (keeping the last successful result it was given).
  const cronDelay = decision.delayMs === undefined ? e.runs.cronBackoff(exec) : undefined;
  if (decision.delayMs === undefined && cronDelay === undefined) {
    e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
      failure,
      retryState: decision.retryState,
      workflowTaskCompletedEventId: completedId,
    });
    after.push(() => e.runs.onClosed(exec));
    return;
  }
  const next =
    decision.delayMs !== undefined
      ? e.runs.retryRunParams(exec, failure, decision.delayMs)
      : e.runs.cronRunParams(exec, cronDelay!, exec.started.lastCompletionResult, failure);
  const newRunId = randomUUID();
  e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
    failure,
    retryState: decision.retryState,
    workflowTaskCompletedEventId: completedId,
    newExecutionRunId: newRunId,
  });
  after.push(() => e.runs.continueWith(exec, next, newRunId));
}

function continueAsNew({ e, exec, completedId, after }: CommandContext, a: Attrs): void {
  const next = e.runs.nextRunParams(exec, {
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
      ? { indexedFields: { ...exec.searchAttributes, ...validateAttributes(a.searchAttributes, e.namespaces.get(exec.ns).customAttributes) } }
      : undefined,
    retryPolicy: a.retryPolicy ?? undefined,
    // As the real server: the command's schedule (none unless it names one).
    cronSchedule: a.cronSchedule || undefined,
    continued: {
      previous: exec,
      initiator: a.initiator || enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
      failure: a.failure,
      lastCompletionResult: a.lastCompletionResult,
      attempt: 1,
    },
  });
  const newRunId = randomUUID();
  e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
    newExecutionRunId: newRunId,
    workflowType: { name: next.workflowType },
    taskQueue: { name: next.taskQueue, kind: NORMAL },
    input: next.input,
    workflowRunTimeout: msDuration(next.runTimeoutMs ?? 0),
    workflowTaskTimeout: msDuration(next.taskTimeoutMs ?? DEFAULT_WFT_TIMEOUT_MS),
    workflowTaskCompletedEventId: completedId,
    backoffStartInterval: msDuration(next.startDelayMs ?? 0),
    initiator: next.continued!.initiator,
    header: next.header,
    memo: next.memo,
    searchAttributes: next.searchAttributes,
  });
  after.push(() => e.runs.continueWith(exec, next, newRunId));
}
