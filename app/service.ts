// The composition root: the one place that assembles the service from its parts (Temporal, the
// instances' databases, the worker, the HTTP API) and takes it apart again in order. `npm start`
// (main.ts), the production entry points (start-api.ts, start-worker.ts), the bench and the test
// stacks all build through here and keep only what is their own (printing, the demo, signals,
// temporary databases, a test environment with time skipping).
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../config/settings';
import type { InstanceConfig } from '../config/instances';
import type { DevServer } from '../devserver/index';
import { InstanceDatabases, type InstanceDatabasesOptions } from '../db/instances';
import { buildApp, type AppOptions } from '../api/app';
import type { ApiDeps } from '../api/deps';
import { connectTemporal } from './temporal';
import { createServiceWorker, installWorkerRuntime } from './worker';
import { WEB_BUILD_DIR } from './web-build';

/** Temporal as the service uses it: a client for the API, a native connection for the worker. */
export interface ServiceTemporal {
  address: string;
  namespace: string;
  client: Client;
  native: NativeConnection;
  /** The embedded dev server, when the service started one. */
  devServer?: DevServer;
}

export interface ServiceOptions {
  /**
   * `connect`: the service connects from these settings (TEMPORAL_ADDRESS, or the embedded dev server
   * on TEMPORAL_DEV_SERVER_PORT with its state under DATA_DIR/temporal), ensures the search
   * attributes, and closes the connection (and the dev server) in `close()`. `use`: a connection
   * someone else owns and closes (the tests' TestWorkflowEnvironment).
   */
  temporal: { connect: Settings; log: (msg: string) => void } | { use: ServiceTemporal };
  /** The instances' databases: PGlite (under `dataDir`, or in memory), or PostgreSQL (`databaseUrl`, `databasePrefix`). */
  databases: InstanceDatabasesOptions & { instances: InstanceConfig[] };
  taskQueue: string;
  /** Runs the worker (started by buildService; `worker.stop()`/`worker.start()` to control it). Omitted: no worker. */
  worker?: {
    /** Installs the worker runtime with this log level (LOG_LEVEL) before anything connects; omitted: the runtime as it is. */
    logLevel?: string;
    /** A prebuilt workflow bundle (tests); omitted: bundles workflows/ at start. */
    workflowBundle?: string;
    maxCachedWorkflows?: number;
  };
  /** Builds the HTTP API (not listening: the caller picks where). Omitted: no API. */
  api?: Pick<ApiDeps, 'opsToken' | 'actionTimeoutMs' | 'temporalUiUrl'> & AppOptions;
  /** Told before each slow step, with what is ready so far (main.ts prints it). */
  progress?: (step: ServiceStep) => void;
}

export type ServiceStep =
  | { step: 'temporal'; temporal: ServiceTemporal }
  | { step: 'databases'; instances: InstanceDatabases }
  | { step: 'worker' };

/** The worker under the service's control. */
export interface ServiceWorker {
  readonly running: boolean;
  /** Starts a new worker (fresh workflow cache) on the task queue, optionally with another workflow bundle. */
  start(options?: { workflowBundle?: string }): Promise<void>;
  /** Shuts the worker down: in-flight tasks finish, nothing polls afterwards. Resolves once it has stopped. */
  stop(): Promise<void>;
}

export interface Service {
  temporal: ServiceTemporal;
  instances: InstanceDatabases;
  taskQueue: string;
  /** Present when `worker` was asked for. */
  worker?: ServiceWorker;
  /** Present when `api` was asked for. */
  app?: FastifyInstance;
  /** The API (stops taking requests), the worker (finishes what it runs), the databases, then Temporal if the service connected it. */
  close(): Promise<void>;
}

/** What `npm start`, start-api.ts and start-worker.ts build from the environment's settings. */
export function serviceOptionsFrom(settings: Settings, log: (msg: string) => void): Required<Pick<ServiceOptions, 'temporal' | 'databases' | 'taskQueue' | 'worker' | 'api'>> {
  return {
    temporal: { connect: settings, log },
    databases: { instances: settings.instances, databaseUrl: settings.databaseUrl, dataDir: settings.dataDir },
    taskQueue: settings.taskQueue,
    worker: { logLevel: settings.logLevel, maxCachedWorkflows: settings.maxCachedWorkflows },
    api: {
      opsToken: settings.opsToken,
      temporalUiUrl: settings.temporalUiUrl,
      actionTimeoutMs: settings.actionTimeoutSeconds * 1000,
      logger: { level: settings.logLevel },
      rateLimitPerMinute: settings.rateLimitPerMinute,
      idempotencyTakeoverMs: settings.idempotencyTakeoverSeconds * 1000,
      sessions: { idleMs: settings.sessionIdleMinutes * 60_000, maxMs: settings.sessionMaxHours * 3_600_000 },
      trustProxy: settings.trustProxy,
      live: { maxStreams: settings.liveStreamsMax },
      attachments: { maxFileBytes: settings.attachmentMaxFileBytes, maxRequestBytes: settings.attachmentMaxRequestBytes, types: settings.attachmentTypes },
    },
  };
}

