import { api, durationMs, long, num, timestamp } from './proto';
import { invalidArgument } from './errors';
import { executionInfo } from './visibility';
import { checkFirstRun, pageToken, pollBudget, readPageToken, runOf, waitOn, type Handlers, type RequestOf } from './rpc-common';
import type { ActivityState, Execution } from './execution';
import type { Engine } from './engine';
import { newWorkflowParams, type StartParams } from './runs';
import { resetWorkflow } from './reset';
import { NexusOperations } from './nexus-operations';

const { enums } = api;
type StartRequest = RequestOf<'StartWorkflowExecutionRequest'> | RequestOf<'SignalWithStartWorkflowExecutionRequest'>;

/** WorkflowService: starting, signalling, cancelling, terminating and resetting workflows; their history and description. */
export function executionHandlers(engine: Engine): Handlers {
  const namespaces = engine.namespaces;
  return {
    StartWorkflowExecution: (req: RequestOf<'StartWorkflowExecutionRequest'>) => {
      const r = startWorkflow(engine, req, { eager: req.requestEagerExecution });
      return { runId: r.runId, started: r.started, status: r.exec.status, eagerWorkflowTask: r.eagerTask };
    },
    SignalWithStartWorkflowExecution: (req: RequestOf<'SignalWithStartWorkflowExecutionRequest'>) => {
      const signal = { name: req.signalName, input: req.signalInput, header: req.header };
      if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
      const current = engine.findRun(namespaces.get(req.namespace).name, req.workflowId);
      if (current?.running) {
        engine.signal(current, signal.name, signal.input, req.identity, signal.header);
        return { runId: current.runId, started: false };
      }
      const r = startWorkflow(engine, req, { signal });
      return { runId: r.runId, started: r.started };
    },
    SignalWorkflowExecution: (req: RequestOf<'SignalWorkflowExecutionRequest'>) => {
      engine.signal(runOf(engine, req.namespace, req.workflowExecution), req.signalName, req.input, req.identity, req.header, req.requestId);
      return {};
    },
    RequestCancelWorkflowExecution: (req: RequestOf<'RequestCancelWorkflowExecutionRequest'>) => {
      const exec = runOf(engine, req.namespace, req.workflowExecution);
      checkFirstRun(exec, req.firstExecutionRunId);
      engine.requestCancel(exec, req.reason, req.identity);
      return {};
    },
    TerminateWorkflowExecution: (req: RequestOf<'TerminateWorkflowExecutionRequest'>) => {
      const exec = runOf(engine, req.namespace, req.workflowExecution);
      checkFirstRun(exec, req.firstExecutionRunId);
      engine.terminate(exec, req.reason, req.details, req.identity);
      return {};
    },
    ResetWorkflowExecution: (req: RequestOf<'ResetWorkflowExecutionRequest'>) => ({
      runId: resetWorkflow(engine, {
        ns: namespaces.get(req.namespace).name,
        workflowId: req.workflowExecution?.workflowId ?? '',
        runId: req.workflowExecution?.runId,
        workflowTaskFinishEventId: num(req.workflowTaskFinishEventId),
        reason: req.reason,
        requestId: req.requestId,
        identity: req.identity,
        reapplyType: req.resetReapplyType,
        reapplyExcludeTypes: req.resetReapplyExcludeTypes ?? [],
      }),
    }),

    GetWorkflowExecutionHistory: async (req: RequestOf<'GetWorkflowExecutionHistoryRequest'>, call) => {
      const ns = namespaces.get(req.namespace).name;
      const token = readPageToken<{ runId: string; from: number }>(req.nextPageToken);
      const exec = engine.getRun(ns, req.execution?.workflowId ?? '', token?.runId || req.execution?.runId);
      const budget = pollBudget(call, 20_000);
      if (req.historyEventFilterType === enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT) {
        if (req.waitNewEvent) await waitOn(exec, budget, () => !exec.running);
        if (exec.running) return { history: { events: [] }, nextPageToken: pageToken({ runId: exec.runId, from: 0 }) };
        return { history: { events: [exec.closeEvent] } };
      }
      const from = token?.from ?? 0;
      if (req.waitNewEvent) await waitOn(exec, budget, () => exec.history.length > from || !exec.running);
      const size = req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
      const events = exec.history.slice(from, from + size);
      const next = from + events.length;
      const more = next < exec.history.length || (req.waitNewEvent && exec.running);
      return { history: { events }, nextPageToken: more ? pageToken({ runId: exec.runId, from: next }) : undefined };
    },
    GetWorkflowExecutionHistoryReverse: (req: RequestOf<'GetWorkflowExecutionHistoryReverseRequest'>) => {
      const ns = namespaces.get(req.namespace).name;
      const token = readPageToken<{ runId: string; before: number }>(req.nextPageToken);
      const exec = engine.getRun(ns, req.execution?.workflowId ?? '', token?.runId || req.execution?.runId);
      const before = token?.before ?? exec.history.length;
      const from = Math.max(0, before - (req.maximumPageSize > 0 ? req.maximumPageSize : 1000));
      const events = exec.history.slice(from, before).reverse();
      return { history: { events }, nextPageToken: from > 0 ? pageToken({ runId: exec.runId, before: from }) : undefined };
    },

    DescribeWorkflowExecution: (req: RequestOf<'DescribeWorkflowExecutionRequest'>) => describe(runOf(engine, req.namespace, req.execution)),
  };
}

