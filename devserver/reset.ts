import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { api, EventType, long, num, type HistoryEvent } from './proto';
import { Execution, type UpdateRequest } from './execution';
import { admitUpdate } from './updates';
import { EventLog } from './event-log';
import { ServiceError, invalidArgument } from './errors';
import { rearm } from './recovery';
import type { Engine } from './engine';

const { enums } = api;
const REAPPLY = enums.v1.ResetReapplyType;
const EXCLUDE = enums.v1.ResetReapplyExcludeType;
const RESETTER = 'history-service';

export interface ResetRequest {
  ns: string;
  workflowId: string;
  /** The run to reset; empty for the workflow's current run. */
  runId?: string | null;
  /** The WorkflowTaskCompleted / Failed / TimedOut / Started event to go back to: the new run's history ends just before it. */
  workflowTaskFinishEventId: number;
  reason: string;
  requestId: string;
  identity: string;
  reapplyType: number;
  reapplyExcludeTypes: number[];
}

/**
 * ResetWorkflowExecution as Temporal's history service does it: a new run of the same workflow id
 * whose history is the base run's up to the chosen workflow task, that task failed with cause
 * RESET_WORKFLOW (naming the base and new run ids, from which the SDK reseeds its randomness), the
 * base run's signals (and updates, when asked) after that point again, and a new workflow task. The
 * current run, if still running, is terminated. What the copied events leave pending (activities,
 * timers, outgoing signals) starts again as after a restart. Retried with the same request id, it
 * answers the same run.
 */
export function resetWorkflow(e: Engine, r: ResetRequest): string {
  const base = e.getRun(r.ns, r.workflowId, r.runId);
  const current = e.getRun(r.ns, r.workflowId);
  // A retry of a reset that went through (the same request id) answers the run it made.
  if (r.requestId && current.startRequestId === r.requestId) return current.runId;
  const cut = r.workflowTaskFinishEventId;
  if (cut <= 1 || cut > base.nextEventId) {
    throw invalidArgument(`Workflow task finish ID must be > 1 && <= workflow next event ID (${base.nextEventId}): ${cut}.`);
  }
  const prefix = base.history.slice(0, cut - 1);
  const last = prefix[prefix.length - 1];
  const taskEvent =
    last.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
      ? prefix[num(last.workflowTaskStartedEventAttributes?.scheduledEventId) - 1]
      : last.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
        ? last
        : undefined;
  if (!taskEvent) {
    throw invalidArgument(`Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, WorkflowTaskStarted + 1]: ${cut}.`);
  }

  // The copy's state, worked out before anything is written: a refused reset leaves nothing behind.
  const scratch = new Execution(r.ns, r.workflowId, '', new EventLog());
  for (const event of prefix) scratch.apply(event);
  if (scratch.children.size) {
    throw new ServiceError(status.UNIMPLEMENTED, 'this dev server does not reset a workflow to a point where one of its child workflows has not closed');
  }

  if (current.running) e.runs.terminate(current, r.reason, null, r.identity || RESETTER);
  // Read after the termination, which writes the signals a running task had held back.
  const again = reapplied(base.history.slice(cut - 1), r);
  const exec = new Execution(r.ns, r.workflowId, randomUUID(), e.newHistory());
  e.addRun(exec);
  exec.startRequestId = r.requestId;
  if (r.requestId) e.history.record({ t: 'start', ns: r.ns, wid: r.workflowId, rid: exec.runId, requestId: r.requestId });
  base.resetRunId = exec.runId;
  e.history.record({ t: 'reset', ns: r.ns, rid: base.runId, newRid: exec.runId });
  for (const event of prefix) e.history.copy(exec, event);
  const scheduledEventId = num(taskEvent.eventId);
  const startedEventId =
    last === taskEvent
      ? e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, { scheduledEventId: long(scheduledEventId), identity: RESETTER, requestId: randomUUID() })
      : num(last.eventId);
  e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
    scheduledEventId: long(scheduledEventId),
    startedEventId: long(startedEventId),
    cause: enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
    failure: { message: r.reason, resetWorkflowFailureInfo: {} },
    identity: RESETTER,
    baseRunId: base.runId,
    newRunId: exec.runId,
    forkEventVersion: long(0),
  });
  for (const event of again.signals) e.history.append(exec, event.eventType!, { ...event.workflowExecutionSignaledEventAttributes });
  // Updates go to the new task as requests (after the signals), as a client's would: the workflow runs their handlers again.
  for (const request of again.updates) admitUpdate(exec, request, () => {});
  e.tasks.schedule(exec);
  rearm(e, exec);
  return exec.runId;
}

/**
 * What the new run takes again of the base run's events after the reset point: its signals (the
 * default, RESET_REAPPLY_TYPE_SIGNAL) and, with ALL_ELIGIBLE, the updates it accepted; either can be
 * excluded.
 */
function reapplied(after: HistoryEvent[], r: ResetRequest): { signals: HistoryEvent[]; updates: UpdateRequest[] } {
  const excluded = (type: number) => r.reapplyExcludeTypes.includes(type);
  const signals =
    r.reapplyType === REAPPLY.RESET_REAPPLY_TYPE_NONE || excluded(EXCLUDE.RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL)
      ? []
      : after.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  const updates =
    r.reapplyType !== REAPPLY.RESET_REAPPLY_TYPE_ALL_ELIGIBLE || excluded(EXCLUDE.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE)
      ? []
      : after.flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ?? []);
  return { signals, updates };
}
