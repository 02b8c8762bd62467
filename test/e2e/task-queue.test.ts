// GET /tasks as an agent's work queue (issue 12): the queue order, the assignee, breach and state
// filters and their combinations, paging with the cursor in both orders, and what each list item
// carries. Five requests cover the order: one breached under the time-skipping clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type ApiResponse, type TestStack } from '../harness/stack';
import { eventually } from '../harness/eventually';
import { initialPriority } from '../../domain/sla';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let s: TestStack;

interface Req {
  consumer: string;
  provider: string;
  /** When the provider received it: the response and resolution clocks start then (workflow time). */
  receivedAt: number;
}
/** The requests by their place in Bob's queue. */
const r = {} as Record<'outage' | 'help' | 'breached' | 'carols' | 'change', Req>;

const consumerTask = (number: string) => s.instances.db('acme').selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst();
const providerTask = (consumer: string) =>
  s.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', consumer).executeTakeFirst();

/** Ann orders an item; waits until Globex has its parent task and Acme's copy is received. */
async function submit(catalogItemId: string, variables: Record<string, unknown>): Promise<Req> {
  const res = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { catalogItemId, shortDescription: 'Queue test', variables } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const consumer = res.body.number as string;
  const parent = await eventually(() => providerTask(consumer), (p) => !!p, { what: 'the parent task' });
  // Its priority is the kind's from the first moment it is there, before the receipt's write lands.
  expect(parent!.priority).toBe(initialPriority((await consumerTask(consumer))!.kind));
  await eventually(() => consumerTask(consumer), (t) => t?.state === 'received', { what: `${consumer} to be received` });
  // The receipt is written to each side on its own: the provider's, which starts its clocks, may come second.
  await eventually(() => providerTask(consumer), (p) => p?.sla != null, { what: `${parent!.number}'s SLA clocks` });
  // Audit entries carry workflow time, the clocks' time.
  const receive = await s.instances.db('acme').selectFrom('audit_log').select('created_at').where('task_number', '=', consumer).where('action', '=', 'receive').executeTakeFirstOrThrow();
  return { consumer, provider: parent!.number, receivedAt: new Date(receive.created_at).getTime() };
}

