// Every activity the workflows run may be executed more than once with the same input: Temporal retries
// an attempt whose result it never saw (worker crash, timeout, lost connection), and a timed-out attempt
// may still commit after its retry did. These tests run each activity twice, straight against real
// databases (PGlite in memory, or fresh databases on DATABASE_URL's server), and check that the second
// run changes nothing, and that a late, older change never overwrites a newer one.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstanceDatabases } from '../../db/instances';
import { dropDatabase } from '../../db/connect';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { createExchangeActivities, type AuditWrite, type CommentWrite, type ExchangeRecord, type TaskChange } from '../../activities/exchange-activities';
import { createCatalogActivities, type PublishedItem } from '../../activities/catalog-activities';
import { formatTaskNumber, parentTaskTypes, PROVIDER_TASK_PREFIX, type CatalogKind } from '../../domain/model';
import { databaseImage } from '../harness/database-image';
import { pooledConnection } from '../harness/database-pool';

const CONSUMER = 'acme';
const PROVIDER = 'globex';

const databaseUrl = process.env.DATABASE_URL || undefined;
const prefix = `sx_idem_${randomBytes(4).toString('hex')}_`;
let instances: InstanceDatabases;
let exchange: ReturnType<typeof createExchangeActivities>;
let catalog: ReturnType<typeof createCatalogActivities>;

beforeAll(async () => {
  instances = await InstanceDatabases.open(DEFAULT_INSTANCES, { databaseUrl, databasePrefix: prefix, image: databaseImage, connect: pooledConnection });
  exchange = createExchangeActivities(instances);
  catalog = createCatalogActivities(instances);
});
afterAll(async () => {
  await instances?.close();
  if (databaseUrl) for (const c of DEFAULT_INSTANCES) await dropDatabase(databaseUrl, `${prefix}${c.id.replace(/-/g, '_')}`);
});

/** Runs an activity twice with the same input, each time with its own copy, as a retry would deliver it. */
async function twice<I, O>(activity: (input: I) => Promise<O>, input: I): Promise<[O, O]> {
  const first = await activity(structuredClone(input));
  const second = await activity(structuredClone(input));
  return [first, second];
}

let numbers = 5000;
/** A request as the exchange workflow describes it, with ids of its own so tests never share rows. */
function newRecord(kind: CatalogKind = 'help_request'): ExchangeRecord {
  const number = formatTaskNumber(PROVIDER_TASK_PREFIX, ++numbers);
  return {
    workflowId: `exchange:${CONSUMER}:${number}:${randomUUID()}`,
    consumer: CONSUMER,
    provider: PROVIDER,
    number,
    catalogItem: { id: randomUUID(), name: 'IT help request', kind },
    shortDescription: 'Laptop screen flickers',
    description: 'Since this morning',
    variables: { category: 'hardware' },
    requestedBy: { userId: 'u-ann', name: 'Ann Lee' },
  };
}

const audit = (r: ExchangeRecord, seq: number, side: 'consumer' | 'provider', action: string, from: string | null, to: string | null): AuditWrite => ({
  id: `${r.workflowId}/a/${seq}/${side}`,
  action,
  actorName: 'Ann Lee (Acme Corp)',
  actorInstance: CONSUMER,
  fromState: from,
  toState: to,
  details: { seq },
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
});

const comment = (r: ExchangeRecord, seq: number, body: string, visibility: 'public' | 'internal' = 'public'): CommentWrite => ({
  id: `${r.workflowId}/c/${seq}`,
  seq,
  visibility,
  originInstance: visibility === 'public' ? CONSUMER : PROVIDER,
  authorName: 'Ann Lee (Acme Corp)',
  body,
  createdAt: new Date(Date.UTC(2026, 0, 1, 0, 1, seq)).toISOString(),
});

const consumerRows = (number: string) => instances.db(CONSUMER).selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).execute();
const parentRows = (workflowId: string) => instances.db(PROVIDER).selectFrom('provider_parent_tasks').selectAll().where('workflow_id', '=', workflowId).execute();
const commentRows = (instance: string, taskNumber: string) =>
  instances.db(instance).selectFrom('comments').select(['id', 'seq', 'visibility', 'body']).where('task_number', '=', taskNumber).orderBy('seq').execute();
const auditRows = (instance: string, taskNumber: string) =>
  instances.db(instance).selectFrom('audit_log').select(['id', 'action', 'from_state', 'to_state']).where('task_number', '=', taskNumber).orderBy('id').execute();

