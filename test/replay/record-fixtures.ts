// Records the workflow replay fixtures in test/replay/fixtures/ (replayed by test/replay/replay.test.ts).
//
//   npx tsx test/replay/record-fixtures.ts              # writes only fixtures that do not exist yet
//   npx tsx test/replay/record-fixtures.ts --overwrite  # rewrites this generation's fixtures (see below: almost never)
//
// Fixtures are named <scenario>.<generation>.json: every scenario is recorded once per workflow
// generation, the code between two patches that change the command sequence. After adding such a
// patch, bump CURRENT_GENERATION and run the script: the older generations' files stay, because
// requests recorded by them may still be running when the new code is deployed.
//
// WHEN TO RE-RECORD: only to ADD a scenario (a new workflow, or a path through one that no fixture
// covers yet) or a generation: add it below and run the script; existing files are left alone. The
// committed fixtures are histories of requests that were already running on the old code, which is
// exactly what production still holds when a new version is deployed. If replay.test.ts fails with a
// nondeterminism error after a workflow change, that change would break every running request: NEVER
// re-record (or --overwrite) to make it pass. Make the change replay-safe instead (patched() /
// deprecatePatch() from @temporalio/workflow, or a new workflow type for new requests) and keep the old
// fixtures. Deleting a fixture is only right once no request of that shape can still be running.
//
// The script needs no vitest and nothing running: it starts the embedded Temporal dev server in memory,
// in-memory PGlite databases for the demo instances (acme orders from globex), the service worker (on
// a bundle of workflows/index.ts, the worker's default workflowsPath) and the HTTP API, then drives
// each scenario through the API as test/e2e/lifecycle.test.ts does and saves the finished history.
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { FastifyInstance } from 'fastify';
import { startDevServer } from '../../devserver/index';
import { InstanceDatabases } from '../../db/instances';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { createServiceWorker } from '../../app/worker';
import { workflowsPath } from '../../app/workflow-bundle';
import { seedDemoData, type DemoData } from '../../app/seed-demo';
import { buildApp } from '../../api/app';
import { exchangeWorkflowId, snapshotQuery, type ExchangeSnapshot } from '../../workflows/definitions';
import { exchangeSearchAttributeKinds } from '../../workflows/search-attributes';
import { uploadFiles, type UploadFile } from '../harness/uploads';

export const FIXTURES_DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * Generations so far: 1-initial (issue 3), 2-sla (patches sla-and-visibility-v1 and
 * drain-late-writes-v1), 3-local-writes (local-writes-v1), 4-recorded-writes (recorded-writes-v1,
 * acceptance-window-kept-v1, settled-sla-timers-v1).
 */
export const CURRENT_GENERATION = '4-recorded-writes';

export const fixtureFile = (scenario: string, generation: string) => `${scenario}.${generation}.json`;

/** One fixture file: the history in the proto-JSON form `historyToJSON` writes and `historyFromJSON` reads. */
export interface ReplayFixture {
  scenario: string;
  description: string;
  workflowType: string;
  workflowId: string;
  /** Whether the run had finished when recorded (an open one replays like a request still in flight). */
  completed: boolean;
  history: { events: unknown[] };
}

interface Driver {
  client: Client;
  demo: DemoData;
  call<T = any>(method: string, url: string, as: string, body?: unknown): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Uploads files to a task (POST /tasks/:number/attachments). */
  upload(number: string, as: string, files: UploadFile[], visibility?: 'internal'): Promise<void>;
}

interface Scenario {
  name: string;
  description: string;
  workflowType: string;
  /** Drives the scenario and returns the handle of the run to record, with whether it should have finished. */
  run(d: Driver): Promise<{ handle: WorkflowHandle; completed: boolean }>;
}

