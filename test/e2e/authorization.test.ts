import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type ApiResponse, type TestStack } from '../harness/stack';
import { actionSpecs, userActionTypes, type FieldSpec } from '../../domain/actions';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { createUser } from '../../db/repositories/users';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';
import type { Role } from '../../domain/model';
import { eventually } from '../harness/eventually';
import { everything } from '../harness/snapshot';
import { uploadFiles } from '../harness/uploads';

// The authorization matrix: every route x (no token, bad token, another instance's token, wrong role).
// Every refusal is checked to have written nothing: a fingerprint of all rows of every instance's
// database, every workflow of this stack and each one's history length, taken before a route's
// refusals, is compared with one taken after them (the route's last test) and before any call that writes.

let s: TestStack;

/** The task the task routes are tried on: ordered by Ann (Acme), assigned to Bob (Globex), work in progress. */
const fixture = { consumerNumber: '', providerNumber: '', workflowId: '', annId: '', attachmentId: '' };


/**
 * What everything looked like before the refusals since the last check: refusals change nothing, so
 * one fingerprint after a route's refusals checks them all (one per route, not one per call).
 */
let unchanged: Awaited<ReturnType<typeof everything>> | undefined;

/** Checks that nothing anywhere changed since the refusals began, and starts afresh. */
async function expectNothingWritten(): Promise<void> {
  if (unchanged) expect(await everything(s)).toEqual(unchanged);
  unchanged = undefined;
}

/** Runs a call that must be refused and changes nothing (checked by the next `expectNothingWritten`). */
async function refused(call: () => Promise<ApiResponse>): Promise<ApiResponse> {
  unchanged ??= await everything(s);
  const res = await call();
  expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
  return res;
}

/** An error answer: JSON {error: {code, message, details?}} and nothing else, never a stack trace. */
function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
  expect(Object.keys(res.body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(JSON.stringify(res.body)).not.toMatch(/\.(ts|js):\d+|node_modules|\bstack\b|\n\s+at /);
}

const tokenParts = (token: string) => {
  const [, instance, tokenId, secret] = token.split('.');
  return { instance, tokenId, secret };
};

beforeAll(async () => {
  s = await createTestStack({ instances: [...DEFAULT_INSTANCES, { id: 'initech', name: 'Initech' }] });
  // Beyond the demo people: a third organization, and the roles the demo instances lack.
  const extra: Array<{ env: string; instance: string; name: string; role: Role }> = [
    { env: 'INITECH_REQUESTER_TOKEN', instance: 'initech', name: 'Peter Gibbons', role: 'requester' },
    { env: 'INITECH_AGENT_TOKEN', instance: 'initech', name: 'Milton Waddams', role: 'agent' },
    { env: 'INITECH_ADMIN_TOKEN', instance: 'initech', name: 'Bill Lumbergh', role: 'admin' },
    { env: 'ACME_AGENT_TOKEN', instance: 'acme', name: 'Wile Coyote', role: 'agent' },
    { env: 'GLOBEX_REQUESTER_TOKEN', instance: 'globex', name: 'Hank Scorpio', role: 'requester' },
  ];
  for (const u of extra) {
    const email = `${u.name.split(' ')[0].toLowerCase()}@${u.instance}.example`;
    s.demo.tokens[u.env] = (await createUser(s.instances.db(u.instance), u.instance, { name: u.name, email, role: u.role })).token;
  }

  fixture.annId = (await s.instances.db('acme').selectFrom('users').select('id').where('email', '=', 'ann@acme.example').executeTakeFirstOrThrow()).id;

  const created = await s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: s.demo.items.help_request, shortDescription: 'Printer on fire', variables: { category: 'hardware' } },
  });
  expect(created.status).toBe(201);
  fixture.consumerNumber = created.body.number;
  fixture.workflowId = exchangeWorkflowId('acme', fixture.consumerNumber);
  const parent = await eventually(
    () => s.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', fixture.consumerNumber).executeTakeFirst(),
    (p) => !!p,
    { what: 'the provider task' },
  );
  fixture.providerNumber = parent!.number;
  const assigned = await s.call('POST', `/tasks/${fixture.providerNumber}/assign`, { as: 'BOB_TOKEN', body: {} });
  expect(assigned.status).toBe(200);
  // A file on both sides, for the attachment routes.
  const attached = await uploadFiles(s.app, s.demo.tokens.ANN_TOKEN, fixture.consumerNumber, [{ name: 'fire.jpg', data: Buffer.from('smoke'), type: 'image/jpeg' }]);
  expect(attached.status, JSON.stringify(attached.body)).toBe(201);
  fixture.attachmentId = attached.body.attachments[0].id;
  // Quiet before the matrix starts: both sides written, nothing pending in the workflow.
  await eventually(
    () => s.instances.db('acme').selectFrom('consumer_provider_tasks').select('state').where('number', '=', fixture.consumerNumber).executeTakeFirst(),
    (t) => t?.state === 'work_in_progress',
    { what: 'the consumer side to show work in progress' },
  );
  await eventually(
    () => s.temporal.client.workflow.getHandle(fixture.workflowId).query(snapshotQuery),
    (snap) => snap.pending.consumer === 0 && snap.pending.provider === 0,
    { what: 'the workflow to have nothing pending' },
  );
});