async function createBoth(r: ExchangeRecord): Promise<string> {
  await exchange.createProviderTask({ ...r, audit: audit(r, 0, 'consumer', 'submitted', null, 'new') });
  return exchange.createParentTask({ ...r, requestedByDisplay: 'Ann Lee (Acme Corp)', audit: audit(r, 0, 'provider', 'received', null, 'new') });
}

describe('createProviderTask', () => {
  it('twice with the same input: one Provider Task and one audit row', async () => {
    const r = newRecord();
    const input = { ...r, audit: audit(r, 0, 'consumer', 'submitted', null, 'new') };
    const [a, b] = await twice(exchange.createProviderTask, input);
    expect(a).toBeUndefined();
    expect(b).toBeUndefined();

    const rows = await consumerRows(r.number);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      number: r.number,
      workflow_id: r.workflowId,
      provider_instance: PROVIDER,
      state: 'new',
      provider_number: null,
      variables: { category: 'hardware' },
      sync_seq: 0,
    });
    expect(await auditRows(CONSUMER, r.number)).toEqual([{ id: `${r.workflowId}/a/0/consumer`, action: 'submitted', from_state: null, to_state: 'new' }]);
  });

  it('overlapping attempts both succeed and make one Provider Task', async () => {
    const r = newRecord();
    const input = { ...r, audit: audit(r, 0, 'consumer', 'submitted', null, 'new') };
    await Promise.all([exchange.createProviderTask(structuredClone(input)), exchange.createProviderTask(structuredClone(input))]);
    expect(await consumerRows(r.number)).toHaveLength(1);
    expect(await auditRows(CONSUMER, r.number)).toHaveLength(1);
  });

  it('a late retry after the task moved on does not reset it to new', async () => {
    const r = newRecord();
    const input = { ...r, audit: audit(r, 0, 'consumer', 'submitted', null, 'new') };
    await exchange.createProviderTask(structuredClone(input));
    await exchange.applyTaskChange({ instance: CONSUMER, side: 'consumer', number: r.number, seq: 1, state: 'received', providerNumber: 'CS0009999', comments: [] });
    await exchange.createProviderTask(structuredClone(input));

    const rows = await consumerRows(r.number);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'received', provider_number: 'CS0009999', sync_seq: 1 });
    expect(await auditRows(CONSUMER, r.number)).toHaveLength(1);
  });
});

describe('createParentTask', () => {
  it.each(Object.entries(parentTaskTypes) as Array<[CatalogKind, (typeof parentTaskTypes)[CatalogKind]]>)(
    '%s twice with the same input: one parent task, the same number both times, one audit row',
    async (kind, { type, prefix: numberPrefix }) => {
      const r = newRecord(kind);
      const input = { ...r, requestedByDisplay: 'Ann Lee (Acme Corp)', audit: audit(r, 0, 'provider', 'received', null, 'new') };
      const [first, second] = await twice(exchange.createParentTask, input);
      expect(first).toMatch(new RegExp(`^${numberPrefix}\\d{7}$`));
      expect(second).toBe(first);

      const rows = await parentRows(r.workflowId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ number: first, task_type: type, consumer_instance: CONSUMER, consumer_number: r.number, state: 'new', sync_seq: 0 });
      expect(await auditRows(PROVIDER, first)).toEqual([{ id: `${r.workflowId}/a/0/provider`, action: 'received', from_state: null, to_state: 'new' }]);

      // The retry did not use up a number either: the next request of that kind gets the very next one.
      const next = newRecord(kind);
      const nextNumber = await exchange.createParentTask({ ...next, requestedByDisplay: 'Ann Lee (Acme Corp)', audit: audit(next, 0, 'provider', 'received', null, 'new') });
      expect(nextNumber).toBe(formatTaskNumber(numberPrefix, Number(first.slice(numberPrefix.length)) + 1));
    },
  );

  it('overlapping attempts (a timed-out attempt still running when its retry starts) still make one task and one number', async () => {
    const r = newRecord();
    const input = { ...r, requestedByDisplay: 'Ann Lee (Acme Corp)', audit: audit(r, 0, 'provider', 'received', null, 'new') };
    const attempts = await Promise.allSettled([exchange.createParentTask(structuredClone(input)), exchange.createParentTask(structuredClone(input))]);
    // On PostgreSQL the loser may fail on the unique workflow_id (Temporal retries it); it never makes a second task.
    const numbersReturned = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    expect(numbersReturned.length).toBeGreaterThan(0);
    const retried = await exchange.createParentTask(structuredClone(input));
    expect(new Set([...numbersReturned, retried])).toEqual(new Set([retried]));
    expect((await parentRows(r.workflowId)).map((p) => p.number)).toEqual([retried]);
    expect(await auditRows(PROVIDER, retried)).toHaveLength(1);
  });

  it('a late retry after the task moved on returns the same number and leaves the task as it is', async () => {
    const r = newRecord();
    const input = { ...r, requestedByDisplay: 'Ann Lee (Acme Corp)', audit: audit(r, 0, 'provider', 'received', null, 'new') };
    const number = await exchange.createParentTask(structuredClone(input));
    await exchange.applyTaskChange({
      instance: PROVIDER,
      side: 'provider',
      number,
      seq: 2,
      state: 'work_in_progress',
      assignedTo: { userId: 'u-bob', name: 'Bob Stone' },
      comments: [],
    });
    expect(await exchange.createParentTask(structuredClone(input))).toBe(number);

    const rows = await parentRows(r.workflowId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ number, state: 'work_in_progress', assigned_to: 'u-bob', assigned_to_name: 'Bob Stone', sync_seq: 2 });
  });
});

