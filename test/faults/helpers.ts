// Fault-injection harness: the whole service (API, worker, databases, Temporal) like
// test/harness/stack.ts, plus the handles a fault test needs: stop the worker and start a new one on
// the same task queue, take one instance's database down and bring it back, attach to a dev server
// running in a child process, and check that both sides of a request hold the same story.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseConnection, type Driver } from 'kysely';
import pg from 'pg';
import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { apiCaller, OPS_TOKEN, testTemporal, type TestStack } from '../harness/stack';
import { dropInstanceDatabases, instanceDatabaseName, type InstanceDatabases } from '../../db/instances';
import type { Db } from '../../db/connect';
import { createUser } from '../../db/repositories/users';
import { DEFAULT_INSTANCES, type InstanceConfig } from '../../config/instances';
import { buildService } from '../../app/service';
import { seedDemoData, type DemoData } from '../../app/seed-demo';
import { exchangeSearchAttributeKinds } from '../../workflows/search-attributes';
import { exchangeWorkflowId, snapshotQuery, type ExchangeSnapshot } from '../../workflows/definitions';
import { providerStateOf, type ConsumerState } from '../../domain/model';
import type { Database } from '../../db/schema';
import { databaseImage } from '../harness/database-image';
import { pooledConnection } from '../harness/database-pool';
import { replayHistories } from '../harness/replay';
import { mapLimit } from '../../app/concurrency';
import { serviceWorkflowBundle } from '../harness/workflow-bundles';

export interface FaultStack {
  temporal: TemporalTestEnv;
  /**
   * A plain client on the same connection. The test environment's own client unlocks time skipping
   * while it awaits a workflow result, which would let the clock run into SLA deadlines of other open
   * requests; this one never skips time (skip explicitly with `temporal.env.sleep`).
   */
  client: Client;
  instances: InstanceDatabases;
  app: FastifyInstance;
  demo: DemoData;
  taskQueue: string;
  /** Set when the instances' databases live on a PostgreSQL server (DATABASE_URL). */
  databaseUrl?: string;
  /** The PostgreSQL database of an instance (with DATABASE_URL). */
  databaseName(instance: string): string;
  call: TestStack['call'];
  /** Shuts the worker down (in-flight tasks finish; nothing polls the task queue afterwards). */
  stopWorker(): Promise<void>;
  /** Starts a new worker, with a fresh workflow cache, on the same task queue (optionally running another workflow bundle). */
  startWorker(options?: { workflowBundle?: string }): Promise<void>;
  close(): Promise<void>;
}

export interface FaultStackOptions {
  instances?: InstanceConfig[];
  /** Attach to this dev server (e.g. a DevServerProcess) instead of starting one in this process. */
  temporalAddress?: string;
  /** How long an action waits for its decision before the API answers 503 (the API's default otherwise). */
  actionTimeoutMs?: number;
}

// What the injected faults look like from inside an activity (PGlite substitute, or PostgreSQL).
const INJECTED_FAILURE = /ECONNREFUSED|ECONNRESET|not currently accepting connections|administrator command|Connection terminated/;
let injectedFailures = 0;

/**
 * Fault tests make activities fail on purpose, hundreds of times, and the worker logs each attempt at
 * WARN: those (recognisably injected) failures are counted instead of printed; anything else still is.
 */
export function quietInjectedFailures(): void {
  const logger = Runtime.instance().logger as unknown as { logFunction: (entry: { message: string; meta?: Record<string, unknown> }) => void; quiet?: boolean };
  if (!(logger instanceof DefaultLogger) || logger.quiet) return;
  const print = logger.logFunction;
  logger.logFunction = (entry) => {
    const error = entry.meta?.error as { message?: string; code?: string } | undefined;
    if (entry.message === 'Activity failed' && INJECTED_FAILURE.test(`${error?.message} ${error?.code}`)) injectedFailures++;
    else print(entry);
  };
  logger.quiet = true;
}

