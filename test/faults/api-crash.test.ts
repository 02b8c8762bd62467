// The API process is killed (SIGKILL: no shutdown code runs) in the middle of request lifecycles,
// twice, and started again. The client is a careful one: every action carries an Idempotency-Key,
// and on a lost answer (the connection dies or is refused), a 5xx, or "still being processed" it
// sends the same action again with the same key. Afterwards every action answered 2xx, before or
// after a crash, is on both sides exactly once, every retried action landed exactly once, no retried
// submission made a second Provider Task, and every lifecycle completes.
//
// Two deployment shapes, one scenario:
// - all-in-one (`npm start`, main.ts): API, worker and databases in one process, so "the API process"
//   is all of it. Temporal is a dev server in a child process of its own (with its data dir), so
//   Temporal's state outlives the kills. Embedded PGlite lives on disk in DATA_DIR: the kills also
//   show that it opens again after a kill -9. With DATABASE_URL, the instances file points each
//   instance at a fresh database of this test's own (npm start's default names would collide with
//   other runs on a shared server), dropped at the end.
// - API alone (`npm run start:api`, start-api.ts), with the worker in this test process. That entry
//   point needs PostgreSQL (PGlite cannot be shared between processes), so it runs only with
//   DATABASE_URL.
//
// A first attempt killed mid-way leaves its key "in progress"; a retry takes it over after
// IDEMPOTENCY_TAKEOVER_SECONDS, set to 1 in the child so the retries do not wait the default 30 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import type { Client } from '@temporalio/client';
import { EntryProcess, freePort } from '../harness/entry-process';
import { DevServerProcess } from '../harness/devserver-process';
import type { InstanceDatabases } from '../../db/instances';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { childEnv, databaseUrl, externalTemporal, root, startAllInOne, type AllInOne } from './all-in-one';
import { createFaultStack, expectEachCommentOnce, expectReplays, expectStory, result, type ExpectedStory, type FaultStack } from './helpers';
import { eventually } from '../harness/eventually';
import { mapLimit } from '../../app/concurrency';

const CONSUMER = 'acme';
const PROVIDER = 'globex';
const ANN = 'Ann Lee (Acme Corp)';
const BOB = 'Bob Stone (Globex Services)';
const TAKEOVER_SECONDS = 1;
const takeover = { IDEMPOTENCY_TAKEOVER_SECONDS: String(TAKEOVER_SECONDS) };

// ---------------------------------------------------------------- the careful client

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** What a client sees when the API process dies or is not there: the answer is lost, try again. */
const CONNECTION_LOST = /ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|socket hang up|other side closed/;

/**
 * Real HTTP (undici) to the API process. Every call is retried, with a short pause and a bounded
 * number of attempts, while its answer is lost (a connection error), a 5xx, or `409 conflict` "still
 * being processed"; actions keep one Idempotency-Key across their attempts.
 */
class CarefulClient {
  private readonly agent = new Agent({ connect: { timeout: 2_000 }, keepAliveTimeout: 2_000 });
  private nextId = 0;
  /** The POST attempts sent and not answered yet. */
  readonly pending = new Map<number, { path: string; since: number }>();
  /** Attempts that were on their way when the process died (their answers were lost), per crash. */
  private lostAt?: Set<number>;
  lostAnswers = 0;
  connectionErrors = 0;
  inProgressAnswers = 0;
  retriedActions = 0;

  constructor(private readonly baseUrl: string) {}

  /** Marks the POST attempts on their way now (the process is about to die under them); returns their paths. */
  crashing(): string[] {
    this.lostAt = new Set(this.pending.keys());
    return [...this.pending.values()].map((p) => p.path);
  }