/**
 * Assembles the service: Temporal and the databases side by side, then the worker (running) and the
 * API side by side. What a failed step leaves started is closed again before the error is thrown.
 */
export async function buildService(options: ServiceOptions): Promise<Service> {
  const { taskQueue, progress } = options;
  // The runtime goes first: connecting Temporal would install a default one.
  if (options.worker?.logLevel !== undefined) installWorkerRuntime(options.worker.logLevel);
  const { instances: configs, ...databaseOptions } = options.databases;
  const [connected, instances] = await allOrClose([
    connectOrUse(options.temporal).then((c) => {
      progress?.({ step: 'temporal', temporal: c.temporal });
      return c;
    }),
    InstanceDatabases.open(configs, databaseOptions),
  ]);
  const { temporal } = connected;
  progress?.({ step: 'databases', instances });
  if (options.worker) progress?.({ step: 'worker' });
  const [worker, app] = await allOrClose([
    options.worker ? startWorker(options.worker, temporal, taskQueue, instances) : undefined,
    options.api ? buildApi(options.api, temporal, taskQueue, instances) : undefined,
  ]).catch(async (err) => {
    await instances.close();
    await connected.close();
    throw err;
  });

  return {
    temporal,
    instances,
    taskQueue,
    worker,
    app,
    async close() {
      await app?.close();
      await worker?.stop();
      await instances.close();
      await connected.close();
    },
  };
}

type Closeable = { close(): Promise<void> } | { stop(): Promise<void> } | undefined;

/** Like Promise.all, but when one fails, the others that succeeded are closed before it throws. */
async function allOrClose<T extends readonly Closeable[]>(steps: { [K in keyof T]: Promise<T[K]> | T[K] }): Promise<T> {
  const settled = await Promise.allSettled(steps);
  const failed = settled.find((s) => s.status === 'rejected');
  if (!failed) return settled.map((s) => (s as PromiseFulfilledResult<Closeable>).value) as unknown as T;
  await Promise.all(
    settled.map((s) => {
      const value = s.status === 'fulfilled' ? s.value : undefined;
      return value && ('stop' in value ? value.stop() : value.close());
    }),
  );
  throw failed.reason;
}

/** Connects Temporal from settings (closed by the service), or takes a connection someone else owns. */
async function connectOrUse(temporal: ServiceOptions['temporal']): Promise<{ temporal: ServiceTemporal; close(): Promise<void> }> {
  if ('use' in temporal) return { temporal: temporal.use, close: async () => {} };
  const handles = await connectTemporal(temporal.connect, temporal.log);
  return {
    temporal: { address: handles.address, namespace: temporal.connect.temporal.namespace, client: handles.client, native: handles.native, devServer: handles.devServer },
    close: handles.close,
  };
}

/** The worker under the service's control, started. */
async function startWorker(options: NonNullable<ServiceOptions['worker']>, temporal: ServiceTemporal, taskQueue: string, instances: InstanceDatabases): Promise<ServiceWorker> {
  let current: Worker | undefined;
  let running: Promise<void> | undefined;
  const worker: ServiceWorker = {
    get running() {
      return !!current;
    },
    async start(opts = {}) {
      if (current) throw new Error('a worker is already running');
      current = await createServiceWorker({
        connection: temporal.native,
        namespace: temporal.namespace,
        taskQueue,
        instances,
        workflowBundle: opts.workflowBundle ?? options.workflowBundle,
        maxCachedWorkflows: options.maxCachedWorkflows,
      });
      // Not caught here: a worker that fails while running is the process's (or the test's) error.
      running = current.run();
    },
    async stop() {
      if (!current) return;
      current.shutdown();
      await running;
      current = undefined;
      running = undefined;
    },
  };
  await worker.start();
  return worker;
}

/** The HTTP API, built (not listening: the caller picks where). */
function buildApi(api: NonNullable<ServiceOptions['api']>, temporal: ServiceTemporal, taskQueue: string, instances: InstanceDatabases): Promise<FastifyInstance> {
  const { opsToken, actionTimeoutMs, temporalUiUrl, ...appOptions } = api;
  // Unset: the embedded dev server's UI, when the service (or the test) runs one.
  const ui = temporalUiUrl ?? temporal.devServer?.uiUrl;
  // The web app is served from its standard build folder unless the caller names another.
  return buildApp({ instances, temporal: temporal.client, taskQueue, opsToken, actionTimeoutMs, temporalUiUrl: ui }, { webRoot: WEB_BUILD_DIR, ...appOptions });
}
