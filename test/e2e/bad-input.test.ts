import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type ApiResponse, type TestStack } from '../harness/stack';
import { BODY_LIMIT_BYTES } from '../../api/app';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';
import { eventually } from '../harness/eventually';
import { everything } from '../harness/snapshot';

// Bad input of every kind: each is answered with the right status and a JSON error naming the
// problem, never a stack trace, and leaves both databases and every workflow history as they were.

let s: TestStack;

/** A request in work in progress (ordered by Ann, assigned to Bob), quiet: nothing pending. */
const wip = { consumerNumber: '', providerNumber: '', workflowId: '' };


/**
 * Calls, checks the answer is the error expected (status, code, a message naming `names`), and that
 * nothing anywhere changed.
 */
async function refused(
  call: () => Promise<ApiResponse>,
  status: number,
  code: string,
  names?: string | RegExp,
): Promise<ApiResponse> {
  const before = await everything(s);
  const res = await call();
  expectError(res, status, code, names);
  expect(await everything(s)).toEqual(before);
  return res;
}

function expectError(res: ApiResponse, status: number, code: string, names?: string | RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
  expect(Object.keys(res.body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(JSON.stringify(res.body)).not.toMatch(/\.(ts|js):\d+|node_modules|\bstack\b|\n\s+at |\\n\s+at /);
  if (typeof names === 'string') expect(res.body.error.message).toContain(names);
  else if (names) expect(res.body.error.message).toMatch(names);
}

const consumerTask = (number: string) => s.instances.db('acme').selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst();
const providerTask = (consumerNumber: string) =>
  s.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', consumerNumber).executeTakeFirst();
const comments = (instance: string, number: string) =>
  s.instances.db(instance).selectFrom('comments').selectAll().where('task_number', '=', number).orderBy('seq').execute();
const quiet = (workflowId: string) =>
  eventually(
    () => s.temporal.client.workflow.getHandle(workflowId).query(snapshotQuery),
    (snap) => snap.pending.consumer === 0 && snap.pending.provider === 0,
    { what: `${workflowId} to have nothing pending` },
  );

const validRequest = () => ({
  catalogItemId: s.demo.items.help_request,
  shortDescription: 'Laptop will not boot',
  description: 'Black screen',
  variables: { category: 'hardware' },
});

/** A new request, received by the provider and quiet: returns both numbers. */
async function received(body: Record<string, unknown> = validRequest(), headers?: Record<string, string>) {
  const res = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body, headers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const consumerNumber = res.body.number as string;
  const parent = await eventually(() => providerTask(consumerNumber), (p) => !!p, { what: 'the provider task' });
  await eventually(() => consumerTask(consumerNumber), (t) => t?.state === 'received', { what: 'the consumer task to be received' });
  const workflowId = exchangeWorkflowId('acme', consumerNumber);
  await quiet(workflowId);
  return { consumerNumber, providerNumber: parent!.number, workflowId, response: res };
}

beforeAll(async () => {
  s = await createTestStack();
  const r = await received();
  Object.assign(wip, r);
  expect((await s.call('POST', `/tasks/${wip.providerNumber}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBe(200);
  await eventually(() => consumerTask(wip.consumerNumber), (t) => t?.state === 'work_in_progress', { what: 'work in progress on the consumer side' });
  await quiet(wip.workflowId);
});

afterAll(async () => {
  await s?.close();
});

describe('malformed requests', () => {
  it.each([
    ['truncated', '{"catalogItemId": "x", '],
    ['single quotes', "{'catalogItemId': 'x'}"],
    ['trailing comma', '{"shortDescription": "x",}'],
    ['not JSON at all', 'catalogItemId=x&shortDescription=y'],
  ])('malformed JSON (%s): 400 bad_request naming JSON', async (_label, rawBody) => {
    await refused(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', rawBody }), 400, 'bad_request', /JSON/);
  });

  it('malformed JSON on a task action: 400, nothing posted', async () => {
    await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', rawBody: '{"body": "hi"' }), 400, 'bad_request', /JSON/);
  });

  it('a prototype-pollution body is refused: 400', async () => {
    const rawBody = `{"catalogItemId":"${s.demo.items.help_request}","shortDescription":"x","variables":{"category":"hardware"},"__proto__":{"isAdmin":true}}`;
    // Fastify's parser refuses the whole body (its message calls it invalid JSON).
    await refused(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', rawBody }), 400, 'bad_request', /JSON|prototype|__proto__/);
  });

  it(`a body over ${BODY_LIMIT_BYTES} bytes: 413 payload_too_large`, async () => {
    const big = 'x'.repeat(BODY_LIMIT_BYTES + 1);
    await refused(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), description: big } }), 413, 'payload_too_large', /too large/i);
    await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: big } }), 413, 'payload_too_large', /too large/i);
    await refused(() => s.call('POST', '/catalog/items', { as: 'GLOBEX_ADMIN_TOKEN', body: { name: 'Big', kind: 'help_request', description: big } }), 413, 'payload_too_large');
  });

  it('a body over a field limit but under the body limit: 422 naming the field', async () => {
    await refused(
      () => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: 'x'.repeat(10_001) } }),
      422,
      'validation_failed',
      'body.body',
    );
  });
});

describe('schema violations: 422 validation_failed naming the field', () => {
  const requests: Array<[string, () => unknown, string]> = [
    ['shortDescription of the wrong type', () => ({ ...validRequest(), shortDescription: 42 }), 'shortDescription'],
    ['catalogItemId of the wrong type', () => ({ ...validRequest(), catalogItemId: ['a'] }), 'catalogItemId'],
    ['variables not an object', () => ({ ...validRequest(), variables: 'category=hardware' }), 'variables'],
    ['a variable holding an object', () => ({ ...validRequest(), variables: { category: { $ne: null } } }), 'variables.category'],
    ['description of the wrong type', () => ({ ...validRequest(), description: false }), 'description'],
    ['catalogItemId missing', () => ({ shortDescription: 'x', variables: {} }), 'catalogItemId'],
    ['shortDescription missing', () => ({ catalogItemId: s.demo.items.help_request, variables: { category: 'hardware' } }), 'shortDescription'],
    ['shortDescription empty', () => ({ ...validRequest(), shortDescription: '' }), 'shortDescription'],
    ['an unknown extra field', () => ({ ...validRequest(), priority: 'P1' }), 'body.priority'],
    ['a body that is an array', () => [validRequest()], 'body'],
  ];
  it.each(requests)('POST /requests with %s', async (_label, body, field) => {
    await refused(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: body() }), 422, 'validation_failed', field);
  });

  const actions: Array<[string, string, string, unknown, string]> = [
    ['comments', 'ANN_TOKEN', 'consumer', { body: 7 }, 'body.body'],
    ['comments', 'ANN_TOKEN', 'consumer', {}, 'body.body'],
    ['comments', 'ANN_TOKEN', 'consumer', { body: 'hi', visibility: 'internal' }, 'visibility'],
    ['work-notes', 'BOB_TOKEN', 'provider', { body: 'hi', text: 'hi' }, 'body.text'],
    ['work-notes', 'BOB_TOKEN', 'provider', { text: 'hi' }, 'body.body'],
    ['request-info', 'BOB_TOKEN', 'provider', { question: null }, 'question'],
    ['propose-solution', 'BOB_TOKEN', 'provider', { resolutionCode: 'solved' }, 'resolutionNotes'],
    ['propose-solution', 'BOB_TOKEN', 'provider', { resolutionCode: 1, resolutionNotes: 'x' }, 'resolutionCode'],
    ['assign', 'BOB_TOKEN', 'provider', { assignee: 'carol' }, 'assignee'],
    ['reject', 'ANN_TOKEN', 'consumer', {}, 'reason'],
    ['cancel', 'ANN_TOKEN', 'consumer', { reason: 5 }, 'reason'],
    ['accept', 'ANN_TOKEN', 'consumer', { rating: 5 }, 'rating'],
  ];
  it.each(actions)('POST /tasks/:number/%s as %s (%s side) with %j', async (path, as, side, body, field) => {
    const number = side === 'consumer' ? wip.consumerNumber : wip.providerNumber;
    await refused(() => s.call('POST', `/tasks/${number}/${path}`, { as, body }), 422, 'validation_failed', field);
  });

  it('POST /catalog/items with a bad form names the form field', async () => {
    await refused(
      () => s.call('POST', '/catalog/items', { as: 'GLOBEX_ADMIN_TOKEN', body: { name: 'X', kind: 'help_request', form: [{ name: 'a', type: 'colour' }] } }),
      422,
      'validation_failed',
      'form',
    );
    await refused(
      () => s.call('POST', '/catalog/items', { as: 'GLOBEX_ADMIN_TOKEN', body: { name: 'X', kind: 'help_request', form: [{ name: 'a', type: 'choice' }] } }),
      422,
      'validation_failed',
      'form[0].choices',
    );
    await refused(() => s.call('POST', '/catalog/items', { as: 'GLOBEX_ADMIN_TOKEN', body: { name: 'X', kind: 'toaster' } }), 422, 'validation_failed', 'kind');
  });

  it('POST /catalog/items/:id/publish to an unknown consumer names consumers', async () => {
    await refused(
      () => s.call('POST', `/catalog/items/${s.demo.items.help_request}/publish`, { as: 'GLOBEX_ADMIN_TOKEN', body: { consumers: ['nowhere'] } }),
      422,
      'validation_failed',
      'consumers',
    );
  });
});

describe('content the product checks itself', () => {
  it('an unknown catalog item: 422 naming catalogItemId', async () => {
    const res = await refused(
      () => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), catalogItemId: 'no-such-item' } }),
      422,
      'validation_failed',
      'catalogItemId',
    );
    expect(res.body.error.details).toEqual({ field: 'catalogItemId' });
  });

  it.each([
    ['a choice outside the list', 'help_request', { category: 'toaster' }, 'variables.category'],
    ['a required variable missing', 'help_request', {}, 'variables.category'],
    ['a variable the form does not have', 'help_request', { category: 'hardware', colour: 'red' }, 'variables.colour'],
    ['a text where a whole number goes', 'service_affecting_issue', { service: 'Mail', users_affected: 'many' }, 'variables.users_affected'],
    ['a fraction where a whole number goes', 'service_affecting_issue', { service: 'Mail', users_affected: 1.5 }, 'variables.users_affected'],
    ['a malformed date', 'change_request', { wanted_by: 'next tuesday' }, 'variables.wanted_by'],
  ] as const)("variables failing the item's form (%s): 422 naming the variable", async (_label, kind, variables, field) => {
    const res = await refused(
      () => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), catalogItemId: s.demo.items[kind], variables } }),
      422,
      'validation_failed',
      field,
    );
    expect(res.body.error.details).toEqual({ field });
  });

  it('an unknown task number: 404 on reads and on every action', async () => {
    await refused(() => s.call('GET', '/tasks/PTSK9999999', { as: 'ANN_TOKEN' }), 404, 'not_found', 'PTSK9999999');
    await refused(() => s.call('GET', '/tasks/CS9999999', { as: 'BOB_TOKEN' }), 404, 'not_found', 'CS9999999');
    await refused(() => s.call('POST', '/tasks/PTSK9999999/comments', { as: 'ANN_TOKEN', body: { body: 'hello?' } }), 404, 'not_found', 'PTSK9999999');
    await refused(() => s.call('POST', '/tasks/INC9999999/assign', { as: 'BOB_TOKEN', body: {} }), 404, 'not_found', 'INC9999999');
  });

  it('a task number of the wrong shape: 422 naming number', async () => {
    for (const bad of ['PTSK1', 'ptsk0000001', '1%27%20OR%201%3D1', 'PTSK00000001']) {
      await refused(() => s.call('GET', `/tasks/${bad}`, { as: 'ANN_TOKEN' }), 422, 'validation_failed', 'number');
    }
  });

  it('an invalid transition: 409 with the state and the allowed actions', async () => {
    const accept = await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/accept`, { as: 'ANN_TOKEN', body: {} }), 409, 'invalid_transition', /work in progress/);
    expect(accept.body.error.details).toEqual({ state: 'work_in_progress', allowedActions: ['comment', 'attach', 'cancel'] });
    const reject = await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/reject`, { as: 'ANN_TOKEN', body: { reason: 'meh' } }), 409, 'invalid_transition');
    expect(reject.body.error.details).toEqual({ state: 'work_in_progress', allowedActions: ['comment', 'attach', 'cancel'] });
    const again = await refused(() => s.call('POST', `/tasks/${wip.providerNumber}/assign`, { as: 'BOB_TOKEN', body: {} }), 409, 'invalid_transition', /already assigned to you/);
    expect(again.body.error.details).toMatchObject({ state: 'work_in_progress', allowedActions: expect.arrayContaining(['comment', 'work_note', 'request_info', 'propose_solution']) });
    expect(again.body.error.details.allowedActions).not.toContain('assign');
  });

  it('a resolution code outside the list: 422 naming resolutionCode and the codes allowed', async () => {
    const res = await refused(
      () => s.call('POST', `/tasks/${wip.providerNumber}/propose-solution`, { as: 'BOB_TOKEN', body: { resolutionCode: 'fixed_it', resolutionNotes: 'done' } }),
      422,
      'validation_failed',
      'resolutionCode',
    );
    expect(res.body.error.details).toMatchObject({ field: 'resolutionCode', allowed: ['solved', 'workaround', 'not_reproducible', 'duplicate', 'rejected_by_provider'] });
  });

  it('blank text where text is required: 422 naming the field', async () => {
    await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: '   ' } }), 422, 'validation_failed', 'body');
    await refused(() => s.call('POST', `/tasks/${wip.providerNumber}/request-info`, { as: 'BOB_TOKEN', body: { question: '\n\t ' } }), 422, 'validation_failed', 'question');
  });
});

describe('GET /tasks: bad cursor and limit', () => {
  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['garbage', 'not-a-cursor'],
    ['base64 of something else', Buffer.from('hello').toString('base64url')],
    ['JSON null', cursor(null)],
    ['a cursor with a bad date', cursor({ createdAt: 'yesterday', number: 'PTSK0000001' })],
    ['a cursor without a number', cursor({ createdAt: new Date().toISOString() })],
    ['a cursor with a number of the wrong type', cursor({ createdAt: new Date().toISOString(), number: 5 })],
  ])('cursor = %s: 400 naming cursor', async (_label, value) => {
    await refused(() => s.call('GET', `/tasks?cursor=${encodeURIComponent(value)}`, { as: 'ANN_TOKEN' }), 400, 'bad_request', 'cursor');
  });

  it('a cursor over 500 characters: 422 naming cursor', async () => {
    await refused(() => s.call('GET', `/tasks?cursor=${'a'.repeat(501)}`, { as: 'ANN_TOKEN' }), 422, 'validation_failed', 'cursor');
  });

  it.each(['0', '101', '999', '1000', '-1', '1.5', 'ten', '', '20&limit=30'])('limit = %s: 422 naming limit', async (limit) => {
    await refused(() => s.call('GET', `/tasks?limit=${limit}`, { as: 'ANN_TOKEN' }), 422, 'validation_failed', 'limit');
  });

  it('an unknown state or query parameter: 422 naming it', async () => {
    await refused(() => s.call('GET', '/tasks?state=on_fire', { as: 'ANN_TOKEN' }), 422, 'validation_failed', 'state');
    await refused(() => s.call('GET', '/tasks?sort=asc', { as: 'ANN_TOKEN' }), 422, 'validation_failed', 'querystring.sort');
  });

  it('good cursors and limits still page through', async () => {
    const first = await s.call('GET', '/tasks?limit=1', { as: 'ANN_TOKEN' });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(1);
    const all = await s.call('GET', '/tasks?limit=100', { as: 'ANN_TOKEN' });
    if (all.body.items.length > 1) {
      const next = await s.call('GET', `/tasks?limit=1&cursor=${first.body.nextCursor}`, { as: 'ANN_TOKEN' });
      expect(next.status).toBe(200);
      expect(next.body.items[0].number).toBe(all.body.items[1].number);
    }
  });
});

describe('hostile strings are stored and returned verbatim', () => {
  const hostile = {
    html: '<script>alert("x")</script><img src=x onerror=alert(1)><b>bold</b> &amp; &lt;',
    sql: "'; drop table users;-- Robert'); DROP TABLE consumer_provider_tasks; --",
    unicode: 'Zoë 日本語 مرحبا שלום 👩🏽‍💻🏳️‍🌈 e\u0301 \u200b\u200d \u202eRTL\u202c 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \\n not a newline ${x} {{x}} %s',
    json: '{"body": "nested"} \\" \\u0000 \r\n\ttabs',
  };
  const all = Object.values(hostile).join(' | ');

  it('in a request: short description, description and variables, on both sides and in the API', async () => {
    const body = {
      catalogItemId: s.demo.items.help_request,
      shortDescription: hostile.html.slice(0, 200),
      description: all,
      variables: { category: 'software', asset_tag: hostile.sql },
    };
    const { consumerNumber, response } = await received(body);
    expect(response.body).toMatchObject({ shortDescription: body.shortDescription, description: all, variables: body.variables });
    expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
    const consumer = await consumerTask(consumerNumber);
    expect(consumer).toMatchObject({ short_description: body.shortDescription, description: all, variables: body.variables });
    const provider = await providerTask(consumerNumber);
    expect(provider).toMatchObject({ short_description: body.shortDescription, description: all, variables: body.variables });
    const view = await s.call('GET', `/tasks/${provider!.number}`, { as: 'BOB_TOKEN' });
    expect(view.body).toMatchObject({ shortDescription: body.shortDescription, description: all, variables: body.variables });
    const list = await s.call('GET', '/tasks?limit=100', { as: 'ANN_TOKEN' });
    expect(list.body.items.find((t: { number: string }) => t.number === consumerNumber).shortDescription).toBe(body.shortDescription);
    // And nothing was interpreted: the tables are all still there.
    for (const instance of s.instances.ids) {
      expect((await s.instances.db(instance).selectFrom('users').select('id').execute()).length).toBeGreaterThan(0);
      await s.instances.db(instance).selectFrom('consumer_provider_tasks').select('number').execute();
    }
  });

  it('in comments and work notes, both ways', async () => {
    const { consumerNumber, providerNumber, workflowId } = await received();
    expect((await s.call('POST', `/tasks/${providerNumber}/assign`, { as: 'CAROL_TOKEN', body: {} })).status).toBe(200);
    for (const text of Object.values(hostile)) {
      expect((await s.call('POST', `/tasks/${consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: text } })).status).toBe(201);
    }
    expect((await s.call('POST', `/tasks/${providerNumber}/work-notes`, { as: 'CAROL_TOKEN', body: { body: hostile.sql } })).status).toBe(201);
    expect((await s.call('POST', `/tasks/${providerNumber}/comments`, { as: 'CAROL_TOKEN', body: { body: hostile.html } })).status).toBe(201);
    const expected = [...Object.values(hostile), hostile.html];
    await quiet(workflowId);
    await eventually(() => comments('acme', consumerNumber), (c) => c.length === expected.length, { what: 'the comments on the consumer side' });
    expect((await comments('acme', consumerNumber)).map((c) => c.body)).toEqual(expected);
    expect((await comments('globex', providerNumber)).map((c) => c.body)).toEqual([...Object.values(hostile), hostile.sql, hostile.html]);
    const consumerView = await s.call('GET', `/tasks/${consumerNumber}`, { as: 'ANN_TOKEN' });
    expect(consumerView.body.comments.map((c: { body: string }) => c.body)).toEqual(expected);
    const providerView = await s.call('GET', `/tasks/${providerNumber}`, { as: 'CAROL_TOKEN' });
    expect(providerView.body.comments.map((c: { body: string }) => c.body)).toEqual([...Object.values(hostile), hostile.sql, hostile.html]);
  });

  it('a NUL character, which the databases cannot store, is refused up front: 422 naming the field', async () => {
    await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: 'a\u0000b' } }), 422, 'validation_failed', 'body');
    await refused(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), description: 'x\u0000' } }), 422, 'validation_failed', 'description');
    await refused(
      () => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), variables: { category: 'hardware', asset_tag: '\u0000' } } }),
      422,
      'validation_failed',
      'variables.asset_tag',
    );
    await refused(
      () => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), variables: { category: 'hardware', 'asset\u0000tag': 'x' } } }),
      422,
      'validation_failed',
      'body.variables',
    );
    await refused(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), catalogItemId: 'id\u0000' } }), 422, 'validation_failed', 'catalogItemId');
    await refused(() => s.call('POST', '/catalog/items/%00/retire', { as: 'GLOBEX_ADMIN_TOKEN' }), 422, 'validation_failed', 'params.id');
    await refused(() => s.call('GET', '/tasks?cursor=%00', { as: 'ANN_TOKEN' }), 422, 'validation_failed', 'querystring.cursor');
  });

  it('an unpaired surrogate, which cannot be stored verbatim, is refused: 422 naming the field', async () => {
    await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', rawBody: '{"body": "half an emoji \\ud83d"}' }), 422, 'validation_failed', 'body.body');
    await refused(() => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', rawBody: '{"body": "\\udc00 backwards \\ud83d"}' }), 422, 'validation_failed', 'body.body');
  });
});