describe('applyTaskChange', () => {
  it('twice with the same consumer-side change: state written once, one row per comment, one audit row', async () => {
    const r = newRecord();
    const providerNumber = await createBoth(r);
    const change: TaskChange = {
      instance: CONSUMER,
      side: 'consumer',
      number: r.number,
      seq: 1,
      state: 'received',
      providerNumber,
      comments: [comment(r, 1, 'It started after the update'), comment(r, 2, 'And again today')],
      audit: audit(r, 1, 'consumer', 'receive', 'new', 'received'),
    };
    await twice(exchange.applyTaskChange, change);

    const rows = await consumerRows(r.number);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'received', provider_number: providerNumber, sync_seq: 1 });
    expect(await commentRows(CONSUMER, r.number)).toEqual([
      { id: `${r.workflowId}/c/1`, seq: 1, visibility: 'public', body: 'It started after the update' },
      { id: `${r.workflowId}/c/2`, seq: 2, visibility: 'public', body: 'And again today' },
    ]);
    expect(await auditRows(CONSUMER, r.number)).toEqual([
      { id: `${r.workflowId}/a/0/consumer`, action: 'submitted', from_state: null, to_state: 'new' },
      { id: `${r.workflowId}/a/1/consumer`, action: 'receive', from_state: 'new', to_state: 'received' },
    ]);
  });

  it('twice with the same provider-side change: assignment, resolution, work note and audit written once', async () => {
    const r = newRecord();
    const number = await createBoth(r);
    const assign: TaskChange = {
      instance: PROVIDER,
      side: 'provider',
      number,
      seq: 2,
      state: 'work_in_progress',
      assignedTo: { userId: 'u-bob', name: 'Bob Stone' },
      comments: [comment(r, 1, 'Probably the GPU driver', 'internal')],
      audit: audit(r, 2, 'provider', 'assign', 'new', 'work_in_progress'),
    };
    const propose: TaskChange = {
      instance: PROVIDER,
      side: 'provider',
      number,
      seq: 3,
      state: 'resolved',
      resolution: { code: 'workaround', notes: 'Rolled back the driver' },
      comments: [],
      audit: audit(r, 3, 'provider', 'propose_solution', 'work_in_progress', 'resolved'),
    };
    await twice(exchange.applyTaskChange, assign);
    await twice(exchange.applyTaskChange, propose);

    const rows = await parentRows(r.workflowId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      state: 'resolved',
      assigned_to: 'u-bob',
      assigned_to_name: 'Bob Stone',
      resolution_code: 'workaround',
      resolution_notes: 'Rolled back the driver',
      sync_seq: 3,
    });
    expect(await commentRows(PROVIDER, number)).toEqual([{ id: `${r.workflowId}/c/1`, seq: 1, visibility: 'internal', body: 'Probably the GPU driver' }]);
    expect((await auditRows(PROVIDER, number)).map((a) => a.action)).toEqual(['received', 'assign', 'propose_solution']);
    // The consumer's copy was never touched by the provider-side changes.
    expect(await consumerRows(r.number)).toEqual([expect.objectContaining({ state: 'new', sync_seq: 0, assigned_to_name: null })]);
    expect(await commentRows(CONSUMER, r.number)).toEqual([]);
  });

  it('an older change applied after a newer one does not overwrite it (sync_seq), on both sides', async () => {
    const r = newRecord();
    const providerNumber = await createBoth(r);
    for (const side of ['consumer', 'provider'] as const) {
      const instance = side === 'consumer' ? CONSUMER : PROVIDER;
      const number = side === 'consumer' ? r.number : providerNumber;
      const older: TaskChange = {
        instance,
        side,
        number,
        seq: 4,
        state: 'work_in_progress',
        assignedTo: { userId: 'u-carol', name: 'Carol Diaz' },
        resolution: null,
        comments: [comment(r, 3, 'Solution rejected: Still flickers')],
        audit: audit(r, 4, side, 'reject', 'resolved', 'work_in_progress'),
      };
      const newer: TaskChange = {
        instance,
        side,
        number,
        seq: 5,
        state: 'resolved',
        resolution: { code: 'solved', notes: 'Replaced the screen' },
        comments: [],
        audit: audit(r, 5, side, 'propose_solution', 'work_in_progress', 'resolved'),
      };
      // The older change committed once in order, then its timed-out first attempt commits late.
      await exchange.applyTaskChange(structuredClone(older));
      await exchange.applyTaskChange(structuredClone(newer));
      await exchange.applyTaskChange(structuredClone(older));

      const row = side === 'consumer' ? (await consumerRows(r.number))[0] : (await parentRows(r.workflowId))[0];
      expect(row).toMatchObject({
        state: 'resolved',
        assigned_to_name: 'Carol Diaz',
        resolution_code: 'solved',
        resolution_notes: 'Replaced the screen',
        sync_seq: 5,
      });
      expect((await commentRows(instance, number)).map((c) => c.body)).toEqual(['Solution rejected: Still flickers']);
      expect((await auditRows(instance, number)).map((a) => a.action)).toEqual([side === 'consumer' ? 'submitted' : 'received', 'reject', 'propose_solution']);
    }
  });

  it('an older change arriving first-ever after a newer one is refused for the fields, kept for its comments and audit', async () => {
    const r = newRecord();
    const providerNumber = await createBoth(r);
    await exchange.applyTaskChange({ instance: PROVIDER, side: 'provider', number: providerNumber, seq: 7, state: 'cancelled', comments: [] });
    await exchange.applyTaskChange({
      instance: PROVIDER,
      side: 'provider',
      number: providerNumber,
      seq: 6,
      state: 'awaiting_info',
      comments: [comment(r, 4, 'Which servers?')],
      audit: audit(r, 6, 'provider', 'request_info', 'work_in_progress', 'awaiting_info'),
    });

    expect((await parentRows(r.workflowId))[0]).toMatchObject({ state: 'cancelled', sync_seq: 7 });
    expect((await commentRows(PROVIDER, providerNumber)).map((c) => c.body)).toEqual(['Which servers?']);
    expect((await auditRows(PROVIDER, providerNumber)).map((a) => a.action)).toEqual(['received', 'request_info']);
  });

  it('replaying a whole request’s writes a second time leaves both databases exactly as they were', async () => {
    const r = newRecord();
    const creations = {
      consumer: { ...r, audit: audit(r, 0, 'consumer', 'submitted', null, 'new') },
      provider: { ...r, requestedByDisplay: 'Ann Lee (Acme Corp)', audit: audit(r, 0, 'provider', 'received', null, 'new') },
    };
    const run = async () => {
      await exchange.createProviderTask(structuredClone(creations.consumer));
      const number = await exchange.createParentTask(structuredClone(creations.provider));
      const changes: TaskChange[] = [
        { instance: CONSUMER, side: 'consumer', number: r.number, seq: 1, state: 'received', providerNumber: number, comments: [], audit: audit(r, 1, 'consumer', 'receive', 'new', 'received') },
        { instance: PROVIDER, side: 'provider', number, seq: 2, state: 'work_in_progress', assignedTo: { userId: 'u-bob', name: 'Bob Stone' }, comments: [], audit: audit(r, 2, 'provider', 'assign', 'new', 'work_in_progress') },
        { instance: CONSUMER, side: 'consumer', number: r.number, seq: 2, state: 'work_in_progress', assignedTo: { userId: 'u-bob', name: 'Bob Stone' }, providerNumber: number, comments: [], audit: audit(r, 2, 'consumer', 'assign', 'received', 'work_in_progress') },
        { instance: PROVIDER, side: 'provider', number, seq: 3, comments: [comment(r, 1, 'Probably the GPU driver', 'internal')], audit: audit(r, 3, 'provider', 'work_note', 'work_in_progress', 'work_in_progress') },
        { instance: PROVIDER, side: 'provider', number, seq: 4, state: 'resolved', resolution: { code: 'solved', notes: 'Done' }, comments: [], audit: audit(r, 4, 'provider', 'propose_solution', 'work_in_progress', 'resolved') },
        { instance: CONSUMER, side: 'consumer', number: r.number, seq: 4, state: 'resolved', resolution: { code: 'solved', notes: 'Done' }, providerNumber: number, comments: [], audit: audit(r, 4, 'consumer', 'propose_solution', 'work_in_progress', 'resolved') },
        { instance: CONSUMER, side: 'consumer', number: r.number, seq: 5, state: 'closed', providerNumber: number, comments: [], audit: audit(r, 5, 'consumer', 'accept', 'resolved', 'closed') },
        { instance: PROVIDER, side: 'provider', number, seq: 5, state: 'closed', comments: [], audit: audit(r, 5, 'provider', 'accept', 'resolved', 'closed') },
      ];
      for (const c of changes) await exchange.applyTaskChange(structuredClone(c));
      return number;
    };
    // updated_at is the time of the write, not part of the request's content.
    const contents = async (number: string) => ({
      consumer: (await consumerRows(r.number)).map(({ updated_at: _u, ...row }) => row),
      provider: (await parentRows(r.workflowId)).map(({ updated_at: _u, ...row }) => row),
      comments: [await commentRows(CONSUMER, r.number), await commentRows(PROVIDER, number)],
      audit: [await auditRows(CONSUMER, r.number), await auditRows(PROVIDER, number)],
    });

    const number = await run();
    const once = await contents(number);
    expect(once.consumer).toEqual([expect.objectContaining({ state: 'closed', resolution_code: 'solved', assigned_to_name: 'Bob Stone', sync_seq: 5 })]);
    expect(once.provider).toEqual([expect.objectContaining({ state: 'closed', assigned_to: 'u-bob', sync_seq: 5 })]);
    expect(once.audit.map((a) => a.length)).toEqual([5, 5]);

    expect(await run()).toBe(number);
    expect(await contents(number)).toEqual(once);
  });
});

