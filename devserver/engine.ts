import type { Failure, Payloads, proto } from './proto';
import { executionKey, type ActivityState, type Execution, type PendingQuery, type UpdateState } from './execution';
import { invalidArgument, notFound } from './errors';
import type { Journal } from './journal';
import { Matching, type PollerInfo } from './matching';
import { HistoryWriter } from './history';
import { EventLog, type HistoryLog } from './event-log';
import { JournalHistories } from './journal-event-log';
import { Runs, type StartParams, type StartResult } from './runs';
import { WorkflowTasks } from './workflow-tasks';
import { Activities } from './activities';
import { Children } from './children';
import { Queries } from './queries';
import { Schedules } from './schedules';
import { StandaloneActivities } from './standalone-activities';
import { NexusEndpoints } from './nexus-endpoints';
import { NexusOperations } from './nexus-operations';
import { admitUpdate } from './updates';
import { recover } from './recovery';
import { Retention } from './retention';
import type { TaskToken } from './task-token';
import type { VirtualClock } from './clock';
import type { Namespaces } from './namespaces';

type PollWorkflowTaskResponse = proto.temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
type PollActivityTaskResponse = proto.temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse;
type PollNexusTaskResponse = proto.temporal.api.workflowservice.v1.IPollNexusTaskQueueResponse;

/**
 * The heart of the dev server: workflow executions, their histories, and the tasks workers poll.
 * It follows Temporal's history-service rules for event order, buffering, task attempts, timeouts,
 * retries, updates and queries; every state change is a history event applied through Execution.
 * The rules live in one part per concern (runs, workflow tasks, commands, activities, children,
 * queries, updates, recovery); the engine holds the runs and is what the gRPC layer calls.
 */
export class Engine {
  readonly workflowTasks = new Matching<PollerInfo, PollWorkflowTaskResponse>(() => this.clock.now());
  readonly activityTasks = new Matching<PollerInfo, PollActivityTaskResponse>(() => this.clock.now());
  readonly nexusTasks = new Matching<PollerInfo, PollNexusTaskResponse>(() => this.clock.now());
  readonly history: HistoryWriter;
  readonly runs = new Runs(this);
  readonly tasks = new WorkflowTasks(this);
  readonly activities = new Activities(this);
  readonly children = new Children(this);
  readonly queries = new Queries(this);
  readonly schedules: Schedules;
  readonly standaloneActivities: StandaloneActivities;
  readonly nexusEndpoints: NexusEndpoints;
  readonly nexus = new NexusOperations(this);
  readonly retention = new Retention(this);
  /** With a data dir, histories are read back from the journal instead of held in memory. */
  readonly histories?: JournalHistories;
  private readonly runsById = new Map<string, Execution>();
  private readonly runsByWorkflow = new Map<string, Execution[]>();

  constructor(
    readonly clock: VirtualClock,
    readonly namespaces: Namespaces,
    private readonly journal?: Journal,
    historyCacheBytes?: number,
  ) {
    this.history = new HistoryWriter(clock, journal, (exec) => this.tasks.need(exec));
    this.histories = journal && new JournalHistories(journal, historyCacheBytes);
    this.schedules = new Schedules(this, journal);
    this.standaloneActivities = new StandaloneActivities(this, journal);
    this.nexusEndpoints = new NexusEndpoints(namespaces, () => clock.now(), journal);
  }

  // ---------------------------------------------------------------- runs

  executions(ns: string): Iterable<Execution> {
    return [...this.runsById.values()].filter((e) => e.ns === ns);
  }

  /** Every run, live: runs added while it is iterated are visited too. */
  allRuns(): Iterable<Execution> {
    return this.runsById.values();
  }

  runById(ns: string, runId: string): Execution | undefined {
    return this.runsById.get(`${ns}\u0000${runId}`);
  }

  addRun(exec: Execution): void {
    this.runsById.set(`${exec.ns}\u0000${exec.runId}`, exec);
    const key = executionKey(exec.ns, exec.workflowId);
    this.runsByWorkflow.set(key, [...(this.runsByWorkflow.get(key) ?? []), exec]);
  }

  /** A new run's history: in memory, or in the journal's files with a data dir. */
  newHistory(): HistoryLog {
    return this.histories?.create() ?? new EventLog();
  }

