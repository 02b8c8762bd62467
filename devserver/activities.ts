import { randomUUID } from 'node:crypto';
import { api, EventType, decodeMessage, durationMs, encodeMessage, long, msDuration, timestamp, type Failure, type Payloads, type proto } from './proto';
import { notFound } from './errors';
import type { ActivityState, Execution } from './execution';
import { decideRetry, withRetryDefaults } from './retry';
import { encodeToken, type TaskToken } from './task-token';
import { queueKey, type PollerInfo } from './matching';
import { mergePriority, priorityKeyOf } from './priority';
import type { Attrs, ExternalEntry } from './history';
import type { JournalRecord } from './journal';
import type { Engine } from './engine';

const { enums } = api;
type PollActivityTaskResponse = proto.temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse;
type AttemptRecord = Extract<JournalRecord, { t: 'act' }>;
const FAILURE = 'temporal.api.failure.v1.Failure';
const PAYLOADS = 'temporal.api.common.v1.Payloads';
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The activity lifecycle: dispatch (or eager start), heartbeats, completion, failure, cancellation, timeouts and retries. */
export class Activities {
  constructor(private readonly e: Engine) {}

  /**
   * Eager activities start at once, recorded as started by the completing worker, and go back in the
   * completion's response instead of through matching (unless the workflow closed or cancelled them
   * meanwhile), as the real server does with system.enableActivityEagerExecution on.
   */
  startEager(exec: Execution, ids: number[], identity: string): PollActivityTaskResponse[] {
    const tasks: PollActivityTaskResponse[] = [];
    for (const id of ids) {
      const act = exec.running ? exec.activities.get(id) : undefined;
      const task = act && this.dispatch(exec, act, { identity });
      if (task) tasks.push(task);
    }
    return tasks;
  }

  /** Offers an activity's attempt to pollers; or, for an eager start, starts it for `eagerFor` and returns its task. */
  dispatch(exec: Execution, act: ActivityState, eagerFor?: PollerInfo): PollActivityTaskResponse | undefined {
    act.release ??= this.e.clock.hold();
    act.state = 'scheduled';
    // attemptScheduledTime stays as set: the scheduled event's time for a first attempt (also when a
    // restart offers it again), the end of its backoff for a retry. Offering it is not scheduling it.
    const a = act.attrs;
    const scheduleToStart = durationMs(a.scheduleToStartTimeout);
    if (scheduleToStart > 0) {
      // Counted from when the attempt was scheduled, as the real server counts it, not from when it is offered.
      act.timers.push(this.e.clock.at(act.attemptScheduledTime + scheduleToStart, () => this.timeout(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)));
    }
    this.armScheduleToClose(exec, act);
    const attempt = act.attempt;
    if (eagerFor) return this.start(exec, act, attempt, eagerFor);
    const priority = priorityKeyOf(mergePriority(exec.priority, a.priority));
    this.e.activityTasks.offer(queueKey(exec.ns, a.taskQueue?.name ?? exec.taskQueue), (p) => this.start(exec, act, attempt, p), priority);
    return undefined;
  }

