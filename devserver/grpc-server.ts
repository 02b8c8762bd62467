import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { api, durationMs, encodeMessage, long, methodNames, msDuration, serviceDefinition, timestamp, timestampMs, type proto } from './proto';
import { ServiceError, invalidArgument, notFound } from './errors';
import { decodeToken } from './task-token';
import { countExecutions, executionInfo, listExecutions } from './visibility';
import { indexedTypeFromKind, kindFromIndexedType, systemAttributes } from './search-attributes';
import type { Engine } from './engine';
import { queueKey } from './matching';
import type { Execution, UpdateState } from './execution';
import { updateAnswer, updateSettled } from './updates';

const { enums } = api;
const ws = api.workflowservice.v1;
type Req<T> = T;
type Handler = (req: any, call: grpc.ServerUnaryCall<any, any>) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
type WS = typeof ws;
type RequestOf<K extends keyof WS> = WS[K] extends { decode(...args: never[]): infer R } ? R : never;

/** How long a long poll may wait: the caller's deadline (less a margin to answer in), at most `max`. */
function pollBudget(call: grpc.ServerUnaryCall<unknown, unknown>, max: number): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  if (!Number.isFinite(at) || at <= 0) return max;
  return Math.max(0, Math.min(max, at - Date.now() - 500));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Waits until `done` holds, the execution changes and re-checking says so, or the budget runs out. */
async function waitOn(exec: Execution, budgetMs: number, done: () => boolean): Promise<boolean> {
  const until = Date.now() + budgetMs;
  while (!done()) {
    const left = until - Date.now();
    if (left <= 0) return false;
    await Promise.race([exec.nextChange(), sleep(left)]);
  }
  return true;
}

/**
 * Waits for an update to reach the wanted stage, at most `budgetMs` (the long-poll interval): `find` names
 * the run and update, again after an abort to be retried (the real server retries those internally).
 */
async function awaitUpdate(find: () => { exec: Execution; update: UpdateState }, wanted: number | null | undefined, budgetMs: number) {
  const until = Date.now() + budgetMs;
  for (;;) {
    const { exec, update } = find();
    await waitOn(exec, until - Date.now(), () => updateSettled(update, wanted));
    const { retry, response } = updateAnswer(exec, update);
    if (!retry) return response;
    if (Date.now() >= until) return { stage: enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED };
  }
}

function pageToken(value: object | undefined): Uint8Array {
  return value ? Buffer.from(JSON.stringify(value)) : Buffer.alloc(0);
}

function readPageToken<T>(bytes: Uint8Array | null | undefined): T | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch {
    throw invalidArgument('Invalid NextPageToken.');
  }
}

export interface Services {
  workflow: Record<string, Handler>;
  operator: Record<string, Handler>;
  test: Record<string, Handler>;
}

