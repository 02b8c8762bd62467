import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createTemporalTestEnv, type TemporalTestEnv } from './temporal';
import { databaseImage } from './database-image';
import { pooledConnection } from './database-pool';
import { dropInstanceDatabases, type InstanceDatabases } from '../../db/instances';
import { DEFAULT_INSTANCES, type InstanceConfig } from '../../config/instances';
import { buildService, type ServiceTemporal } from '../../app/service';
import type { AppOptions } from '../../api/app';
import { seedDemoData, type DemoData } from '../../app/seed-demo';
import { exchangeSearchAttributeKinds } from '../../workflows/search-attributes';
import { ensureTemporalUiBuild, ensureWebBuild, TEMPORAL_UI_BUILD_DIR, WEB_BUILD_DIR } from '../../app/web-build';
import { serviceWorkflowBundle } from './workflow-bundles';

/** The operator token every test stack accepts on /ops routes (pass as `as`). */
export const OPS_TOKEN = 'test-operator-token';

export interface ApiResponse<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  status: number;
  body: T;
  headers: Record<string, unknown>;
}

/** The whole service for a test file: Temporal (dev server or TEMPORAL_ADDRESS), databases, worker, API. */
export interface TestStack {
  temporal: TemporalTestEnv;
  instances: InstanceDatabases;
  app: FastifyInstance;
  demo: DemoData;
  taskQueue: string;
  /** Where the databases are: PostgreSQL's server and this stack's database name prefix (see InstanceDatabases.open), or PGlite in memory (no url). */
  databases: { url?: string; prefix: string };
  /** Calls the API as the holder of `token` (a demo name like 'ANN_TOKEN', or a raw token, or none). */
  call<T = any>(method: string, url: string, opts?: { as?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string }): Promise<ApiResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

/**
 * Databases are embedded PGlite in memory by default; with DATABASE_URL (as CI sets it) each test
 * file gets fresh databases of its own on that PostgreSQL server, dropped at the end.
 */
export async function createTestStack(
  options: {
    instances?: InstanceConfig[];
    sessions?: AppOptions['sessions'];
    live?: AppOptions['live'];
    /** The dev server's HTTP port (the Temporal UI and /api/v1): 0 for a free one. Default: none. */
    temporalUiPort?: number;
    /**
     * Serve the web app under /app/ and, with `temporalUiPort`, the Temporal UI's pages: their builds
     * are waited for (the run's global setup starts them). Default: the API alone.
     */
    pages?: boolean;
    /** The Temporal UI the operations page links workflows to. */
    temporalUiUrl?: string;
    /** Upload limits (AppOptions.attachments). */
    attachments?: AppOptions['attachments'];
  } = {},
): Promise<TestStack> {
  const configs = options.instances ?? DEFAULT_INSTANCES;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const prefix = `sx_test_${randomBytes(4).toString('hex')}_`;
  if (options.pages) await Promise.all([ensureWebBuild(), options.temporalUiPort !== undefined && ensureTemporalUiBuild()]);
  const temporal = await createTemporalTestEnv({
    workflowBundle: serviceWorkflowBundle(),
    searchAttributes: exchangeSearchAttributeKinds,
    uiPort: options.temporalUiPort,
    uiRoot: options.pages ? TEMPORAL_UI_BUILD_DIR : false,
  });
  const service = await buildService({
    temporal: { use: testTemporal(temporal) },
    databases: { instances: configs, databaseUrl, databasePrefix: prefix, image: databaseImage, connect: pooledConnection },
    taskQueue: `service-exchange-${randomBytes(4).toString('hex')}`,
    worker: { workflowBundle: serviceWorkflowBundle() },
    // Suites fire hundreds of calls a minute with one token: the limit is exercised in its own test.
    api: {
      opsToken: OPS_TOKEN,
      rateLimitPerMinute: 1_000_000,
      sessions: options.sessions,
      live: options.live,
      temporalUiUrl: options.temporalUiUrl,
      attachments: options.attachments,
      webRoot: options.pages ? WEB_BUILD_DIR : false,
    },
  });
  const app = service.app!;
  const demo = await seedDemoData(service.instances);

  return {
    temporal,
    instances: service.instances,
    app,
    demo,
    taskQueue: service.taskQueue,
    databases: { url: databaseUrl, prefix },
    call: apiCaller(app, demo),
    async close() {
      await service.close();
      await temporal.teardown();
      if (databaseUrl) await dropInstanceDatabases(databaseUrl, configs, prefix);
    },
  };
}

/** The test environment's connection as the service uses it (its client skips time while it awaits a result). */
export const testTemporal = (t: TemporalTestEnv): ServiceTemporal => ({
  address: t.address,
  namespace: t.namespace,
  client: t.client,
  native: t.env.nativeConnection,
  devServer: t.devServer,
});

/** Calls `app` as the holder of a token: a demo name like 'ANN_TOKEN', or a raw token, or none. */
export function apiCaller(app: FastifyInstance, demo: Pick<DemoData, 'tokens'>): TestStack['call'] {
  return async (method, url, opts = {}) => {
    const token = opts.as ? (demo.tokens[opts.as] ?? opts.as) : undefined;
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(opts.body !== undefined || opts.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      payload: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers };
  };
}
