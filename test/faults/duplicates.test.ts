// Duplicates: a client that timed out retries with the same Idempotency-Key while its first attempt
// is still running (concurrently) and after it finished (sequentially); and Temporal retries writes
// whose commit was never acknowledged. Nothing may happen twice.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { settingsFromEnv } from '../../config/settings';
import { exchangeWorkflowId } from '../../workflows/definitions';
import {
  converged,
  createFaultStack,
  expectConverged,
  gatedTransactions,
  losingCommitAcks,
  own,
  readRequest,
  result,
  snapshot,
  userActionsIn,
  type FaultStack,
} from './helpers';
import { eventually } from '../harness/eventually';

const CONSUMER = 'acme';
const PROVIDER = 'globex';
const ANN = 'Ann Lee (Acme Corp)';
const BOB = 'Bob Stone (Globex Services)';

let s: FaultStack;
beforeAll(async () => {
  s = await createFaultStack();
});
/** Gates a test closed: opened again after it, whatever happened, so no write stays held. */
const gates: Array<{ open(): void }> = [];
const gate = (instance: string) => {
  const g = gatedTransactions(s.instances.db(instance));
  gates.push(g);
  s.instances.substitute(instance, () => g.db);
  return g;
};
afterEach(() => {
  for (const g of gates.splice(0)) g.open();
  s.instances.substitute(CONSUMER);
  s.instances.substitute(PROVIDER);
});
afterAll(async () => {
  await s?.close();
});

const submit = async (shortDescription: string, headers: Record<string, string> = {}) =>
  s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    headers,
    body: { catalogItemId: s.demo.items.help_request, shortDescription, description: '', variables: { category: 'software' } },
  });

/** A request the provider has received, with its provider number. */
async function receivedRequest(tag: string) {
  const res = await submit(tag);
  expect(res.status).toBe(201);
  const number = res.body.number as string;
  const r = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (x) => x.consumer.task?.state === 'received' && converged(x), { attempts: 1200 });
  expect(converged(r)).toBe(true);
  return { number, parent: r.provider.task!.number };
}

/** The refusal a retry gets while the first attempt with its key is still running: nothing done. */
const expectInProgress = (res: { status: number; body: any }, key: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(res.status, JSON.stringify(res.body)).toBe(409);
  expect(res.body.error).toMatchObject({ code: 'conflict', details: { idempotencyKey: key } });
};