/** The RPC handlers: thin translations between protobuf requests and the engine. */
export function createHandlers(engine: Engine, serverVersion: string): Services {
  const namespaces = engine.namespaces;
  const clock = engine.clock;

  const describeNamespace = (name: string) => {
    const ns = namespaces.get(name);
    return {
      namespaceInfo: {
        name: ns.name,
        id: ns.id,
        state: enums.v1.NamespaceState.NAMESPACE_STATE_REGISTERED,
        description: ns.description,
        capabilities: { syncUpdate: true, asyncUpdate: true, eagerWorkflowStart: false },
        supportsSchedules: false,
      },
      config: { workflowExecutionRetentionTtl: msDuration(ns.retentionDays * 86_400_000), historyArchivalState: 1, visibilityArchivalState: 1 },
      isGlobalNamespace: false,
    };
  };

  const start = (req: RequestOf<'StartWorkflowExecutionRequest'> | RequestOf<'SignalWithStartWorkflowExecutionRequest'>, signal?: { name: string; input: proto.temporal.api.common.v1.IPayloads | null | undefined; header?: proto.temporal.api.common.v1.IHeader | null }) =>
    engine.startWorkflow({
      ns: namespaces.get(req.namespace).name,
      workflowId: req.workflowId,
      workflowType: req.workflowType?.name ?? '',
      taskQueue: req.taskQueue?.name ?? '',
      input: req.input,
      executionTimeoutMs: durationMs(req.workflowExecutionTimeout),
      runTimeoutMs: durationMs(req.workflowRunTimeout),
      taskTimeoutMs: durationMs(req.workflowTaskTimeout),
      identity: req.identity,
      requestId: req.requestId,
      reusePolicy: req.workflowIdReusePolicy,
      conflictPolicy: req.workflowIdConflictPolicy,
      retryPolicy: req.retryPolicy,
      memo: req.memo,
      searchAttributes: req.searchAttributes,
      header: req.header,
      startDelayMs: durationMs(req.workflowStartDelay),
      userMetadata: req.userMetadata,
      signal,
    });

  const activity = (req: { taskToken?: Uint8Array | null }) => engine.activityByToken(decodeToken(req.taskToken));
  const activityById = (req: { namespace?: string | null; workflowId?: string | null; runId?: string | null; activityId?: string | null }) =>
    engine.activityById(namespaces.get(req.namespace).name, req.workflowId ?? '', req.runId, req.activityId ?? '');

  const workflow: Record<string, Handler> = {
    GetSystemInfo: () => ({
      serverVersion,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        supportsSchedules: false,
        encodedFailureAttributes: true,
        upsertMemo: true,
        eagerWorkflowStart: false,
        sdkMetadata: true,
        countGroupByExecutionStatus: true,
      },
    }),
    GetClusterInfo: () => ({
      serverVersion,
      clusterId: 'service-exchange-dev',
      clusterName: 'dev',
      historyShardCount: 1,
      persistenceStore: 'dev-journal',
      visibilityStore: 'dev-memory',
    }),
    RegisterNamespace: (req: RequestOf<'RegisterNamespaceRequest'>) => {
      namespaces.register(req.namespace, Math.max(1, Math.round(durationMs(req.workflowExecutionRetentionPeriod) / 86_400_000)), req.description);
      return {};
    },
    DescribeNamespace: (req: RequestOf<'DescribeNamespaceRequest'>) => describeNamespace(req.namespace || namespaces.byId(req.id).name),
    ListNamespaces: () => ({ namespaces: namespaces.list().map((n) => describeNamespace(n.name)) }),
    UpdateNamespace: (req: RequestOf<'UpdateNamespaceRequest'>) => describeNamespace(req.namespace),

    StartWorkflowExecution: (req: RequestOf<'StartWorkflowExecutionRequest'>) => {
      const r = start(req);
      return { runId: r.runId, started: r.started, status: r.exec.status };
    },
    SignalWithStartWorkflowExecution: (req: RequestOf<'SignalWithStartWorkflowExecutionRequest'>) => {
      const signal = { name: req.signalName, input: req.signalInput, header: req.header };
      if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
      const ns = namespaces.get(req.namespace).name;
      const current = (() => {
        try {
          return engine.getRun(ns, req.workflowId);
        } catch {
          return undefined;
        }
      })();
      if (current?.running) {
        engine.signal(current, signal.name, signal.input, req.identity, signal.header);
        return { runId: current.runId, started: false };
      }
      const r = start(req, signal);
      return { runId: r.runId, started: r.started };
    },
    SignalWorkflowExecution: (req: RequestOf<'SignalWorkflowExecutionRequest'>) => {
      const exec = engine.getRun(namespaces.get(req.namespace).name, req.workflowExecution?.workflowId ?? '', req.workflowExecution?.runId);
      engine.signal(exec, req.signalName, req.input, req.identity, req.header);
      return {};
    },
    RequestCancelWorkflowExecution: (req: RequestOf<'RequestCancelWorkflowExecutionRequest'>) => {
      const exec = engine.getRun(namespaces.get(req.namespace).name, req.workflowExecution?.workflowId ?? '', req.workflowExecution?.runId);
      if (req.firstExecutionRunId && exec.firstRunId !== req.firstExecutionRunId) throw notFound('workflow execution not found for the given first run id');
      engine.requestCancel(exec, req.reason, req.identity);
      return {};
    },
    TerminateWorkflowExecution: (req: RequestOf<'TerminateWorkflowExecutionRequest'>) => {
      const exec = engine.getRun(namespaces.get(req.namespace).name, req.workflowExecution?.workflowId ?? '', req.workflowExecution?.runId);
      if (req.firstExecutionRunId && exec.firstRunId !== req.firstExecutionRunId) throw notFound('workflow execution not found for the given first run id');
      engine.terminate(exec, req.reason, req.details, req.identity);
      return {};
    },

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

    PollWorkflowTaskQueue: async (req: RequestOf<'PollWorkflowTaskQueueRequest'>, call) => {
      const ns = namespaces.get(req.namespace).name;
      if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      const task = await engine.workflowTasks.poll(queueKey(ns, req.taskQueue.name), { identity: req.identity }, pollBudget(call, 60_000), () => !call.cancelled);
      return task ?? {};
    },
    RespondWorkflowTaskCompleted: (req: RequestOf<'RespondWorkflowTaskCompletedRequest'>) => engine.completeWorkflowTask(decodeToken(req.taskToken), req),
    RespondWorkflowTaskFailed: (req: RequestOf<'RespondWorkflowTaskFailedRequest'>) => {
      engine.failWorkflowTask(decodeToken(req.taskToken), req);
      return {};
    },
    RespondQueryTaskCompleted: (req: RequestOf<'RespondQueryTaskCompletedRequest'>) => {
      engine.answerLegacyQuery(decodeToken(req.taskToken), req);
      return {};
    },
    ResetStickyTaskQueue: (req: RequestOf<'ResetStickyTaskQueueRequest'>) => {
      engine.resetSticky(engine.getRun(namespaces.get(req.namespace).name, req.execution?.workflowId ?? '', req.execution?.runId));
      return {};
    },
    ShutdownWorker: (req: RequestOf<'ShutdownWorkerRequest'>) => {
      if (req.stickyTaskQueue) engine.dropStickyQueue(namespaces.get(req.namespace).name, req.stickyTaskQueue);
      return {};
    },

    PollActivityTaskQueue: async (req: RequestOf<'PollActivityTaskQueueRequest'>, call) => {
      const ns = namespaces.get(req.namespace).name;
      if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      const task = await engine.activityTasks.poll(queueKey(ns, req.taskQueue.name), { identity: req.identity }, pollBudget(call, 60_000), () => !call.cancelled);
      return task ?? {};
    },
    RecordActivityTaskHeartbeat: (req: RequestOf<'RecordActivityTaskHeartbeatRequest'>) => {
      const { exec, act } = activity(req);
      return engine.heartbeat(exec, act, req.details);
    },
    RecordActivityTaskHeartbeatById: (req: RequestOf<'RecordActivityTaskHeartbeatByIdRequest'>) => {
      const { exec, act } = activityById(req);
      return engine.heartbeat(exec, act, req.details);
    },
    RespondActivityTaskCompleted: (req: RequestOf<'RespondActivityTaskCompletedRequest'>) => {
      const { exec, act } = activity(req);
      engine.completeActivity(exec, act, req.result, req.identity);
      return {};
    },
    RespondActivityTaskCompletedById: (req: RequestOf<'RespondActivityTaskCompletedByIdRequest'>) => {
      const { exec, act } = activityById(req);
      engine.completeActivity(exec, act, req.result, req.identity);
      return {};
    },
    RespondActivityTaskFailed: (req: RequestOf<'RespondActivityTaskFailedRequest'>) => {
      const { exec, act } = activity(req);
      engine.failActivity(exec, act, req.failure, req.identity, req.lastHeartbeatDetails);
      return {};
    },
    RespondActivityTaskFailedById: (req: RequestOf<'RespondActivityTaskFailedByIdRequest'>) => {
      const { exec, act } = activityById(req);
      engine.failActivity(exec, act, req.failure, req.identity, req.lastHeartbeatDetails);
      return {};
    },
    RespondActivityTaskCanceled: (req: RequestOf<'RespondActivityTaskCanceledRequest'>) => {
      const { exec, act } = activity(req);
      engine.cancelActivity(exec, act, req.details, req.identity);
      return {};
    },
    RespondActivityTaskCanceledById: (req: RequestOf<'RespondActivityTaskCanceledByIdRequest'>) => {
      const { exec, act } = activityById(req);
      engine.cancelActivity(exec, act, req.details, req.identity);
      return {};
    },

    QueryWorkflow: async (req: RequestOf<'QueryWorkflowRequest'>, call) => {
      const exec = engine.getRun(namespaces.get(req.namespace).name, req.execution?.workflowId ?? '', req.execution?.runId);
      if (!req.query?.queryType) throw invalidArgument('QueryType is not set on request.');
      const Reject = enums.v1.QueryRejectCondition;
      const cleanly = [enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED];
      if (
        (req.queryRejectCondition === Reject.QUERY_REJECT_CONDITION_NOT_OPEN && !exec.running) ||
        (req.queryRejectCondition === Reject.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY && !cleanly.includes(exec.status))
      ) {
        return { queryRejected: { status: exec.status } };
      }
      if (exec.running && exec.wftAttempt >= 3) {
        // As the real server: while the workflow task keeps failing, a query could only time out, so it fails fast.
        throw new ServiceError(grpc.status.FAILED_PRECONDITION, 'Unable to query workflow due to Workflow Task in failed state.');
      }
      const id = randomUUID();
      const result = await new Promise<{ answer?: proto.temporal.api.common.v1.IPayloads | null; error?: string }>((resolve, reject) => {
        const timer = setTimeout(() => {
          engine.forgetQuery(exec, id);
          reject(new ServiceError(grpc.status.DEADLINE_EXCEEDED, 'query timed out: no worker answered it in time'));
        }, pollBudget(call, 30_000));
        engine.query(exec, {
          id,
          query: req.query!,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
      if (result.error !== undefined) throw invalidArgument(result.error);
      return { queryResult: result.answer };
    },
    DescribeWorkflowExecution: (req: RequestOf<'DescribeWorkflowExecutionRequest'>) => {
      const exec = engine.getRun(namespaces.get(req.namespace).name, req.execution?.workflowId ?? '', req.execution?.runId);
      const s = exec.started;
      const ActState = enums.v1.PendingActivityState;
      return {
        executionConfig: {
          taskQueue: s.taskQueue,
          workflowExecutionTimeout: s.workflowExecutionTimeout,
          workflowRunTimeout: s.workflowRunTimeout,
          defaultWorkflowTaskTimeout: s.workflowTaskTimeout,
          userMetadata: exec.history.at(0)?.userMetadata,
        },
        workflowExecutionInfo: executionInfo(exec),
        pendingActivities: [...exec.activities.values()]
          .filter((a) => a.state !== 'done')
          .map((a) => ({
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
          })),
        pendingChildren: [...exec.children.values()].map((c) => ({
          workflowId: c.attrs.workflowId,
          runId: c.runId,
          workflowTypeName: c.attrs.workflowType?.name,
          initiatedId: long(c.initiatedEventId),
          parentClosePolicy: c.attrs.parentClosePolicy,
        })),
        pendingWorkflowTask:
          exec.wft && !exec.wft.speculative
            ? {
                state: exec.wft.startedEventId
                  ? enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
                  : enums.v1.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
                scheduledTime: timestamp(exec.wft.scheduledTime),
                startedTime: exec.wft.startedTime ? timestamp(exec.wft.startedTime) : undefined,
                attempt: exec.wft.attempt,
              }
            : undefined,
      };
    },
    UpdateWorkflowExecution: async (req: RequestOf<'UpdateWorkflowExecutionRequest'>, call) => {
      const ns = namespaces.get(req.namespace).name;
      if (!req.request) throw invalidArgument('Update request is not set.');
      const request = req.request;
      return awaitUpdate(
        () => {
          const exec = engine.getRun(ns, req.workflowExecution?.workflowId ?? '', req.workflowExecution?.runId);
          if (req.firstExecutionRunId && exec.firstRunId !== req.firstExecutionRunId) throw notFound('workflow execution not found for the given first run id');
          return { exec, update: engine.admitUpdate(exec, request) };
        },
        req.waitPolicy?.lifecycleStage,
        pollBudget(call, 20_000),
      );
    },
    PollWorkflowExecutionUpdate: async (req: RequestOf<'PollWorkflowExecutionUpdateRequest'>, call) => {
      const ref = req.updateRef;
      const ns = namespaces.get(req.namespace).name;
      return awaitUpdate(
        () => {
          const exec = engine.getRun(ns, ref?.workflowExecution?.workflowId ?? '', ref?.workflowExecution?.runId);
          const update = exec.updates.get(ref?.updateId ?? '');
          if (!update) throw notFound(exec.running ? `update ${ref?.updateId} not found` : 'workflow execution already completed');
          return { exec, update };
        },
        req.waitPolicy?.lifecycleStage,
        pollBudget(call, 20_000),
      );
    },

    ListWorkflowExecutions: (req: RequestOf<'ListWorkflowExecutionsRequest'>) => list(req),
    ScanWorkflowExecutions: (req: RequestOf<'ScanWorkflowExecutionsRequest'>) => list(req),
    CountWorkflowExecutions: (req: RequestOf<'CountWorkflowExecutionsRequest'>) => {
      const ns = namespaces.get(req.namespace);
      return countExecutions(engine.executions(ns.name), ns, req.query);
    },
    GetSearchAttributes: () => ({
      keys: Object.fromEntries(
        [...systemAttributes, ...namespaces.get('default').customAttributes].map(([name, kind]) => [name, indexedTypeFromKind(kind)]),
      ),
    }),
  };

  function list(req: { namespace: string; pageSize: number; nextPageToken?: Uint8Array | null; query: string }) {
    const ns = namespaces.get(req.namespace);
    const all = listExecutions(engine.executions(ns.name), ns, req.query);
    const from = readPageToken<{ from: number }>(req.nextPageToken)?.from ?? 0;
    const size = req.pageSize > 0 ? req.pageSize : 1000;
    const page = all.slice(from, from + size);
    return {
      executions: page.map(executionInfo),
      nextPageToken: from + page.length < all.length ? pageToken({ from: from + page.length }) : undefined,
    };
  }

  const operator: Record<string, Handler> = {
    AddSearchAttributes: (req: Req<proto.temporal.api.operatorservice.v1.AddSearchAttributesRequest>) => {
      const ns = req.namespace || 'default';
      for (const [name, type] of Object.entries(req.searchAttributes ?? {})) {
        const kind = kindFromIndexedType(type);
        if (!kind) throw invalidArgument(`Unknown search attribute type ${type} for ${name}.`);
        namespaces.addAttribute(ns, name, kind);
      }
      return {};
    },
    RemoveSearchAttributes: (req: Req<proto.temporal.api.operatorservice.v1.RemoveSearchAttributesRequest>) => {
      for (const name of req.searchAttributes ?? []) namespaces.removeAttribute(req.namespace || 'default', name);
      return {};
    },
    ListSearchAttributes: (req: Req<proto.temporal.api.operatorservice.v1.ListSearchAttributesRequest>) => {
      const ns = namespaces.get(req.namespace || 'default');
      return {
        customAttributes: Object.fromEntries([...ns.customAttributes].map(([n, k]) => [n, indexedTypeFromKind(k)])),
        systemAttributes: Object.fromEntries([...systemAttributes].map(([n, k]) => [n, indexedTypeFromKind(k)])),
        storageSchema: {},
      };
    },
  };

  const test: Record<string, Handler> = {
    LockTimeSkipping: () => {
      clock.lockSkipping();
      return {};
    },
    UnlockTimeSkipping: () => {
      try {
        clock.unlockSkipping();
      } catch (err) {
        throw new ServiceError(grpc.status.FAILED_PRECONDITION, (err as Error).message);
      }
      return {};
    },
    Sleep: async (req: Req<proto.temporal.api.testservice.v1.SleepRequest>) => {
      await new Promise<void>((resolve) => clock.after(durationMs(req.duration), resolve));
      return {};
    },
    SleepUntil: async (req: Req<proto.temporal.api.testservice.v1.SleepUntilRequest>) => {
      await new Promise<void>((resolve) => clock.at(timestampMs(req.timestamp), resolve));
      return {};
    },
    UnlockTimeSkippingWithSleep: async (req: Req<proto.temporal.api.testservice.v1.SleepRequest>) => {
      const done = new Promise<void>((resolve) => clock.after(durationMs(req.duration), resolve));
      clock.unlockSkipping();
      try {
        await done;
      } finally {
        clock.lockSkipping();
      }
      return {};
    },
    GetCurrentTime: () => ({ time: timestamp(clock.now()) }),
  };

  return { workflow, operator, test };
}

const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';
const OPERATOR_SERVICE = 'temporal.api.operatorservice.v1.OperatorService';
const TEST_SERVICE = 'temporal.api.testservice.v1.TestService';

function toStatus(err: unknown, log: (msg: string) => void): Partial<grpc.StatusObject> {
  if (err instanceof ServiceError) {
    const metadata = new grpc.Metadata();
    if (err.details) {
      metadata.set(
        'grpc-status-details-bin',
        Buffer.from(
          encodeMessage('google.rpc.Status', {
            code: err.code,
            message: err.message,
            details: [{ type_url: `type.googleapis.com/${err.details.typeName}`, value: encodeMessage(err.details.typeName, err.details.value) }],
          }),
        ),
      );
    }
    return { code: err.code, details: err.message, metadata };
  }
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  return { code: grpc.status.INTERNAL, details: (err as Error)?.message ?? 'internal error' };
}

/** Adds the three services to a grpc-js server; methods without a handler answer UNIMPLEMENTED. */
export function addServices(server: grpc.Server, services: Services, log: (msg: string) => void): void {
  const wire = (serviceName: string, handlers: Record<string, Handler>) => {
    const impl: grpc.UntypedServiceImplementation = {};
    for (const name of methodNames(serviceName)) {
      const handler = handlers[name];
      if (!handler) continue;
      impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        Promise.resolve()
          .then(() => handler(call.request, call))
          .then(
            (res) => callback(null, res ?? {}),
            (err) => callback(toStatus(err, log) as grpc.ServiceError),
          );
      };
    }
    server.addService(serviceDefinition(serviceName), impl);
  };
  wire(WORKFLOW_SERVICE, services.workflow);
  wire(OPERATOR_SERVICE, services.operator);
  wire(TEST_SERVICE, services.test);
}
