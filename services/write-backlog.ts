import type { Client } from '@temporalio/client';
import { snapshotQuery } from '../workflows/definitions';

/** A request's writes not yet on each side, as only its workflow knows them (its write queues). */
export interface WriteBacklog {
  status: 'in_sync' | 'pending' | 'failing' | 'unknown';
  pending: { consumer: number; provider: number } | null;
  oldestPendingAt: { consumer: string | null; provider: string | null };
  /** The last error of a write Temporal is retrying (only when failing), or why the backlog could not be read. */
  lastError: string | null;
}

const NONE = { consumer: null, provider: null };

/**
 * Reads the workflow's write queues and the last error of a write Temporal is retrying. Closed
 * requests are in sync: their workflow ends only after its queues are empty.
 */
export async function readWriteBacklog(temporal: Client, workflowId: string): Promise<WriteBacklog> {
  const handle = temporal.workflow.getHandle(workflowId);
  try {
    return await temporal.withDeadline(Date.now() + 3000, async () => {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return { status: 'in_sync', pending: { consumer: 0, provider: 0 }, oldestPendingAt: NONE, lastError: null };
      const snapshot = await handle.query(snapshotQuery);
      const pending = snapshot.pending;
      const retrying = (description.raw.pendingActivities ?? []).find((a) => (a.attempt ?? 1) > 1 && a.lastFailure);
      const status = pending.consumer + pending.provider === 0 ? 'in_sync' : retrying ? 'failing' : 'pending';
      return { status, pending, oldestPendingAt: snapshot.oldestPendingAt, lastError: status === 'failing' ? (retrying?.lastFailure?.message ?? null) : null };
    });
  } catch (err) {
    return { status: 'unknown', pending: null, oldestPendingAt: NONE, lastError: `sync status unavailable: ${(err as Error).message}` };
  }
}