describe('the same action retried with the same Idempotency-Key', () => {
  it('a comment whose client timed out: retried while the first attempt runs, and after it answered, posts one comment', async () => {
    const { number } = await receivedRequest('timed-out comment');
    const key = 'comment-timeout-1';
    const headers = { 'idempotency-key': key };
    const post = () => s.call('POST', `/tasks/${number}/comments`, { as: 'ANN_TOKEN', body: { body: 'Said once' }, headers });

    // The first attempt is held inside its write to the consumer's database: the client gives up on it.
    const held = gate(CONSUMER);
    const first = post();
    await eventually(async () => held.waiting(), (w) => w > 0, { attempts: 2000, everyMs: 5 });
    expect(held.waiting()).toBeGreaterThan(0);
    // Retries, concurrently, while it is still running: refused as in progress, nothing written.
    const concurrent = await Promise.all([post(), post(), post()]);
    for (const res of concurrent) expectInProgress(res, key);
    expect((await readRequest(s, CONSUMER, PROVIDER, number)).consumer.comments).toEqual([]);

    held.open();
    const answered = await first;
    expect(answered.status).toBe(201);
    // Retries after it answered, one after the other and concurrently: the stored answer.
    for (const res of [await post(), await post(), ...(await Promise.all([post(), post()]))]) {
      expect(res.status).toBe(201);
      expect(res.body).toEqual(answered.body);
    }

    const copies = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
    expectConverged(copies, number);
    expect(copies.consumer.comments.map((c) => [c.author_name, c.body])).toEqual([[ANN, 'Said once']]);
    expect(copies.provider.comments.map((c) => [c.author_name, c.body])).toEqual([[ANN, 'Said once']]);
    expect(userActionsIn(copies.consumer.audit)).toEqual(['comment']);
    expect(userActionsIn(copies.provider.audit)).toEqual(['comment']);
  });

  it('a submission whose client timed out: concurrent and later retries make one request', async () => {
    const key = 'submit-timeout-1';
    const headers = { 'idempotency-key': key };
    const tag = 'Submitted once';
    const held = gate(CONSUMER);
    const first = submit(tag, headers);
    await eventually(async () => held.waiting(), (w) => w > 0, { attempts: 2000, everyMs: 5 });
    for (const res of await Promise.all([submit(tag, headers), submit(tag, headers), submit(tag, headers)])) expectInProgress(res, key);
    held.open();
    const answered = await first;
    expect(answered.status, JSON.stringify(answered.body)).toBe(201);
    const number = answered.body.number as string;
    for (const res of [await submit(tag, headers), ...(await Promise.all([submit(tag, headers), submit(tag, headers)]))]) {
      expect(res.status).toBe(201);
      expect(res.body.number).toBe(number);
    }

    await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
    const consumerTasks = await s.instances.db(CONSUMER).selectFrom('consumer_provider_tasks').select('number').where('short_description', '=', tag).execute();
    const parentTasks = await s.instances.db(PROVIDER).selectFrom('provider_parent_tasks').select('number').where('short_description', '=', tag).execute();
    expect(consumerTasks).toEqual([{ number }]);
    expect(parentTasks).toHaveLength(1);
    const workflows = [];
    for await (const wf of s.client.workflow.list({ query: `TaskQueue = '${s.taskQueue}'` })) if (wf.workflowId.endsWith(`:${number}`)) workflows.push(wf.workflowId);
    expect(workflows).toHaveLength(1);
    expect((await snapshot(s, CONSUMER, number)).consumerState).toBe('received');
  });

  it('every state-changing action fired three times at once with one key, then retried: each happens once', async () => {
    const { number, parent } = await receivedRequest('raced lifecycle');
    const cancelled = await receivedRequest('raced cancel');
    const steps: Array<{ url: string; as: string; body: Record<string, string>; action: string }> = [
      { url: `/tasks/${parent}/assign`, as: 'BOB_TOKEN', body: {}, action: 'assign' },
      { url: `/tasks/${parent}/work-notes`, as: 'BOB_TOKEN', body: { body: 'Checking the logs' }, action: 'work_note' },
      { url: `/tasks/${parent}/request-info`, as: 'BOB_TOKEN', body: { question: 'Which version?' }, action: 'request_info' },
      { url: `/tasks/${number}/comments`, as: 'ANN_TOKEN', body: { body: 'Version 7' }, action: 'comment' },
      { url: `/tasks/${parent}/propose-solution`, as: 'BOB_TOKEN', body: { resolutionCode: 'solved', resolutionNotes: 'Upgraded' }, action: 'propose_solution' },
      { url: `/tasks/${number}/reject`, as: 'ANN_TOKEN', body: { reason: 'Still broken' }, action: 'reject' },
      { url: `/tasks/${parent}/propose-solution`, as: 'BOB_TOKEN', body: { resolutionCode: 'solved', resolutionNotes: 'Reinstalled' }, action: 'propose_solution' },
      { url: `/tasks/${number}/accept`, as: 'ANN_TOKEN', body: {}, action: 'accept' },
    ];
    for (const [i, step] of steps.entries()) {
      // The consumer sees each provider change before acting on it, as a person would.
      if (step.as === 'ANN_TOKEN') await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
      const key = `raced-${i}`;
      const send = () => s.call('POST', step.url, { as: step.as, body: step.body, headers: { 'idempotency-key': key } });
      const answers = await Promise.all([send(), send(), send()]);
      const done = answers.filter((a) => a.status < 300);
      expect(done.length, `${step.action}: ${JSON.stringify(answers.map((a) => a.body))}`).toBeGreaterThanOrEqual(1);
      for (const a of answers) if (a.status >= 300) expectInProgress(a, key);
      for (const a of done) expect(a.body).toEqual(done[0].body);
      const retry = await send();
      expect(retry.status).toBe(done[0].status);
      expect(retry.body).toEqual(done[0].body);
    }
    const cancel = () => s.call('POST', `/tasks/${cancelled.number}/cancel`, { as: 'ANN_TOKEN', body: { reason: 'Duplicate' }, headers: { 'idempotency-key': 'raced-cancel' } });
    const cancels = [...(await Promise.all([cancel(), cancel(), cancel()])), await cancel()];
    expect(cancels.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2);
    for (const a of cancels) if (a.status !== 200) expectInProgress(a, 'raced-cancel');

    expect(await result(s, CONSUMER, number)).toMatchObject({ consumerState: 'closed', pending: { consumer: 0, provider: 0 } });
    expect(await result(s, CONSUMER, cancelled.number)).toMatchObject({ consumerState: 'cancelled', pending: { consumer: 0, provider: 0 } });
    const copies = await readRequest(s, CONSUMER, PROVIDER, number);
    expectConverged(copies, number);
    expect(userActionsIn(copies.provider.audit)).toEqual(steps.map((st) => st.action));
    expect(userActionsIn(copies.consumer.audit)).toEqual(steps.map((st) => st.action).filter((a) => a !== 'work_note'));
    expect(copies.provider.comments.map((c) => [c.visibility, c.author_name, c.body])).toEqual([
      ['internal', BOB, 'Checking the logs'],
      ['public', BOB, 'Which version?'],
      ['public', ANN, 'Version 7'],
      ['public', ANN, 'Solution rejected: Still broken'],
    ]);
    const cancelledCopies = await readRequest(s, CONSUMER, PROVIDER, cancelled.number);
    expectConverged(cancelledCopies, cancelled.number);
    expect(userActionsIn(cancelledCopies.consumer.audit)).toEqual(['cancel']);
    expect(cancelledCopies.provider.comments.map((c) => c.body)).toEqual(['Request cancelled: Duplicate']);
  });
});

