// An outage of one instance's database (globex, the provider) during a stream of actions across 20+
// requests. The consumer's own copy must be written at once for every action it answered 2xx, the
// provider's copy must converge after the database returns (nothing lost, nothing twice, the same
// comment order on both sides), and an unrelated pair of instances (initech orders from umbrella)
// must carry on as if nothing happened.
//
// On PGlite the outage is a substituted Kysely whose every connection is refused; on PostgreSQL
// (DATABASE_URL) it is the real thing: ALLOW_CONNECTIONS false plus pg_terminate_backend (see
// takeDown in ./helpers.ts). Activity retry backoff (1 s doubling to 30 s) passes with the dev
// server's time skipping (temporal.env.sleep), never by waiting; assertions read the databases and
// the workflows, never the clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { exchangeWorkflowId } from '../../workflows/definitions';
import { LATE_WRITES_PATCH } from '../../workflows/exchange';
import { addUser, converged, injectedActivityFailures, createFaultStack, expectConverged, expectStory, readRequest, result, snapshot, takeDown, userActionsIn, workflowStatus, type ExpectedStory, type FaultStack, type Outage } from './helpers';
import { eventually } from '../harness/eventually';
import { replayHistory } from '../harness/replay';
import { mapLimit } from '../../app/concurrency';
import { serviceWorkflowBundle } from '../harness/workflow-bundles';

const CONSUMER = 'acme';
const PROVIDER = 'globex';
const REQUESTS = 20;

let s: FaultStack;
let outage: Outage | undefined;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  s = await createFaultStack({ instances: [...DEFAULT_INSTANCES, { id: 'initech', name: 'Initech' }, { id: 'umbrella', name: 'Umbrella' }] });
  tokens.UMBRELLA_ADMIN = await addUser(s, 'umbrella', 'Uma Admin', 'admin');
  tokens.IRIS = await addUser(s, 'initech', 'Iris Requester', 'requester');
});
afterAll(async () => {
  await outage?.end();
  await s?.close();
});


const ANN = 'Ann Lee (Acme Corp)';

