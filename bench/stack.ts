// The whole service in this process, built as main.ts builds it (app/service.ts): Temporal (embedded dev server unless
// TEMPORAL_ADDRESS), every instance's database (PGlite unless DATABASE_URL), the worker and the HTTP
// API, listening on a free port of 127.0.0.1. Everything it creates lives in a temporary directory (or,
// with DATABASE_URL, in databases of its own) and is removed by close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { settingsFromEnv, type Settings } from '../config/settings';
import { DEFAULT_INSTANCES } from '../config/instances';
import { buildService, type ServiceTemporal } from '../app/service';
import { seedDemoData, type DemoData } from '../app/seed-demo';
import { dropInstanceDatabases, type InstanceDatabases } from '../db/instances';
import type { Actor } from '../domain/model';
import type { SlaTargets } from '../domain/catalog-item';

export const CONSUMER = 'acme';
export const PROVIDER = 'globex';

export interface BenchStack {
  settings: Settings;
  temporal: ServiceTemporal;
  instances: InstanceDatabases;
  app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  origin: string;
  demo: DemoData;
  /** The requester (Ann, Acme) and the agent (Bob, Globex) every lifecycle uses. */
  requester: Actor;
  agent: Actor;
  /** The help-request catalog item (SLAs of hours and days: no timer fires during a run). */
  item: { id: string; name: string; sla: SlaTargets };
  /** What the stack runs on, for the report. */
  description: { temporal: string; databases: string };
  close(): Promise<void>;
}

export async function startBenchStack(log: (msg: string) => void): Promise<BenchStack> {
  const env = settingsFromEnv();
  const dataDir = mkdtempSync(join(tmpdir(), 'sx-bench-'));
  const run = randomBytes(4).toString('hex');
  const settings: Settings = {
    ...env,
    // The demo's two organizations, always: with DATABASE_URL they get databases of their own
    // (sx_bench_<run>_acme/globex, dropped at the end), never the service's configured ones.
    instances: DEFAULT_INSTANCES,
    dataDir,
    host: '127.0.0.1',
    // A free port for the embedded dev server, unless one is asked for.
    devServerPort: process.env.TEMPORAL_DEV_SERVER_PORT ? env.devServerPort : 0,
    devServerUiPort: false,
    taskQueue: `service-exchange-bench-${run}`,
  };
  const databasePrefix = `sx_bench_${run}_`;

  const service = await buildService({
    temporal: { connect: settings, log },
    databases: { instances: settings.instances, databaseUrl: settings.databaseUrl, databasePrefix, dataDir },
    taskQueue: settings.taskQueue,
    worker: { logLevel: 'warn', maxCachedWorkflows: settings.maxCachedWorkflows },
    // Request logging off (pino at info would write a line per call); the limit far above what the
    // bench sends, since every lifecycle uses the same two tokens.
    api: { opsToken: `ops.${randomBytes(24).toString('base64url')}`, logger: { level: 'warn' }, rateLimitPerMinute: 1_000_000_000 },
  });
  const { temporal, instances } = service;
  const app = service.app!;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const demo = await seedDemoData(instances);

  const actorOf = async (instance: string, email: string): Promise<Actor> => {
    const u = await instances.db(instance).selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    return { instance, organization: instances.config(instance).name, userId: u.id, name: u.name, role: u.role };
  };
  const itemRow = await instances.db(CONSUMER).selectFrom('remote_catalog_items').selectAll().where('id', '=', demo.items.help_request).executeTakeFirstOrThrow();

  return {
    settings,
    temporal,
    instances,
    app,
    origin,
    demo,
    requester: await actorOf(CONSUMER, 'ann@acme.example'),
    agent: await actorOf(PROVIDER, 'bob@globex.example'),
    item: { id: itemRow.id, name: itemRow.name, sla: itemRow.sla },
    description: {
      temporal: temporal.devServer ? `embedded dev server (${temporal.address}, journal in a temp dir)` : `Temporal at ${temporal.address}`,
      databases: settings.databaseUrl ? 'PostgreSQL (DATABASE_URL), databases of its own' : 'embedded PGlite, on disk in a temp dir',
    },
    async close() {
      await service.close();
      if (settings.databaseUrl) await dropInstanceDatabases(settings.databaseUrl, settings.instances, databasePrefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
