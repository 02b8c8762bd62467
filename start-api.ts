// Production entry point: the HTTP API alone (stateless; run as many as you like). Needs a real
// Temporal cluster (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL or per-instance URLs).
import { settingsFromEnv } from './config/settings';
import { connectTemporal } from './app/temporal';
import { requireSharedInfrastructure } from './app/production';
import { InstanceDatabases } from './db/instances';
import { onShutdown } from './app/shutdown';
import { buildApp } from './api/app';

async function main() {
  const settings = settingsFromEnv();
  requireSharedInfrastructure(settings);
  const temporal = await connectTemporal(settings, console.log);
  const instances = await InstanceDatabases.open(settings.instances, { databaseUrl: settings.databaseUrl });
  const app = await buildApp({ instances, temporal: temporal.client, taskQueue: settings.taskQueue, opsToken: settings.opsToken, actionTimeoutMs: settings.actionTimeoutSeconds * 1000 }, {
    logger: { level: settings.logLevel },
    rateLimitPerMinute: settings.rateLimitPerMinute,
    idempotencyTakeoverMs: settings.idempotencyTakeoverSeconds * 1000,
  });
  onShutdown({ delay: 15_000, say: (m) => console.log(`[service-exchange] API: ${m}`) }, async () => {
    await app.close();
    await instances.close();
    await temporal.close();
  });
  // Listening only once a signal shuts it down gracefully.
  await app.listen({ port: settings.port, host: settings.host });
}

main().catch((err: Error) => {
  console.error(`[service-exchange] API could not start: ${err.message}`);
  process.exit(1);
});