afterAll(async () => {
  await s?.close();
});

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

/** What another instance's valid token gets on a route. */
type OtherInstance =
  /** Exactly what a truly unknown id gets (task numbers, catalog item ids): existence is not revealed. */
  | { as: string; like: 'unknown' }
  /** The right answer for that instance (instance-scoped routes). */
  | { as: string; check: (res: ApiResponse) => void | Promise<void>; writes?: boolean };

interface Route {
  /** Method and path as registered (and as the OpenAPI document lists it). */
  route: string;
  /** Which of the fixture's numbers a task route is called with. */
  label?: string;
  url: () => string;
  body?: () => unknown;
  /** The same route addressing an id that exists nowhere, and that id (to compare bodies). */
  unknown?: { url: () => string; id: () => string; realId: () => string };
  otherInstance: OtherInstance[];
  /** Valid tokens of the right instance whose role may not do this: 403 forbidden. */
  wrongRole: string[];
}

const UNKNOWN_ITEM = '00000000-0000-4000-8000-000000000000';
const unknownNumber = (number: string) => number.replace(/\d{7}$/, '9999999');

// Every action of the registry, with a valid body and the sides whose people may take it.
const taskActions = userActionTypes.map((type) => {
  const { http, side, fields } = actionSpecs[type];
  const body = Object.fromEntries(Object.entries(fields as Record<string, FieldSpec>).map(([name, f]) => [name, f.kind === 'choice' ? f.values[0] : `${type}: authorization check`]));
  return { path: http.path, body, provider: side !== 'consumer', consumer: side !== 'provider', roles: actionSpecs[type].roles as readonly string[] };
});

// Users of the instance that holds each number, by role.
const ACME_USERS = { requester: 'ANN_TOKEN', admin: 'ACME_ADMIN_TOKEN', agent: 'ACME_AGENT_TOKEN' };
const GLOBEX_USERS = { requester: 'GLOBEX_REQUESTER_TOKEN', admin: 'GLOBEX_ADMIN_TOKEN', agent: 'BOB_TOKEN' };
const INITECH_ALL = ['INITECH_REQUESTER_TOKEN', 'INITECH_AGENT_TOKEN', 'INITECH_ADMIN_TOKEN'];
const ALL_USERS = [...Object.values(ACME_USERS), ...Object.values(GLOBEX_USERS), 'CAROL_TOKEN', ...INITECH_ALL];

const taskNumberOf = { consumer: () => fixture.consumerNumber, provider: () => fixture.providerNumber };