/**
 * A Temporal client whose first call of `at` (starting a workflow, or running a workflow update)
 * goes through to Temporal and then never comes back: the API process "died" right after Temporal
 * took it, before it could store or send its answer. Its Idempotency-Key stays "in progress".
 */
function diesAfter(client: Client, at: 'start' | 'update') {
  let reached: string | undefined;
  const never = new Promise<never>(() => {});
  const workflow = new Proxy(client.workflow, {
    get(target, prop) {
      if (at === 'start' && prop === 'start') {
        return async (...args: Parameters<typeof target.start>) => {
          await target.start(...args);
          reached = args[1].workflowId;
          return never;
        };
      }
      if (at === 'update' && prop === 'getHandle') {
        return (...args: Parameters<typeof target.getHandle>) => {
          const handle = target.getHandle(...args);
          return new Proxy(handle, {
            get(h, p) {
              if (p !== 'executeUpdate') return own(h, p);
              return async (...a: Parameters<typeof h.executeUpdate>) => {
                await h.executeUpdate(...a);
                reached = args[0];
                return never;
              };
            },
          });
        };
      }
      return own(target, prop);
    },
  });
  return { client: new Proxy(client, { get: (target, prop) => (prop === 'workflow' ? workflow : own(target, prop)) }), reached: () => reached };
}