/** How many activity attempts failed with an injected fault in this test file. */
export const injectedActivityFailures = () => injectedFailures;

/**
 * Like test/harness/stack.ts (the service from app/service.ts; PGlite in memory, or fresh databases on
 * DATABASE_URL), with the worker under the test's control.
 */
export async function createFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  quietInjectedFailures();
  const configs = options.instances ?? DEFAULT_INSTANCES;
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const prefix = `sx_fault_${randomBytes(4).toString('hex')}_`;
  const temporal = await createTemporalTestEnv({
    address: options.temporalAddress,
    workflowBundle: serviceWorkflowBundle(),
    searchAttributes: exchangeSearchAttributeKinds,
  });
  const client = new Client({ connection: temporal.env.connection, namespace: temporal.namespace });
  const service = await buildService({
    temporal: { use: testTemporal(temporal) },
    databases: { instances: configs, databaseUrl, databasePrefix: prefix, image: databaseImage, connect: pooledConnection },
    taskQueue: `service-exchange-${randomBytes(4).toString('hex')}`,
    worker: { workflowBundle: serviceWorkflowBundle() },
    // The API alone: the run's global setup may still be building the web app.
    api: { opsToken: OPS_TOKEN, actionTimeoutMs: options.actionTimeoutMs, rateLimitPerMinute: 1_000_000, webRoot: false },
  });
  const worker = service.worker!;
  const app = service.app!;
  const demo = await seedDemoData(service.instances);

  return {
    temporal,
    client,
    instances: service.instances,
    app,
    demo,
    taskQueue: service.taskQueue,
    databaseUrl,
    databaseName: (instance) => instanceDatabaseName(instance, prefix),
    call: apiCaller(app, demo),
    stopWorker: () => worker.stop(),
    startWorker: (opts) => worker.start(opts),
    async close() {
      await service.close();
      await temporal.teardown();
      if (databaseUrl) await dropInstanceDatabases(databaseUrl, configs, prefix);
    },
  };
}

// ---------------------------------------------------------------- database faults

/** What a pg client reports when nothing listens where the database should be. */
export const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect', address: '127.0.0.1', port: 5432 });

