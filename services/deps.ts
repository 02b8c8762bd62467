import type { Client } from '@temporalio/client';
import type { InstanceDatabases } from '../db/instances';

/** What the use cases need from the outside world. */
export interface ServiceDeps {
  instances: InstanceDatabases;
  temporal: Client;
  /** The task queue the exchange worker polls. */
  taskQueue: string;
  /** How long an action waits for the workflow's decision before answering 503 (ACTION_TIMEOUT_SECONDS). */
  actionTimeoutMs?: number;
}