describe('a retry after the first attempt died (its API process was killed)', () => {
  const apps: FastifyInstance[] = [];
  /** Another API process on the same databases and Temporal, with its own takeover window. */
  const api = async (temporal: Client, idempotencyTakeoverMs?: number) => {
    const app = await buildApp({ instances: s.instances, temporal, taskQueue: s.taskQueue }, { rateLimitPerMinute: 1_000_000, idempotencyTakeoverMs });
    apps.push(app);
    return (url: string, as: string, body: unknown, key: string) =>
      app
        .inject({ method: 'POST', url, headers: { authorization: `Bearer ${s.demo.tokens[as]}`, 'content-type': 'application/json', 'idempotency-key': key }, payload: JSON.stringify(body) })
        .then((res) => ({ status: res.statusCode, body: JSON.parse(res.body) }));
  };
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  /**
   * Retries (for a few seconds at most: far less than the default window) through an API with a short
   * window: "still being processed" until the window has passed, then the answer.
   */
  const takeOver = async (send: () => Promise<{ status: number; body: any }>, key: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const refusals: Array<{ status: number; body: unknown }> = [];
    const res = await eventually(
      send,
      (r) => {
        if (r.status !== 409) return true;
        refusals.push(r);
        return false;
      },
      { attempts: 200, everyMs: 25 },
    );
    for (const r of refusals) expectInProgress(r, key);
    return res;
  };

  it('a comment whose update reached Temporal: in progress within the takeover window, taken over after it, posted once', async () => {
    const { number } = await receivedRequest('comment whose API died');
    const key = 'comment-died-1';
    const body = { body: 'Said before the crash' };
    const dying = diesAfter(s.temporal.client, 'update');
    void (await api(dying.client))(`/tasks/${number}/comments`, 'ANN_TOKEN', body, key);
    await eventually(async () => dying.reached(), (r) => !!r, { attempts: 2000, everyMs: 5 });
    expect(dying.reached()).toBe(exchangeWorkflowId(CONSUMER, number));

    // Within the window (an hour here, 30 s by default): refused, nothing done again.
    const patient = await api(s.temporal.client, 60 * 60_000);
    expectInProgress(await patient(`/tasks/${number}/comments`, 'ANN_TOKEN', body, key), key);
    expectInProgress(await s.call('POST', `/tasks/${number}/comments`, { as: 'ANN_TOKEN', body, headers: { 'idempotency-key': key } }), key);
    // After it: taken over. The update is sent again under the same id, and Temporal answers with the first one's outcome.
    const impatient = await api(s.temporal.client, 300);
    const answer = await takeOver(() => impatient(`/tasks/${number}/comments`, 'ANN_TOKEN', body, key), key);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.comments.map((c: { body: string }) => c.body)).toEqual([body.body]);
    // From now on, every API process answers with the stored answer.
    for (const res of [await patient(`/tasks/${number}/comments`, 'ANN_TOKEN', body, key), await impatient(`/tasks/${number}/comments`, 'ANN_TOKEN', body, key)]) {
      expect(res).toEqual(answer);
    }

    const copies = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
    expectConverged(copies, number);
    expect(copies.consumer.comments.map((c) => [c.author_name, c.body])).toEqual([[ANN, body.body]]);
    expect(copies.provider.comments.map((c) => [c.author_name, c.body])).toEqual([[ANN, body.body]]);
    expect(userActionsIn(copies.consumer.audit)).toEqual(['comment']);
    expect(userActionsIn(copies.provider.audit)).toEqual(['comment']);
  });

  it('a submission whose workflow was started: in progress within the window, taken over after it with the same number; one request', async () => {
    const key = 'submit-died-1';
    const tag = 'Submitted by an API that died';
    const body = { catalogItemId: s.demo.items.help_request, shortDescription: tag, description: '', variables: { category: 'software' } };
    const dying = diesAfter(s.temporal.client, 'start');
    void (await api(dying.client))('/requests', 'ANN_TOKEN', body, key);
    await eventually(async () => dying.reached(), (r) => !!r, { attempts: 2000, everyMs: 5 });
    const workflowId = dying.reached()!;

    const patient = await api(s.temporal.client, 60 * 60_000);
    expectInProgress(await patient('/requests', 'ANN_TOKEN', body, key), key);
    const impatient = await api(s.temporal.client, 300);
    const answer = await takeOver(() => impatient('/requests', 'ANN_TOKEN', body, key), key);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const number = answer.body.number as string;
    // The number the first attempt reserved, whose workflow it started.
    expect(exchangeWorkflowId(CONSUMER, number)).toBe(workflowId);
    expect(await patient('/requests', 'ANN_TOKEN', body, key)).toEqual(answer);

    await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
    const consumerTasks = await s.instances.db(CONSUMER).selectFrom('consumer_provider_tasks').select('number').where('short_description', '=', tag).execute();
    const parentTasks = await s.instances.db(PROVIDER).selectFrom('provider_parent_tasks').select('number').where('short_description', '=', tag).execute();
    expect(consumerTasks).toEqual([{ number }]);
    expect(parentTasks).toHaveLength(1);
    const workflows = [];
    for await (const wf of s.client.workflow.list({ query: `TaskQueue = '${s.taskQueue}'` })) if (wf.workflowId.endsWith(`:${number}`)) workflows.push(wf.workflowId);
    expect(workflows).toEqual([workflowId]);
    expect((await snapshot(s, CONSUMER, number)).consumerState).toBe('received');
  });

  it('the takeover window is IDEMPOTENCY_TAKEOVER_SECONDS: 30 s unless set, a positive whole number', async () => {
    expect(settingsFromEnv({}).idempotencyTakeoverSeconds).toBe(30);
    expect(settingsFromEnv({ IDEMPOTENCY_TAKEOVER_SECONDS: '5' }).idempotencyTakeoverSeconds).toBe(5);
    for (const bad of ['0', '-1', '1.5', 'soon']) {
      expect(() => settingsFromEnv({ IDEMPOTENCY_TAKEOVER_SECONDS: bad }), bad).toThrow(`IDEMPOTENCY_TAKEOVER_SECONDS must be a positive whole number, got "${bad}"`);
    }
    await expect(buildApp({ instances: s.instances, temporal: s.temporal.client, taskQueue: s.taskQueue }, { idempotencyTakeoverMs: 0 })).rejects.toThrow(/idempotencyTakeoverMs/);
  });
});

