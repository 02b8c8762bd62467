// Production entry point: the HTTP API alone (stateless; run as many as you like). Needs a real
// Temporal cluster (TEMPORAL_ADDRESS) and PostgreSQL (DATABASE_URL or per-instance URLs).
import { settingsFromEnv } from './config/settings';
import { buildService, serviceOptionsFrom } from './app/service';
import { requireSharedInfrastructure } from './app/production';
import { onShutdown } from './app/shutdown';
import { ensureWebBuild } from './app/web-build';

async function main() {
  const settings = settingsFromEnv();
  requireSharedInfrastructure(settings);
  // Serves the web app too: built here when its sources changed (in production, build it once in the image).
  await ensureWebBuild({ say: (m) => console.log(`[service-exchange] API: ${m}`) });
  const service = await buildService({ ...serviceOptionsFrom(settings, console.log), worker: undefined });
  onShutdown({ delay: 15_000, say: (m) => console.log(`[service-exchange] API: ${m}`) }, () => service.close());
  // Listening only once a signal shuts it down gracefully.
  await service.app!.listen({ port: settings.port, host: settings.host });
}

main().catch((err: Error) => {
  console.error(`[service-exchange] API could not start: ${err.message}`);
  process.exit(1);
});
