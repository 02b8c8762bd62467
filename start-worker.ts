// Production entry point: the worker alone (scale it out by running more). Needs a real Temporal
// cluster (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL or per-instance URLs).
import { settingsFromEnv } from './config/settings';
import { connectTemporal } from './app/temporal';
import { createServiceWorker, installWorkerRuntime } from './app/worker';
import { requireSharedInfrastructure } from './app/production';
import { InstanceDatabases } from './db/instances';
import { onShutdown } from './app/shutdown';

async function main() {
  const settings = settingsFromEnv();
  requireSharedInfrastructure(settings);
  installWorkerRuntime(settings.logLevel);
  const temporal = await connectTemporal(settings, console.log);
  const instances = await InstanceDatabases.open(settings.instances, { databaseUrl: settings.databaseUrl });
  const worker = await createServiceWorker({ connection: temporal.native, namespace: settings.temporal.namespace, taskQueue: settings.taskQueue, instances, maxCachedWorkflows: settings.maxCachedWorkflows });
  const done = worker.run();
  onShutdown({ delay: 30_000, say: (m) => console.log(`[service-exchange] worker: ${m}`) }, async () => {
    worker.shutdown();
    await done;
    await instances.close();
    await temporal.close();
  });
  console.log(`[service-exchange] worker polling ${settings.taskQueue} on ${temporal.address}`);
}

main().catch((err: Error) => {
  console.error(`[service-exchange] worker could not start: ${err.message}`);
  process.exit(1);
});