const taskRoutes: Route[] = (['consumer', 'provider'] as const).flatMap((side) => {
  const number = taskNumberOf[side];
  const own = side === 'consumer' ? ACME_USERS : GLOBEX_USERS;
  // The other party of the request and a stranger: neither may learn the number exists.
  const others = [...(side === 'consumer' ? ['BOB_TOKEN', 'GLOBEX_ADMIN_TOKEN'] : ['ANN_TOKEN', 'ACME_ADMIN_TOKEN']), ...INITECH_ALL];
  const label = side === 'consumer' ? "consumer's PTSK number" : "provider's CS number";
  const get: Route = {
    route: 'GET /tasks/:number',
    label,
    url: () => `/tasks/${number()}`,
    unknown: { url: () => `/tasks/${unknownNumber(number())}`, id: () => unknownNumber(number()), realId: number },
    otherInstance: others.map((as) => ({ as, like: 'unknown' as const })),
    wrongRole: [], // every role of the instance may read its tasks
  };
  // A task's files, and one of them (on both sides, under the same id): as readable as the task.
  const files: Route[] = [
    { path: '/attachments', route: 'GET /tasks/:number/attachments' },
    { path: `/attachments/${UNKNOWN_ITEM}`, real: () => `/attachments/${fixture.attachmentId}`, route: 'GET /tasks/:number/attachments/:id' },
  ].map(({ path, real, route }) => ({
    route,
    label,
    url: () => `/tasks/${number()}${real ? real() : path}`,
    unknown: { url: () => `/tasks/${unknownNumber(number())}${real ? real() : path}`, id: () => unknownNumber(number()), realId: number },
    otherInstance: others.map((as) => ({ as, like: 'unknown' as const })),
    wrongRole: [],
  }));
  const actions = taskActions.map((a): Route => {
    const allowedHere = side === 'consumer' ? a.consumer : a.provider;
    // The instance's users whose role the action does not admit (all of them on the wrong side).
    const wrongRole = Object.entries(own)
      .filter(([role]) => !allowedHere || !a.roles.includes(role))
      .map(([, token]) => token);
    return {
      route: `POST /tasks/:number/${a.path}`,
      label,
      url: () => `/tasks/${number()}/${a.path}`,
      body: () => a.body,
      unknown: { url: () => `/tasks/${unknownNumber(number())}/${a.path}`, id: () => unknownNumber(number()), realId: number },
      otherInstance: others.map((as) => ({ as, like: 'unknown' as const })),
      wrongRole,
    };
  });
  return [get, ...files, ...actions];
});

const itemId = () => s.demo.items.help_request;

