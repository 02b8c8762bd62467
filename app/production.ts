import type { Settings } from '../config/settings';

/**
 * The separate worker and API processes share state only through Temporal and PostgreSQL, so they
 * refuse to start on the embedded, single-process defaults (dev server, PGlite).
 */
export function requireSharedInfrastructure(settings: Settings): void {
  if (!settings.temporal.address) {
    throw new Error('TEMPORAL_ADDRESS is not set: separate worker/API processes need a real Temporal cluster (npm start runs everything in one process instead)');
  }
  const missing = settings.instances.filter((i) => !i.databaseUrl && !settings.databaseUrl).map((i) => i.id);
  if (missing.length) {
    throw new Error(`no PostgreSQL for ${missing.join(', ')}: set DATABASE_URL or a databaseUrl per instance in INSTANCES_FILE`);
  }
}
