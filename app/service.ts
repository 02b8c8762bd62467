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

/** Assembles the service: Temporal, then the databases, then the worker (running), then the API. */
export async function buildService(options: ServiceOptions): Promise<Service> {
  const { taskQueue, progress } = options;
  // The runtime goes first: connecting Temporal would install a default one.
  if (options.worker?.logLevel !== undefined) installWorkerRuntime(options.worker.logLevel);
  let closeTemporal: (() => Promise<void>) | undefined;
  let temporal: ServiceTemporal;
  if ('use' in options.temporal) {
    temporal = options.temporal.use;
  } else {
    const handles = await connectTemporal(options.temporal.connect, options.temporal.log);
    temporal = { address: handles.address, namespace: options.temporal.connect.temporal.namespace, client: handles.client, native: handles.native, devServer: handles.devServer };
    closeTemporal = handles.close;
  }
  progress?.({ step: 'temporal', temporal });
  const { instances: configs, ...databaseOptions } = options.databases;
  const instances = await InstanceDatabases.open(configs, databaseOptions);
  progress?.({ step: 'databases', instances });

  let worker: ServiceWorker | undefined;
  if (options.worker) {
    const workerOptions = options.worker;
    progress?.({ step: 'worker' });
    let current: Worker | undefined;
    let running: Promise<void> | undefined;
    worker = {
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
          workflowBundle: opts.workflowBundle ?? workerOptions.workflowBundle,
          maxCachedWorkflows: workerOptions.maxCachedWorkflows,
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
  }

  let app: FastifyInstance | undefined;
  if (options.api) {
    const { opsToken, actionTimeoutMs, temporalUiUrl, ...appOptions } = options.api;
    // Unset: the embedded dev server's UI, when the service (or the test) runs one.
    const ui = temporalUiUrl ?? temporal.devServer?.uiUrl;
    // The web app is served from its standard build folder unless the caller names another.
    app = await buildApp({ instances, temporal: temporal.client, taskQueue, opsToken, actionTimeoutMs, temporalUiUrl: ui }, { webRoot: WEB_BUILD_DIR, ...appOptions });
  }

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
      await closeTemporal?.();
    },
  };
}
