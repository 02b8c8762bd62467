// Operator visibility: every exchange workflow carries typed search attributes, kept current as the
// request changes. Requests in different states, kinds and instance pairs are listed by each
// attribute, through the Temporal client and through GET /ops/requests, and must come back exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayHistories } from '../harness/replay';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { createTestStack, OPS_TOKEN, type ApiResponse, type TestStack } from '../harness/stack';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { createUser } from '../../db/repositories/users';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';
import { ACCEPTANCE_WINDOW_PATCH, RECORDED_WRITES_PATCH, SETTLED_SLA_TIMERS_PATCH, SLA_AND_VISIBILITY_PATCH } from '../../workflows/exchange';
import type { CatalogKind } from '../../domain/model';
import { eventually } from '../harness/eventually';
import { serviceWorkflowBundle } from '../harness/workflow-bundles';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

let s: TestStack;

/** The search attributes each request must carry, written out by hand from what the test did to it. */
interface Expected {
  ExchangeState: string;
  ConsumerInstance: string;
  ProviderInstance: string;
  CatalogItemKind: CatalogKind;
  ProviderTaskNumber: string;
  ParentTaskNumber: string;
  AssignedTo?: string;
  EscalationLevel: number;
  SlaBreached: boolean;
  NextSlaDeadline?: string;
}

interface Req {
  label: string;
  workflowId: string;
  number: string;
  parent: string;
  consumer: string;
  provider: string;
  kind: CatalogKind;
  receivedAt: number;
  expected: Expected;
}

const reqs: Record<string, Req> = {};
const all = () => Object.values(reqs);

const iso = (ms: number) => new Date(ms).toISOString();
const parentTask = (provider: string, consumer: string, number: string) =>
  s.instances.db(provider).selectFrom('provider_parent_tasks').selectAll().where('consumer_instance', '=', consumer).where('consumer_number', '=', number).executeTakeFirst();
const consumerTask = (consumer: string, number: string) => s.instances.db(consumer).selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst();

/** Orders an item as `as` (a consumer's requester) and waits until the provider has it. */
async function submit(label: string, as: string, consumer: string, catalogItemId: string, kind: CatalogKind, variables: Record<string, unknown>): Promise<Req> {
  const res = await s.call('POST', '/requests', { as, body: { catalogItemId, shortDescription: `${label} request`, description: '', variables } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const number = res.body.number as string;
  const remote = (await s.instances.db(consumer).selectFrom('remote_catalog_items').select('provider_instance').where('id', '=', catalogItemId).executeTakeFirstOrThrow()).provider_instance;
  const parent = await eventually(() => parentTask(remote, consumer, number), (p) => !!p);
  await eventually(() => consumerTask(consumer, number), (t) => t?.state === 'received');
  const workflowId = exchangeWorkflowId(consumer, number);
  const sla = (await s.temporal.client.workflow.getHandle(workflowId).query(snapshotQuery)).sla!;
  const r: Req = {
    label,
    workflowId,
    number,
    parent: parent!.number,
    consumer,
    provider: remote,
    kind,
    receivedAt: sla.clocks.response!.runningSince!,
    expected: {
      ExchangeState: 'received',
      ConsumerInstance: consumer,
      ProviderInstance: remote,
      CatalogItemKind: kind,
      ProviderTaskNumber: number,
      ParentTaskNumber: parent!.number,
      EscalationLevel: 0,
      SlaBreached: false,
    },
  };
  reqs[label] = r;
  return r;
}

async function act(as: string, number: string, path: string, body: Record<string, unknown> = {}) {
  const res = await s.call('POST', `/tasks/${number}/${path}`, { as, body });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
}

const quote = (v: string) => `'${v}'`;
/** Only this file's requests (they share the dev server's namespace with its catalog workflows). */
const scope = () => `ProviderTaskNumber IN (${[...new Set(all().map((r) => r.number))].map(quote).join(', ')})`;

async function listViaClient(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of s.temporal.client.workflow.list({ query: `WorkflowType = 'exchange' AND ${scope()} AND (${query})` })) ids.push(w.workflowId);
  return ids.sort();
}

async function listViaOps(query: string): Promise<string[]> {
  const res = await s.call('GET', `/ops/requests?query=${encodeURIComponent(`${scope()} AND (${query})`)}`, { as: OPS_TOKEN });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as Array<{ workflowId: string }>).map((i) => i.workflowId).sort();
}

