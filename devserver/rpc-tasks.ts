import { api, timestamp } from './proto';
import { invalidArgument } from './errors';
import { decodeToken } from './task-token';
import { queueKey } from './matching';
import { pollBudget, runOf, type Handlers, type RequestOf } from './rpc-common';
import type { ActivityState, Execution } from './execution';
import type { Engine } from './engine';
import type { StandaloneActivity } from './standalone-activity';

const { enums } = api;

/** WorkflowService: what workers call (task polling, task responses, sticky queues, activity heartbeats, Nexus tasks), and who polls a queue. One short entry per RPC. */
export function taskHandlers(engine: Engine): Handlers {
  const namespaces = engine.namespaces;
  type ById = { namespace?: string | null; workflowId?: string | null; runId?: string | null; activityId?: string | null };
  type Target = { exec: Execution; act: ActivityState; standalone?: undefined } | { standalone: StandaloneActivity };
  /**
   * An activity RPC and its ...ById twin: the same answer, the activity named by task token or by
   * workflow and activity id. A standalone activity's token says so; by id, it is the one with no
   * workflow id. Only a completion may name a standalone activity no worker has started.
   */
  const byTokenOrId = <R>(name: string, answer: (target: Target, req: R) => unknown): Handlers => ({
    [name]: (req: R & { taskToken?: Uint8Array | null }) => {
      const token = decodeToken(req.taskToken);
      return answer(token.kind === 'sa' ? { standalone: engine.standaloneActivities.byToken(token) } : engine.activityByToken(token), req);
    },
    [`${name}ById`]: (req: R & ById) => {
      const ns = namespaces.get(req.namespace).name;
      const target: Target = req.workflowId
        ? engine.activityById(ns, req.workflowId, req.runId, req.activityId ?? '')
        : { standalone: engine.standaloneActivities.byId(ns, req.activityId ?? '', req.runId, name === 'RespondActivityTaskCompleted') };
      return answer(target, req);
    },
  });
  const standalone = engine.standaloneActivities;

  return {
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
      engine.resetSticky(runOf(engine, req.namespace, req.execution));
      return {};
    },
    ShutdownWorker: (req: RequestOf<'ShutdownWorkerRequest'>) => {
      if (req.stickyTaskQueue) engine.dropStickyQueue(namespaces.get(req.namespace).name, req.stickyTaskQueue);
      return {};
    },

    DescribeTaskQueue: (req: RequestOf<'DescribeTaskQueueRequest'>) => {
      const ns = namespaces.get(req.namespace).name;
      if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      const activities = req.taskQueueType === enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
      const pollers = (activities ? engine.activityTasks : engine.workflowTasks).recentPollers(queueKey(ns, req.taskQueue.name));
      return { pollers: pollers.map((p) => ({ identity: p.identity, lastAccessTime: timestamp(p.lastAccessTime) })) };
    },

    // No task queue here has versioning rules or build-id sets (the writes that would add them are
    // refused): the reads answer that, as the Temporal UI's task queue page asks for both.
    GetWorkerVersioningRules: (req: RequestOf<'GetWorkerVersioningRulesRequest'>) => {
      namespaces.get(req.namespace);
      if (!req.taskQueue) throw invalidArgument('TaskQueue is not set on request.');
      return { assignmentRules: [], compatibleRedirectRules: [] };
    },
    GetWorkerBuildIdCompatibility: (req: RequestOf<'GetWorkerBuildIdCompatibilityRequest'>) => {
      namespaces.get(req.namespace);
      if (!req.taskQueue) throw invalidArgument('TaskQueue is not set on request.');
      return { majorVersionSets: [] };
    },

    PollActivityTaskQueue: async (req: RequestOf<'PollActivityTaskQueueRequest'>, call) => {
      const ns = namespaces.get(req.namespace).name;
      if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      // A worker's maxTaskQueueActivitiesPerSecond: the queue's dispatch rate, for every worker polling it.
      const rate = req.taskQueueMetadata?.maxTasksPerSecond?.value ?? undefined;
      const task = await engine.activityTasks.poll(queueKey(ns, req.taskQueue.name), { identity: req.identity }, pollBudget(call, 60_000), () => !call.cancelled, rate);
      return task ?? {};
    },
    PollNexusTaskQueue: async (req: RequestOf<'PollNexusTaskQueueRequest'>, call) => {
      const ns = namespaces.get(req.namespace).name;
      if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      const task = await engine.nexusTasks.poll(queueKey(ns, req.taskQueue.name), { identity: req.identity }, pollBudget(call, 60_000), () => !call.cancelled);
      return task ?? {};
    },
    RespondNexusTaskCompleted: (req: RequestOf<'RespondNexusTaskCompletedRequest'>) => {
      engine.nexus.respondCompleted(decodeToken(req.taskToken), req.response);
      return {};
    },
    RespondNexusTaskFailed: (req: RequestOf<'RespondNexusTaskFailedRequest'>) => {
      engine.nexus.respondFailed(decodeToken(req.taskToken), req.failure, req.error);
      return {};
    },

    ...byTokenOrId('RecordActivityTaskHeartbeat', (t, req: RequestOf<'RecordActivityTaskHeartbeatRequest'>) =>
      t.standalone ? standalone.heartbeat(t.standalone, req.details) : engine.heartbeat(t.exec, t.act, req.details),
    ),
    ...byTokenOrId('RespondActivityTaskCompleted', (t, req: RequestOf<'RespondActivityTaskCompletedRequest'>) => {
      if (t.standalone) standalone.complete(t.standalone, req.result, req.identity);
      else engine.completeActivity(t.exec, t.act, req.result, req.identity);
      return {};
    }),
    ...byTokenOrId('RespondActivityTaskFailed', (t, req: RequestOf<'RespondActivityTaskFailedRequest'>) => {
      if (t.standalone) standalone.fail(t.standalone, req.failure, req.identity, req.lastHeartbeatDetails);
      else engine.failActivity(t.exec, t.act, req.failure, req.identity, req.lastHeartbeatDetails);
      return {};
    }),
    ...byTokenOrId('RespondActivityTaskCanceled', (t, req: RequestOf<'RespondActivityTaskCanceledRequest'>) => {
      if (t.standalone) standalone.canceled(t.standalone, req.details, req.identity);
      else engine.cancelActivity(t.exec, t.act, req.details, req.identity);
      return {};
    }),
  };
}
