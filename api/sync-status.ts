import type { Client } from '@temporalio/client';
import { snapshotQuery } from '../workflows/definitions';
import type { SyncStatus } from './schemas';

/**
 * Whether both sides have every accepted change: a live fact only the workflow knows (its write
 * queues), plus the last error of a write Temporal is retrying. Closed requests are in sync: their
 * workflow ends only after its queues are empty.
 */
export async function syncStatus(temporal: Client, workflowId: string): Promise<SyncStatus> {
  const handle = temporal.workflow.getHandle(workflowId);
  try {
    return await temporal.withDeadline(Date.now() + 3000, async () => {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return { status: 'in_sync', pending: { consumer: 0, provider: 0 }, oldestPendingAt: null, lastError: null };
      const snapshot = await handle.query(snapshotQuery);
      const pending = snapshot.pending;
      const oldest = [snapshot.oldestPendingAt.consumer, snapshot.oldestPendingAt.provider].filter((x): x is string => !!x).sort()[0] ?? null;
      const retrying = (description.raw.pendingActivities ?? []).find((a) => (a.attempt ?? 1) > 1 && a.lastFailure);
      const status = pending.consumer + pending.provider === 0 ? 'in_sync' : retrying ? 'failing' : 'pending';
      return { status, pending, oldestPendingAt: oldest, lastError: status === 'failing' ? (retrying?.lastFailure?.message ?? null) : null };
    });
  } catch (err) {
    return { status: 'unknown', pending: null, oldestPendingAt: null, lastError: `sync status unavailable: ${(err as Error).message}` };
  }
}