/** Start, signal-with-start and update-with-start: the request as the engine takes it, with what comes along. */
export function startWorkflow(engine: Engine, req: StartRequest, extra: Pick<StartParams, 'signal' | 'update' | 'eager'> = {}) {
  return engine.startWorkflow({
    ns: engine.namespaces.get(req.namespace).name,
    workflowId: req.workflowId,
    ...newWorkflowParams(req),
    identity: req.identity,
    requestId: req.requestId,
    reusePolicy: req.workflowIdReusePolicy,
    conflictPolicy: req.workflowIdConflictPolicy,
    startDelayMs: durationMs(req.workflowStartDelay),
    cronSchedule: req.cronSchedule || undefined,
    completionCallbacks: 'completionCallbacks' in req ? checkedCallbacks(req.completionCallbacks) : undefined,
    ...extra,
  });
}

function checkedCallbacks(callbacks: RequestOf<'StartWorkflowExecutionRequest'>['completionCallbacks']) {
  NexusOperations.checkCallbacks(callbacks);
  return callbacks?.length ? callbacks : undefined;
}

function describe(exec: Execution) {
  const s = exec.started;
  return {
    executionConfig: {
      taskQueue: s.taskQueue,
      workflowExecutionTimeout: s.workflowExecutionTimeout,
      workflowRunTimeout: s.workflowRunTimeout,
      defaultWorkflowTaskTimeout: s.workflowTaskTimeout,
      userMetadata: exec.history.at(0)?.userMetadata,
    },
    // The run's priority, as the real server describes it from the run's state (a list does not show it).
    workflowExecutionInfo: { ...executionInfo(exec), priority: exec.priority },
    pendingActivities: [...exec.activities.values()].filter((a) => a.state !== 'done').map(pendingActivity),
    pendingChildren: [...exec.children.values()].map((c) => ({
      workflowId: c.attrs.workflowId,
      runId: c.runId,
      workflowTypeName: c.attrs.workflowType?.name,
      initiatedId: long(c.initiatedEventId),
      parentClosePolicy: c.attrs.parentClosePolicy,
    })),
    pendingWorkflowTask: pendingWorkflowTask(exec),
    pendingNexusOperations: [...exec.nexusOperations.values()].filter((op) => op.state !== 'done').map(NexusOperations.pendingInfo),
    workflowExtendedInfo: exec.resetRunId ? { resetRunId: exec.resetRunId } : undefined,
  };
}

function pendingActivity(a: ActivityState) {
  const ActState = enums.v1.PendingActivityState;
  return {
    activityId: a.attrs.activityId,
    activityType: a.attrs.activityType,
    state: a.cancelRequested
      ? ActState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
      : a.state === 'started'
        ? ActState.PENDING_ACTIVITY_STATE_STARTED
        : ActState.PENDING_ACTIVITY_STATE_SCHEDULED,
    heartbeatDetails: a.heartbeatDetails,
    lastHeartbeatTime: a.lastHeartbeatTime ? timestamp(a.lastHeartbeatTime) : undefined,
    lastStartedTime: a.startedTime ? timestamp(a.startedTime) : undefined,
    attempt: a.attempt,
    maximumAttempts: a.attrs.retryPolicy?.maximumAttempts ?? 0,
    scheduledTime: timestamp(a.attemptScheduledTime),
    lastFailure: a.lastFailure,
    lastWorkerIdentity: a.identity,
    priority: a.attrs.priority ?? undefined,
  };
}

/** The pending workflow task, unless it is speculative (kept out of history until it produces something). */
function pendingWorkflowTask(exec: Execution) {
  const task = exec.wft;
  if (!task || task.speculative) return undefined;
  return {
    state: task.startedEventId
      ? enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
      : enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
    scheduledTime: timestamp(task.scheduledTime),
    startedTime: task.startedTime ? timestamp(task.startedTime) : undefined,
    attempt: task.attempt,
  };
}
