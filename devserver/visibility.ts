import { WorkflowExecutionStatus, long, msDuration, timestamp, type proto } from './proto';
import { invalidArgument } from './errors';
import { decodeAttribute, systemAttributes } from './search-attributes';
import { VisibilityQueryError, compileVisibilityQuery, type CompiledQuery, type RecordValue } from './visibility-query';
import type { Execution } from './execution';
import type { NamespaceState } from './namespaces';

type ExecutionInfo = proto.temporal.api.workflow.v1.IWorkflowExecutionInfo;

const statusNames: Record<number, string> = {
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'Running',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'Completed',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED]: 'Failed',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'Canceled',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'Terminated',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'ContinuedAsNew',
  [WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'TimedOut',
};

export function executionInfo(exec: Execution): ExecutionInfo {
  const s = exec.started;
  return {
    execution: { workflowId: exec.workflowId, runId: exec.runId },
    type: { name: exec.workflowType },
    startTime: timestamp(exec.startTime),
    closeTime: exec.running ? undefined : timestamp(exec.closeTime),
    executionDuration: exec.running ? undefined : msDuration(Math.max(0, exec.closeTime - exec.executionTime)),
    status: exec.status,
    historyLength: long(exec.history.length),
    historySizeBytes: long(exec.historySizeBytes),
    executionTime: timestamp(exec.executionTime),
    memo: { fields: exec.memo },
    searchAttributes: { indexedFields: exec.searchAttributes },
    taskQueue: exec.taskQueue,
    parentExecution: s.parentWorkflowExecution?.workflowId ? s.parentWorkflowExecution : undefined,
    rootExecution: s.rootWorkflowExecution,
    firstRunId: exec.firstRunId,
  };
}

function attributeReader(exec: Execution, ns: NamespaceState): (name: string) => RecordValue {
  return (name) => {
    switch (name) {
      case 'WorkflowId':
        return exec.workflowId;
      case 'RunId':
        return exec.runId;
      case 'WorkflowType':
        return exec.workflowType;
      case 'ExecutionStatus':
        return statusNames[exec.status];
      case 'TaskQueue':
        return exec.taskQueue;
      case 'StartTime':
        return exec.startTime;
      case 'CloseTime':
        return exec.running ? undefined : exec.closeTime;
      case 'ExecutionTime':
        return exec.executionTime;
      case 'ExecutionDuration':
        return exec.running ? undefined : (exec.closeTime - exec.executionTime) * 1e6;
      case 'HistoryLength':
        return exec.history.length;
      case 'ParentWorkflowId':
        return exec.started.parentWorkflowExecution?.workflowId || undefined;
      case 'ParentRunId':
        return exec.started.parentWorkflowExecution?.runId || undefined;
      case 'RootWorkflowId':
        return exec.started.rootWorkflowExecution?.workflowId || undefined;
      case 'RootRunId':
        return exec.started.rootWorkflowExecution?.runId || undefined;
    }
    const kind = ns.customAttributes.get(name) ?? systemAttributes.get(name);
    const payload = exec.searchAttributes[name];
    return kind && payload ? decodeAttribute(kind, payload) : undefined;
  };
}

function compile(query: string, ns: NamespaceState) {
  try {
    return compileVisibilityQuery(query, new Map([...systemAttributes, ...ns.customAttributes]));
  } catch (err) {
    if (err instanceof VisibilityQueryError) throw invalidArgument(err.message);
    throw err;
  }
}

function compareValues(a: RecordValue, b: RecordValue): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * Executions matching a visibility query. Without ORDER BY they come in Temporal's default order (SQL and
 * Elasticsearch visibility alike): open ones first, then by close time and start time, newest first.
 */
// `GROUP BY ExecutionStatus`, alone (as the Temporal UI counts) or after a filter.
const GROUP_BY_STATUS = /(^|\s+)group\s+by\s+ExecutionStatus\s*$/i;

export function listExecutions(all: Iterable<Execution>, ns: NamespaceState, query: string): Execution[] {
  const compiled = compile(query.replace(GROUP_BY_STATUS, ''), ns);
  const rows = [...all].map((exec) => ({ item: exec, read: attributeReader(exec, ns) })).filter((r) => compiled.matches(r.read));
  // A descending key sorts missing values (an open execution's CloseTime) first.
  const byDefault = [
    { name: 'CloseTime', descending: true },
    { name: 'StartTime', descending: true },
  ];
  return inOrder(rows, compiled.orderBy.length ? compiled.orderBy : byDefault, (exec) => exec.runId);
}

/** Records sorted by `order` (a query's ORDER BY, or a default), ties broken by `id`. */
export function inOrder<T>(rows: Array<{ item: T; read: (name: string) => RecordValue }>, order: CompiledQuery['orderBy'], id: (item: T) => string): T[] {
  rows.sort((x, y) => {
    for (const { name, descending } of order) {
      const c = compareValues(x.read(name), y.read(name));
      if (c !== 0) return descending ? -c : c;
    }
    return id(x.item) < id(y.item) ? -1 : 1;
  });
  return rows.map((r) => r.item);
}

export function countExecutions(all: Iterable<Execution>, ns: NamespaceState, query: string): proto.temporal.api.workflowservice.v1.ICountWorkflowExecutionsResponse {
  const matched = listExecutions(all, ns, query);
  if (!GROUP_BY_STATUS.test(query)) return { count: long(matched.length) };
  const groups = new Map<string, number>();
  for (const exec of matched) groups.set(statusNames[exec.status], (groups.get(statusNames[exec.status]) ?? 0) + 1);
  return {
    count: long(matched.length),
    groups: [...groups].map(([status, count]) => ({
      groupValues: [{ metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('Keyword') }, data: Buffer.from(JSON.stringify(status)) }],
      count: long(count),
    })),
  };
}
