import { randomUUID } from 'node:crypto';
import { api, EventType, durationMs, long, timestamp, type HistoryEvent, type proto } from './proto';
import { notFound, invalidArgument } from './errors';
import type { Execution, WorkflowTaskState } from './execution';
import { abortSentUpdates, applyRejections, rejectUnprocessed, sendUpdates, unsendUpdates } from './updates';
import { encodeToken, type TaskToken } from './task-token';
import { queueKey, type PollerInfo } from './matching';
import { priorityKeyOf } from './priority';
import { DEFAULT_WFT_TIMEOUT_MS, NORMAL, type Attrs } from './history';
import { CommandError, TERMINAL_COMMANDS, applyCommand, validateCommand, type CommandContext } from './commands';
import { answerTaskQueries } from './queries';
import { historySizeInfo } from './history-size';
import type { Engine } from './engine';

const { enums } = api;
type PollWorkflowTaskResponse = proto.temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
type CompleteRequest = proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest;

/**
 * The workflow-task lifecycle: scheduling (ordinary, speculative for updates, transient for retries),
 * dispatch through sticky and normal queues, start, completion, failure and timeout.
 */
export class WorkflowTasks {
  /** Distinguishes dispatches of one scheduled task, so a stale token is refused. */
  private seq = 0;

  constructor(private readonly e: Engine) {}

  /** New events were written: the workflow needs a task to see them. */
  need(exec: Execution): void {
    if (!exec.running || exec.firstTaskDelayed) return;
    if (!exec.wft) {
      this.schedule(exec);
    } else if (exec.wft.speculative && !exec.wft.startedEventId) {
      // New events make a pending update-only task a real one. (A pending transient retry stays as it is:
      // start() turns it into an ordinary task once it sees the new events.)
      const queries = exec.wft.queries;
      this.release(exec.wft);
      exec.wft = undefined;
      this.schedule(exec);
      for (const [id, q] of queries) exec.wft!.queries.set(id, q);
    }
  }

  /** Where a new workflow task goes, as WorkflowTaskScheduled records it: the sticky queue while one is set (real server's CurrentTaskQueue). */
  currentTaskQueue(exec: Execution): proto.temporal.api.taskqueue.v1.ITaskQueue {
    return exec.sticky
      ? { name: exec.sticky.queue, kind: enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: exec.taskQueue }
      : { name: exec.taskQueue, kind: NORMAL };
  }

  schedule(exec: Execution, speculative = false): void {
    this.dispatch(exec, this.create(exec, speculative));
  }

  /**
   * Eager workflow start: the first task goes, started, to the worker that asked for it in the start request
   * (the real server's RequestEagerExecution) instead of to a poller. Its timeout runs as for any started task.
   */
  startEagerly(exec: Execution, identity: string): PollWorkflowTaskResponse {
    const task = this.create(exec, false);
    task.release = this.e.clock.hold();
    return this.start(exec, task, false, { identity })!;
  }