/** A driver whose every connection attempt is refused: every query, every transaction throws. */
class UnreachableDriver implements Driver {
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    throw connectionRefused();
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** A Kysely for a database that is down: the same dialect as the real one, but no connection ever succeeds. */
export function unreachableDatabase(): Db {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new UnreachableDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/** A property of `target` read for a proxy: methods stay bound to the real object (Kysely keeps private state). */
export const own = (target: object, prop: string | symbol): unknown => {
  const value = Reflect.get(target, prop, target);
  return typeof value === 'function' ? value.bind(target) : value;
};

/**
 * The database whose transactions commit but whose caller then loses the answer ("connection reset"
 * after COMMIT): the transactions `lose(n)` picks (n counts from 1) do their work, then throw anyway.
 * Only `transaction()` is affected (the activities' writes); plain queries go through.
 */
export function losingCommitAcks(original: Db, lose: (n: number) => boolean): { db: Db; lost: () => number } {
  let n = 0;
  let lost = 0;
  const db = new Proxy(original, {
    get(target, prop) {
      if (prop !== 'transaction') return own(target, prop);
      return () => {
        const builder = target.transaction();
        return new Proxy(builder, {
          get(b, p) {
            if (p !== 'execute') return own(b, p);
            return async (fn: Parameters<typeof builder.execute>[0]) => {
              const result = await b.execute(fn);
              if (lose(++n)) {
                lost++;
                throw Object.assign(new Error('Connection terminated unexpectedly (after COMMIT)'), { code: 'ECONNRESET' });
              }
              return result;
            };
          },
        });
      };
    },
  });
  return { db, lost: () => lost };
}

/** The database whose transactions wait for `open()` before they start (plain queries go through). */
export function gatedTransactions(original: Db): { db: Db; open(): void; waiting(): number } {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let waiting = 0;
  const db = new Proxy(original, {
    get(target, prop) {
      if (prop !== 'transaction') return own(target, prop);
      return () => {
        const builder = target.transaction();
        return new Proxy(builder, {
          get(b, p) {
            if (p !== 'execute') return own(b, p);
            return async (fn: Parameters<typeof builder.execute>[0]) => {
              waiting++;
              await gate;
              waiting--;
              return b.execute(fn);
            };
          },
        });
      };
    },
  });
  return { db, open: release, waiting: () => waiting };
}

export interface Outage {
  readonly instance: string;
  /** Brings the database back; idempotent. */
  end(): Promise<void>;
}

/**
 * Takes one instance's database down until `end()`.
 *
 * On PostgreSQL (DATABASE_URL) it is the real thing: `ALTER DATABASE <name> ALLOW_CONNECTIONS false`
 * stops every new connection ("database ... is not currently accepting connections"), and
 * `select pg_terminate_backend(pid) from pg_stat_activity where datname = <name>` kills the ones the
 * service's pool holds, so its idle clients die and a query that was running fails. `end()` runs
 * `ALTER DATABASE <name> ALLOW_CONNECTIONS true`, and the pool connects afresh. Both are issued from
 * the server's maintenance database (DATABASE_URL itself), never the one taken down.
 *
 * With embedded PGlite there is no server to stop, so the instance's Kysely is swapped (through
 * InstanceDatabases.substitute) for one whose every connection attempt is refused.
 */
export async function takeDown(s: FaultStack, instance: string): Promise<Outage> {
  if (!s.databaseUrl) {
    const down = unreachableDatabase();
    s.instances.substitute(instance, () => down);
    let ended = false;
    return {
      instance,
      async end() {
        if (ended) return;
        ended = true;
        s.instances.substitute(instance);
        await down.destroy();
      },
    };
  }
  const name = s.databaseName(instance);
  const admin = async (statements: Array<[string, unknown[]?]>) => {
    const client = new pg.Client({ connectionString: s.databaseUrl });
    await client.connect();
    try {
      for (const [text, values] of statements) await client.query(text, values);
    } finally {
      await client.end();
    }
  };
  const quoted = `"${name.replace(/"/g, '""')}"`;
  await admin([
    [`alter database ${quoted} allow_connections false`],
    ['select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]],
  ]);
  let ended = false;
  return {
    instance,
    async end() {
      if (ended) return;
      ended = true;
      await admin([[`alter database ${quoted} allow_connections true`]]);
    },
  };
}

// ---------------------------------------------------------------- reading and waiting

export const snapshot = (s: FaultStack, consumer: string, number: string): Promise<ExchangeSnapshot> =>
  s.client.workflow.getHandle(exchangeWorkflowId(consumer, number)).query(snapshotQuery);

/** The workflow's result, awaited without unlocking time skipping. */
export const result = (s: Pick<FaultStack, 'client'>, consumer: string, number: string): Promise<ExchangeSnapshot> =>
  s.client.workflow.getHandle(exchangeWorkflowId(consumer, number)).result();

export const workflowStatus = async (s: FaultStack, consumer: string, number: string) =>
  (await s.client.workflow.getHandle(exchangeWorkflowId(consumer, number)).describe()).status.name;

/** Both copies of one request, as their databases hold them. */
export async function readRequest(s: Pick<FaultStack, 'instances'>, consumer: string, provider: string, number: string) {
  const c = s.instances.db(consumer);
  const p = s.instances.db(provider);
  const task = await c.selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst();
  const parent = await p.selectFrom('provider_parent_tasks').selectAll().where('consumer_instance', '=', consumer).where('consumer_number', '=', number).executeTakeFirst();
  const comments = (db: Db, taskNumber: string | undefined) =>
    taskNumber
      ? db.selectFrom('comments').select(['id', 'seq', 'visibility', 'origin_instance', 'author_name', 'body']).where('task_number', '=', taskNumber).orderBy('seq').orderBy('id').execute()
      : Promise.resolve([]);
  const audit = (db: Db, taskNumber: string | undefined) =>
    taskNumber ? db.selectFrom('audit_log').select(['id', 'action', 'from_state', 'to_state']).where('task_number', '=', taskNumber).execute() : Promise.resolve([]);
  const escalations = (db: Db, taskNumber: string | undefined) =>
    taskNumber ? db.selectFrom('escalations').select('id').where('task_number', '=', taskNumber).execute() : Promise.resolve([]);
  const bySeq = <T extends { id: string }>(rows: T[]) => rows.map((r) => ({ ...r, seq: Number(r.id.split('/')[2]) })).sort((a, b) => a.seq - b.seq);
  return {
    consumer: { task, comments: await comments(c, number), audit: bySeq(await audit(c, number)), escalations: await escalations(c, number) },
    provider: { task: parent, comments: await comments(p, parent?.number), audit: bySeq(await audit(p, parent?.number)), escalations: await escalations(p, parent?.number) },
  };
}

export type RequestCopies = Awaited<ReturnType<typeof readRequest>>;

/** The user actions (not the system's own) a side's audit trail records, in order. */
export const userActionsIn = (audit: RequestCopies['consumer']['audit']) =>
  audit.map((a) => a.action).filter((a) => !['submitted', 'received', 'receive', 'linked', 'escalate', 'remind', 'auto_close'].includes(a));

const countBy = (values: unknown[]) => {
  const m = new Map<string, number>();
  for (const v of values) m.set(JSON.stringify(v), (m.get(JSON.stringify(v)) ?? 0) + 1);
  return m;
};

/**
 * Whether both sides have converged (the predicate `eventually` waits on; `expectConverged` asserts
 * the same, with messages).
 */
export function converged(r: RequestCopies): boolean {
  const { consumer: c, provider: p } = r;
  if (!c.task || !p.task) return false;
  if (c.task.provider_number !== p.task.number) return false;
  if (c.task.sync_seq !== p.task.sync_seq) return false;
  if (p.task.state !== providerStateOf(c.task.state as ConsumerState)) return false;
  const pub = p.comments.filter((x) => x.visibility === 'public');
  return JSON.stringify(pub) === JSON.stringify(c.comments);
}

/**
 * Asserts that both copies of a request tell the same story, exactly once each:
 * - the provider's parent task exists once and the consumer knows its number;
 * - states agree (the provider's "new" is the consumer's "received"), as do assignment, resolution,
 *   SLA figures and the last change each side applied (sync_seq);
 * - comments: no duplicates (by id and by seq), the provider has 1..n without a gap, the consumer
 *   has exactly the public ones, identical, in the same order;
 * - audit: one entry per change per side, the creation entry once on each side.
 */
export function expectConverged(r: RequestCopies, label: string): void {
  const { consumer: c, provider: p } = r;
  expect(c.task, `${label}: consumer task`).toBeDefined();
  expect(p.task, `${label}: provider parent task`).toBeDefined();
  expect(c.task!.provider_number, `${label}: the consumer knows the provider's number`).toBe(p.task!.number);
  expect(p.task!.state, `${label}: states agree`).toBe(providerStateOf(c.task!.state as ConsumerState));
  expect(p.task!.assigned_to_name, `${label}: assignment agrees`).toBe(c.task!.assigned_to_name);
  expect([p.task!.resolution_code, p.task!.resolution_notes], `${label}: resolution agrees`).toEqual([c.task!.resolution_code, c.task!.resolution_notes]);
  expect(p.task!.sync_seq, `${label}: both sides applied the same last change`).toBe(c.task!.sync_seq);
  expect(p.task!.sla, `${label}: SLA clocks agree`).toEqual(c.task!.sla);

  for (const [side, copy] of [['consumer', c], ['provider', p]] as const) {
    const ids = copy.comments.map((x) => x.id);
    expect(new Set(ids).size, `${label}: ${side} comment ids unique`).toBe(ids.length);
    const seqs = copy.comments.map((x) => x.seq);
    expect(new Set(seqs).size, `${label}: ${side} comment seqs unique`).toBe(seqs.length);
    const bodies = [...countBy(copy.comments.map((x) => [x.author_name, x.body])).values()];
    expect(bodies.every((n) => n === 1), `${label}: ${side} has no comment twice`).toBe(true);
    const auditSeqs = copy.audit.map((a) => a.seq);
    expect(new Set(auditSeqs).size, `${label}: ${side} one audit entry per change`).toBe(auditSeqs.length);
    expect(copy.escalations, `${label}: ${side} no escalation`).toEqual([]);
  }
  expect(p.comments.map((x) => x.seq), `${label}: provider comments 1..n`).toEqual(p.comments.map((_x, i) => i + 1));
  expect(c.comments.every((x) => x.visibility === 'public'), `${label}: no work note on the consumer`).toBe(true);
  expect(c.comments, `${label}: the consumer's comments are the provider's public ones, in order`).toEqual(p.comments.filter((x) => x.visibility === 'public'));
  expect(c.audit.filter((a) => a.action === 'submitted'), `${label}: submitted once`).toHaveLength(1);
  expect(p.audit.filter((a) => a.action === 'received'), `${label}: received once`).toHaveLength(1);
  expect(c.audit.filter((a) => a.action === 'receive').length, `${label}: receive at most once`).toBeLessThanOrEqual(1);
}

/** What the API answered 2xx for on one request, in order: the story both sides must tell. */
export interface ExpectedStory {
  actions: string[];
  /** [author, body] of each public comment, in order. */
  comments: Array<[string, string]>;
}

/**
 * Both copies of the request are consistent (expectConverged) and hold exactly the expected comments
 * and user actions: nothing lost, nothing twice, in the order answered. Returns the copies.
 */
export async function expectStory(s: Pick<FaultStack, 'instances'>, consumer: string, provider: string, number: string, story: ExpectedStory, label = number): Promise<RequestCopies> {
  const copies = await readRequest(s, consumer, provider, number);
  expectConverged(copies, label);
  expect(copies.consumer.comments.map((c) => [c.author_name, c.body]), `${number} consumer comments`).toEqual(story.comments);
  expect(copies.provider.comments.map((c) => [c.author_name, c.body]), `${number} provider comments`).toEqual(story.comments);
  expect(userActionsIn(copies.consumer.audit), `${number} consumer audit`).toEqual(story.actions);
  expect(userActionsIn(copies.provider.audit), `${number} provider audit`).toEqual(story.actions);
  return copies;
}

/** Each comment ("number|author|body") answered before a crash is on both sides exactly once after it. */
export async function expectEachCommentOnce(s: Pick<FaultStack, 'instances'>, consumer: string, provider: string, answered: string[]): Promise<void> {
  for (const entry of answered) {
    const [number, author, body] = entry.split('|');
    const copies = await readRequest(s, consumer, provider, number);
    for (const side of [copies.consumer, copies.provider]) expect(side.comments.filter((c) => c.author_name === author && c.body === body), entry).toHaveLength(1);
  }
}

/** The requests' histories, whatever workers and restarts made of them, replay on the current workflow code. */
export async function expectReplays(s: Pick<FaultStack, 'client'>, consumer: string, numbers: string[]): Promise<void> {
  const histories = await mapLimit(numbers, 8, async (number) => {
    const workflowId = exchangeWorkflowId(consumer, number);
    return { workflowId, history: await s.client.workflow.getHandle(workflowId).fetchHistory() };
  });
  expect(await replayHistories(serviceWorkflowBundle(), histories)).toBe(numbers.length);
}

/** Creates a user in an instance and returns its API token. */
export async function addUser(s: FaultStack, instance: string, name: string, role: 'requester' | 'agent' | 'admin'): Promise<string> {
  return (await createUser(s.instances.db(instance), instance, { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@${instance}.example`, role })).token;
}
