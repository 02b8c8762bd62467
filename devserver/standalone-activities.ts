import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { api, durationMs, msDuration, timestamp, type Failure, type Payload, type Payloads, type proto } from './proto';
import { ServiceError, alreadyExists, invalidArgument, notFound } from './errors';
import { decideRetry, retryPolicyProblem, withRetryDefaults } from './retry';
import { encodeToken, type TaskToken } from './task-token';
import { queueKey, type PollerInfo } from './matching';
import { priorityKeyOf, priorityProblem } from './priority';
import { validateAttributes } from './search-attributes';
import type { ClockTimer } from './clock';
import type { Journal, JournalRecord } from './journal';
import type { Engine } from './engine';
import { deserializeActivity, outcomeOf, serializeActivity, statusName, type Outcome, type StandaloneActivity } from './standalone-activity';

const { enums } = api;
const Status = enums.v1.ActivityExecutionStatus;
const { TimeoutType, RetryState } = enums.v1;
type StartRequest = proto.temporal.api.workflowservice.v1.IStartActivityExecutionRequest;
type PollActivityTaskResponse = proto.temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse;

/** The real server's limit on ids and type names (dynamicconfig MaxIDLengthLimit). */
const MAX_ID_LENGTH = 1000;
const TIMEOUT_NAMES: Record<number, string> = { 1: 'StartToClose', 2: 'ScheduleToStart', 3: 'ScheduleToClose', 4: 'Heartbeat' };


/**
 * Standalone activities (StartActivityExecution and its family), as Temporal's server runs them
 * (chasm/lib/activity): an activity with an id and runs of its own, no workflow. Its attempts go to
 * workers through the same task queues as workflows' activities, with the same timeouts and retries;
 * callers wait for its outcome with PollActivityExecution. Each run is journaled whole on every
 * change, before the RPC that made it answers, and deleted once its namespace's retention has passed.
 */
export class StandaloneActivities {
  private readonly runs = new Map<string, StandaloneActivity>();
  /** Per activity id, its runs in start order: the last is the current one. */
  private readonly byActivityId = new Map<string, StandaloneActivity[]>();
  private readonly timers = new Map<StandaloneActivity, ClockTimer[]>();
  private readonly holds = new Map<StandaloneActivity, () => void>();
  private readonly waiters = new Map<StandaloneActivity, Set<() => void>>();
  private stopped = false;

  constructor(
    private readonly e: Engine,
    private readonly journal?: Journal,
  ) {}

  // ---------------------------------------------------------------- start

  start(ns: string, req: StartRequest): { runId: string; started: boolean } {
    const rec = this.validated(ns, req);
    const current = this.byActivityId.get(key(ns, rec.activityId))?.at(-1);
    if (current) {
      if (req.requestId && current.requestId === req.requestId) return { runId: current.runId, started: true };
      const conflict = req.idConflictPolicy || enums.v1.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_FAIL;
      if (current.phase !== 'closed') {
        if (conflict === enums.v1.ActivityIdConflictPolicy.ACTIVITY_ID_CONFLICT_POLICY_USE_EXISTING) return { runId: current.runId, started: false };
        throw alreadyStarted(current);
      }
      const reuse = req.idReusePolicy || enums.v1.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE;
      if (
        reuse === enums.v1.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_REJECT_DUPLICATE ||
        (reuse === enums.v1.ActivityIdReusePolicy.ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY && current.status === Status.ACTIVITY_EXECUTION_STATUS_COMPLETED)
      ) {
        throw alreadyStarted(current);
      }
    }
    this.add(rec);
    this.changed(rec);
    this.arm(rec);
    return { runId: rec.runId, started: true };
  }

