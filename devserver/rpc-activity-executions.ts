import { long } from './proto';
import { invalidArgument } from './errors';
import { decodeAttribute } from './search-attributes';
import { VisibilityQueryError, compileVisibilityQuery, type RecordValue, type SearchAttributeKind } from './visibility-query';
import { executionInfoOf, outcomeOf, statusName, type StandaloneActivity } from './standalone-activity';
import { inOrder } from './visibility';
import { pageToken, pollBudget, readPageToken, type Handlers, type RequestOf } from './rpc-common';
import type { NamespaceState } from './namespaces';
import type { Engine } from './engine';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Long polls end this long before the caller's deadline, with an empty answer (the real server's buffer). */
const LONG_POLL_MS = 60_000;

/** The attributes a query over standalone activities may name, besides the namespace's own. */
const ACTIVITY_ATTRIBUTES: ReadonlyArray<[string, SearchAttributeKind]> = [
  ['ActivityId', 'Keyword'],
  ['ActivityType', 'Keyword'],
  ['RunId', 'Keyword'],
  ['ExecutionStatus', 'Keyword'],
  ['TaskQueue', 'Keyword'],
  ['StartTime', 'Datetime'],
  ['ExecutionTime', 'Datetime'],
  ['CloseTime', 'Datetime'],
  ['ExecutionDuration', 'Int'],
];

/** WorkflowService: standalone activities (start, describe, wait for the outcome, cancel, terminate, delete, list, count). One short entry per RPC. */
export function activityExecutionHandlers(engine: Engine): Handlers {
  const { namespaces, standaloneActivities: activities } = engine;
  const nsOf = (name: string) => namespaces.get(name).name;
  const named = (req: { namespace: string; activityId?: string | null; runId?: string | null }) => {
    if (req.runId && !UUID.test(req.runId)) throw invalidArgument('invalid run id: must be a valid UUID');
    return activities.get(nsOf(req.namespace), req.activityId, req.runId);
  };

  function matching(ns: NamespaceState, query: string): StandaloneActivity[] {
    let compiled;
    try {
      compiled = compileVisibilityQuery(query, new Map([...ACTIVITY_ATTRIBUTES, ...ns.customAttributes]));
    } catch (err) {
      if (err instanceof VisibilityQueryError) throw invalidArgument(err.message);
      throw err;
    }
    const rows = activities
      .all(ns.name)
      .map((rec) => ({ item: rec, read: reader(rec, ns) }))
      .filter((r) => compiled.matches(r.read));
    // Newest first unless the query orders them.
    return inOrder(rows, compiled.orderBy.length ? compiled.orderBy : [{ name: 'StartTime', descending: true }], (rec) => rec.runId);
  }

  return {
    StartActivityExecution: (req: RequestOf<'StartActivityExecutionRequest'>) => {
      const ns = nsOf(req.namespace);
      const { runId, started } = activities.start(ns, req);
      return { runId, started, link: { activity: { namespace: ns, activityId: req.activityId, runId } } };
    },
    DescribeActivityExecution: async (req: RequestOf<'DescribeActivityExecutionRequest'>, call) => {
      const rec = named(req);
      if (req.longPollToken?.length) {
        if (!req.runId) throw invalidArgument('run id is required when long poll token is provided');
        const seen = Number(Buffer.from(req.longPollToken).toString('utf8'));
        if (!Number.isInteger(seen)) throw invalidArgument('invalid long poll token');
        // Nothing changed before the caller's deadline: an empty answer, as the real server gives.
        if (!(await activities.waitFor(rec, pollBudget(call, LONG_POLL_MS), () => rec.transitions !== seen))) return {};
      }
      return {
        runId: rec.runId,
        info: executionInfoOf(rec, engine.clock.now(), { heartbeatDetails: req.includeHeartbeatDetails, lastFailure: req.includeLastFailure }),
        input: req.includeInput ? rec.input : undefined,
        outcome: req.includeOutcome ? outcomeOf(rec) : undefined,
        longPollToken: Buffer.from(String(rec.transitions)),
      };
    },
    PollActivityExecution: (req: RequestOf<'PollActivityExecutionRequest'>, call) => activities.outcome(named(req), pollBudget(call, LONG_POLL_MS)),
    RequestCancelActivityExecution: (req: RequestOf<'RequestCancelActivityExecutionRequest'>) => {
      activities.requestCancel(named(req), req);
      return {};
    },
    TerminateActivityExecution: (req: RequestOf<'TerminateActivityExecutionRequest'>) => {
      activities.terminate(named(req), req);
      return {};
    },
    DeleteActivityExecution: (req: RequestOf<'DeleteActivityExecutionRequest'>) => {
      activities.delete(named(req));
      return {};
    },
    ListActivityExecutions: (req: RequestOf<'ListActivityExecutionsRequest'>) => {
      const all = matching(namespaces.get(req.namespace), req.query ?? '');
      const from = readPageToken<{ from: number }>(req.nextPageToken)?.from ?? 0;
      const size = req.pageSize > 0 ? req.pageSize : 1000;
      const page = all.slice(from, from + size);
      return {
        executions: page.map((rec) => {
          const info = executionInfoOf(rec, engine.clock.now());
          return {
            activityId: info.activityId,
            runId: info.runId,
            activityType: info.activityType,
            scheduleTime: info.scheduleTime,
            closeTime: info.closeTime,
            status: info.status,
            searchAttributes: info.searchAttributes,
            taskQueue: info.taskQueue,
            stateTransitionCount: info.stateTransitionCount,
            executionDuration: info.executionDuration,
            executionTime: info.executionTime,
          };
        }),
        nextPageToken: from + page.length < all.length ? pageToken({ from: from + page.length }) : undefined,
      };
    },
    CountActivityExecutions: (req: RequestOf<'CountActivityExecutionsRequest'>) => ({ count: long(matching(namespaces.get(req.namespace), req.query ?? '').length) }),
  };
}

function reader(rec: StandaloneActivity, ns: NamespaceState): (name: string) => RecordValue {
  return (name) => {
    switch (name) {
      case 'ActivityId':
        return rec.activityId;
      case 'ActivityType':
        return rec.activityType;
      case 'RunId':
        return rec.runId;
      case 'ExecutionStatus':
        return statusName(rec.status);
      case 'TaskQueue':
        return rec.taskQueue;
      case 'StartTime':
        return rec.scheduleTime;
      case 'ExecutionTime':
        return rec.scheduleTime + rec.startDelayMs;
      case 'CloseTime':
        return rec.closeTime;
      case 'ExecutionDuration':
        return rec.closeTime === undefined ? undefined : (rec.closeTime - rec.scheduleTime) * 1e6;
    }
    const kind = ns.customAttributes.get(name);
    const payload = rec.searchAttributes[name];
    return kind && payload ? decodeAttribute(kind, payload) : undefined;
  };
}
