import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkerOptions } from '@temporalio/worker';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historiesOf, replayHistories } from './replay';
import { runDebugWorker } from './debug-mode';
import { startDevServer, type DevServer, type DevServerOptions } from '../../devserver/index';
import { connectionOptions, temporalSettingsFromEnv } from '../../config/temporal';
import { conformanceWorkflowBundle } from './workflow-bundles';

export interface TemporalTestEnv {
  /** The SDK's own test environment: client, nativeConnection, sleep(), currentTimeMs(). */
  env: TestWorkflowEnvironment;
  client: Client;
  address: string;
  namespace: string;
  /** True on the embedded dev server (time skipping); false against a real cluster. */
  supportsTimeSkipping: boolean;
  /** The embedded server, when the suite runs on one. */
  devServer?: DevServer;
  /** Runs `fn` while a worker polls a fresh task queue, then shuts the worker down. */
  withWorker<T>(options: Partial<WorkerOptions>, fn: (taskQueue: string) => Promise<T>): Promise<T>;
  /** Replays every workflow run that ran on this env's task queues; resolves to the number replayed. */
  replayAll(): Promise<number>;
  teardown(): Promise<void>;
}

// The SDK's TestWorkflowEnvironment downloads a server binary; `create` is the path that attaches it
// to a server we already run, with time skipping when that server offers Temporal's TestService.
const createEnvironment = (TestWorkflowEnvironment as unknown as {
  create(opts: object): Promise<TestWorkflowEnvironment>;
}).create.bind(TestWorkflowEnvironment);

export interface TestEnvOptions extends Pick<DevServerOptions, 'dataDir' | 'searchAttributes' | 'port' | 'uiPort' | 'uiRoot' | 'retentionMs'> {
  /** Attach to this already running dev server (e.g. one in a child process) instead of starting one. */
  address?: string;
  /** Bundle to run workers with (defaults to the conformance workflows). */
  workflowBundle?: string;
}

export async function createTemporalTestEnv(options: TestEnvOptions = {}): Promise<TemporalTestEnv> {
  const settings = temporalSettingsFromEnv();
  const external = settings.address ?? options.address;
  const devServer = external
    ? undefined
    : await startDevServer({
        port: options.port ?? 0,
        // No HTTP port unless a test asks for one: test files run side by side.
        uiPort: options.uiPort ?? false,
        // No pages unless a test asks for them: the run's global setup may still be building them.
        uiRoot: options.uiRoot ?? false,
        dataDir: options.dataDir,
        searchAttributes: options.searchAttributes,
        // Temporal's time-skipping test server deletes nothing: tests skip days, then read what ran.
        retentionMs: options.retentionMs ?? 3650 * 86_400_000,
      });
  const address = external ?? devServer!.address;
  // Our dev server (in process or not) offers Temporal's TestService; a real cluster does not.
  const supportsTimeSkipping = !settings.address;
  const env = await createEnvironment({
    server: { type: 'existing' },
    address,
    namespace: settings.namespace,
    supportsTimeSkipping,
    connectionOptions: connectionOptions(settings, { embedded: !settings.address }),
  });
  if (!devServer && options.searchAttributes) {
    await registerSearchAttributes(env, settings.namespace, options.searchAttributes);
  }
  const bundle = options.workflowBundle ?? conformanceWorkflowBundle();
  const taskQueues: string[] = [];

  return {
    env,
    client: env.client,
    address,
    namespace: settings.namespace,
    supportsTimeSkipping,
    devServer,
    async withWorker(workerOptions, fn) {
      const taskQueue = workerOptions.taskQueue ?? `test-${randomUUID()}`;
      taskQueues.push(taskQueue);
      // In debug mode: these suites start a worker per test. The server sees the same calls; the
      // service's own worker (stack.ts) keeps its workflow thread.
      return runDebugWorker({ connection: env.nativeConnection, namespace: settings.namespace, workflowBundle: { code: bundle }, ...workerOptions, taskQueue }, () => fn(taskQueue));
    },
    async replayAll() {
      const histories = [];
      for (const taskQueue of taskQueues) histories.push(...(await historiesOf(env.client, `TaskQueue = '${taskQueue}'`)));
      return replayHistories(bundle, histories);
    },
    async teardown() {
      await env.teardown();
      await devServer?.close();
    },
  };
}

async function registerSearchAttributes(env: TestWorkflowEnvironment, namespace: string, attrs: Record<string, string>) {
  const { temporal } = await import('@temporalio/proto');
  const T = temporal.api.enums.v1.IndexedValueType;
  const types: Record<string, number> = {
    Keyword: T.INDEXED_VALUE_TYPE_KEYWORD,
    Text: T.INDEXED_VALUE_TYPE_TEXT,
    Int: T.INDEXED_VALUE_TYPE_INT,
    Double: T.INDEXED_VALUE_TYPE_DOUBLE,
    Bool: T.INDEXED_VALUE_TYPE_BOOL,
    Datetime: T.INDEXED_VALUE_TYPE_DATETIME,
    KeywordList: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  const existing = await env.connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(attrs).filter(([name]) => !(name in (existing.customAttributes ?? {})));
  if (missing.length) {
    await env.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, kind]) => [name, types[kind]])),
    });
  }
}

/** The event types of a workflow's history, as enum names (e.g. EVENT_TYPE_TIMER_FIRED), in order. */
export async function historyEventTypes(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<string[]> {
  const { temporal } = await import('@temporalio/proto');
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]);
}

/** A hand-written "worker": takes one workflow task from a normal task queue (long-polling until there is one). */
export async function pollWorkflowTask(t: Pick<TemporalTestEnv, 'env' | 'namespace'>, taskQueue: string, identity = 'raw-worker') {
  const { temporal } = await import('@temporalio/proto');
  for (let i = 0; i < 5; i++) {
    const task = await t.env.connection.workflowService.pollWorkflowTaskQueue({
      namespace: t.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      identity,
    });
    if (task.taskToken?.length) return task;
  }
  throw new Error(`no workflow task arrived on ${taskQueue}`);
}
