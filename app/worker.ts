import { DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index';
import type { InstanceDatabases } from '../db/instances';
import { workflowBundlePath } from './workflow-bundle';

/** The worker that runs exchange workflows and their activities, on the given bundle or the cached one (app/workflow-bundle.ts). */
export async function createServiceWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  instances: InstanceDatabases;
  workflowBundle?: string;
  maxCachedWorkflows?: number;
}) {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // By path when it is the cached one: the worker keeps its options for its life, and a 3.7 MB
    // string in them besides the workflow thread's own copy.
    workflowBundle: opts.workflowBundle ? { code: opts.workflowBundle } : { codePath: await workflowBundlePath() },
    activities: createActivities(opts.instances),
  });
}

/** Worker logs follow LOG_LEVEL, but never below WARN unless asked: bundling at INFO is noise for operators. */
export function installWorkerRuntime(logLevel: string): void {
  const level: LogLevel = logLevel === 'trace' ? 'TRACE' : logLevel === 'debug' ? 'DEBUG' : logLevel === 'error' || logLevel === 'fatal' ? 'ERROR' : 'WARN';
  // The process owns its signals (close-with-grace) and shuts the worker down in order itself.
  Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
}