describe('outage of the provider database during a stream of actions', () => {
  it('writes the consumer side at once, converges the provider side after restore, and leaves other instances alone', async () => {
    const expected = new Map<string, ExpectedStory>();
    const record = (number: string, action: string, comment?: [string, string]) => {
      const e = expected.get(number)!;
      e.actions.push(action);
      if (comment) e.comments.push(comment);
    };
    const consumerDb = s.instances.db(CONSUMER);
    const consumerComments = (number: string) =>
      consumerDb.selectFrom('comments').select(['author_name', 'body']).where('task_number', '=', number).orderBy('seq').execute();

    const submit = async (tag: string) => {
      const res = await s.call('POST', '/requests', {
        as: 'ANN_TOKEN',
        body: { catalogItemId: s.demo.items.help_request, shortDescription: `Request ${tag}`, description: 'fault test', variables: { category: 'software' } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const number = res.body.number as string;
      expected.set(number, { actions: [], comments: [] });
      return number;
    };

    /** A consumer action; asserts the consumer's database holds it the moment the API answers. */
    const consumerAct = async (number: string, path: 'comments' | 'cancel', body: Record<string, string>) => {
      const res = await s.call('POST', `/tasks/${number}/${path}`, { as: 'ANN_TOKEN', body });
      expect(res.status, `${path} on ${number}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      const text = path === 'comments' ? body.body : `Request cancelled: ${body.reason}`;
      const rows = await consumerComments(number);
      expect(rows.filter((r) => r.body === text), `${number}: "${text}" written to the consumer at once, once`).toEqual([{ author_name: ANN, body: text }]);
      if (path === 'cancel') {
        const task = await consumerDb.selectFrom('consumer_provider_tasks').select('state').where('number', '=', number).executeTakeFirstOrThrow();
        expect(task.state).toBe('cancelled');
      }
      record(number, path === 'comments' ? 'comment' : 'cancel', [ANN, text]);
    };

    const providerAct = async (providerNumber: string, consumerNumber: string, path: string, action: string, body: Record<string, string> = {}) => {
      const res = await s.call('POST', `/tasks/${providerNumber}/${path}`, { as: 'BOB_TOKEN', body });
      expect(res.status, `${path} on ${providerNumber}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      record(consumerNumber, action);
    };
    const ann = (number: string, path: string, body: Record<string, string> = {}) => s.call('POST', `/tasks/${number}/${path}`, { as: 'ANN_TOKEN', body });

    // ------------------------------------------------------------ before: 20 requests, some assigned
    const numbers = await mapLimit(Array.from({ length: REQUESTS }, (_v, i) => i), 5, (i) => submit(`#${i}`));
    const providerNumberOf = new Map<string, string>();
    for (const number of numbers) {
      const task = await eventually(
        () => consumerDb.selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst(),
        (t) => t?.state === 'received', { attempts: 1200 },
      );
      expect(task?.state, `${number} received by the provider`).toBe('received');
      providerNumberOf.set(number, task!.provider_number!);
    }
    await mapLimit(numbers, 5, async (number, i) => {
      if (i % 2 === 0) await providerAct(providerNumberOf.get(number)!, number, 'assign', 'assign');
      if (i < 5) await consumerAct(number, 'comments', { body: `before the outage ${i}` });
    });
    for (const number of numbers) {
      expect(converged(await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 })), `${number} in sync before the outage`).toBe(true);
    }

    // ------------------------------------------------------------ globex goes down
    outage = await takeDown(s, PROVIDER);
    await expect(s.instances.db(PROVIDER).selectFrom('provider_parent_tasks').select('number').execute(), 'the provider database is unreachable').rejects.toThrow();

    // Requests submitted during the outage: the consumer has them, the provider cannot yet.
    const lateNumbers = [await submit('late-0'), await submit('late-1'), await submit('late-2')];
    for (const number of lateNumbers) expect((await snapshot(s, CONSUMER, number)).consumerState).toBe('new');

    // The stream: comments on every request, cancellations of some, concurrently across requests.
    const cancelled = new Set<string>();
    await mapLimit([...numbers, ...lateNumbers], 6, async (number, i) => {
      await consumerAct(number, 'comments', { body: `during the outage ${i}.1` });
      await consumerAct(number, 'comments', { body: `during the outage ${i}.2` });
      if (i % 4 === 3 || number === lateNumbers[1]) {
        await consumerAct(number, 'cancel', { reason: `no longer needed ${i}` });
        cancelled.add(number);
      }
    });
    expect(cancelled.has(lateNumbers[1])).toBe(true);

    // Meanwhile initech orders from umbrella: publication, submission, the whole lifecycle.
    const umbrella = (method: string, url: string, body?: unknown) => s.call(method, url, { as: tokens.UMBRELLA_ADMIN, body });
    const iris = (method: string, url: string, body?: unknown) => s.call(method, url, { as: tokens.IRIS, body });
    const item = await umbrella('POST', '/catalog/items', { name: 'Badge access', description: 'A building badge', kind: 'help_request', form: [], sla: {} });
    expect(item.status, JSON.stringify(item.body)).toBe(201);
    const published = await umbrella('POST', `/catalog/items/${item.body.id}/publish`, { consumers: ['initech'] });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    const otherNumbers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const created = await iris('POST', '/requests', { catalogItemId: item.body.id, shortDescription: `Badge ${i}`, description: '', variables: {} });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const number = created.body.number as string;
      otherNumbers.push(number);
      const parent = await eventually(
        () => s.instances.db('umbrella').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', number).executeTakeFirst(),
        (p) => !!p, { attempts: 1200 },
      );
      expect(parent, `${number} reached umbrella`).toBeDefined();
      expect((await umbrella('POST', `/tasks/${parent!.number}/assign`, {})).status).toBe(200);
      expect((await iris('POST', `/tasks/${number}/comments`, { body: 'Badge for the new hire' })).status).toBe(201);
      expect((await umbrella('POST', `/tasks/${parent!.number}/comments`, { body: 'Printed' })).status).toBe(201);
      await eventually(() => readRequest(s, 'initech', 'umbrella', number), (r) => r.consumer.task?.state === 'work_in_progress', { attempts: 1200 });
      expect((await umbrella('POST', `/tasks/${parent!.number}/propose-solution`, { resolutionCode: 'solved', resolutionNotes: 'At reception' })).status).toBe(200);
      await eventually(() => readRequest(s, 'initech', 'umbrella', number), (r) => r.consumer.task?.state === 'resolved', { attempts: 1200 });
      expect((await iris('POST', `/tasks/${number}/accept`, {})).status).toBe(200);
      expect(await result(s, 'initech', number)).toMatchObject({ consumerState: 'closed', providerState: 'closed', pending: { consumer: 0, provider: 0 } });
      const copies = await readRequest(s, 'initech', 'umbrella', number);
      expectConverged(copies, number);
      expect(copies.consumer.comments.map((c) => c.body)).toEqual(['Badge for the new hire', 'Printed']);
      expect(userActionsIn(copies.provider.audit)).toEqual(['assign', 'comment', 'comment', 'propose_solution', 'accept']);
    }

    // Let the provider's writes fail and back off for a few (virtual) minutes: still nothing lost,
    // every change is queued for the provider and the consumer's queue is empty.
    await s.temporal.env.sleep(3 * 60_000);
    for (const number of [...numbers, ...lateNumbers]) {
      const snap = await snapshot(s, CONSUMER, number);
      expect(snap.pending.consumer, `${number}: consumer side up to date during the outage`).toBe(0);
      expect(snap.pending.provider, `${number}: provider side waits`).toBeGreaterThan(0);
      expect(await workflowStatus(s, CONSUMER, number), `${number} waits for the provider`).toBe('RUNNING');
    }

    // ------------------------------------------------------------ globex comes back
    await outage.end();
    // Every write is at most 30 s (the backoff cap) from its next attempt: skip past that.
    await s.temporal.env.sleep(35_000);
    for (const number of [...numbers, ...lateNumbers]) {
      const copies = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (r) => converged(r) && (!cancelled.has(number) || r.provider.task?.state === 'cancelled'), { attempts: 1200 });
      expectConverged(copies, `${number} after the outage`);
    }

    // ------------------------------------------------------------ the rest of each lifecycle
    await mapLimit(
      [...numbers, ...lateNumbers].filter((n) => !cancelled.has(n)),
      6,
      async (number) => {
        const copies = await readRequest(s, CONSUMER, PROVIDER, number);
        const parent = copies.provider.task!.number;
        if (!copies.provider.task!.assigned_to) await providerAct(parent, number, 'assign', 'assign');
        await providerAct(parent, number, 'propose-solution', 'propose_solution', { resolutionCode: 'solved', resolutionNotes: 'Reinstalled' });
        const res = await ann(number, 'accept');
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        record(number, 'accept');
      },
    );

    let comments = 0;
    for (const number of [...numbers, ...lateNumbers]) {
      const end = await result(s, CONSUMER, number);
      expect(end, number).toMatchObject({ consumerState: cancelled.has(number) ? 'cancelled' : 'closed', pending: { consumer: 0, provider: 0 } });
      const e = expected.get(number)!;
      // Zero lost, zero twice: exactly the comments and actions the API accepted, in the order accepted.
      const copies = await expectStory(s, CONSUMER, PROVIDER, number, e, `${number} at the end`);
      expect(end.providerNumber).toBe(copies.provider.task!.number);
      expect(copies.consumer.task!.state).toBe(end.consumerState);
      comments += e.comments.length;
    }
    expect(cancelled.size).toBeGreaterThan(0);
    // Cancelled before the provider had it: the provider's number reached the consumer after the
    // consumer's queue had drained (LATE_WRITES_PATCH), and that history replays on the current code.
    const patchesIn = async (number: string) => {
      const history = await s.client.workflow.getHandle(exchangeWorkflowId(CONSUMER, number)).fetchHistory();
      const ids = (history.events ?? [])
        .flatMap((e) => e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? [])
        .map((p) => (JSON.parse(Buffer.from(p.data ?? []).toString()) as { id: string }).id);
      return { history, ids };
    };
    const { history, ids } = await patchesIn(lateNumbers[1]);
    expect(ids).toContain(LATE_WRITES_PATCH);
    expect((await patchesIn(numbers[0])).ids, 'no marker where no write came late').not.toContain(LATE_WRITES_PATCH);
    await replayHistory(serviceWorkflowBundle(), history, exchangeWorkflowId(CONSUMER, lateNumbers[1]));
    expect(injectedActivityFailures(), 'provider writes really failed during the outage').toBeGreaterThan(0);
    console.info(
      `db outage: ${numbers.length + lateNumbers.length} requests (${cancelled.size} cancelled), ${comments} comments on each side, ` +
        `${injectedActivityFailures()} failed write attempts retried, ${otherNumbers.length} initech requests closed during the outage`,
    );
  }, 150_000);
});