  private create(exec: Execution, speculative: boolean): WorkflowTaskState {
    if (speculative || exec.wftAttempt > 1) {
      // Speculative (update-only) and transient (retry) tasks are kept out of history until they complete.
      exec.wft = {
        // A transient task notes where history ended when it was scheduled (the real server's ScheduledEventID).
        scheduledEventId: speculative ? 0 : exec.nextEventId,
        startedEventId: 0,
        attempt: speculative ? 1 : exec.wftAttempt,
        scheduledTime: this.e.clock.now(),
        startedTime: 0,
        speculative,
        transient: !speculative,
        seq: 0,
        queries: new Map(),
      };
    } else {
      this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
        taskQueue: this.currentTaskQueue(exec),
        startToCloseTimeout: exec.started.workflowTaskTimeout,
        attempt: exec.wftAttempt,
      });
    }
    return exec.wft!;
  }

  dispatch(exec: Execution, task: WorkflowTaskState): void {
    task.release ??= this.e.clock.hold();
    const normalQueue = queueKey(exec.ns, exec.taskQueue);
    const sticky = exec.sticky;
    const priority = priorityKeyOf(exec.priority);
    if (!sticky) {
      this.e.workflowTasks.offer(normalQueue, (p) => this.start(exec, task, false, p), priority);
      return;
    }
    const stickyQueue = queueKey(exec.ns, sticky.queue);
    const claim = (p: PollerInfo) => this.start(exec, task, true, p);
    this.e.workflowTasks.offer(stickyQueue, claim, priority);
    if (task.startedEventId) return;
    // A sticky worker that does not pick the task up in time has gone: the task times out.
    task.stickyFallback = setTimeout(() => {
      if (exec.wft !== task || task.startedEventId) return;
      this.e.workflowTasks.drain(stickyQueue, (c) => c === claim);
      this.stickyTimedOut(exec, task);
    }, sticky.timeoutMs);
  }

  /**
   * A task on a sticky queue that no worker took (its worker vanished or shut down, or the server
   * restarted and lost the queue), as the real server handles it: WorkflowTaskTimedOut with
   * SCHEDULE_TO_START, the attempt unchanged, and a new task on the normal queue.
   */
  stickyTimedOut(exec: Execution, task: WorkflowTaskState): void {
    this.release(task);
    this.requeueTaskWork(exec, task);
    if (task.speculative) {
      // An update-only task gets its scheduled event first, so the timeout has one to point to.
      task.scheduledEventId = this.e.history.append(
        exec,
        EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        { taskQueue: this.currentTaskQueue(exec), startToCloseTimeout: exec.started.workflowTaskTimeout, attempt: task.attempt },
        task.scheduledTime,
      );
    }
    this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
      scheduledEventId: long(task.scheduledEventId),
      startedEventId: long(0),
      timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START,
    });
    this.after(exec, true);
  }

  private start(exec: Execution, task: WorkflowTaskState, sticky: boolean, poller: PollerInfo): PollWorkflowTaskResponse | undefined {
    if (exec.wft !== task || task.startedEventId || !exec.running) return undefined;
    clearTimeout(task.stickyFallback);
    if (task.transient && task.scheduledEventId !== exec.nextEventId) {
      // New events arrived while this retry waited, which ends the failure streak: as the real server does,
      // it starts as an ordinary task, attempt 1, written to history after those events.
      const { release, queries } = task;
      exec.wftAttempt = 1;
      this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, {
        taskQueue: this.currentTaskQueue(exec),
        startToCloseTimeout: exec.started.workflowTaskTimeout,
        attempt: 1,
      });
      task = exec.wft!;
      Object.assign(task, { release, queries });
    }
    task.seq = ++this.seq;
    const now = this.e.clock.now();
    const extra: HistoryEvent[] = [];
    if (task.speculative || task.transient) {
      task.scheduledEventId = exec.nextEventId;
      task.startedEventId = exec.nextEventId + 1;
      task.startedTime = now;
      task.startedBy = poller.identity;
      extra.push(
        this.e.history.makeEvent(
          EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
          { taskQueue: this.currentTaskQueue(exec), startToCloseTimeout: exec.started.workflowTaskTimeout, attempt: task.attempt },
          task.scheduledTime,
          task.scheduledEventId,
        ),
        this.e.history.makeEvent(
          EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
          { scheduledEventId: long(task.scheduledEventId), identity: poller.identity, requestId: randomUUID(), ...historySizeInfo(exec) },
          now,
          task.startedEventId,
        ),
      );
    } else {
      this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED, {
        scheduledEventId: long(task.scheduledEventId),
        identity: poller.identity,
        requestId: randomUUID(),
        ...historySizeInfo(exec),
      });
    }
    const timeoutMs = durationMs(exec.started.workflowTaskTimeout) || DEFAULT_WFT_TIMEOUT_MS;
    task.timer = this.e.clock.after(timeoutMs, () => this.timeout(exec, task));
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

  release(task: WorkflowTaskState): void {
    task.timer?.cancel();
    clearTimeout(task.stickyFallback);
    task.release?.();
  }

  private started(token: TaskToken): { exec: Execution; task: WorkflowTaskState } {
    const exec = this.e.runById(token.ns, token.rid);
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

  private timeout(exec: Execution, task: WorkflowTaskState): void {
    if (exec.wft !== task || !exec.running) return;
    this.release(task);
    this.requeueTaskWork(exec, task);
    if (task.speculative) {
      exec.wft = undefined;
      exec.sticky = undefined;
    } else if (task.transient) {
      this.endTransientTask(exec, task);
    } else {
      this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, {
        scheduledEventId: long(task.scheduledEventId),
        startedEventId: long(task.startedEventId),
        timeoutType: enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
      });
    }
    this.after(exec, true);
  }

  fail(token: TaskToken, req: proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest): void {
    const { exec, task } = this.started(token);
    this.release(task);
    this.requeueTaskWork(exec, task);
    this.recordTaskFailure(exec, task, { cause: req.cause, failure: req.failure, identity: req.identity });
    this.after(exec, true);
  }

  /** Writes WorkflowTaskFailed for a started task, except for a transient one, whose failure leaves no trace. */
  private recordTaskFailure(exec: Execution, task: WorkflowTaskState, attrs: Attrs): void {
    if (task.transient) {
      this.endTransientTask(exec, task);
      return;
    }
    this.materializeSpeculative(exec, task);
    this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, {
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
    this.e.history.append(
      exec,
      EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      { taskQueue: this.currentTaskQueue(exec), startToCloseTimeout: exec.started.workflowTaskTimeout, attempt: task.attempt },
      task.scheduledTime,
    );
    this.e.history.append(
      exec,
      EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      { scheduledEventId: long(task.scheduledEventId), identity: task.startedBy, requestId: randomUUID() },
      task.startedTime,
    );
    // apply() made a fresh task record; keep the dispatch's identity so its token stays valid.
    Object.assign(exec.wft!, { seq: task.seq, queries, release: task.release, timer: task.timer });
  }

  /** After a workflow task ends: write what waited, start the next task if needed, route queries. */
  after(exec: Execution, needTask: boolean): void {
    if (!exec.running) return;
    if (this.e.history.flushBuffered(exec)) {
      // New events end a failure streak: the next task is an ordinary one, attempt 1 (as on the real server).
      needTask = true;
      exec.wftAttempt = 1;
    }
    const undelivered = [...exec.updates.values()].some((u) => u.stage === 'admitted' && !u.delivered);
    if (!exec.wft && needTask) this.schedule(exec);
    else if (!exec.wft && undelivered) this.schedule(exec, true);
    const queries = exec.queuedQueries;
    exec.queuedQueries = [];
    for (const q of queries) this.e.queries.route(exec, q);
  }

  complete(token: TaskToken, req: CompleteRequest): proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse {
    const { exec, task } = this.started(token);
    const commands = req.commands ?? [];
    const messages = new Map((req.messages ?? []).map((m) => [m.id ?? '', m]));
    // Validate everything first: a bad command fails the whole task and writes nothing else.
    try {
      for (const c of commands) validateCommand(this.e, exec, c, messages);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      this.release(task);
      this.refuseCompletion(exec, task, err, req.identity);
      throw invalidArgument(err.message);
    }
    this.release(task);
    const sticky = req.stickyAttributes?.workerTaskQueue?.name;
    exec.sticky = sticky ? { queue: sticky, timeoutMs: durationMs(req.stickyAttributes?.scheduleToStartTimeout) || 5000 } : undefined;
    answerTaskQueries(task, req.queryResults);

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
      this.after(exec, false);
      return { resetHistoryEventId: long(exec.lastCompletedStartedEventId) };
    }
    this.materializeSpeculative(exec, task);

    const completedId = this.e.history.append(exec, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, {
      scheduledEventId: long(task.scheduledEventId),
      startedEventId: long(task.startedEventId),
      identity: req.identity,
      binaryChecksum: req.binaryChecksum,
      sdkMetadata: req.sdkMetadata,
      meteringMetadata: req.meteringMetadata,
      workerVersion: req.workerVersionStamp,
    });
    const ctx: CommandContext = { e: this.e, exec, completedId: long(completedId), messages, identity: req.identity ?? '', after: [], eager: [] };
    let needTask = !!req.forceCreateNewWorkflowTask;
    exec.completing = true;
    try {
      for (const c of commands) {
        if (!exec.running) break;
        needTask = applyCommand(ctx, c) || needTask;
      }
    } finally {
      exec.completing = false;
    }
    // A closing workflow aborts the updates it left unanswered instead (onClosed).
    if (exec.running && !req.forceCreateNewWorkflowTask) rejectUnprocessed(exec);
    const activityTasks = this.e.activities.startEager(exec, ctx.eager, req.identity ?? '');
    this.after(exec, needTask);
    for (const fn of ctx.after) fn();
    return { activityTasks };
  }

  /** The server refuses a completion: nothing it asked for is written, and the task is retried. */
  private refuseCompletion(exec: Execution, task: WorkflowTaskState, err: CommandError, identity: string | null | undefined): void {
    abortSentUpdates(exec);
    exec.queuedQueries.push(...task.queries.values());
    task.queries.clear();
    this.recordTaskFailure(exec, task, { cause: err.cause, failure: { message: err.message, source: 'Server' }, identity });
    this.after(exec, true);
  }

  /**
   * Before a run is closed from outside (terminate, timeout), as the real server does: a workflow task a
   * worker holds is failed (WorkflowTaskFailed, cause FORCE_CLOSE_COMMAND), one nobody took is dropped.
   * Either way it stops holding the clock, and its queries are answered from the closed history.
   */
  closeOutstanding(exec: Execution): void {
    const task = exec.wft;
    if (!task) return;
    this.release(task);
    this.requeueTaskWork(exec, task);
    if (task.startedEventId) {
      this.recordTaskFailure(exec, task, {
        cause: enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
        identity: 'history-service',
      });
    }
    exec.wft = undefined;
  }

  /** A worker shut down: its sticky queue will not be polled again, so its pending tasks time out to the normal queue. */
  dropStickyQueue(ns: string, stickyQueue: string): void {
    this.e.workflowTasks.drain(queueKey(ns, stickyQueue));
    for (const exec of this.e.executions(ns)) {
      if (exec.sticky?.queue !== stickyQueue) continue;
      exec.sticky = undefined;
      const task = exec.wft;
      if (task && !task.startedEventId) this.stickyTimedOut(exec, task);
    }
  }
}