  private validated(ns: string, req: StartRequest): StandaloneActivity {
    const activityId = req.activityId ?? '';
    const activityType = req.activityType?.name ?? '';
    if (!activityId) throw invalidArgument('activityId is not set');
    if (!activityType) throw invalidArgument('activityType is not set');
    if (!req.taskQueue?.name) throw invalidArgument('missing task queue name');
    for (const [what, value] of [['activityId', activityId], ['activityType', activityType], ['taskQueue', req.taskQueue.name]] as const) {
      if (value.length > MAX_ID_LENGTH) throw invalidArgument(`${what} exceeds length limit. Length=${value.length} Limit=${MAX_ID_LENGTH}`);
    }
    const retryPolicy = withRetryDefaults(req.retryPolicy);
    const retryProblem = retryPolicyProblem(retryPolicy);
    if (retryProblem) throw invalidArgument(retryProblem);
    const priority = priorityProblem(req.priority);
    if (priority) throw invalidArgument(`invalid priorities: ${priority}`);
    const ms: Record<string, number> = {};
    for (const name of ['scheduleToCloseTimeout', 'scheduleToStartTimeout', 'startToCloseTimeout', 'heartbeatTimeout', 'startDelay'] as const) {
      ms[name] = durationMs(req[name]);
      if (ms[name] < 0) throw invalidArgument(`invalid ${name[0].toUpperCase()}${name.slice(1)}: negative duration`);
    }
    // As the real server fills them (validateAndNormalizeTimeouts): no workflow, so no run timeout caps them.
    let { scheduleToCloseTimeout: scheduleToClose, scheduleToStartTimeout: scheduleToStart, startToCloseTimeout: startToClose } = ms;
    if (scheduleToClose > 0) {
      scheduleToStart = scheduleToStart > 0 ? Math.min(scheduleToStart, scheduleToClose) : scheduleToClose;
      startToClose = startToClose > 0 ? Math.min(startToClose, scheduleToClose) : scheduleToClose;
    } else if (!(startToClose > 0)) {
      throw invalidArgument(
        `a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. ActivityId=${activityId} ActivityType=${activityType}`,
      );
    }
    if (req.completionCallbacks?.length) throw invalidArgument('completion callbacks are not enabled for this namespace');
    const onConflict = req.onConflictOptions;
    if (onConflict?.attachCompletionCallbacks && !onConflict.attachRequestId) {
      throw invalidArgument('on_conflict_options: attach_completion_callbacks requires attach_request_id to be set');
    }
    if (onConflict?.attachRequestId) throw invalidArgument('on_conflict_options: attach_request_id requires at least one completion callback or link');
    const now = this.e.clock.now();
    return {
      ns,
      activityId,
      runId: randomUUID(),
      requestId: req.requestId || randomUUID(),
      activityType,
      taskQueue: req.taskQueue.name,
      scheduleToCloseMs: scheduleToClose,
      scheduleToStartMs: scheduleToStart,
      startToCloseMs: startToClose,
      heartbeatMs: Math.min(ms.heartbeatTimeout, startToClose),
      startDelayMs: ms.startDelay,
      retryPolicy,
      priority: req.priority ?? undefined,
      input: req.input ?? undefined,
      header: req.header ?? undefined,
      userMetadata: req.userMetadata ?? undefined,
      searchAttributes: validateAttributes(req.searchAttributes, this.e.namespaces.get(ns).customAttributes),
      scheduleTime: now,
      phase: 'scheduled',
      attempt: 1,
      dispatchAt: now + ms.startDelay,
      heartbeatCount: 0,
      status: Status.ACTIVITY_EXECUTION_STATUS_RUNNING,
      transitions: 0,
    };
  }

  // ---------------------------------------------------------------- lookups

  /** The named run, or the activity id's current run when no run id is given. */
  get(ns: string, activityId: string | null | undefined, runId?: string | null): StandaloneActivity {
    if (!activityId) throw invalidArgument('activity ID is required');
    const rec = runId ? this.runs.get(runKey(ns, runId)) : this.byActivityId.get(key(ns, activityId))?.at(-1);
    if (!rec || rec.activityId !== activityId) throw notFound(`activity execution not found: ${activityId}${runId ? ` (run ${runId})` : ''}`);
    return rec;
  }

  /** The run whose current attempt a worker holds, named by its task token. */
  byToken(token: TaskToken): StandaloneActivity {
    const rec = this.runs.get(runKey(token.ns, token.rid));
    if (!rec || token.kind !== 'sa' || rec.attempt !== token.seq || rec.phase !== 'started') throw notFound('activity task not found');
    return rec;
  }

  /** The same, named by id (the ...ById RPCs with no workflow id). Only a completion may close a run no worker has started. */
  byId(ns: string, activityId: string, runId: string | null | undefined, completing = false): StandaloneActivity {
    const rec = this.get(ns, activityId, runId);
    if (rec.phase === 'closed' || (rec.phase !== 'started' && !completing)) throw notFound('activity task not found');
    return rec;
  }

  all(ns: string): StandaloneActivity[] {
    return [...this.runs.values()].filter((r) => r.ns === ns);
  }