describe('Idempotency-Key', () => {
  const count = async (instance: string, table: 'consumer_provider_tasks' | 'provider_parent_tasks') =>
    (await s.instances.db(instance).selectFrom(table).select('number').execute()).length;
  const workflowCount = async () => {
    let n = 0;
    for await (const wf of s.temporal.client.workflow.list()) if (wf.workflowId.startsWith('exchange:')) n++;
    return n;
  };

  it('POST /requests: the same key and body returns the same response, and one request exists', async () => {
    const [tasksBefore, workflowsBefore] = [await count('acme', 'consumer_provider_tasks'), await workflowCount()];
    const headers = { 'idempotency-key': 'req-same-1' };
    const body = { ...validRequest(), shortDescription: 'Idempotent order' };
    const first = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body, headers });
    expect(first.status).toBe(201);
    const second = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body, headers });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    await eventually(() => providerTask(first.body.number), (p) => !!p, { what: 'the provider task' });
    await quiet(exchangeWorkflowId('acme', first.body.number));
    const third = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body, headers });
    expect(third.body).toEqual(first.body);
    expect(await count('acme', 'consumer_provider_tasks')).toBe(tasksBefore + 1);
    expect((await s.instances.db('globex').selectFrom('provider_parent_tasks').select('number').where('consumer_number', '=', first.body.number).execute()).length).toBe(1);
    expect(await workflowCount()).toBe(workflowsBefore + 1);
    // The key is per user: another user with the same key makes a request of their own.
    const other = await s.call('POST', '/requests', { as: 'ACME_ADMIN_TOKEN', body, headers });
    expect(other.status).toBe(201);
    expect(other.body.number).not.toBe(first.body.number);
  });

  it('POST /requests: a refused order and a retried one take no number: the next order gets the next one', async () => {
    const sequence = (number: string) => Number(number.replace(/^\D+/, ''));
    const headers = { 'idempotency-key': 'req-numbers-1' };
    const first = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: validRequest(), headers });
    expect(first.status).toBe(201);
    await eventually(() => providerTask(first.body.number), (p) => !!p, { what: 'the provider task' });
    await quiet(exchangeWorkflowId('acme', first.body.number));
    const bad = { ...validRequest(), variables: { category: 'toaster' } };
    await refused(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: bad }), 422, 'validation_failed', 'variables.category');
    // With a key, the refusal is kept as the key's answer, and that is all.
    expectError(await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: bad, headers: { 'idempotency-key': 'req-numbers-bad' } }), 422, 'validation_failed', 'variables.category');
    expect((await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: validRequest(), headers })).body.number).toBe(first.body.number);
    const next = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), shortDescription: 'The next order' } });
    expect(next.status).toBe(201);
    expect(sequence(next.body.number)).toBe(sequence(first.body.number) + 1);
    await eventually(() => providerTask(next.body.number), (p) => !!p, { what: 'the next provider task' });
    await quiet(exchangeWorkflowId('acme', next.body.number));
  });

  it('POST /requests: the same key with another body is 422 idempotency_conflict, nothing written', async () => {
    const headers = { 'idempotency-key': 'req-conflict-1' };
    const first = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: validRequest(), headers });
    expect(first.status).toBe(201);
    await eventually(() => providerTask(first.body.number), (p) => !!p, { what: 'the provider task' });
    await quiet(exchangeWorkflowId('acme', first.body.number));
    const res = await refused(
      () => s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { ...validRequest(), shortDescription: 'Something else' }, headers }),
      422,
      'idempotency_conflict',
      'Idempotency-Key',
    );
    expect(res.body.error.details).toEqual({ idempotencyKey: 'req-conflict-1' });
  });

  it('two concurrent POST /requests with the same key create exactly one request', async () => {
    const [tasksBefore, workflowsBefore] = [await count('acme', 'consumer_provider_tasks'), await workflowCount()];
    const headers = { 'idempotency-key': 'req-race-1' };
    const body = { ...validRequest(), shortDescription: 'Raced order' };
    const answers = await Promise.all([1, 2].map(() => s.call('POST', '/requests', { as: 'ANN_TOKEN', body, headers })));
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const a of answers) {
      // The loser is either told the first is still in progress (retry), or given the same answer.
      if (a.status === 201) expect(a.body.number).toBe(created[0].body.number);
      else expectError(a, 409, 'conflict', /Idempotency-Key/);
    }
    const number = created[0].body.number;
    await eventually(() => providerTask(number), (p) => !!p, { what: 'the provider task' });
    await quiet(exchangeWorkflowId('acme', number));
    const retry = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body, headers });
    expect(retry.status).toBe(201);
    expect(retry.body.number).toBe(number);
    expect(await count('acme', 'consumer_provider_tasks')).toBe(tasksBefore + 1);
    expect(await workflowCount()).toBe(workflowsBefore + 1);
    expect((await s.instances.db('globex').selectFrom('provider_parent_tasks').select('number').where('consumer_number', '=', number).execute()).length).toBe(1);
  });

  it('a comment: the same key twice posts one comment on each side; another body is 422', async () => {
    const headers = { 'idempotency-key': 'comment-1' };
    const before = (await comments('acme', wip.consumerNumber)).length;
    const first = await s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: 'Posted once' }, headers });
    expect(first.status).toBe(201);
    const second = await s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: 'Posted once' }, headers });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    await quiet(wip.workflowId);
    const consumerSide = await comments('acme', wip.consumerNumber);
    expect(consumerSide.filter((c) => c.body === 'Posted once')).toHaveLength(1);
    expect(consumerSide).toHaveLength(before + 1);
    expect((await comments('globex', wip.providerNumber)).filter((c) => c.body === 'Posted once')).toHaveLength(1);
    await refused(
      () => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: 'Posted twice?' }, headers }),
      422,
      'idempotency_conflict',
      'Idempotency-Key',
    );
  });

  it('a bad Idempotency-Key is 400, nothing written', async () => {
    await refused(
      () => s.call('POST', `/tasks/${wip.consumerNumber}/comments`, { as: 'ANN_TOKEN', body: { body: 'x' }, headers: { 'idempotency-key': 'k'.repeat(201) } }),
      400,
      'bad_request',
      'Idempotency-Key',
    );
  });
});

