import type { Client } from '@temporalio/client';
import type { InstanceDatabases } from '../db/instances';

/** What the routes need from the outside world. */
export interface ApiDeps {
  instances: InstanceDatabases;
  temporal: Client;
  /** The task queue the exchange worker polls. */
  taskQueue: string;
}
