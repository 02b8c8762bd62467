import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index';
import type { InstanceDatabases } from '../db/instances';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The worker that runs exchange workflows and their activities. Pass a prebuilt bundle to skip bundling (tests). */
export function createServiceWorker(opts: { connection: NativeConnection; namespace: string; taskQueue: string; instances: InstanceDatabases; workflowBundle?: string }) {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: { code: opts.workflowBundle } } : { workflowsPath }),
    activities: createActivities(opts.instances),
  });
}