describe('writes Temporal retries after their commit was not acknowledged', () => {
  it('land once: a whole lifecycle with every other commit acknowledgement lost, on both sides', async () => {
    const consumer = losingCommitAcks(s.instances.db(CONSUMER), (n) => n % 2 === 1);
    const provider = losingCommitAcks(s.instances.db(PROVIDER), (n) => n % 2 === 1);
    s.instances.substitute(CONSUMER, () => consumer.db);
    s.instances.substitute(PROVIDER, () => provider.db);
    // Each lost acknowledgement costs one retry backoff (1 s): let the dev server skip those, a
    // (virtual) second at a time and never faster than real time allows, so SLA clocks stay far off.
    let skipping = true;
    const skipper = (async () => {
      while (skipping) {
        await s.temporal.env.sleep(1_000);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      const created = await submit('lost acknowledgements');
      expect(created.status).toBe(201);
      const number = created.body.number as string;
      const r = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (x) => x.consumer.task?.state === 'received' && converged(x), { attempts: 1200 });
      const parent = r.provider.task!.number;
      const step = async (url: string, as: string, body: Record<string, string> = {}) => {
        const res = await s.call('POST', url, { as, body });
        expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
        await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
      };
      await step(`/tasks/${parent}/assign`, 'BOB_TOKEN');
      await step(`/tasks/${number}/comments`, 'ANN_TOKEN', { body: 'First' });
      await step(`/tasks/${parent}/work-notes`, 'BOB_TOKEN', { body: 'Internal' });
      await step(`/tasks/${parent}/comments`, 'BOB_TOKEN', { body: 'Second' });
      await step(`/tasks/${parent}/propose-solution`, 'BOB_TOKEN', { resolutionCode: 'workaround', resolutionNotes: 'Restarted' });
      await step(`/tasks/${number}/accept`, 'ANN_TOKEN');
      expect(await result(s, CONSUMER, number)).toMatchObject({ consumerState: 'closed', providerState: 'closed', pending: { consumer: 0, provider: 0 } });

      const copies = await readRequest(s, CONSUMER, PROVIDER, number);
      expectConverged(copies, number);
      expect(copies.provider.comments.map((c) => [c.visibility, c.body])).toEqual([
        ['public', 'First'],
        ['internal', 'Internal'],
        ['public', 'Second'],
      ]);
      expect(userActionsIn(copies.provider.audit)).toEqual(['assign', 'comment', 'work_note', 'comment', 'propose_solution', 'accept']);
      expect(userActionsIn(copies.consumer.audit)).toEqual(['assign', 'comment', 'comment', 'propose_solution', 'accept']);
      const parents = await s.instances.db(PROVIDER).selectFrom('provider_parent_tasks').select('number').where('consumer_number', '=', number).execute();
      expect(parents).toEqual([{ number: parent }]);
      expect(consumer.lost()).toBeGreaterThan(3);
      expect(provider.lost()).toBeGreaterThan(3);
      console.info(`lost commit acknowledgements: ${consumer.lost()} on the consumer, ${provider.lost()} on the provider, every write once`);
    } finally {
      skipping = false;
      await skipper;
    }
  });
});