describe('concurrent "Assign to me"', () => {
  it('Bob and Carol at once: exactly one 200, the other 409 naming the winner', async () => {
    const { consumerNumber, providerNumber, workflowId } = await received();
    const [bob, carol] = await Promise.all([
      s.call('POST', `/tasks/${providerNumber}/assign`, { as: 'BOB_TOKEN', body: {} }),
      s.call('POST', `/tasks/${providerNumber}/assign`, { as: 'CAROL_TOKEN', body: {} }),
    ]);
    expect([bob.status, carol.status].sort()).toEqual([200, 409]);
    const [winner, loser] = bob.status === 200 ? [bob, carol] : [carol, bob];
    const winnerName = bob.status === 200 ? 'Bob Stone' : 'Carol Diaz';
    expect(winner.body).toMatchObject({ state: 'work_in_progress', assignedTo: winnerName });
    expectError(loser, 409, 'conflict', winnerName);
    expect(loser.body.error.details).toMatchObject({ assignedTo: winnerName });

    await quiet(workflowId);
    await eventually(() => consumerTask(consumerNumber), (t) => t?.assigned_to_name === winnerName, { what: 'the consumer side to show the winner' });
    expect(await providerTask(consumerNumber)).toMatchObject({ state: 'work_in_progress', assigned_to_name: winnerName });
    // One assignment recorded on each side, one accepted update in the workflow's history.
    for (const [instance, number] of [['acme', consumerNumber], ['globex', providerNumber]]) {
      const audit = await s.instances.db(instance).selectFrom('audit_log').select('action').where('task_number', '=', number).where('action', '=', 'assign').execute();
      expect(audit, instance).toHaveLength(1);
    }
    const history = await s.temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'assign');
    expect(accepted).toHaveLength(1);
  });
});

describe('an action sent without a body', () => {
  it('is the empty object: "Assign to me" needs nothing, a comment names its missing field', async () => {
    const { providerNumber } = await received();
    await refused(() => s.call('POST', `/tasks/${providerNumber}/comments`, { as: 'BOB_TOKEN' }), 422, 'validation_failed', 'body.body');
    const res = await s.call('POST', `/tasks/${providerNumber}/assign`, { as: 'BOB_TOKEN' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ state: 'work_in_progress', assignedTo: 'Bob Stone' });
  });
});