  private async attempt(method: 'GET' | 'POST', path: string, token: string, body?: unknown, key?: string): Promise<Answer> {
    const id = this.nextId++;
    if (method === 'POST') this.pending.set(id, { path, since: Date.now() });
    try {
      const res = await request(`${this.baseUrl}${path}`, {
        method,
        dispatcher: this.agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
    } catch (err) {
      if (this.lostAt?.has(id)) this.lostAnswers++;
      throw err;
    } finally {
      this.pending.delete(id);
    }
  }

  private async retrying(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<Answer> {
    const key = method === 'POST' ? randomUUID() : undefined;
    for (let attempt = 1; ; attempt++) {
      let res: Answer | undefined;
      let lost: Error | undefined;
      try {
        res = await this.attempt(method, path, token, body, key);
      } catch (err) {
        const e = err as Error & { code?: string; cause?: { code?: string } };
        if (!CONNECTION_LOST.test(`${e.code} ${e.cause?.code} ${e.message}`)) throw err;
        this.connectionErrors++;
        lost = e;
      }
      const inProgress = res?.status === 409 && res.body?.error?.code === 'conflict' && res.body.error.details?.idempotencyKey === key;
      if (inProgress) this.inProgressAnswers++;
      if (res && res.status < 500 && !inProgress) return res;
      if (attempt >= 400) {
        throw new Error(`${method} ${path}: no answer after ${attempt} attempts; last: ${lost ? lost.message : JSON.stringify(res)}`);
      }
      if (attempt === 1 && method === 'POST') this.retriedActions++;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get(path: string, token: string): Promise<Answer> {
    return this.retrying('GET', path, token);
  }

  /** An action: one Idempotency-Key for all its attempts. */
  post(path: string, token: string, body: unknown): Promise<Answer> {
    return this.retrying('POST', path, token, body);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

// ---------------------------------------------------------------- deployments

/** One deployment shape, up and running, as the scenario sees it. */
interface Deployment {
  /** The process the scenario kills: it serves the API. */
  api: EntryProcess;
  baseUrl: string;
  tokens: { ann: string; bob: string };
  helpRequestItem: string;
  /** A client of the same Temporal (for workflow results and histories). */
  client: Client;
  /** The instances' databases, for the final checks (embedded PGlite: stops the API process first). */
  databases(): Promise<InstanceDatabases>;
}

// ---------------------------------------------------------------- the scenario

async function crashScenario(d: Deployment): Promise<void> {
  const http = new CarefulClient(d.baseUrl);
  const expected = new Map<string, ExpectedStory>();
  const providerNumberOf = new Map<string, string>();
  const assigned = new Set<string>();
  /** "number|author|body" of every comment answered 2xx, in the order of the answers. */
  const answered: string[] = [];
  const answeredBeforeCrash: string[][] = [];
  const inFlightAtCrash: number[] = [];
  let submissionsAtCrash = 0;

  const submit = async (tag: string) => {
    const res = await http.post('/requests', d.tokens.ann, { catalogItemId: d.helpRequestItem, shortDescription: `Request ${tag}`, description: '', variables: { category: 'hardware' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const number = res.body.number as string;
    expect(expected.has(number), `${number} answered to two submissions`).toBe(false);
    expected.set(number, { actions: [], comments: [] });
    return number;
  };
  /** Ann's view of her Provider Task. */
  const view = async (number: string) => {
    const res = await http.get(`/tasks/${number}`, d.tokens.ann);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const received = async (number: string) => {
    const v = await eventually(() => view(number), (x) => !!x.counterpart.number, { attempts: 1200 });
    expect(v.counterpart.number, `${number} reached the provider`).toBeTruthy();
    providerNumberOf.set(number, v.counterpart.number);
  };
  const act = async (number: string, who: 'ann' | 'bob', path: string, action: string, body: Record<string, string> = {}) => {
    const url = `/tasks/${who === 'ann' ? number : providerNumberOf.get(number)}/${path}`;
    const res = await http.post(url, who === 'ann' ? d.tokens.ann : d.tokens.bob, body);
    expect(res.status, `${action} on ${number}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    const e = expected.get(number)!;
    e.actions.push(action);
    if (action === 'assign') assigned.add(number);
    if (path === 'comments') {
      const author = who === 'ann' ? ANN : BOB;
      e.comments.push([author, body.body]);
      answered.push(`${number}|${author}|${body.body}`);
    }
  };
  const conversation = async (number: string, turns: number) => {
    for (let t = 0; t < turns; t++) await act(number, t % 2 ? 'bob' : 'ann', 'comments', 'comment', { body: `${number} turn ${t}` });
  };
  /** Waits until `ready` holds, then kills the API process with actions on their way, and starts it again. */
  const crash = async (ready: () => boolean) => {
    await eventually(async () => ready(), (x) => x, { attempts: 6000, everyMs: 5 });
    answeredBeforeCrash.push([...answered]);
    const onTheirWay = http.crashing();
    inFlightAtCrash.push(onTheirWay.length);
    submissionsAtCrash += onTheirWay.filter((p) => p === '/requests').length;
    await d.api.kill();
    await d.api.start();
  };
  const actionsOnTheirWay = (path: RegExp, forMs: number) => [...http.pending.values()].some((p) => path.test(p.path) && Date.now() - p.since >= forMs);

  // ------------------------------------------------------------ four requests, two of them assigned
  const numbers = await mapLimit([0, 1, 2, 3], 4, (i) => submit(`#${i}`));
  for (const number of numbers) await received(number);
  for (const number of [numbers[0], numbers[2]]) await act(number, 'bob', 'assign', 'assign');

  // ------------------------------------------------------------ crash 1: conversations, and two submissions, on their way
  const turns = 6;
  const conversations = Promise.all(numbers.map((n) => conversation(n, turns)));
  await eventually(async () => answered.length, (n) => n >= numbers.length, { attempts: 4000, everyMs: 5 });
  let lateSubmitted = 0;
  const late = Promise.all(
    [4, 5].map(async (i) => {
      const number = await submit(`#${i}`);
      lateSubmitted++;
      await received(number);
      if (i === 4) await act(number, 'bob', 'assign', 'assign');
      await conversation(number, turns);
      return number;
    }),
  );
  // A submission has been with the API for a moment (it is part-way through), and so are comments.
  // (Should both submissions be answered that fast, the crash catches the comments alone.)
  await crash(() => (actionsOnTheirWay(/^\/requests$/, 30) || lateSubmitted === 2) && actionsOnTheirWay(/\/comments$/, 0));
  await conversations;
  numbers.push(...(await late));

  // ------------------------------------------------------------ crash 2: while requests resolve, close and cancel
  let endingsAnswered = 0;
  const endings = mapLimit(numbers, numbers.length, async (number, i) => {
    if (i % 3 === 2) {
      await act(number, 'ann', 'cancel', 'cancel', { reason: 'not needed' });
      expected.get(number)!.comments.push([ANN, 'Request cancelled: not needed']);
      endingsAnswered++;
      return;
    }
    if (!assigned.has(number)) await act(number, 'bob', 'assign', 'assign');
    await act(number, 'bob', 'propose-solution', 'propose_solution', { resolutionCode: 'solved', resolutionNotes: 'New cable' });
    endingsAnswered++;
    // Ann decides once she sees the solution, as a person would.
    await eventually(() => view(number), (v) => v.state === 'resolved', { attempts: 1200 });
    await act(number, 'ann', 'accept', 'accept');
    endingsAnswered++;
  });
  await crash(() => endingsAnswered >= 2 && actionsOnTheirWay(/./, 0));
  await endings;

  // ------------------------------------------------------------ every lifecycle ends, on both sides, with every action once
  for (const [i, number] of numbers.entries()) {
    const end = await result(d, CONSUMER, number);
    expect(end, number).toMatchObject({ consumerState: i % 3 === 2 ? 'cancelled' : 'closed', pending: { consumer: 0, provider: 0 } });
  }
  // What the restarted workers made of the histories replays on the current code.
  await expectReplays(d, CONSUMER, numbers);
  const stores = { instances: await d.databases() };
  let comments = 0;
  for (const number of numbers) {
    const e = expected.get(number)!;
    await expectStory(stores, CONSUMER, PROVIDER, number, e);
    comments += e.comments.length;
  }
  // Answered before a crash, there after it, on both sides, once.
  for (const list of answeredBeforeCrash) await expectEachCommentOnce(stores, CONSUMER, PROVIDER, list);
  // One Provider Task and one parent task per submission answered, however often it was sent.
  const consumerTasks = await stores.instances.db(CONSUMER).selectFrom('consumer_provider_tasks').select('number').orderBy('number').execute();
  expect(consumerTasks.map((t) => t.number), 'Provider Tasks').toEqual([...numbers].sort());
  const parentTasks = await stores.instances.db(PROVIDER).selectFrom('provider_parent_tasks').select(['number', 'consumer_number']).execute();
  expect(parentTasks.map((t) => t.consumer_number).sort(), 'parent tasks').toEqual([...numbers].sort());
  // Every key the client used has its answer stored: none is left "in progress".
  for (const instance of [CONSUMER, PROVIDER]) {
    const stuck = await stores.instances.db(instance).selectFrom('idempotency_keys').select(['key', 'request_hash']).where('status_code', 'is', null).execute();
    expect(stuck, `${instance}: Idempotency-Keys left in progress`).toEqual([]);
  }

  expect(d.api.kills, 'kill -9s').toBe(2);
  expect(answeredBeforeCrash[0].length, 'comments answered before the first crash').toBeGreaterThan(0);
  for (const [k, n] of inFlightAtCrash.entries()) expect(n, `actions on their way at crash ${k + 1}`).toBeGreaterThan(0);
  expect(http.lostAnswers, 'answers lost to a crash').toBeGreaterThan(0);
  console.info(
    `API crash: ${numbers.length} requests, ${d.api.kills} kill -9s with ${inFlightAtCrash.join(' and ')} actions on their way ` +
      `(${submissionsAtCrash} of them submissions; ${http.lostAnswers} answers lost), ${answeredBeforeCrash.map((l) => l.length).join(' and ')} comments answered before them, ` +
      `${comments} comments on each side; ${http.retriedActions} actions retried with the same Idempotency-Key ` +
      `(${http.connectionErrors} connection errors, ${http.inProgressAnswers} "still being processed")`,
  );
  await http.close();
}

/** Runs the scenario; on a failure, shows what the API process said. */
async function run(d: Deployment): Promise<void> {
  try {
    await crashScenario(d);
  } catch (err) {
    console.error(`${d.api.options.name} output (last run):\n${d.api.output()}`);
    throw err;
  }
}

// ---------------------------------------------------------------- the shapes

describe('API process crash mid-flow: all-in-one (npm start)', () => {
  let all: AllInOne | undefined;
  let instances: InstanceDatabases | undefined;
  let deployment: Deployment;

  beforeAll(async () => {
    all = await startAllInOne('api-crash-all-in-one', takeover);
    const started = all;
    deployment = {
      api: started.process,
      baseUrl: started.baseUrl,
      tokens: started.tokens,
      helpRequestItem: started.helpRequestItem,
      client: started.client,
      async databases() {
        // PGlite is one process's: read it once npm start has shut down.
        if (!databaseUrl) await started.process.stop();
        return (instances ??= await started.openDatabases());
      },
    };
  });

  afterAll(async () => {
    await instances?.close();
    await all?.close();
  });

  it('reflects every action answered 2xx exactly once on both sides after kill -9s of the whole process, and completes every lifecycle', async () => {
    await run(deployment);
  }, 240_000);
});

// start-api.ts refuses to run without PostgreSQL: its worker (here, this test process) has to reach
// the same databases, which embedded PGlite cannot offer another process.
describe.skipIf(!databaseUrl)('API process crash mid-flow: API alone (start:api)', () => {
  let dir: string;
  let temporalServer: DevServerProcess | undefined;
  let s: FaultStack | undefined;
  let api: EntryProcess | undefined;
  let deployment: Deployment;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-crash-api-alone-'));
    if (!externalTemporal) {
      temporalServer = new DevServerProcess(await freePort(), join(dir, 'temporal'));
      await temporalServer.start();
    }
    const temporalAddress = externalTemporal ?? temporalServer!.address;
    // The worker, the databases (fresh, on DATABASE_URL) and the demo data, in this process.
    s = await createFaultStack({ temporalAddress });
    const stack = s;
    const instancesFile = join(dir, 'instances.json');
    const urlOf = (instance: string) => {
      const url = new URL(databaseUrl!);
      url.pathname = `/${stack.databaseName(instance)}`;
      return url.toString();
    };
    writeFileSync(instancesFile, JSON.stringify({ instances: DEFAULT_INSTANCES.map((i) => ({ ...i, databaseUrl: urlOf(i.id) })) }));
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    api = new EntryProcess({
      name: 'start:api (start-api.ts)',
      entry: join(root, 'start-api.ts'),
      env: childEnv({ PORT: String(port), TEMPORAL_ADDRESS: temporalAddress, TASK_QUEUE: stack.taskQueue, INSTANCES_FILE: instancesFile, ...takeover }),
      // It prints nothing when it listens (LOG_LEVEL=warn): ready once /health answers.
      readyProbe: async () => {
        const res = await request(`${baseUrl}/health`);
        await res.body.dump();
        return res.statusCode === 200;
      },
    });
    await api.start();
    deployment = {
      api,
      baseUrl,
      tokens: { ann: stack.demo.tokens.ANN_TOKEN, bob: stack.demo.tokens.BOB_TOKEN },
      helpRequestItem: stack.demo.items.help_request,
      client: stack.client,
      databases: async () => stack.instances,
    };
  });

  afterAll(async () => {
    await api?.kill();
    await s?.close();
    await temporalServer?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reflects every action answered 2xx exactly once on both sides after kill -9s of the API process, and completes every lifecycle', async () => {
    await run(deployment);
  }, 240_000);
});