describe('catalog activities', () => {
  const item = (): PublishedItem => ({
    id: randomUUID(),
    name: 'Request a change',
    description: 'Ask Globex to change a service they run for you.',
    kind: 'change_request',
    form: [{ name: 'wanted_by', label: 'Wanted by', type: 'date', required: true }],
    sla: { responseTime: '1d', resolutionTime: '10d' },
  });
  const remoteRows = (id: string) => instances.db(CONSUMER).selectFrom('remote_catalog_items').selectAll().where('id', '=', id).execute();

  it('putRemoteCatalogItem twice with the same input: one remote catalog item', async () => {
    const published = item();
    await twice(catalog.putRemoteCatalogItem, { consumer: CONSUMER, provider: PROVIDER, providerName: 'Globex Services', item: published, state: 'published' });

    const rows = await remoteRows(published.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: published.id,
      provider_instance: PROVIDER,
      provider_name: 'Globex Services',
      name: 'Request a change',
      kind: 'change_request',
      state: 'published',
      form: published.form,
      sla: published.sla,
    });

    // Retiring it (twice) updates that same row rather than adding one.
    await twice(catalog.putRemoteCatalogItem, { consumer: CONSUMER, provider: PROVIDER, providerName: 'Globex Services', item: published, state: 'retired' });
    expect((await remoteRows(published.id)).map((r) => r.state)).toEqual(['retired']);
  });

  it('setCatalogItemState twice with the same input: the provider item in that state, once', async () => {
    const own = item();
    await instances
      .db(PROVIDER)
      .insertInto('catalog_items')
      .values({ ...own, form: JSON.stringify(own.form), sla: JSON.stringify(own.sla), state: 'draft', published_to: JSON.stringify([]) })
      .execute();
    await twice(catalog.setCatalogItemState, { provider: PROVIDER, id: own.id, state: 'published', publishedTo: [CONSUMER] });

    const rows = await instances.db(PROVIDER).selectFrom('catalog_items').selectAll().where('id', '=', own.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: 'published', published_to: [CONSUMER] });
  });
});