  // ---------------------------------------------------------------- what workers do

  heartbeat(rec: StandaloneActivity, details: Payloads | null | undefined): { cancelRequested: boolean } {
    rec.heartbeatDetails = details ?? undefined;
    rec.lastHeartbeatTime = this.e.clock.now();
    rec.heartbeatCount++;
    this.armHeartbeat(rec);
    this.changed(rec);
    return { cancelRequested: !!rec.cancel };
  }

  complete(rec: StandaloneActivity, result: Payloads | null | undefined, identity: string): void {
    rec.startedTime ??= this.e.clock.now();
    rec.identity = identity || rec.identity;
    rec.lastAttemptCompleteTime = this.e.clock.now();
    this.finish(rec, Status.ACTIVITY_EXECUTION_STATUS_COMPLETED, { result: result ?? undefined });
  }

  fail(rec: StandaloneActivity, failure: Failure | null | undefined, identity: string, details?: Payloads | null): void {
    if (details) {
      rec.heartbeatDetails = details;
      rec.lastHeartbeatTime = this.e.clock.now();
      rec.heartbeatCount++;
    }
    rec.identity = identity || rec.identity;
    this.attemptFailed(rec, failure ?? { message: 'activity task failed without failure details' }, (retryState, f) => ({ status: Status.ACTIVITY_EXECUTION_STATUS_FAILED, retryState, failure: f }));
  }

  canceled(rec: StandaloneActivity, details: Payloads | null | undefined, identity: string): void {
    if (!rec.cancel) throw invalidArgument('unable to mark activity as canceled without activity being request canceled first');
    rec.identity = identity || rec.identity;
    rec.lastAttemptCompleteTime = this.e.clock.now();
    this.finish(rec, Status.ACTIVITY_EXECUTION_STATUS_CANCELED, {
      failure: { message: 'Activity canceled', canceledFailureInfo: { details, identity: rec.cancel.identity } },
    });
  }

  // ---------------------------------------------------------------- what callers do