  /** Forgets a run (retention): its history, visibility record and updates go with it. */
  removeRun(exec: Execution): void {
    exec.history.release?.();
    this.runsById.delete(`${exec.ns}\u0000${exec.runId}`);
    const key = executionKey(exec.ns, exec.workflowId);
    const runs = this.runsByWorkflow.get(key)?.filter((r) => r !== exec) ?? [];
    if (runs.length) this.runsByWorkflow.set(key, runs);
    else this.runsByWorkflow.delete(key);
  }

  /** The named run, or the latest run of the workflow id when runId is empty. */
  getRun(ns: string, workflowId: string, runId?: string | null): Execution {
    if (!workflowId) throw invalidArgument('WorkflowId is not set on request.');
    if (runId) {
      const exec = this.runById(ns, runId);
      if (exec && exec.workflowId === workflowId) return exec;
      throw notFound(`workflow execution not found for workflow ID "${workflowId}" and run ID "${runId}"`);
    }
    const runs = this.runsByWorkflow.get(executionKey(ns, workflowId));
    if (!runs?.length) throw notFound(`workflow not found for ID: ${workflowId}`);
    return runs[runs.length - 1];
  }

  findRun(ns: string, workflowId: string, runId?: string | null): Execution | undefined {
    try {
      return this.getRun(ns, workflowId, runId);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- what the gRPC layer asks for

  startWorkflow(p: StartParams): StartResult {
    return this.runs.startWorkflow(p);
  }

  signal(exec: Execution, name: string, input: Payloads | null | undefined, identity: string, header?: proto.temporal.api.common.v1.IHeader | null, requestId?: string): void {
    this.runs.signal(exec, name, input, identity, header, requestId);
  }

  requestCancel(exec: Execution, reason: string, identity: string, external?: { initiatedEventId: number; workflowId: string; runId: string }): void {
    this.runs.requestCancel(exec, reason, identity, external);
  }

  terminate(exec: Execution, reason: string, details: Payloads | null | undefined, identity: string): void {
    this.runs.terminate(exec, reason, details, identity);
  }

  completeWorkflowTask(
    token: TaskToken,
    req: proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest,
  ): proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedResponse {
    return this.tasks.complete(token, req);
  }

  failWorkflowTask(token: TaskToken, req: proto.temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest): void {
    this.tasks.fail(token, req);
  }

  /** A worker shut down: its sticky queue will not be polled again, so its tasks go to any worker. */
  dropStickyQueue(ns: string, stickyQueue: string): void {
    this.tasks.dropStickyQueue(ns, stickyQueue);
  }

  resetSticky(exec: Execution): void {
    exec.sticky = undefined;
  }

  /** The started activity named by a token, or NOT_FOUND as the real server answers a stale token. */
  activityByToken(token: TaskToken): { exec: Execution; act: ActivityState } {
    return this.activities.byToken(token);
  }

  activityById(ns: string, workflowId: string, runId: string | null | undefined, activityId: string): { exec: Execution; act: ActivityState } {
    return this.activities.byId(ns, workflowId, runId, activityId);
  }

  heartbeat(exec: Execution, act: ActivityState, details: Payloads | null | undefined): { cancelRequested: boolean } {
    return this.activities.heartbeat(exec, act, details);
  }

  completeActivity(exec: Execution, act: ActivityState, result: Payloads | null | undefined, identity: string): void {
    this.activities.complete(exec, act, result, identity);
  }

  cancelActivity(exec: Execution, act: ActivityState, details: Payloads | null | undefined, identity: string): void {
    this.activities.cancel(exec, act, details, identity);
  }

  failActivity(exec: Execution, act: ActivityState, failure: Failure | null | undefined, identity: string, details?: Payloads | null): void {
    this.activities.fail(exec, act, failure, identity, details);
  }

  /** Admits an update (or finds the one with the same id) and makes sure a workflow task carries it. */
  admitUpdate(exec: Execution, request: proto.temporal.api.update.v1.IRequest): UpdateState {
    return admitUpdate(exec, request, () => this.tasks.schedule(exec, true));
  }

  query(exec: Execution, q: PendingQuery): void {
    this.queries.route(exec, q);
  }

  forgetQuery(exec: Execution, id: string): void {
    this.queries.forget(exec, id);
  }

  answerLegacyQuery(token: TaskToken, req: proto.temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest): void {
    this.queries.answerLegacy(token, req);
  }

  /** Rebuilds every execution from the journal, then restarts its timers and tasks. */
  recover(): void {
    if (this.journal) recover(this, this.journal);
  }

  close(): void {
    this.retention.close();
    this.standaloneActivities.close();
    this.workflowTasks.close();
    this.activityTasks.close();
    this.nexusTasks.close();
  }
}