const ids = (labels: string[]) => labels.map((l) => reqs[l].workflowId).sort();

/** The search attributes GET /ops/requests/:workflowId must show: ours, plus the SDK's record of the patches. */
const attributesOf = (r: Req) => ({
  ...Object.fromEntries(Object.entries(r.expected).filter(([, v]) => v !== undefined)),
  TemporalChangeVersion: [SLA_AND_VISIBILITY_PATCH, SETTLED_SLA_TIMERS_PATCH, RECORDED_WRITES_PATCH, ACCEPTANCE_WINDOW_PATCH].sort(),
});

beforeAll(async () => {
  s = await createTestStack({ instances: [...DEFAULT_INSTANCES, { id: 'initech', name: 'Initech' }] });
  const initech = s.instances.db('initech');
  s.demo.tokens.PETER_TOKEN = (await createUser(initech, 'initech', { name: 'Peter Gibbons', email: 'peter@initech.example', role: 'requester' })).token;
  s.demo.tokens.BILL_TOKEN = (await createUser(initech, 'initech', { name: 'Bill Lumbergh', email: 'bill@initech.example', role: 'admin' })).token;
  s.demo.tokens.MILTON_TOKEN = (await createUser(initech, 'initech', { name: 'Milton Waddams', email: 'milton@initech.example', role: 'agent' })).token;

  // Globex also serves Initech; Initech provides a catalog item of its own to Acme.
  const published = await s.call('POST', `/catalog/items/${s.demo.items.help_request}/publish`, { as: 'GLOBEX_ADMIN_TOKEN', body: { consumers: ['initech'] } });
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  const created = await s.call('POST', '/catalog/items', {
    as: 'BILL_TOKEN',
    body: { name: 'Stapler repair', description: 'Red Swingline only', kind: 'change_request', form: [], sla: { responseTime: '2h', resolutionTime: '1d', acceptanceWindow: '1d' } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const initechItem = created.body.id as string;
  expect((await s.call('POST', `/catalog/items/${initechItem}/publish`, { as: 'BILL_TOKEN', body: { consumers: ['acme'] } })).status).toBe(200);

  // A: a case, assigned (Bob).
  const a = await submit('A', 'ANN_TOKEN', 'acme', s.demo.items.help_request, 'help_request', { category: 'hardware' });
  await act('BOB_TOKEN', a.parent, 'assign');
  Object.assign(a.expected, { ExchangeState: 'work_in_progress', AssignedTo: 'Bob Stone', NextSlaDeadline: iso(a.receivedAt + 3 * DAY) });

  // B: a change, assigned (Carol), then awaiting info: response met, resolution paused, no deadline.
  const b = await submit('B', 'ANN_TOKEN', 'acme', s.demo.items.change_request, 'change_request', { wanted_by: '2027-03-01' });
  await act('CAROL_TOKEN', b.parent, 'assign');
  await act('CAROL_TOKEN', b.parent, 'request-info', { question: 'Which servers?' });
  Object.assign(b.expected, { ExchangeState: 'awaiting_info', AssignedTo: 'Carol Diaz' });

  // C: a case, cancelled: no deadline, nobody assigned.
  const c = await submit('C', 'ANN_TOKEN', 'acme', s.demo.items.help_request, 'help_request', { category: 'access' });
  await act('ANN_TOKEN', c.number, 'cancel', { reason: 'sorted it out' });
  Object.assign(c.expected, { ExchangeState: 'cancelled' });

  // D: an incident nobody takes: its 30-minute response SLA will be breached.
  const d = await submit('D', 'ANN_TOKEN', 'acme', s.demo.items.service_affecting_issue, 'service_affecting_issue', { service: 'Payroll' });

  // E: an incident, assigned (Bob): the 8-hour resolution clock is next.
  const e = await submit('E', 'ANN_TOKEN', 'acme', s.demo.items.service_affecting_issue, 'service_affecting_issue', { service: 'Mail' });
  await act('BOB_TOKEN', e.parent, 'assign');
  Object.assign(e.expected, { ExchangeState: 'work_in_progress', AssignedTo: 'Bob Stone', NextSlaDeadline: iso(e.receivedAt + 8 * HOUR) });

  // F: Initech orders a case from Globex; unassigned (response due in 4 h).
  const f = await submit('F', 'PETER_TOKEN', 'initech', s.demo.items.help_request, 'help_request', { category: 'software' });
  Object.assign(f.expected, { NextSlaDeadline: iso(f.receivedAt + 4 * HOUR) });

  // G: Acme orders from Initech; assigned there (Milton): resolution due in 1 day.
  const g = await submit('G', 'ANN_TOKEN', 'acme', initechItem, 'change_request', {});
  await act('MILTON_TOKEN', g.parent, 'assign');
  Object.assign(g.expected, { ExchangeState: 'work_in_progress', AssignedTo: 'Milton Waddams', NextSlaDeadline: iso(g.receivedAt + DAY) });

  // Time moves past D's response target: level 1, breached, next escalation at twice the target.
  await eventually(() => parentTask('globex', 'acme', c.number), (t) => t?.state === 'cancelled');
  const sleepMs = d.receivedAt + 31 * MINUTE - (await s.temporal.env.currentTimeMs());
  await s.temporal.env.sleep(sleepMs);
  await eventually(() => consumerTask('acme', d.number), (t) => t?.escalation_level === 1);
  Object.assign(d.expected, { EscalationLevel: 1, SlaBreached: true, NextSlaDeadline: iso(d.receivedAt + 60 * MINUTE) });
});

afterAll(async () => {
  await s?.close();
});

describe('search attributes, kept current', () => {
  it('GET /ops/requests/:workflowId returns each request with its state and exactly the expected search attributes', async () => {
    for (const r of all()) {
      const res = await s.call('GET', `/ops/requests/${encodeURIComponent(r.workflowId)}`, { as: OPS_TOKEN });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.searchAttributes, r.label).toEqual(attributesOf(r));
      expect(res.body).toMatchObject({
        workflowId: r.workflowId,
        status: r.label === 'C' ? 'COMPLETED' : 'RUNNING',
        state: {
          number: r.number,
          providerNumber: r.parent,
          consumerState: r.expected.ExchangeState,
          assignedTo: r.expected.AssignedTo ? { name: r.expected.AssignedTo } : null,
          sla: { escalationLevel: r.expected.EscalationLevel },
        },
      });
      expect(res.body.closeTime === null, r.label).toBe(r.label !== 'C');
      expect(res.body.historyLength).toBeGreaterThan(5);
      expect(res.body.pendingActivities).toEqual([]);
    }
  });

  // One query per attribute (several values each); each must return exactly the requests the
  // hand-written expectations say, through both the Temporal client and the operator route.
  const cases: Array<[string, () => string, (e: Expected) => boolean]> = [
    ['ExchangeState (work in progress)', () => `ExchangeState = 'work_in_progress'`, (e) => e.ExchangeState === 'work_in_progress'],
    ['ExchangeState (awaiting info)', () => `ExchangeState = 'awaiting_info'`, (e) => e.ExchangeState === 'awaiting_info'],
    ['ExchangeState (cancelled)', () => `ExchangeState = 'cancelled'`, (e) => e.ExchangeState === 'cancelled'],
    ['ExchangeState (received)', () => `ExchangeState = 'received'`, (e) => e.ExchangeState === 'received'],
    ['ExchangeState (open, IN)', () => `ExchangeState IN ('received', 'work_in_progress', 'awaiting_info', 'resolved')`, (e) => e.ExchangeState !== 'cancelled'],
    ['ConsumerInstance (acme)', () => `ConsumerInstance = 'acme'`, (e) => e.ConsumerInstance === 'acme'],
    ['ConsumerInstance (initech)', () => `ConsumerInstance = 'initech'`, (e) => e.ConsumerInstance === 'initech'],
    ['ProviderInstance (globex)', () => `ProviderInstance = 'globex'`, (e) => e.ProviderInstance === 'globex'],
    ['ProviderInstance (initech)', () => `ProviderInstance = 'initech'`, (e) => e.ProviderInstance === 'initech'],
    ['CatalogItemKind (incident)', () => `CatalogItemKind = 'service_affecting_issue'`, (e) => e.CatalogItemKind === 'service_affecting_issue'],
    ['CatalogItemKind (case)', () => `CatalogItemKind = 'help_request'`, (e) => e.CatalogItemKind === 'help_request'],
    ['CatalogItemKind (change)', () => `CatalogItemKind = 'change_request'`, (e) => e.CatalogItemKind === 'change_request'],
    ['ProviderTaskNumber', () => `ProviderTaskNumber = '${reqs.D.number}'`, (e) => e.ProviderTaskNumber === reqs.D.number],
    ['ProviderTaskNumber and ConsumerInstance', () => `ProviderTaskNumber = '${reqs.F.number}' AND ConsumerInstance = 'initech'`, (e) => e.ProviderTaskNumber === reqs.F.number && e.ConsumerInstance === 'initech'],
    ['ParentTaskNumber', () => `ParentTaskNumber = '${reqs.A.parent}' AND ProviderInstance = 'globex'`, (e) => e.ParentTaskNumber === reqs.A.parent && e.ProviderInstance === 'globex'],
    ['ParentTaskNumber (incidents, STARTS_WITH)', () => `ParentTaskNumber STARTS_WITH 'INC'`, (e) => e.ParentTaskNumber.startsWith('INC')],
    ['AssignedTo (Bob)', () => `AssignedTo = 'Bob Stone'`, (e) => e.AssignedTo === 'Bob Stone'],
    ['AssignedTo (Carol)', () => `AssignedTo = 'Carol Diaz'`, (e) => e.AssignedTo === 'Carol Diaz'],
    ['AssignedTo (nobody)', () => `AssignedTo IS NULL`, (e) => e.AssignedTo === undefined],
    ['EscalationLevel (escalated)', () => `EscalationLevel >= 1`, (e) => e.EscalationLevel >= 1],
    ['EscalationLevel (none)', () => `EscalationLevel = 0`, (e) => e.EscalationLevel === 0],
    ['SlaBreached (true)', () => `SlaBreached = true`, (e) => e.SlaBreached],
    ['SlaBreached (false)', () => `SlaBreached = false`, (e) => !e.SlaBreached],
    ['NextSlaDeadline (none)', () => `NextSlaDeadline IS NULL`, (e) => e.NextSlaDeadline === undefined],
    ['NextSlaDeadline (exactly D)', () => `NextSlaDeadline = '${reqs.D.expected.NextSlaDeadline}'`, (e) => e.NextSlaDeadline === reqs.D.expected.NextSlaDeadline],
    [
      'NextSlaDeadline (within 5 hours of D)',
      () => `NextSlaDeadline < '${iso(reqs.D.receivedAt + 5 * HOUR)}'`,
      (e) => e.NextSlaDeadline !== undefined && Date.parse(e.NextSlaDeadline) < reqs.D.receivedAt + 5 * HOUR,
    ],
    [
      'an operator question: breached and unassigned incidents',
      () => `SlaBreached = true AND AssignedTo IS NULL AND CatalogItemKind = 'service_affecting_issue'`,
      (e) => e.SlaBreached && e.AssignedTo === undefined && e.CatalogItemKind === 'service_affecting_issue',
    ],
  ];

  it.each(cases)('lists by %s, exactly, through the client and GET /ops/requests', async (_name, query, predicate) => {
    const expected = all()
      .filter((r) => predicate(r.expected))
      .map((r) => r.workflowId)
      .sort();
    expect(await listViaClient(query())).toEqual(expected);
    expect(await listViaOps(query())).toEqual(expected);
  });

  it('the queries above are discriminating: each attribute splits this set of requests', () => {
    expect(ids(['A', 'E', 'G'])).toEqual(all().filter((r) => r.expected.ExchangeState === 'work_in_progress').map((r) => r.workflowId).sort());
    expect(new Set(all().map((r) => r.expected.ExchangeState)).size).toBe(4);
    expect(new Set(all().map((r) => r.kind)).size).toBe(3);
    expect(new Set(all().map((r) => r.consumer)).size).toBe(2);
    expect(new Set(all().map((r) => r.provider)).size).toBe(2);
    expect(all().filter((r) => r.expected.SlaBreached).map((r) => r.label)).toEqual(['D']);
  });

  it('an assignment, an answer and a cancellation are reflected in the search attributes at once', async () => {
    await act('BOB_TOKEN', reqs.D.parent, 'assign');
    Object.assign(reqs.D.expected, { ExchangeState: 'work_in_progress', AssignedTo: 'Bob Stone', NextSlaDeadline: iso(reqs.D.receivedAt + 8 * HOUR) });
    await act('ANN_TOKEN', reqs.B.number, 'comments', { body: 'web-1 and web-2' });
    const resumed = (await s.temporal.client.workflow.getHandle(reqs.B.workflowId).query(snapshotQuery)).sla!.clocks.resolution!;
    Object.assign(reqs.B.expected, { ExchangeState: 'work_in_progress', NextSlaDeadline: iso(resumed.runningSince! + 10 * DAY - resumed.elapsedMs) });
    await act('PETER_TOKEN', reqs.F.number, 'cancel', {});
    Object.assign(reqs.F.expected, { ExchangeState: 'cancelled', NextSlaDeadline: undefined });

    expect(await listViaClient(`AssignedTo = 'Bob Stone'`)).toEqual(ids(['A', 'D', 'E']));
    expect(await listViaOps(`ExchangeState = 'work_in_progress'`)).toEqual(ids(['A', 'B', 'D', 'E', 'G']));
    expect(await listViaOps(`ExchangeState = 'cancelled'`)).toEqual(ids(['C', 'F']));
    // Still breached (a late assignment does not erase the breach), and still at level 1.
    expect(await listViaOps(`SlaBreached = true AND EscalationLevel = 1`)).toEqual(ids(['D']));
    expect(await listViaClient(`NextSlaDeadline IS NULL`)).toEqual(ids(['C', 'F']));
    for (const r of [reqs.B, reqs.D, reqs.F]) {
      const res = await s.call('GET', `/ops/requests/${encodeURIComponent(r.workflowId)}`, { as: OPS_TOKEN });
      expect(res.body.searchAttributes, r.label).toEqual(attributesOf(r));
    }
  });

  it('a limit caps the listing; without a query every exchange of this server is listed', async () => {
    const limited = await s.call('GET', `/ops/requests?limit=2&query=${encodeURIComponent(scope())}`, { as: OPS_TOKEN });
    expect(limited.status).toBe(200);
    expect(limited.body.items).toHaveLength(2);
    const everything = await s.call('GET', '/ops/requests', { as: OPS_TOKEN });
    expect(everything.body.items.map((i: { workflowId: string }) => i.workflowId).sort()).toEqual(ids(Object.keys(reqs)));
  });
});

describe('history', () => {
  it('GET /ops/requests/:workflowId/history returns JSON history that replays on the current workflow code', async () => {
    const histories = [];
    for (const r of all()) {
      const res = await s.call('GET', `/ops/requests/${encodeURIComponent(r.workflowId)}/history`, { as: OPS_TOKEN });
      expect(res.status).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
      const history = historyFromJSON(res.body);
      expect(history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe('exchange');
      histories.push({ workflowId: r.workflowId, history });
    }
    expect(await replayHistories(serviceWorkflowBundle(), histories)).toBe(all().length);
  });

  it('an unknown workflow, or one that is not an exchange, is 404', async () => {
    const missing = await s.call('GET', `/ops/requests/${encodeURIComponent('exchange:acme:PTSK9999999')}`, { as: OPS_TOKEN });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await s.call('GET', `/ops/requests/${encodeURIComponent('exchange:acme:PTSK9999999')}/history`, { as: OPS_TOKEN })).status).toBe(404);
    const catalog = await s.call('GET', `/ops/requests/${encodeURIComponent(`catalog:globex:${s.demo.items.help_request}`)}`, { as: OPS_TOKEN });
    expect(catalog.status).toBe(404);
  });
});

describe('who may use the operator routes', () => {
  const expectError = (res: ApiResponse, status: number, code: string) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.error.code).toBe(code);
  };
  const opsUrls = () => [
    '/ops/requests',
    `/ops/requests?query=${encodeURIComponent(`ExchangeState = 'received'`)}`,
    `/ops/requests/${encodeURIComponent(reqs.A.workflowId)}`,
    `/ops/requests/${encodeURIComponent(reqs.A.workflowId)}/history`,
  ];

  it('the operator token is refused on product routes (403)', async () => {
    expectError(await s.call('GET', '/tasks', { as: OPS_TOKEN }), 403, 'forbidden');
    expectError(await s.call('GET', `/tasks/${reqs.A.number}`, { as: OPS_TOKEN }), 403, 'forbidden');
    expectError(await s.call('GET', '/catalog', { as: OPS_TOKEN }), 403, 'forbidden');
    expectError(
      await s.call('POST', '/requests', { as: OPS_TOKEN, body: { catalogItemId: s.demo.items.help_request, shortDescription: 'x', description: '', variables: { category: 'hardware' } } }),
      403,
      'forbidden',
    );
    expectError(await s.call('POST', `/tasks/${reqs.E.parent}/comments`, { as: OPS_TOKEN, body: { body: 'operator here' } }), 403, 'forbidden');
    expectError(await s.call('POST', `/catalog/items/${s.demo.items.help_request}/retire`, { as: OPS_TOKEN }), 403, 'forbidden');
  });

  it('user tokens are refused on /ops (403), and no token or a wrong one is 401', async () => {
    for (const url of opsUrls()) {
      for (const as of ['ANN_TOKEN', 'BOB_TOKEN', 'GLOBEX_ADMIN_TOKEN', 'ACME_ADMIN_TOKEN', 'BILL_TOKEN']) {
        expectError(await s.call('GET', url, { as }), 403, 'forbidden');
      }
      expectError(await s.call('GET', url), 401, 'unauthorized');
      expectError(await s.call('GET', url, { as: 'not-a-token' }), 401, 'unauthorized');
      expectError(await s.call('GET', url, { as: `${OPS_TOKEN}x` }), 401, 'unauthorized');
    }
  });

  it('an invalid query is 422 naming the query, from the operator route and from Temporal', async () => {
    for (const query of [`ExchangeState == 'received'`, `NoSuchAttribute = 'x'`, `EscalationLevel = 'high'`, `ExchangeState = 'received' AND (`, `SlaBreached STARTS_WITH 'x'`]) {
      const res = await s.call('GET', `/ops/requests?query=${encodeURIComponent(query)}`, { as: OPS_TOKEN });
      expectError(res, 422, 'validation_failed');
      expect(res.body.error.details).toMatchObject({ field: 'query' });
      expect(res.body.error.message).toMatch(/^query: /);
      expect(res.body.error.message).toMatch(/invalid query/);
      // The client wraps the server's INVALID_ARGUMENT, which names the problem.
      const err = (await listViaClient(query).then(() => undefined, (e: unknown) => e)) as { cause?: { code?: number; details?: string } } | undefined;
      expect(err?.cause).toMatchObject({ code: 3, details: expect.stringMatching(/^invalid query/) });
      // The same problem (its position differs: the route scopes the query to exchange workflows).
      const problem = (m: string) => m.replace(/ at position \d+.*$/, '');
      expect(problem(res.body.error.message)).toBe(`query: ${problem(err!.cause!.details!)}`);
    }
    expectError(await s.call('GET', '/ops/requests?limit=0', { as: OPS_TOKEN }), 422, 'validation_failed');
  });
});
