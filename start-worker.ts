// Production entry point: the worker alone (scale it out by running more). Needs a real Temporal
// cluster (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL or per-instance URLs).
import { settingsFromEnv } from './config/settings';
import { buildService, serviceOptionsFrom } from './app/service';
import { requireSharedInfrastructure } from './app/production';
import { onShutdown } from './app/shutdown';

async function main() {
  const settings = settingsFromEnv();
  requireSharedInfrastructure(settings);
  const service = await buildService({ ...serviceOptionsFrom(settings, console.log), api: undefined });
  onShutdown({ delay: 30_000, say: (m) => console.log(`[service-exchange] worker: ${m}`) }, () => service.close());
  console.log(`[service-exchange] worker polling ${settings.taskQueue} on ${service.temporal.address}`);
}

main().catch((err: Error) => {
  console.error(`[service-exchange] worker could not start: ${err.message}`);
  process.exit(1);
});