const routes: Route[] = [
  {
    route: 'GET /catalog',
    url: () => '/catalog',
    otherInstance: [
      {
        // A stranger sees its own (empty) catalogs, nothing of Acme's or Globex's.
        as: 'INITECH_ADMIN_TOKEN',
        check: (res) => {
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ remote: [], own: [] });
        },
      },
      {
        // The provider sees its own items, not Acme's remote catalog.
        as: 'GLOBEX_ADMIN_TOKEN',
        check: async (res) => {
          expect(res.status).toBe(200);
          expect(res.body.remote).toEqual([]);
          const own = await s.instances.db('globex').selectFrom('catalog_items').select('id').execute();
          expect(own.length).toBeGreaterThanOrEqual(Object.keys(s.demo.items).length);
          expect(res.body.own.map((i: { id: string }) => i.id).sort()).toEqual(own.map((i) => i.id).sort());
        },
      },
      {
        // The consumer sees what was published to it, and has no items of its own.
        as: 'ACME_ADMIN_TOKEN',
        check: async (res) => {
          expect(res.status).toBe(200);
          expect(res.body.own).toEqual([]);
          const published = await s.instances.db('acme').selectFrom('remote_catalog_items').select('id').where('state', '=', 'published').execute();
          expect(published.map((i) => i.id)).toEqual(expect.arrayContaining(Object.values(s.demo.items)));
          expect(res.body.remote.map((i: { id: string }) => i.id).sort()).toEqual(published.map((i) => i.id).sort());
          expect(res.body.remote.every((i: { provider: { instance: string } }) => i.provider.instance === 'globex')).toBe(true);
        },
      },
      {
        // A requester reads the remote catalog but not the instance's own items.
        as: 'GLOBEX_REQUESTER_TOKEN',
        check: (res) => {
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ remote: [], own: [] });
        },
      },
    ],
    wrongRole: [],
  },
  {
    route: 'POST /catalog/items',
    url: () => '/catalog/items',
    body: () => ({ name: 'Stapler repair', kind: 'help_request', form: [{ name: 'colour', type: 'choice', choices: ['red'] }] }),
    otherInstance: [
      {
        // Initech's admin creates the item in Initech's own catalog, and nowhere else.
        as: 'INITECH_ADMIN_TOKEN',
        writes: true,
        check: async (res) => {
          expect(res.status).toBe(201);
          expect(res.body).toMatchObject({ name: 'Stapler repair', state: 'draft', provider: { instance: 'initech', name: 'Initech' }, publishedTo: [] });
          const where = async (instance: string) =>
            (await s.instances.db(instance).selectFrom('catalog_items').select('id').where('id', '=', res.body.id).execute()).length;
          expect([await where('initech'), await where('globex'), await where('acme')]).toEqual([1, 0, 0]);
        },
      },
    ],
    wrongRole: ['ANN_TOKEN', 'ACME_AGENT_TOKEN', 'BOB_TOKEN', 'GLOBEX_REQUESTER_TOKEN', 'INITECH_REQUESTER_TOKEN', 'INITECH_AGENT_TOKEN'],
  },
  {
    route: 'POST /catalog/items/:id/publish',
    url: () => `/catalog/items/${itemId()}/publish`,
    body: () => ({ consumers: ['initech'] }),
    unknown: { url: () => `/catalog/items/${UNKNOWN_ITEM}/publish`, id: () => UNKNOWN_ITEM, realId: itemId },
    // Globex's item is not in anyone else's own catalog, even an instance it is published to.
    otherInstance: ['ACME_ADMIN_TOKEN', 'INITECH_ADMIN_TOKEN'].map((as) => ({ as, like: 'unknown' as const })),
    wrongRole: ['BOB_TOKEN', 'CAROL_TOKEN', 'GLOBEX_REQUESTER_TOKEN'],
  },
  {
    route: 'POST /catalog/items/:id/retire',
    url: () => `/catalog/items/${itemId()}/retire`,
    unknown: { url: () => `/catalog/items/${UNKNOWN_ITEM}/retire`, id: () => UNKNOWN_ITEM, realId: itemId },
    otherInstance: ['ACME_ADMIN_TOKEN', 'INITECH_ADMIN_TOKEN'].map((as) => ({ as, like: 'unknown' as const })),
    wrongRole: ['BOB_TOKEN', 'CAROL_TOKEN', 'GLOBEX_REQUESTER_TOKEN'],
  },
  {
    route: 'POST /requests',
    url: () => '/requests',
    body: () => ({ catalogItemId: itemId(), shortDescription: 'Need help', variables: { category: 'software' } }),
    otherInstance: [
      {
        // Globex's item is not published to Initech: the same refusal as an item that does not exist.
        as: 'INITECH_REQUESTER_TOKEN',
        check: async (res) => {
          expectError(res, 422, 'validation_failed');
          expect(res.body.error.details).toEqual({ field: 'catalogItemId' });
          expect(res.body.error.message).toContain('catalogItemId');
          const unknown = await s.call('POST', '/requests', {
            as: 'INITECH_REQUESTER_TOKEN',
            body: { catalogItemId: UNKNOWN_ITEM, shortDescription: 'Need help', variables: { category: 'software' } },
          });
          expect(JSON.stringify(res.body).replaceAll(itemId(), '<id>')).toBe(JSON.stringify(unknown.body).replaceAll(UNKNOWN_ITEM, '<id>'));
        },
      },
      {
        // The provider ordering its own item: not in its remote catalog.
        as: 'GLOBEX_ADMIN_TOKEN',
        check: (res) => {
          expectError(res, 422, 'validation_failed');
          expect(res.body.error.details).toEqual({ field: 'catalogItemId' });
        },
      },
    ],
    wrongRole: ['ACME_AGENT_TOKEN', 'BOB_TOKEN', 'INITECH_AGENT_TOKEN'],
  },
  {
    route: 'GET /tasks',
    url: () => '/tasks',
    otherInstance: [
      {
        as: 'INITECH_ADMIN_TOKEN',
        check: (res) => {
          expect(res.status).toBe(200);
          expect(res.body).toEqual({ items: [], nextCursor: null });
        },
      },
      {
        // Each party lists only its own copy, under its own number.
        as: 'BOB_TOKEN',
        check: (res) => {
          expect(res.status).toBe(200);
          expect(res.body.items.map((t: { number: string; side: string }) => [t.number, t.side])).toEqual([[fixture.providerNumber, 'provider']]);
        },
      },
      {
        as: 'ANN_TOKEN',
        check: (res) => {
          expect(res.status).toBe(200);
          expect(res.body.items.map((t: { number: string; side: string }) => [t.number, t.side])).toEqual([[fixture.consumerNumber, 'consumer']]);
        },
      },
    ],
    wrongRole: [],
  },
  ...taskRoutes,
  // Browser sessions: any user reads its own session and signs out (POST /session, signing in, is public).
  { route: 'GET /session', url: () => '/session', otherInstance: [], wrongRole: [] },
  { route: 'DELETE /session', url: () => '/session', otherInstance: [], wrongRole: [] },
  // The live stream: any user, only its own instance's events (test/e2e/live-events.test.ts streams it over real HTTP).
  { route: 'GET /events', url: () => '/events', otherInstance: [], wrongRole: [] },
  {
    route: 'GET /users',
    url: () => '/users',
    otherInstance: [
      {
        // Initech's admin lists Initech's users, and nobody else's.
        as: 'INITECH_ADMIN_TOKEN',
        check: async (res) => {
          expect(res.status).toBe(200);
          const initech = await s.instances.db('initech').selectFrom('users').select('email').execute();
          expect(res.body.items.map((u: { email: string }) => u.email).sort()).toEqual(initech.map((u) => u.email).sort());
        },
      },
    ],
    wrongRole: ['ANN_TOKEN', 'ACME_AGENT_TOKEN', 'BOB_TOKEN', 'CAROL_TOKEN', 'GLOBEX_REQUESTER_TOKEN', 'INITECH_REQUESTER_TOKEN', 'INITECH_AGENT_TOKEN'],
  },
  {
    route: 'POST /users',
    url: () => '/users',
    body: () => ({ name: 'Samir Nagheenanajar', email: 'samir@initech.example', role: 'agent', password: 'samir-password' }),
    otherInstance: [
      {
        // Initech's admin adds the user to Initech, and nowhere else.
        as: 'INITECH_ADMIN_TOKEN',
        writes: true,
        check: async (res) => {
          expect(res.status).toBe(201);
          expect(res.body).toEqual({ id: expect.any(String), name: 'Samir Nagheenanajar', email: 'samir@initech.example', role: 'agent', instance: 'initech', organization: 'Initech' });
          const where = async (instance: string) =>
            (await s.instances.db(instance).selectFrom('users').select('id').where('email', '=', 'samir@initech.example').execute()).length;
          expect([await where('initech'), await where('globex'), await where('acme')]).toEqual([1, 0, 0]);
        },
      },
    ],
    wrongRole: ['ANN_TOKEN', 'ACME_AGENT_TOKEN', 'BOB_TOKEN', 'GLOBEX_REQUESTER_TOKEN', 'INITECH_REQUESTER_TOKEN', 'INITECH_AGENT_TOKEN'],
  },
  {
    route: 'POST /users/:id/password',
    url: () => `/users/${fixture.annId}/password`,
    body: () => ({ password: 'a-new-password' }),
    unknown: { url: () => `/users/${UNKNOWN_ITEM}/password`, id: () => UNKNOWN_ITEM, realId: () => fixture.annId },
    // Ann is a user of Acme only: other instances' admins cannot tell her id from one that does not exist.
    otherInstance: ['GLOBEX_ADMIN_TOKEN', 'INITECH_ADMIN_TOKEN'].map((as) => ({ as, like: 'unknown' as const })),
    wrongRole: ['ANN_TOKEN', 'ACME_AGENT_TOKEN'],
  },
  // Operator routes: only the operator token (OPS_TOKEN) reads them; no user of any instance, whatever the role.
  ...[
    { route: 'GET /ops/requests', url: () => '/ops/requests' },
    { route: 'GET /ops/requests/:workflowId', url: () => `/ops/requests/${encodeURIComponent(fixture.workflowId)}` },
    { route: 'GET /ops/requests/:workflowId/history', url: () => `/ops/requests/${encodeURIComponent(fixture.workflowId)}/history` },
    { route: 'GET /ops/reconcile', url: () => '/ops/reconcile' },
    { route: 'GET /ops/overview', url: () => '/ops/overview' },
  ].map((r): Route => ({ ...r, otherInstance: [], wrongRole: ALL_USERS })),
];

