import type { Client } from '@temporalio/client';
import { readWriteBacklog } from '../services/write-backlog';
import type { SyncStatus } from './schemas';

/** Whether both sides have every accepted change, as a task's answer shows it: the oldest pending change of either side. */
export async function syncStatus(temporal: Client, workflowId: string): Promise<SyncStatus> {
  const { oldestPendingAt, ...backlog } = await readWriteBacklog(temporal, workflowId);
  const oldest = [oldestPendingAt.consumer, oldestPendingAt.provider].filter((x): x is string => !!x).sort()[0] ?? null;
  return { ...backlog, oldestPendingAt: oldest };
}
