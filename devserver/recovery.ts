import { api, EventType, long } from './proto';
import { Execution, type BufferedEvent } from './execution';
import type { Journal } from './journal';
import type { Engine } from './engine';

const { enums } = api;
const STICKY = enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY;

/** Rebuilds every execution from the journal, then restarts its timers and tasks (closed runs wait for retention). */
export function recover(e: Engine, journal: Journal): void {
  const buffered = replay(e, journal);
  for (const exec of e.allRuns()) {
    if (!exec.running) {
      e.retention.add(exec);
      continue;
    }
    exec.buffered = buffered.get(`${exec.ns}\u0000${exec.runId}`) ?? [];
    resume(e, exec);
  }
  e.schedules.resume();
  e.standaloneActivities.resume();
}

/** Applies the journal's records; returns the events still buffered per run. */
function replay(e: Engine, journal: Journal): Map<string, BufferedEvent[]> {
  const buffered = new Map<string, BufferedEvent[]>();
  const requestIds = new Map<string, string>();
  for (const rec of journal.read()) {
    switch (rec.t) {
      case 'ns':
        e.namespaces.restore(rec);
        break;
      case 'sa':
        e.namespaces.restoreAttribute(rec.ns, rec.name, rec.kind);
        break;
      case 'start':
        requestIds.set(`${rec.ns}\u0000${rec.rid}`, rec.requestId);
        break;
      case 'ev': {
        let exec = e.runById(rec.ns, rec.rid);
        if (!exec) {
          exec = new Execution(rec.ns, rec.wid, rec.rid, e.newHistory());
          exec.startRequestId = requestIds.get(`${rec.ns}\u0000${rec.rid}`) ?? '';
          e.addRun(exec);
        }
        exec.apply(rec.event, rec.encoded, rec.span);
        break;
      }
      case 'reset': {
        const base = e.runById(rec.ns, rec.rid);
        if (base) base.resetRunId = rec.newRid;
        break;
      }
      case 'buf':
        buffered.set(`${rec.ns}\u0000${rec.rid}`, [...(buffered.get(`${rec.ns}\u0000${rec.rid}`) ?? []), { event: rec.event, linkStarted: rec.link }]);
        break;
      case 'flush':
        buffered.delete(`${rec.ns}\u0000${rec.rid}`);
        break;
      case 'act': {
        const act = e.runById(rec.ns, rec.rid)?.activities.get(rec.id);
        if (act) e.activities.restore(act, rec);
        break;
      }
      case 'clock':
        e.clock.restoreOffset(rec.offset);
        break;
      case 'schedule':
        e.schedules.restore(rec.ns, rec.id, rec.s);
        break;
      case 'schedule-deleted':
        e.schedules.forget(rec.ns, rec.id);
        break;
      case 'activity':
        e.standaloneActivities.restore(rec.s);
        break;
      case 'activity-deleted':
        e.standaloneActivities.forget(rec.ns, rec.rid);
        break;
      case 'nexus-endpoint':
        e.nexusEndpoints.restore(rec.e);
        break;
      case 'nexus-endpoint-deleted':
        e.nexusEndpoints.forget(rec.id);
        break;
    }
  }
  return buffered;
}

/** Restarts a recovered running run's workflow task, then what else it waits for. */
function resume(e: Engine, exec: Execution): void {
  const task = exec.wft;
  if (task?.startedEventId) {
    // The worker that held this task talked to the previous process: time it out, as the real server would.
    e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
      scheduledEventId: long(task.scheduledEventId),
      startedEventId: long(task.startedEventId),
      timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
    });
    e.tasks.after(exec, true);
  } else if (task && exec.history.at(task.scheduledEventId - 1)?.workflowTaskScheduledEventAttributes?.taskQueue?.kind === STICKY) {
    // The sticky queue it waited on (and how long to wait) went with the previous process.
    e.tasks.stickyTimedOut(exec, task);
  } else if (task) {
    e.tasks.dispatch(exec, task);
  } else if (exec.firstTaskDelayed) {
    e.runs.armFirstTask(exec);
  } else if (exec.buffered.length) {
    e.tasks.after(exec, true);
  } else if (exec.wftAttempt > 1) {
    // The last task failed and its retry, kept out of history, was pending: retry again (as an
    // ordinary task if events were written since the failure).
    const last = exec.history.at(-1)?.eventType;
    if (last !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED && last !== EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) exec.wftAttempt = 1;
    e.tasks.schedule(exec);
  }
  rearm(e, exec);
}

/**
 * Starts again what a run rebuilt from its events waits for, apart from its workflow task: its run
 * timeout, timers, activities, Nexus operations, child starts and outgoing signals and cancellations (recovery, reset).
 */
export function rearm(e: Engine, exec: Execution): void {
  e.runs.armRunTimers(exec);
  for (const id of exec.timers.keys()) e.runs.armTimer(exec, id);
  for (const act of exec.activities.values()) e.activities.resume(exec, act);
  for (const op of exec.nexusOperations.values()) e.nexus.arm(exec, op);
  for (const id of exec.children.keys()) e.children.startChild(exec, id);
  for (const id of exec.pendingSignals.keys()) e.children.signalExternal(exec, id);
  for (const id of exec.pendingCancels.keys()) e.children.cancelExternal(exec, id);
}
