import { status } from '@grpc/grpc-js';
import { api, EventType, WorkflowExecutionStatus, durationMs, long, num, type HistoryEvent } from './proto';
import type { Execution } from './execution';
import { ServiceError } from './errors';
import type { Attrs } from './history';
import { successorRunId } from './runs';
import { mergePriority } from './priority';
import type { Engine } from './engine';

const { enums } = api;

/** Child workflows (start, close reported to the parent, parent close policy) and signals and cancels sent to other workflows. */
export class Children {
  constructor(private readonly e: Engine) {}

  startChild(parent: Execution, initiatedEventId: number): void {
    const child = parent.children.get(initiatedEventId);
    if (!child || !parent.running || child.startedEventId) return;
    const a = child.attrs;
    const ns = a.namespace || parent.ns;
    const existing = this.e.findRun(ns, a.workflowId ?? '');
    const root = parent.started.rootWorkflowExecution ?? { workflowId: parent.workflowId, runId: parent.runId };
    const alreadyOurs =
      existing?.started.parentWorkflowExecution?.runId === parent.runId && num(existing.started.parentInitiatedEventId) === initiatedEventId;
    let runId: string;
    try {
      runId = alreadyOurs
        ? existing!.runId
        : this.e.runs.startWorkflow({
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
            priority: mergePriority(parent.priority, a.priority),
            memo: a.memo,
            searchAttributes: a.searchAttributes,
            header: a.header,
            cronSchedule: a.cronSchedule || undefined,
            identity: parent.started.identity ?? '',
            parent: { ns: parent.ns, workflowId: parent.workflowId, runId: parent.runId, initiatedEventId, root: { workflowId: root.workflowId!, runId: root.runId! } },
          }).runId;
    } catch (err) {
      if (!(err instanceof ServiceError) || err.code !== status.ALREADY_EXISTS) throw err;
      this.e.history.addExternal(parent, [
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
    this.e.history.addExternal(parent, [
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

  notifyParent(child: Execution, closeEvent: HistoryEvent): void {
    const s = child.started;
    if (!s.parentWorkflowExecution?.workflowId) return;
    const parent = this.e.findRun(s.parentWorkflowNamespace || child.ns, s.parentWorkflowExecution.workflowId, s.parentWorkflowExecution.runId);
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
    // A retried or cron child reports only its final run (a run with a successor is not final).
    if (successorRunId(closeEvent)) return;
    this.e.history.addExternal(parent, [{ type: mapped[0], attrs: { ...base, ...mapped[1] } }]);
  }

  applyParentClosePolicy(parent: Execution): void {
    if (parent.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW) return;
    for (const child of parent.children.values()) {
      if (!child.startedEventId) continue;
      const target = this.e.findRun(child.attrs.namespace || parent.ns, child.attrs.workflowId ?? '');
      if (!target?.running || target.firstRunId !== child.runId && target.runId !== child.runId && target.started.firstExecutionRunId !== child.runId) continue;
      const policy = child.attrs.parentClosePolicy;
      if (policy === enums.v1.ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON) continue;
      if (policy === enums.v1.ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL) this.e.runs.requestCancel(target, 'parent closed', 'dev-server');
      else this.e.runs.terminate(target, 'by parent close policy', null, 'dev-server');
    }
  }

  signalExternal(source: Execution, initiatedEventId: number): void {
    const a = source.pendingSignals.get(initiatedEventId);
    if (!a || !source.running) return;
    const ns = a.namespace || source.ns;
    const target = this.e.findRun(ns, a.workflowExecution?.workflowId ?? '', a.workflowExecution?.runId);
    const common = { initiatedEventId: long(initiatedEventId), namespace: ns, workflowExecution: a.workflowExecution, control: a.control };
    if (target?.running && (!a.childWorkflowOnly || target.started.parentWorkflowExecution?.runId === source.runId)) {
      this.e.runs.signal(target, a.signalName ?? '', a.input, source.started.identity ?? '', a.header);
      this.e.history.addExternal(source, [{ type: EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, attrs: common }]);
    } else {
      this.e.history.addExternal(source, [
        {
          type: EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
          attrs: { ...common, cause: enums.v1.SignalExternalWorkflowExecutionFailedCause.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND },
        },
      ]);
    }
  }

  cancelExternal(source: Execution, initiatedEventId: number): void {
    const a = source.pendingCancels.get(initiatedEventId);
    if (!a || !source.running) return;
    const ns = a.namespace || source.ns;
    const target = this.e.findRun(ns, a.workflowExecution?.workflowId ?? '', a.workflowExecution?.runId);
    const common = { initiatedEventId: long(initiatedEventId), namespace: ns, workflowExecution: a.workflowExecution };
    if (target?.running) {
      this.e.runs.requestCancel(target, a.reason ?? '', source.started.identity ?? '', { initiatedEventId, workflowId: source.workflowId, runId: source.runId });
      this.e.history.addExternal(source, [{ type: EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, attrs: common }]);
    } else {
      this.e.history.addExternal(source, [
        {
          type: EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
          attrs: { ...common, control: a.control, cause: enums.v1.CancelExternalWorkflowExecutionFailedCause.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND },
        },
      ]);
    }
  }
}