  private start(exec: Execution, act: ActivityState, attempt: number, poller: PollerInfo): PollActivityTaskResponse | undefined {
    if (!exec.running || exec.activities.get(act.scheduledEventId) !== act || act.attempt !== attempt || act.state !== 'scheduled') {
      return undefined;
    }
    const now = this.e.clock.now();
    act.state = 'started';
    act.startedTime = now;
    act.identity = poller.identity;
    act.lastHeartbeatTime = undefined;
    for (const t of act.timers) t.cancel();
    act.timers = [];
    this.armStartedTimeouts(exec, act);
    this.journal(exec, act);
    const a = act.attrs;
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
      priority: mergePriority(exec.priority, a.priority),
    };
  }

  /**
   * After a restart from the journal: an attempt that had started stays started (its worker may still
   * complete it with its token, as on the real server, or it times out), a retry waits out its backoff,
   * anything else is dispatched again.
   */
  resume(exec: Execution, act: ActivityState): void {
    if (act.state === 'started') {
      act.release = this.e.clock.hold();
      this.armScheduleToClose(exec, act);
      this.armStartedTimeouts(exec, act);
    } else if (act.state === 'backoff') {
      this.armScheduleToClose(exec, act);
      this.armRetry(exec, act);
    } else {
      this.dispatch(exec, act);
    }
  }

  /** Applies a journaled attempt state to an activity being recovered. */
  restore(act: ActivityState, rec: AttemptRecord): void {
    act.attempt = rec.attempt;
    act.state = rec.state;
    if (rec.state === 'started') act.startedTime = rec.at;
    else act.attemptScheduledTime = rec.at;
    act.identity = rec.identity;
    act.lastHeartbeatTime = rec.hb;
    act.lastFailure = rec.failure ? decodeMessage<Failure>(FAILURE, Buffer.from(rec.failure, 'base64')) : undefined;
    act.heartbeatDetails = rec.details ? decodeMessage<Payloads>(PAYLOADS, Buffer.from(rec.details, 'base64')) : undefined;
  }

  /** An attempt's state (started, or waiting to retry) as journaled: history does not hold it until the activity closes. */
  attemptRecord(exec: Execution, act: ActivityState): AttemptRecord | undefined {
    if (act.state !== 'started' && act.state !== 'backoff') return undefined;
    return {
      t: 'act',
      ns: exec.ns,
      rid: exec.runId,
      id: act.scheduledEventId,
      attempt: act.attempt,
      state: act.state,
      at: act.state === 'started' ? act.startedTime! : act.attemptScheduledTime,
      identity: act.identity,
      hb: act.lastHeartbeatTime,
      failure: act.lastFailure ? base64(encodeMessage(FAILURE, act.lastFailure)) : undefined,
      details: act.heartbeatDetails ? base64(encodeMessage(PAYLOADS, act.heartbeatDetails)) : undefined,
    };
  }

  private journal(exec: Execution, act: ActivityState): void {
    const rec = this.attemptRecord(exec, act);
    if (rec) this.e.history.record(rec);
  }

  private armScheduleToClose(exec: Execution, act: ActivityState): void {
    const scheduleToClose = durationMs(act.attrs.scheduleToCloseTimeout);
    if (scheduleToClose > 0 && !act.closeTimer) {
      act.closeTimer = this.e.clock.at(act.firstScheduledTime + scheduleToClose, () =>
        this.timeout(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE),
      );
    }
  }

  /** A started attempt's start-to-close and heartbeat timeouts, counted from its start. */
  private armStartedTimeouts(exec: Execution, act: ActivityState): void {
    const startToClose = durationMs(act.attrs.startToCloseTimeout);
    const attempt = act.attempt;
    if (startToClose > 0) {
      act.timers.push(this.e.clock.at(act.startedTime! + startToClose, () => this.timeout(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, attempt)));
    }
    this.armHeartbeatTimeout(exec, act);
  }

  private readonly heartbeatTimer = new WeakMap<ActivityState, { cancel(): void }>();

  /** The heartbeat timeout, counted from the last heartbeat (or the start). */
  private armHeartbeatTimeout(exec: Execution, act: ActivityState): void {
    const heartbeat = durationMs(act.attrs.heartbeatTimeout);
    this.heartbeatTimer.get(act)?.cancel();
    if (heartbeat <= 0) return;
    const attempt = act.attempt;
    this.heartbeatTimer.set(
      act,
      this.e.clock.at((act.lastHeartbeatTime ?? act.startedTime!) + heartbeat, () => this.timeout(exec, act, enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT, attempt)),
    );
  }

  stop(act: ActivityState): void {
    for (const t of act.timers) t.cancel();
    act.timers = [];
    act.closeTimer?.cancel();
    this.heartbeatTimer.get(act)?.cancel();
    act.release?.();
    act.release = undefined;
    act.state = 'done';
  }

  /** The started activity named by a token, or NOT_FOUND as the real server answers a stale token. */
  byToken(token: TaskToken): { exec: Execution; act: ActivityState } {
    const exec = this.e.runById(token.ns, token.rid);
    const act = exec?.activities.get(Number(token.id));
    if (!exec || !exec.running || !act || token.kind !== 'act' || act.attempt !== token.seq || act.state !== 'started') {
      throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
    }
    return { exec, act };
  }

  byId(ns: string, workflowId: string, runId: string | null | undefined, activityId: string): { exec: Execution; act: ActivityState } {
    const exec = this.e.getRun(ns, workflowId, runId);
    const act = [...exec.activities.values()].find((x) => x.attrs.activityId === activityId);
    if (!exec.running || !act || act.state === 'done') {
      throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
    }
    return { exec, act };
  }

  heartbeat(exec: Execution, act: ActivityState, details: Payloads | null | undefined): { cancelRequested: boolean } {
    act.heartbeatDetails = details ?? act.heartbeatDetails;
    act.lastHeartbeatTime = this.e.clock.now();
    if (act.state === 'started') {
      this.armHeartbeatTimeout(exec, act);
      this.journal(exec, act);
    }
    return { cancelRequested: act.cancelRequested };
  }

  complete(exec: Execution, act: ActivityState, result: Payloads | null | undefined, identity: string): void {
    this.finish(exec, act, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { result, identity });
  }

  cancel(exec: Execution, act: ActivityState, details: Payloads | null | undefined, identity: string): void {
    this.finish(exec, act, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED, {
      details,
      identity,
      latestCancelRequestedEventId: long(act.latestCancelRequestedEventId),
    });
  }

  fail(exec: Execution, act: ActivityState, failure: Failure | null | undefined, identity: string, details?: Payloads | null): void {
    if (details) act.heartbeatDetails = details;
    this.attemptFailed(exec, act, failure ?? { message: 'activity failed' }, (retryState) => ({
      type: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
      attrs: { failure, identity, retryState },
    }));
  }

  private timeout(exec: Execution, act: ActivityState, firedType: number, attempt?: number): void {
    if (!exec.running || act.state === 'done' || (attempt !== undefined && act.attempt !== attempt)) return;
    const timeoutType = this.firstDueTimeout(act) ?? firedType;
    const name = { 1: 'StartToClose', 2: 'ScheduleToStart', 3: 'ScheduleToClose', 4: 'Heartbeat' }[timeoutType] ?? 'Unknown';
    const failure: Failure = {
      message: `activity ${name} timeout`,
      source: 'Server',
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: act.heartbeatDetails },
    };
    // Out of time for another attempt: the real server records a schedule-to-close timeout, whatever
    // timed out (a schedule-to-start timeout keeps its type).
    const outOfTime: Failure = {
      message: 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying',
      source: 'Server',
      timeoutFailureInfo: { timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, lastHeartbeatDetails: act.heartbeatDetails },
    };
    // Whatever the timeout type, the recorded failure's cause is the previous attempt's failure (as the real
    // server writes it); the failure kept for the next attempt's lastFailure has no cause.
    const event = (retryState: number) => {
      const recorded = retryState === enums.v1.RetryState.RETRY_STATE_TIMEOUT && timeoutType !== enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START ? outOfTime : failure;
      return { type: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, attrs: { failure: { ...recorded, cause: act.lastFailure ?? undefined }, retryState } };
    };
    const retryable = timeoutType === enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE || timeoutType === enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
    if (retryable) this.attemptFailed(exec, act, failure, event);
    else this.closeActivity(exec, act, event(act.cancelRequested ? enums.v1.RetryState.RETRY_STATE_CANCEL_REQUESTED : enums.v1.RetryState.RETRY_STATE_TIMEOUT));
  }

  /**
   * Of the activity's timeouts that are due, the one the real server takes first: the earliest, and
   * between equal deadlines the lower timeout type (start-to-close, schedule-to-start,
   * schedule-to-close, heartbeat), whichever of their timers fired first here.
   */
  private firstDueTimeout(act: ActivityState): number | undefined {
    const { TIMEOUT_TYPE_START_TO_CLOSE, TIMEOUT_TYPE_SCHEDULE_TO_START, TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, TIMEOUT_TYPE_HEARTBEAT } = enums.v1.TimeoutType;
    const a = act.attrs;
    const started = act.state === 'started';
    const deadlines: Array<[deadline: number, type: number, ms: number]> = [
      [act.startedTime! + durationMs(a.startToCloseTimeout), TIMEOUT_TYPE_START_TO_CLOSE, started ? durationMs(a.startToCloseTimeout) : 0],
      [act.attemptScheduledTime + durationMs(a.scheduleToStartTimeout), TIMEOUT_TYPE_SCHEDULE_TO_START, act.state === 'scheduled' ? durationMs(a.scheduleToStartTimeout) : 0],
      [act.firstScheduledTime + durationMs(a.scheduleToCloseTimeout), TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, durationMs(a.scheduleToCloseTimeout)],
      [(act.lastHeartbeatTime ?? act.startedTime!) + durationMs(a.heartbeatTimeout), TIMEOUT_TYPE_HEARTBEAT, started ? durationMs(a.heartbeatTimeout) : 0],
    ];
    const now = this.e.clock.now();
    const due = deadlines.filter(([deadline, , ms]) => ms > 0 && deadline <= now).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    return due[0]?.[1];
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
      this.e.clock.now(),
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
    // The next attempt's scheduled time, as the real server shows it during the backoff.
    act.attemptScheduledTime = this.e.clock.now() + decision.delayMs;
    this.journal(exec, act);
    this.armRetry(exec, act);
  }

  private armRetry(exec: Execution, act: ActivityState): void {
    act.timers = [this.e.clock.at(act.attemptScheduledTime, () => exec.running && act.state === 'backoff' && this.dispatch(exec, act))];
  }

  private finish(exec: Execution, act: ActivityState, type: number, attrs: Attrs): void {
    this.closeActivity(exec, act, { type, attrs });
  }

  /** Writes the activity's final events: ActivityTaskStarted (only now, as the real server does) then the outcome. */
  private closeActivity(exec: Execution, act: ActivityState, outcome: { type: number; attrs: Attrs }): void {
    const wasStarted = act.state === 'started';
    this.stop(act);
    const entries: ExternalEntry[] = [];
    if (wasStarted) {
      entries.push({
        type: EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        // As the real server does (addTransientActivityStartedEvent): the attempt's start, not now.
        time: act.startedTime,
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
    this.e.history.addExternal(exec, entries);
  }

}

/** Fills activity timeouts the way the real server does, so workers never see an unset one. */
export function activityTimeouts(a: Attrs, runTimeoutMs: number) {
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