/** Tokens that identify nobody. Each one is refused with 401 on every route. */
const badCredentials: Array<{ label: string; headers: () => Record<string, string> }> = [
  { label: 'no Authorization header', headers: () => ({}) },
  { label: 'empty bearer token', headers: () => ({ authorization: 'Bearer ' }) },
  { label: 'garbage bearer token', headers: () => ({ authorization: 'Bearer not-a-token' }) },
  { label: 'token without a scheme', headers: () => ({ authorization: s.demo.tokens.ANN_TOKEN }) },
  { label: 'Basic credentials', headers: () => ({ authorization: `Basic ${Buffer.from('ann:secret').toString('base64')}` }) },
  { label: 'well-formed token of an unknown instance', headers: () => ({ authorization: `Bearer sx.umbrella.0123456789abcdef.${'A'.repeat(43)}` }) },
  { label: 'well-formed token with an unknown token id', headers: () => ({ authorization: `Bearer sx.acme.0123456789abcdef.${'A'.repeat(43)}` }) },
  {
    label: "a real token id with the wrong secret",
    headers: () => {
      const { tokenId, secret } = tokenParts(s.demo.tokens.ANN_TOKEN);
      return { authorization: `Bearer sx.acme.${tokenId}.${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}` };
    },
  },
  {
    label: "Ann's token relabelled as Globex's",
    headers: () => {
      const { tokenId, secret } = tokenParts(s.demo.tokens.ANN_TOKEN);
      return { authorization: `Bearer sx.globex.${tokenId}.${secret}` };
    },
  },
  {
    label: "a token followed by a second one",
    headers: () => ({ authorization: `Bearer ${s.demo.tokens.ANN_TOKEN} ${s.demo.tokens.GLOBEX_ADMIN_TOKEN}` }),
  },
];

