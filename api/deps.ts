import type { Client } from '@temporalio/client';
import type { InstanceDatabases } from '../db/instances';

/** What the routes need from the outside world. */
export interface ApiDeps {
  instances: InstanceDatabases;
  temporal: Client;
  /** The task queue the exchange worker polls. */
  taskQueue: string;
  /** Bearer token for the /ops routes (OPS_TOKEN); without it those routes answer 403 to everyone. */
  opsToken?: string;
  /** How long an action waits for the workflow's decision before answering 503 (ACTION_TIMEOUT_SECONDS). */
  actionTimeoutMs?: number;
}
