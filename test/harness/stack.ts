import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Worker } from '@temporalio/worker';
import { createTemporalTestEnv, type TemporalTestEnv } from './temporal';
import { InstanceDatabases } from '../../db/instances';
import { dropDatabase } from '../../db/connect';
import { DEFAULT_INSTANCES, type InstanceConfig } from '../../config/instances';
import { createServiceWorker } from '../../app/worker';
import { seedDemoData, type DemoData } from '../../app/seed-demo';
import { buildApp } from '../../api/app';
import { exchangeSearchAttributeKinds } from '../../workflows/search-attributes';

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
  /** Calls the API as the holder of `token` (a demo name like 'ANN_TOKEN', or a raw token, or none). */
  call<T = any>(method: string, url: string, opts?: { as?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string }): Promise<ApiResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  close(): Promise<void>;
}

/**
 * Databases are embedded PGlite in memory by default; with DATABASE_URL (as CI sets it) each test
 * file gets fresh databases of its own on that PostgreSQL server, dropped at the end.
 */
export async function createTestStack(options: { instances?: InstanceConfig[] } = {}): Promise<TestStack> {
  const configs = options.instances ?? DEFAULT_INSTANCES;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const prefix = `sx_test_${randomBytes(4).toString('hex')}_`;
  const temporal = await createTemporalTestEnv({ workflowBundle: inject('serviceWorkflowBundle'), searchAttributes: exchangeSearchAttributeKinds });
  const instances = await InstanceDatabases.open(configs, { databaseUrl, databasePrefix: prefix });
  const taskQueue = `service-exchange-${randomBytes(4).toString('hex')}`;
  const worker: Worker = await createServiceWorker({
    connection: temporal.env.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    instances,
    workflowBundle: inject('serviceWorkflowBundle'),
  });
  const running = worker.run();
  // Suites fire hundreds of calls a minute with one token: the limit is exercised in its own test.
  const app = await buildApp({ instances, temporal: temporal.client, taskQueue, opsToken: OPS_TOKEN }, { rateLimitPerMinute: 1_000_000 });
  const demo = await seedDemoData(instances);

  return {
    temporal,
    instances,
    app,
    demo,
    taskQueue,
    async call(method, url, opts = {}) {
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
    },
    async close() {
      await app.close();
      worker.shutdown();
      await running;
      await instances.close();
      await temporal.teardown();
      if (databaseUrl) for (const c of configs) await dropDatabase(databaseUrl, `${prefix}${c.id.replace(/-/g, '_')}`);
    },
  };
}