const nameOf = (r: Route) => (r.label ? `${r.route} (${r.label})` : r.route);
const callRoute = (r: Route, opts: { as?: string; headers?: Record<string, string>; url?: string }) =>
  s.call(r.route.split(' ')[0], opts.url ?? r.url(), { as: opts.as, headers: opts.headers, body: r.body?.() });

describe('authorization matrix', () => {
  it('covers every route the API documents', async () => {
    const doc = await s.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      // Public: signing in needs no token (test/e2e/sessions.test.ts covers it).
      .filter((r) => r !== 'GET /health' && r !== 'POST /session');
    expect([...new Set(routes.map((r) => r.route))].sort()).toEqual(documented.sort());
  });

  for (const r of routes) {
    describe(nameOf(r), () => {
      it.each(badCredentials.map((c) => [c.label, c]))('401 with %s, nothing written', async (_label, c) => {
        const res = await refused(() => callRoute(r, { headers: c.headers() }));
        expectError(res, 401, 'unauthorized');
        expect(res.body.error.details).toBeUndefined();
        expect(res.body.error.message).toMatch(/token/i);
      });

      for (const other of r.otherInstance) {
        if ('like' in other) {
          it(`another instance (${other.as}): 404, the same answer as an unknown id, nothing written`, async () => {
            const res = await refused(() => callRoute(r, { as: other.as }));
            expectError(res, 404, 'not_found');
            const unknown = await refused(() => callRoute(r, { as: other.as, url: r.unknown!.url() }));
            expectError(unknown, 404, 'not_found');
            expect(JSON.stringify(res.body).replaceAll(r.unknown!.realId(), '<id>')).toBe(JSON.stringify(unknown.body).replaceAll(r.unknown!.id(), '<id>'));
            // Nothing about the real task leaks: not its other number, not its state.
            const text = JSON.stringify(res.body);
            for (const leak of [fixture.consumerNumber, fixture.providerNumber, 'work_in_progress', 'Bob', 'Ann'].filter((x) => !r.url().includes(x))) {
              expect(text).not.toContain(leak);
            }
          });
        } else {
          it(`another instance (${other.as}): that instance's own answer`, async () => {
            if (other.writes) await expectNothingWritten(); // the calls before it, before it writes
            else unchanged ??= await everything(s); // checked with the refusals after it
            const res = await callRoute(r, { as: other.as });
            await other.check(res);
          });
        }
      }

      for (const as of r.wrongRole) {
        it(`wrong role (${as}): 403 forbidden, nothing written`, async () => {
          const res = await refused(() => callRoute(r, { as }));
          expectError(res, 403, 'forbidden');
        });
      }

      it('none of these calls wrote anything', expectNothingWritten);
    });
  }

  it('a task route with a truly unknown number is 404 for its own instance too', async () => {
    for (const [as, number] of [
      ['ANN_TOKEN', unknownNumber(fixture.consumerNumber)],
      ['BOB_TOKEN', unknownNumber(fixture.providerNumber)],
    ]) {
      const res = await refused(() => s.call('GET', `/tasks/${number}`, { as }));
      expectError(res, 404, 'not_found');
      expect(res.body.error.message).toContain(number);
    }
    await expectNothingWritten();
  });

  it('the snapshot that refusals are compared with sees the fixture', async () => {
    const all = await everything(s);
    const tables = ['users', 'catalog_items', 'remote_catalog_items', 'consumer_provider_tasks', 'provider_parent_tasks', 'comments', 'audit_log', 'idempotency_keys'];
    expect(Object.keys(all.dbs)).toEqual(expect.arrayContaining(s.instances.ids.flatMap((i) => tables.map((t) => `${i}.${t}`))));
    expect(all.dbs['acme.consumer_provider_tasks'].rows).toBe(1);
    expect(all.dbs['globex.provider_parent_tasks'].rows).toBe(1);
    expect(all.dbs['initech.users'].rows).toBe(4); // the three above, and the user POST /users added
    const [key] = Object.keys(all.workflows).filter((k) => k.startsWith(`${fixture.workflowId}/`));
    expect(all.workflows[key]).toBeGreaterThan(5);
    // A change to one column of one row shows, and undoing it restores the fingerprint.
    const acme = s.instances.db('acme');
    await acme.updateTable('consumer_provider_tasks').set({ short_description: 'Printer on fire!' }).where('number', '=', fixture.consumerNumber).execute();
    const changed = await everything(s);
    expect(changed.dbs['acme.consumer_provider_tasks']).not.toEqual(all.dbs['acme.consumer_provider_tasks']);
    // The change is also a live event (task_events, written by a trigger): that table shows it too.
    const events = (dbs: typeof all.dbs) => dbs['acme.task_events'].rows;
    expect(events(changed.dbs)).toBe(events(all.dbs) + 1);
    const without = (dbs: typeof all.dbs) => ({ ...dbs, 'acme.consumer_provider_tasks': null, 'acme.task_events': null });
    expect(without(changed.dbs)).toEqual(without(all.dbs));
    await acme.updateTable('consumer_provider_tasks').set({ short_description: 'Printer on fire' }).where('number', '=', fixture.consumerNumber).execute();
    const undone = await everything(s);
    expect(events(undone.dbs)).toBe(events(all.dbs) + 2);
    expect({ ...undone, dbs: { ...undone.dbs, 'acme.task_events': null } }).toEqual({ ...all, dbs: { ...all.dbs, 'acme.task_events': null } });
  });

  it('the fixture task is untouched by the whole matrix', async () => {
    const view = await s.call('GET', `/tasks/${fixture.consumerNumber}`, { as: 'ANN_TOKEN' });
    expect(view.body).toMatchObject({ state: 'work_in_progress', assignedTo: 'Bob Stone', comments: [], attachments: [{ id: fixture.attachmentId, fileName: 'fire.jpg' }] });
    expect(view.body.auditTrail.map((a: { action: string }) => a.action)).toEqual(['submitted', 'receive', 'assign', 'attach']);
    const provider = await s.call('GET', `/tasks/${fixture.providerNumber}`, { as: 'BOB_TOKEN' });
    expect(provider.body).toMatchObject({ state: 'work_in_progress', assignedTo: 'Bob Stone', comments: [] });
    // No catalog publication was ever started by a refused publish or retire.
    const catalogWorkflows: string[] = [];
    for await (const wf of s.temporal.client.workflow.list()) if (wf.workflowId.startsWith('catalog:')) catalogWorkflows.push(wf.workflowId);
    expect(catalogWorkflows).toEqual([]);
  });
});