  requestCancel(rec: StandaloneActivity, req: { identity?: string | null; requestId?: string | null; reason?: string | null }): void {
    if (req.requestId && rec.cancel?.requestId === req.requestId) return;
    if (rec.phase === 'closed') throw failedPrecondition(`activity is in terminal state ${statusName(rec.status)}`);
    if (rec.cancel) throw failedPrecondition(`cancellation already requested with request ID ${rec.cancel.requestId}`);
    rec.cancel = { identity: req.identity ?? '', requestId: req.requestId ?? '', reason: req.reason ?? '' };
    if (rec.phase === 'started') {
      // The worker learns it from its next heartbeat.
      this.changed(rec);
      return;
    }
    const reason: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(rec.cancel.reason)) };
    this.finish(rec, Status.ACTIVITY_EXECUTION_STATUS_CANCELED, {
      failure: { message: 'Activity canceled', canceledFailureInfo: { details: { payloads: [reason] }, identity: rec.cancel.identity } },
    });
  }

  terminate(rec: StandaloneActivity, req: { identity?: string | null; requestId?: string | null; reason?: string | null }): void {
    if (rec.status === Status.ACTIVITY_EXECUTION_STATUS_TERMINATED) {
      if (rec.terminateRequestId === (req.requestId ?? '')) return;
      throw failedPrecondition(`already terminated with request ID ${rec.terminateRequestId}`);
    }
    if (rec.phase === 'closed') throw failedPrecondition(`activity is in terminal state ${statusName(rec.status)}`);
    rec.terminateRequestId = req.requestId ?? '';
    this.finish(rec, Status.ACTIVITY_EXECUTION_STATUS_TERMINATED, { failure: { message: req.reason ?? '', terminatedFailureInfo: { identity: req.identity ?? '' } } });
  }

  /** Deletes a run (terminating it first if it still runs), as DeleteActivityExecution and retention do. */
  delete(rec: StandaloneActivity): void {
    if (rec.phase !== 'closed') this.terminate(rec, { reason: 'Delete activity execution' });
    this.remove(rec);
    this.journal?.write([{ t: 'activity-deleted', ns: rec.ns, rid: rec.runId }]);
  }

  /** PollActivityExecution: the outcome once the run has closed, or none when `budgetMs` runs out first. */
  async outcome(rec: StandaloneActivity, budgetMs: number): Promise<{ runId?: string; outcome?: Outcome }> {
    await this.waitFor(rec, budgetMs, () => rec.phase === 'closed');
    return rec.phase === 'closed' ? { runId: rec.runId, outcome: outcomeOf(rec) } : {};
  }

  /** Waits (at most `budgetMs`) until `done` holds; false if it never did. */
  async waitFor(rec: StandaloneActivity, budgetMs: number, done: () => boolean): Promise<boolean> {
    const until = Date.now() + budgetMs;
    while (!done()) {
      const left = until - Date.now();
      if (left <= 0 || this.stopped || !this.runs.has(runKey(rec.ns, rec.runId))) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          const waiting = this.waiters.get(rec);
          waiting?.delete(wake);
          if (waiting?.size === 0) this.waiters.delete(rec);
          resolve();
        };
        const timer = setTimeout(wake, left);
        if (!this.waiters.has(rec)) this.waiters.set(rec, new Set());
        this.waiters.get(rec)!.add(wake);
      });
    }
    return true;
  }

  // ---------------------------------------------------------------- attempts

  /** Arms what a run waits for: its dispatch (or the start delay, or a retry's backoff), its timeouts, or its retention. */
  private arm(rec: StandaloneActivity): void {
    if (rec.phase === 'closed') {
      this.armRetention(rec);
      return;
    }
    if (rec.scheduleToCloseMs > 0) {
      this.timer(rec, this.firstDispatch(rec) + rec.scheduleToCloseMs, () => this.timedOut(rec, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE));
    }
    if (rec.phase === 'started') {
      this.hold(rec);
      this.armStarted(rec);
    } else {
      this.armDispatch(rec);
    }
  }

  private armDispatch(rec: StandaloneActivity): void {
    const attempt = rec.attempt;
    const offer = () => {
      if (rec.phase !== 'scheduled' || rec.attempt !== attempt) return;
      this.hold(rec);
      this.e.activityTasks.offer(queueKey(rec.ns, rec.taskQueue), (poller) => this.startAttempt(rec, attempt, poller), priorityKeyOf(rec.priority));
    };
    if (rec.scheduleToStartMs > 0) {
      this.timer(rec, rec.dispatchAt + rec.scheduleToStartMs, () => rec.phase === 'scheduled' && rec.attempt === attempt && this.timedOut(rec, TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START));
    }
    if (rec.dispatchAt > this.e.clock.now()) this.timer(rec, rec.dispatchAt, offer);
    else offer();
  }

  private startAttempt(rec: StandaloneActivity, attempt: number, poller: PollerInfo): PollActivityTaskResponse | undefined {
    if (rec.phase !== 'scheduled' || rec.attempt !== attempt || !this.runs.has(runKey(rec.ns, rec.runId))) return undefined;
    const now = this.e.clock.now();
    rec.phase = 'started';
    rec.startedTime = now;
    rec.identity = poller.identity;
    this.clearTimers(rec, false);
    this.armStarted(rec);
    this.changed(rec);
    return {
      taskToken: encodeToken({ ns: rec.ns, wid: '', rid: rec.runId, kind: 'sa', id: rec.activityId, seq: attempt }),
      workflowNamespace: rec.ns,
      activityType: { name: rec.activityType },
      activityId: rec.activityId,
      activityRunId: rec.runId,
      header: rec.header,
      input: rec.input,
      heartbeatDetails: rec.heartbeatDetails,
      scheduledTime: timestamp(rec.scheduleTime),
      currentAttemptScheduledTime: timestamp(rec.dispatchAt),
      startedTime: timestamp(now),
      attempt,
      scheduleToCloseTimeout: msDuration(rec.scheduleToCloseMs),
      startToCloseTimeout: msDuration(rec.startToCloseMs),
      heartbeatTimeout: msDuration(rec.heartbeatMs),
      retryPolicy: rec.retryPolicy,
      priority: rec.priority,
    };
  }

  private armStarted(rec: StandaloneActivity): void {
    const attempt = rec.attempt;
    this.timer(rec, rec.startedTime! + rec.startToCloseMs, () => rec.attempt === attempt && this.attemptTimedOut(rec, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE));
    this.armHeartbeat(rec);
  }

  private readonly heartbeatTimers = new Map<StandaloneActivity, ClockTimer>();

  private armHeartbeat(rec: StandaloneActivity): void {
    this.heartbeatTimers.get(rec)?.cancel();
    this.heartbeatTimers.delete(rec);
    if (rec.heartbeatMs <= 0 || rec.phase !== 'started') return;
    const attempt = rec.attempt;
    const since = Math.max(rec.lastHeartbeatTime ?? 0, rec.startedTime!);
    this.heartbeatTimers.set(
      rec,
      this.e.clock.at(since + rec.heartbeatMs, () => rec.attempt === attempt && rec.phase === 'started' && this.attemptTimedOut(rec, TimeoutType.TIMEOUT_TYPE_HEARTBEAT)),
    );
  }

  /** A started attempt ran out of time: retried like a failure, unless the policy lists the timeout as non-retryable. */
  private attemptTimedOut(rec: StandaloneActivity, timeoutType: number): void {
    if (rec.phase !== 'started') return;
    const name = TIMEOUT_NAMES[timeoutType];
    const failure: Failure = { message: `activity ${name} timeout`, timeoutFailureInfo: { timeoutType } };
    const prior = rec.lastFailure;
    this.attemptFailed(rec, failure, (retryState, f) => {
      const recorded: Failure = { ...f, timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: rec.heartbeatDetails }, cause: prior };
      // Out of time for another attempt: the outcome is a schedule-to-close timeout.
      const failureOut =
        retryState === RetryState.RETRY_STATE_TIMEOUT
          ? { message: 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying', timeoutFailureInfo: { timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, lastHeartbeatDetails: rec.heartbeatDetails }, cause: prior }
          : recorded;
      return { status: Status.ACTIVITY_EXECUTION_STATUS_TIMED_OUT, retryState, failure: failureOut, lastFailure: recorded };
    }, `TemporalTimeout:${name}`);
  }

  /** Schedule-to-start and schedule-to-close: the run times out, no retry. */
  private timedOut(rec: StandaloneActivity, timeoutType: number): void {
    if (rec.phase === 'closed') return;
    const retryState = rec.cancel ? RetryState.RETRY_STATE_CANCEL_REQUESTED : RetryState.RETRY_STATE_TIMEOUT;
    this.finish(rec, Status.ACTIVITY_EXECUTION_STATUS_TIMED_OUT, {
      retryState,
      failure: { message: `activity ${TIMEOUT_NAMES[timeoutType]} timeout`, cause: rec.lastFailure, timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: rec.heartbeatDetails } },
    });
  }

  /** One attempt failed: its retry after backoff, or the run's outcome. */
  private attemptFailed(
    rec: StandaloneActivity,
    failure: Failure,
    final: (retryState: number, failure: Failure) => { status: number; retryState: number; failure: Failure; lastFailure?: Failure },
    nonRetryableType?: string,
  ): void {
    const now = this.e.clock.now();
    rec.lastAttemptCompleteTime = now;
    let retryState: number = RetryState.RETRY_STATE_CANCEL_REQUESTED;
    let delayMs: number | undefined;
    if (!rec.cancel) {
      if (nonRetryableType && rec.retryPolicy.nonRetryableErrorTypes?.includes(nonRetryableType)) {
        retryState = RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE;
      } else {
        const deadline = rec.scheduleToCloseMs > 0 ? this.firstDispatch(rec) + rec.scheduleToCloseMs : undefined;
        ({ retryState, delayMs } = decideRetry(rec.retryPolicy, rec.attempt, failure, now, deadline));
      }
    }
    if (delayMs === undefined) {
      const out = final(retryState, failure);
      rec.lastFailure = out.lastFailure ?? failure;
      this.finish(rec, out.status, { retryState: out.retryState, failure: out.failure });
      return;
    }
    this.clearTimers(rec, false);
    this.release(rec);
    rec.lastFailure = failure;
    rec.retryIntervalMs = delayMs;
    rec.attempt++;
    rec.phase = 'scheduled';
    rec.dispatchAt = now + delayMs;
    this.changed(rec);
    this.armDispatch(rec);
  }

  private finish(rec: StandaloneActivity, status: number, outcome: { result?: Payloads; failure?: Failure; retryState?: number }): void {
    this.clearTimers(rec, true);
    this.release(rec);
    rec.phase = 'closed';
    rec.status = status;
    rec.closeTime = this.e.clock.now();
    rec.result = outcome.result;
    rec.failure = outcome.failure;
    rec.retryState = outcome.retryState;
    rec.retryIntervalMs = undefined;
    this.changed(rec);
    this.armRetention(rec);
  }

  /** Deleted with the closed workflow runs, by the same retention (a run deleted before then is not there to delete). */
  private armRetention(rec: StandaloneActivity): void {
    this.e.retention.track({ ns: rec.ns, closeTime: rec.closeTime!, remove: () => this.runs.get(runKey(rec.ns, rec.runId)) === rec && this.delete(rec) });
  }

  private firstDispatch(rec: StandaloneActivity): number {
    return rec.scheduleTime + rec.startDelayMs;
  }

  // ---------------------------------------------------------------- bookkeeping

  private timer(rec: StandaloneActivity, at: number, fire: () => void): void {
    const list = this.timers.get(rec) ?? [];
    list.push(this.e.clock.at(at, () => rec.phase !== 'closed' && fire()));
    this.timers.set(rec, list);
  }

  /** Cancels the run's timers; `all` includes its schedule-to-close deadline (the first armed), which retries keep. */
  private clearTimers(rec: StandaloneActivity, all: boolean): void {
    const list = this.timers.get(rec) ?? [];
    const keep = !all && rec.scheduleToCloseMs > 0 ? list.slice(0, 1) : [];
    for (const t of list.slice(keep.length)) t.cancel();
    this.timers.set(rec, keep);
    this.heartbeatTimers.get(rec)?.cancel();
    this.heartbeatTimers.delete(rec);
  }

  /** While an attempt waits for a worker or runs, time skipping waits for it (as for a workflow's activity). */
  private hold(rec: StandaloneActivity): void {
    if (!this.holds.has(rec)) this.holds.set(rec, this.e.clock.hold());
  }

  private release(rec: StandaloneActivity): void {
    this.holds.get(rec)?.();
    this.holds.delete(rec);
  }

  private add(rec: StandaloneActivity): void {
    this.runs.set(runKey(rec.ns, rec.runId), rec);
    const k = key(rec.ns, rec.activityId);
    this.byActivityId.set(k, [...(this.byActivityId.get(k) ?? []).filter((r) => r.runId !== rec.runId), rec]);
  }

  private remove(rec: StandaloneActivity): void {
    this.clearTimers(rec, true);
    this.release(rec);
    this.runs.delete(runKey(rec.ns, rec.runId));
    const k = key(rec.ns, rec.activityId);
    const rest = (this.byActivityId.get(k) ?? []).filter((r) => r !== rec);
    if (rest.length) this.byActivityId.set(k, rest);
    else this.byActivityId.delete(k);
    this.wake(rec);
    this.timers.delete(rec);
  }

  /** Journals the run (before the RPC that changed it answers) and wakes whoever waits on it. */
  private changed(rec: StandaloneActivity): void {
    rec.transitions++;
    this.journal?.write([this.record(rec)]);
    this.wake(rec);
  }

  private wake(rec: StandaloneActivity): void {
    const waiting = this.waiters.get(rec);
    this.waiters.delete(rec);
    for (const w of waiting ?? []) w();
  }

  // ---------------------------------------------------------------- persistence

  private record(rec: StandaloneActivity): JournalRecord {
    return { t: 'activity', ns: rec.ns, rid: rec.runId, s: serializeActivity(rec) };
  }

  /** A run's journaled state (recovery replays these; the last one of a run wins). */
  restore(state: string): void {
    this.add(deserializeActivity(state));
  }

  forget(ns: string, runId: string): void {
    const rec = this.runs.get(runKey(ns, runId));
    if (rec) this.remove(rec);
  }

  *records(): Iterable<JournalRecord> {
    for (const rec of this.runs.values()) yield this.record(rec);
  }

  /** After recovery: an attempt that had started stays started (its worker may still answer), anything else waits or is offered again. */
  resume(): void {
    for (const rec of this.runs.values()) this.arm(rec);
  }

  /** Server shutdown: long polls answer now. */
  close(): void {
    this.stopped = true;
    for (const rec of [...this.waiters.keys()]) this.wake(rec);
  }
}

const key = (ns: string, activityId: string) => `${ns}\u0000${activityId}`;
const runKey = (ns: string, runId: string) => `${ns}\u0000${runId}`;
const failedPrecondition = (message: string) => new ServiceError(status.FAILED_PRECONDITION, message);

const alreadyStarted = (current: StandaloneActivity) =>
  alreadyExists('activity execution already started', {
    typeName: 'temporal.api.errordetails.v1.ActivityExecutionAlreadyStartedFailure',
    value: { startRequestId: current.requestId, runId: current.runId },
  });