/** Waits until the request has no write left to make on either side (queried, not timed). */
async function settled(handle: WorkflowHandle, ok: (s: ExchangeSnapshot) => boolean = () => true): Promise<ExchangeSnapshot> {
  for (let i = 0; ; i++) {
    const s = await handle.query(snapshotQuery);
    if (s.pending.consumer === 0 && s.pending.provider === 0 && ok(s)) return s;
    if (i >= 400) throw new Error(`workflow ${handle.workflowId} did not settle: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function submit(d: Driver, kind: keyof DemoData['items'], variables: Record<string, unknown>) {
  const created = await d.call<{ number: string }>('POST', '/requests', 'ANN_TOKEN', {
    catalogItemId: d.demo.items[kind],
    shortDescription: 'Laptop screen flickers',
    description: 'Since this morning',
    variables,
  });
  const handle = d.client.workflow.getHandle(exchangeWorkflowId('acme', created.number));
  const snapshot = await settled(handle, (s) => s.consumerState === 'received' && !!s.providerNumber);
  return { number: created.number, parent: snapshot.providerNumber!, handle };
}

export const scenarios: Scenario[] = [
  {
    name: 'exchange-lifecycle-reject-accept',
    description: 'help request: received, assigned, comments both ways, work note, solution proposed, rejected, proposed again, accepted (closed)',
    workflowType: 'exchange',
    async run(d) {
      const { number, parent, handle } = await submit(d, 'help_request', { category: 'hardware' });
      await d.call('POST', `/tasks/${parent}/assign`, 'BOB_TOKEN', {});
      await d.call('POST', `/tasks/${number}/comments`, 'ANN_TOKEN', { body: 'It started after the update' });
      await d.call('POST', `/tasks/${parent}/work-notes`, 'BOB_TOKEN', { body: 'Probably the GPU driver' });
      await d.call('POST', `/tasks/${parent}/comments`, 'BOB_TOKEN', { body: 'Please try safe mode' });
      await d.call('POST', `/tasks/${parent}/propose-solution`, 'BOB_TOKEN', { resolutionCode: 'workaround', resolutionNotes: 'Rolled back the driver' });
      await settled(handle, (s) => s.consumerState === 'resolved');
      await d.call('POST', `/tasks/${number}/reject`, 'ANN_TOKEN', { reason: 'Still flickers' });
      await settled(handle, (s) => s.consumerState === 'work_in_progress');
      await d.call('POST', `/tasks/${parent}/propose-solution`, 'BOB_TOKEN', { resolutionCode: 'solved', resolutionNotes: 'Replaced the screen' });
      await settled(handle, (s) => s.consumerState === 'resolved');
      await d.call('POST', `/tasks/${number}/accept`, 'ANN_TOKEN', {});
      const result = (await handle.result()) as ExchangeSnapshot;
      if (result.consumerState !== 'closed') throw new Error(`expected closed, got ${result.consumerState}`);
      return { handle, completed: true };
    },
  },
  {
    name: 'exchange-attachments',
    description:
      'help request: assigned, a comment, two files from the consumer, an internal file and a public one from the provider (each copied to the side that lacks it), a comment, solution proposed, accepted (closed)',
    workflowType: 'exchange',
    async run(d) {
      const { number, parent, handle } = await submit(d, 'help_request', { category: 'hardware' });
      await d.call('POST', `/tasks/${parent}/assign`, 'BOB_TOKEN', {});
      await d.call('POST', `/tasks/${number}/comments`, 'ANN_TOKEN', { body: 'Screenshots attached' });
      await d.upload(number, 'ANN_TOKEN', [
        { name: 'screen-1.png', data: Buffer.alloc(700 * 1024, 1), type: 'image/png' },
        { name: 'screen-2.png', data: Buffer.alloc(300, 2), type: 'image/png' },
      ]);
      await d.upload(parent, 'BOB_TOKEN', [{ name: 'driver-notes.txt', data: Buffer.from('internal'), type: 'text/plain' }], 'internal');
      await d.upload(parent, 'BOB_TOKEN', [{ name: 'fix.txt', data: Buffer.from('Roll back the driver'), type: 'text/plain' }]);
      await d.call('POST', `/tasks/${number}/comments`, 'ANN_TOKEN', { body: 'That worked' });
      await d.call('POST', `/tasks/${parent}/propose-solution`, 'BOB_TOKEN', { resolutionCode: 'solved', resolutionNotes: 'Rolled back the driver' });
      await settled(handle, (s) => s.consumerState === 'resolved');
      await d.call('POST', `/tasks/${number}/accept`, 'ANN_TOKEN', {});
      const result = (await handle.result()) as ExchangeSnapshot;
      if (result.consumerState !== 'closed') throw new Error(`expected closed, got ${result.consumerState}`);
      return { handle, completed: true };
    },
  },
  {
    name: 'exchange-cancelled-midway',
    description: 'service-affecting issue: received, assigned, then cancelled by the consumer (both sides cancelled)',
    workflowType: 'exchange',
    async run(d) {
      const { number, parent, handle } = await submit(d, 'service_affecting_issue', { service: 'Payroll' });
      await d.call('POST', `/tasks/${parent}/assign`, 'CAROL_TOKEN', {});
      await d.call('POST', `/tasks/${number}/cancel`, 'ANN_TOKEN', { reason: 'Found a workaround' });
      const result = (await handle.result()) as ExchangeSnapshot;
      if (result.consumerState !== 'cancelled') throw new Error(`expected cancelled, got ${result.consumerState}`);
      return { handle, completed: true };
    },
  },
  {
    name: 'exchange-request-info-open',
    description: 'change request: assigned, information requested (awaiting_info), answered by a consumer comment; still open when recorded',
    workflowType: 'exchange',
    async run(d) {
      const { number, parent, handle } = await submit(d, 'change_request', { wanted_by: '2027-01-31' });
      await d.call('POST', `/tasks/${parent}/assign`, 'BOB_TOKEN', {});
      await d.call('POST', `/tasks/${parent}/request-info`, 'BOB_TOKEN', { question: 'Which servers?' });
      await settled(handle, (s) => s.consumerState === 'awaiting_info');
      await d.call('POST', `/tasks/${number}/comments`, 'ANN_TOKEN', { body: 'web-1 and web-2' });
      await settled(handle, (s) => s.consumerState === 'work_in_progress');
      return { handle, completed: false };
    },
  },
  {
    name: 'catalog-publication-publish',
    description: 'globex creates a catalog item and publishes it to acme',
    workflowType: 'catalogPublication',
    async run(d) {
      const item = await d.call<{ id: string }>('POST', '/catalog/items', 'GLOBEX_ADMIN_TOKEN', {
        name: 'Laptop replacement',
        description: 'A new laptop for a broken one',
        kind: 'help_request',
        form: [{ name: 'asset_tag', label: 'Asset tag', type: 'string', required: true }],
        sla: { responseTime: '1d' },
      });
      // The API waits for the publication workflow to finish before it answers.
      await d.call('POST', `/catalog/items/${item.id}/publish`, 'GLOBEX_ADMIN_TOKEN', { consumers: ['acme'] });
      return { handle: d.client.workflow.getHandle(`catalog:globex:${item.id}`), completed: true };
    },
  },
];

/** The history once the worker is done with it: the last workflow task completed, nothing in flight. */
async function quiescentHistory(handle: WorkflowHandle, completed: boolean) {
  for (let i = 0; ; i++) {
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const lastTask = events.findLast((e) => e.workflowTaskScheduledEventAttributes || e.workflowTaskStartedEventAttributes || e.workflowTaskCompletedEventAttributes);
    const done = completed ? !!events.at(-1)?.workflowExecutionCompletedEventAttributes : !!lastTask?.workflowTaskCompletedEventAttributes;
    if (done) return history;
    if (i >= 400) throw new Error(`history of ${handle.workflowId} never came to rest (last event ${events.at(-1)?.eventType})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function main() {
  const overwrite = process.argv.includes('--overwrite');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  mkdirSync(FIXTURES_DIR, { recursive: true });

  const say = (msg: string) => console.log(`[record-fixtures] ${msg}`);
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
  const devServer = await startDevServer({ port: 0, uiPort: false, searchAttributes: exchangeSearchAttributeKinds });
  const connection = await Connection.connect({ address: devServer.address });
  const native = await NativeConnection.connect({ address: devServer.address });
  const client = new Client({ connection, namespace: 'default' });
  const instances = await InstanceDatabases.open(DEFAULT_INSTANCES);
  const taskQueue = 'service-exchange-replay-fixtures';
  let app: FastifyInstance | undefined;
  try {
    app = await buildApp({ instances, temporal: client, taskQueue });
    const demo = await seedDemoData(instances);
    const api = app;
    const driver: Driver = {
      client,
      demo,
      async call(method, url, as, body) {
        const res = await api.inject({
          method: method as 'POST',
          url,
          headers: { authorization: `Bearer ${demo.tokens[as]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          payload: body === undefined ? undefined : JSON.stringify(body),
        });
        if (res.statusCode >= 300) throw new Error(`${method} ${url} as ${as} answered ${res.statusCode}: ${res.body}`);
        return res.body ? JSON.parse(res.body) : undefined;
      },
      async upload(number, as, files, visibility) {
        const res = await uploadFiles(api, demo.tokens[as], number, files, { visibility });
        if (res.status !== 201) throw new Error(`upload to ${number} as ${as} answered ${res.status}: ${JSON.stringify(res.body)}`);
      },
    };

    const worker = await createServiceWorker({ connection: native, namespace: 'default', taskQueue, instances, workflowBundle: code });
    await worker.runUntil(async () => {
      for (const scenario of scenarios) {
        const file = join(FIXTURES_DIR, fixtureFile(scenario.name, CURRENT_GENERATION));
        if (existsSync(file) && !overwrite) {
          say(`kept     ${file} (exists; see the comment at the top before using --overwrite)`);
          continue;
        }
        const { handle, completed } = await scenario.run(driver);
        const history = await quiescentHistory(handle, completed);
        const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
        if (type !== scenario.workflowType) throw new Error(`${scenario.name}: recorded a ${type} run, expected ${scenario.workflowType}`);
        // What is committed must replay on the code that produced it.
        await Worker.runReplayHistory({ workflowBundle: { code } }, history, handle.workflowId);
        const fixture: ReplayFixture = {
          scenario: scenario.name,
          description: scenario.description,
          workflowType: scenario.workflowType,
          workflowId: handle.workflowId,
          completed,
          history: JSON.parse(historyToJSON(history)),
        };
        writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n');
        say(`recorded ${scenario.name} (generation ${CURRENT_GENERATION}): ${history.events?.length} events -> ${file}`);
      }
    });
  } finally {
    await app?.close();
    await instances.close();
    await connection.close();
    await native.close();
    await devServer.close();
  }
}

/** True when started as a script; importing this module (replay.test.ts reads `scenarios`) records nothing. */
function startedAsScript(): boolean {
  try {
    return !!process.argv[1] && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (startedAsScript()) {
  main().catch((err) => {
    console.error(`[record-fixtures] failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
}