describe('public endpoints', () => {
  const publicRoutes = ['/health', '/openapi.json', '/docs', '/docs/', '/docs/json'];

  it.each(publicRoutes)('GET %s answers without a token, and ignores a bad one', async (url) => {
    for (const headers of [{}, { authorization: 'Bearer not-a-token' }]) {
      const res = await s.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBeLessThan(400);
    }
  });

  it('GET /health reports every instance', async () => {
    const res = await s.call('GET', '/health');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.instances).sort()).toEqual(['acme', 'globex', 'initech']);
  });

  it('GET /openapi.json is the OpenAPI document, with bearer security on the private routes', async () => {
    const res = await s.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('the docs prefix opens nothing else', async () => {
    for (const url of ['/docs/../tasks', '/docs/..%2Ftasks', '/docs%2F..%2Ftasks', '/docs/%2e%2e/tasks', `/docs/../tasks/${fixture.consumerNumber}`]) {
      const res = await s.app.inject({ method: 'GET', url });
      expect(res.body, url).not.toContain(fixture.consumerNumber);
      expect(res.body, url).not.toContain('"items"');
    }
  });

  it('an unknown route asks for a token before anything else', async () => {
    const res = await s.call('GET', '/nope');
    expectError(res, 401, 'unauthorized');
  });
});
