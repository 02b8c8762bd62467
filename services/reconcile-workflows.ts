// How reconciliation reads a request's workflow: its status, and the snapshot of what it decided.
import { WorkflowClient, WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { snapshotQuery, type ExchangeSnapshot } from '../workflows/definitions';
import type { WorkflowStatus } from '../domain/drift';

export interface WorkflowRead {
  status: WorkflowStatus;
  snapshot: ExchangeSnapshot | null;
  /** It exists but could not be read (no worker answered the query, or querying was turned off). */
  unavailable: boolean;
}

/**
 * Reads a workflow's snapshot: a completed one's result (no worker needed), otherwise a query, each
 * within `queryTimeoutMs`. With `queryRunning` false a running workflow is not queried (no worker can
 * answer, e.g. a dev server this process started).
 */
export function workflowReader(temporal: Client, { queryTimeoutMs, queryRunning }: { queryTimeoutMs: number; queryRunning: boolean }): (workflowId: string) => Promise<WorkflowRead> {
  // A plain workflow client: reading a completed workflow's result must not let a testing client's
  // time-skipping clock jump ahead.
  const workflows = new WorkflowClient({ connection: temporal.connection, namespace: temporal.options.namespace, dataConverter: temporal.options.dataConverter });
  const within = <T>(fn: () => Promise<T>) => temporal.withDeadline(Date.now() + queryTimeoutMs, fn);
  return async (workflowId) => {
    const handle = workflows.getHandle(workflowId);
    let statusName: string;
    try {
      statusName = (await within(() => handle.describe())).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5)) return { status: 'missing', snapshot: null, unavailable: false };
      throw err;
    }
    const status: WorkflowStatus = statusName === 'RUNNING' || statusName === 'PAUSED' ? 'running' : 'closed';
    if (statusName === 'COMPLETED') {
      try {
        return { status, snapshot: await within(() => handle.result()), unavailable: false };
      } catch {
        // fall through to the query
      }
    }
    if (status === 'running' && !queryRunning) return { status, snapshot: null, unavailable: true };
    try {
      return { status, snapshot: await within(() => handle.query(snapshotQuery)), unavailable: false };
    } catch {
      return { status, snapshot: null, unavailable: true };
    }
  };
}