async function act(as: string, req: Req, path: string, body: Record<string, unknown>, consumerState: string) {
  const res = await s.call('POST', `/tasks/${req.provider}/${path}`, { as, body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await eventually(() => consumerTask(req.consumer), (t) => t?.state === consumerState, { what: `${req.consumer} to be ${consumerState}` });
}

beforeAll(async () => {
  s = await createTestStack();
  const { items, urgentItem } = s.demo;
  // Service-affecting issues start at priority 2, the other kinds at 3. The urgent item's response
  // SLA (1 min) breaches while unassigned, raising it to 1; Bob then takes it and asks a question,
  // which stops its clocks (response met, resolution paused).
  r.breached = await submit(urgentItem, { service: 'Payroll' });
  await s.temporal.env.sleep(70_000);
  await eventually(() => providerTask(r.breached.consumer), (t) => t?.escalation_level === 1, { what: 'the escalation' });
  await act('BOB_TOKEN', r.breached, 'assign', {}, 'work_in_progress');
  await act('BOB_TOKEN', r.breached, 'request-info', { question: 'Which payroll?' }, 'awaiting_info');
  // Created before `carols`, so number order alone would put it first; its deadline is later.
  r.change = await submit(items.change_request, { wanted_by: '2030-01-01' });
  await act('BOB_TOKEN', r.change, 'assign', {}, 'work_in_progress');
  r.carols = await submit(items.help_request, { category: 'access' });
  await act('CAROL_TOKEN', r.carols, 'assign', {}, 'work_in_progress');
  r.help = await submit(items.help_request, { category: 'hardware' });
  r.outage = await submit(items.service_affecting_issue, { service: 'Mail' });
});

afterAll(async () => {
  await s?.close();
});

const QUEUE = ['outage', 'help', 'breached', 'carols', 'change'] as const;
const CREATED = ['breached', 'change', 'carols', 'help', 'outage'] as const;
const providerNumbers = (names: readonly (keyof typeof r)[]) => names.map((n) => r[n].provider);

interface Item {
  number: string;
  counterpartNumber: string | null;
}
async function list(as: string, query: string): Promise<ApiResponse<{ items: Item[]; nextCursor: string | null }>> {
  const res = await s.call('GET', `/tasks?${query}`, { as });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}
const numbers = async (as: string, query: string) => (await list(as, query)).body.items.map((i) => i.number);

/** Every page of a listing, following nextCursor to the end. */
async function allPages(as: string, query: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await list(as, `${query}${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(page.body.items.map((i) => i.number));
    cursor = page.body.nextCursor;
  } while (cursor);
  return pages;
}

describe('GET /tasks?order=queue', () => {
  it('unassigned first, then by priority, then the nearest SLA deadline, then number', async () => {
    expect(await numbers('BOB_TOKEN', 'order=queue')).toEqual(providerNumbers(QUEUE));
    // The default stays newest first.
    expect(await numbers('BOB_TOKEN', '')).toEqual(providerNumbers([...CREATED].reverse()));
    expect(await numbers('BOB_TOKEN', 'order=newest')).toEqual(providerNumbers([...CREATED].reverse()));
    // The consumer's copies carry the same assignment, priority and clocks: the same order.
    const consumerQueue = (await list('ANN_TOKEN', 'order=queue')).body.items;
    expect(consumerQueue.map((i) => i.number)).toEqual(QUEUE.map((n) => r[n].consumer));
    expect(consumerQueue.map((i) => i.counterpartNumber)).toEqual(providerNumbers(QUEUE));
  });

  it('each item carries what a list page shows: state, priority, assignee, the other side, SLA deadline and breach', async () => {
    const items = (await list('BOB_TOKEN', 'order=queue')).body.items;
    const iso = (ms: number) => new Date(ms).toISOString();
    const expected = {
      outage: { state: 'new', assignedTo: null, priority: 2, slaDeadline: iso(r.outage.receivedAt + 30 * MINUTE), slaBreached: false },
      help: { state: 'new', assignedTo: null, priority: 3, slaDeadline: iso(r.help.receivedAt + 4 * HOUR), slaBreached: false },
      // Breached, then its clocks stopped: no running deadline.
      breached: { state: 'awaiting_info', assignedTo: 'Bob Stone', priority: 1, slaDeadline: null, slaBreached: true },
      // Assigned: the response clock is met, the resolution clock runs.
      carols: { state: 'work_in_progress', assignedTo: 'Carol Diaz', priority: 3, slaDeadline: iso(r.carols.receivedAt + 3 * DAY), slaBreached: false },
      change: { state: 'work_in_progress', assignedTo: 'Bob Stone', priority: 3, slaDeadline: iso(r.change.receivedAt + 10 * DAY), slaBreached: false },
    };
    expect(items).toEqual(
      QUEUE.map((n) => ({
        number: r[n].provider,
        side: 'provider',
        shortDescription: 'Queue test',
        catalogItemName: expect.any(String),
        counterpartInstance: 'acme',
        counterpartNumber: r[n].consumer,
        ...expected[n],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      })),
    );
    const ann = (await list('ANN_TOKEN', 'order=queue')).body.items[0];
    expect(ann).toMatchObject({ ...expected.outage, number: r.outage.consumer, side: 'consumer', state: 'received', counterpartInstance: 'globex', counterpartNumber: r.outage.provider });
  });

  it('paging with the cursor gives every task once, in order, in both orders', async () => {
    for (const [query, expected] of [
      ['order=queue&limit=2', providerNumbers(QUEUE)],
      ['limit=2', providerNumbers([...CREATED].reverse())],
      ['order=queue&assignee=unassigned&limit=1', providerNumbers(['outage', 'help'])],
    ] as const) {
      const pages = await allPages('BOB_TOKEN', query);
      expect(pages.flat(), query).toEqual(expected);
      expect(pages.slice(0, -1).every((p) => p.length === Number(/limit=(\d)/.exec(query)![1])), query).toBe(true);
    }
  });

  it('filters by assignee, breach and state, alone and combined', async () => {
    const cases: Array<[string, string, readonly (keyof typeof r)[]]> = [
      ['BOB_TOKEN', 'order=queue&assignee=me', ['breached', 'change']],
      ['CAROL_TOKEN', 'order=queue&assignee=me', ['carols']],
      ['GLOBEX_ADMIN_TOKEN', 'order=queue&assignee=me', []],
      ['BOB_TOKEN', 'order=queue&assignee=unassigned', ['outage', 'help']],
      ['BOB_TOKEN', 'breached=true', ['breached']],
      ['BOB_TOKEN', 'order=queue&breached=false', ['outage', 'help', 'carols', 'change']],
      ['BOB_TOKEN', 'order=queue&state=work_in_progress', ['carols', 'change']],
      ['BOB_TOKEN', 'order=queue&state=work_in_progress&assignee=me', ['change']],
      ['BOB_TOKEN', 'order=queue&state=new&assignee=unassigned&breached=false', ['outage', 'help']],
      ['BOB_TOKEN', 'state=awaiting_info&breached=true&assignee=me', ['breached']],
      ['BOB_TOKEN', 'state=closed&order=queue', []],
    ];
    for (const [as, query, expected] of cases) expect(await numbers(as, query), `${as} ${query}`).toEqual(providerNumbers(expected));
    // A consumer's tasks are assigned to the provider's people, never to the consumer's own.
    expect(await numbers('ANN_TOKEN', 'assignee=me')).toEqual([]);
    expect(await numbers('ANN_TOKEN', 'order=queue&assignee=unassigned')).toEqual([r.outage.consumer, r.help.consumer]);
    expect(await numbers('ANN_TOKEN', 'breached=true')).toEqual([r.breached.consumer]);
    // Each instance plays one side here: a side filter keeps its own tasks and leaves none for the other.
    expect(await numbers('BOB_TOKEN', 'order=queue&side=provider')).toEqual(providerNumbers(QUEUE));
    expect(await numbers('BOB_TOKEN', 'side=consumer')).toEqual([]);
    expect(await numbers('ANN_TOKEN', 'order=queue&side=consumer')).toEqual(QUEUE.map((n) => r[n].consumer));
    expect(await numbers('ANN_TOKEN', 'side=provider')).toEqual([]);
  });

  it('unknown filter values: 422 naming the field; a cursor of the other order: 400', async () => {
    for (const [query, field] of [
      ['assignee=bob', 'assignee'],
      ['assignee=', 'assignee'],
      ['breached=yes', 'breached'],
      ['breached=1', 'breached'],
      ['order=oldest', 'order'],
      ['open=yes', 'open'],
      ['side=both', 'side'],
    ]) {
      const res = await s.call('GET', `/tasks?${query}`, { as: 'BOB_TOKEN' });
      expect(res.status, query).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { field: `querystring.${field}` } });
    }
    const queueCursor = (await list('BOB_TOKEN', 'order=queue&limit=1')).body.nextCursor!;
    const newestCursor = (await list('BOB_TOKEN', 'limit=1')).body.nextCursor!;
    const forged = Buffer.from(JSON.stringify({ order: 'queue', assigned: false, priority: '2', slaDueMs: null, number: 'CS0000001' })).toString('base64url');
    for (const query of [`cursor=${queueCursor}`, `order=newest&cursor=${queueCursor}`, `order=queue&cursor=${newestCursor}`, `order=queue&cursor=${forged}`]) {
      const res = await s.call('GET', `/tasks?${query}`, { as: 'BOB_TOKEN' });
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('cursor') });
    }
  });

  // Last: it ends one of the requests the tests above count.
  it('open=true leaves ended requests out of the queue; open=false lists only them', async () => {
    const res = await s.call('POST', `/tasks/${r.help.consumer}/cancel`, { as: 'ANN_TOKEN', body: {} });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await eventually(() => providerTask(r.help.consumer), (t) => t?.state === 'cancelled', { what: 'the cancel on the provider side' });
    expect(await numbers('BOB_TOKEN', 'order=queue')).toEqual(providerNumbers(['outage', 'help', 'breached', 'carols', 'change']));
    expect(await numbers('BOB_TOKEN', 'order=queue&open=true')).toEqual(providerNumbers(['outage', 'breached', 'carols', 'change']));
    expect(await numbers('BOB_TOKEN', 'open=false')).toEqual(providerNumbers(['help']));
    expect(await numbers('ANN_TOKEN', 'open=false')).toEqual([r.help.consumer]);
  });
});
