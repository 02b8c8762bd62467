import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type ApiResponse, type TestStack } from '../harness/stack';
import { everything } from '../harness/snapshot';
import { SESSION_COOKIE, SIGNED_IN_COOKIE } from '../../api/plugins/auth';
import { SIGN_IN_FAILED } from '../../services/sessions';
import { buildApp } from '../../api/app';

// Browser sessions (issue 12): signing in with email and password, the session cookie on every
// route, cross-site protection, sign-out, idle and absolute expiry, sign-in rate limits, and admins
// managing users. The session service's clock is this file's: tests move it instead of waiting.

let s: TestStack;
let offsetMs = 0;
const advance = (minutes: number) => (offsetMs += minutes * 60_000);

beforeAll(async () => {
  s = await createTestStack({ sessions: { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000, now: () => new Date(Date.now() + offsetMs) } });
});

afterAll(async () => {
  await s?.close();
});

let addresses = 0;
/** A client address of its own for each test, so the per-address limit of one never touches another. */
const newAddress = () => `10.0.0.${++addresses}`;

async function signIn(body: Record<string, unknown>, opts: { address?: string; headers?: Record<string, string> } = {}) {
  const res = await s.app.inject({
    method: 'POST',
    url: '/session',
    headers: { 'content-type': 'application/json', ...opts.headers },
    payload: JSON.stringify(body),
    remoteAddress: opts.address ?? newAddress(),
  });
  return { status: res.statusCode, body: JSON.parse(res.body), headers: res.headers, setCookie: [res.headers['set-cookie'] ?? []].flat() as string[] };
}

/** The session token a sign-in set. */
function sessionOf(res: { setCookie: string[] }): string {
  const cookie = res.setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  expect(cookie, 'a session cookie').toBeDefined();
  return decodeURIComponent(cookie!.split(';')[0].slice(SESSION_COOKIE.length + 1));
}

const password = (name: string) => s.demo.passwords[name];
const signInAs = async (email: string, pw: string) => {
  const res = await signIn({ email, password: pw });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return sessionOf(res);
};

/** Calls the API with a session cookie (and no Authorization header unless `as` is given). */
const withSession = (method: string, url: string, session: string, opts: { body?: unknown; headers?: Record<string, string>; as?: string } = {}) =>
  s.call(method, url, { ...opts, headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(session)}`, ...opts.headers } });

function expectError(res: ApiResponse, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
}

/** Everything, once the workflows of earlier tests have stopped writing (two reads 300 ms apart agree). */
async function settled() {
  let last = await everything(s);
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await everything(s);
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  throw new Error('the stack did not settle');
}

const orderBody = () => ({ catalogItemId: s.demo.items.help_request, shortDescription: 'Monitor flickers', variables: { category: 'hardware' } });

describe('signing in', () => {
  it('sets an httpOnly, SameSite=Lax session cookie and answers the user, without any secret', async () => {
    const res = await signIn({ email: 'ann@acme.example', password: password('ANN_PASSWORD') });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const ann = await s.instances.db('acme').selectFrom('users').selectAll().where('email', '=', 'ann@acme.example').executeTakeFirstOrThrow();
    expect(res.body).toEqual({ id: ann.id, name: 'Ann Lee', email: 'ann@acme.example', role: 'requester', instance: 'acme', organization: 'Acme Corp' });
    const [cookie] = res.setCookie;
    const attributes = cookie.split(';').slice(1).map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', `max-age=${12 * 3600}`]));
    expect(attributes).not.toContain('secure'); // plain HTTP here; over HTTPS the cookie is Secure
    // Beside it, a cookie the page can read that holds no secret: the web app's "someone may be signed in".
    const hint = res.setCookie.find((c) => c.startsWith(`${SIGNED_IN_COOKIE}=`))!;
    expect(hint.split(';')[0]).toBe(`${SIGNED_IN_COOKIE}=1`);
    expect(hint.toLowerCase()).not.toContain('httponly');
    expect(hint.toLowerCase()).toContain(`max-age=${12 * 3600}`);
    // Only hashes are stored: the password as scrypt, the session's secret as SHA-256.
    const token = sessionOf(res);
    expect(ann.password_hash).toMatch(/^scrypt\$/);
    const rows = await s.instances.db('acme').selectFrom('sessions').selectAll().where('user_id', '=', ann.id).execute();
    expect(rows.length).toBe(1);
    expect(token).toContain(rows[0].id);
    expect(token).not.toContain(rows[0].token_hash);
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|token/);
  });

  it('finds the instance from the email, whatever its case, or takes it from `instance`', async () => {
    const bob = await signIn({ email: 'BOB@Globex.example', password: password('BOB_PASSWORD') });
    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ name: 'Bob Stone', instance: 'globex' });
    const named = await signIn({ email: 'bob@globex.example', password: password('BOB_PASSWORD'), instance: 'globex' });
    expect(named.status).toBe(200);
    // Bob is not a user of Acme: the same failure as a wrong password.
    const elsewhere = await signIn({ email: 'bob@globex.example', password: password('BOB_PASSWORD'), instance: 'acme' });
    expectError(elsewhere, 401, 'unauthorized');
    expect(elsewhere.body.error.message).toBe(SIGN_IN_FAILED);
    expectError(await signIn({ email: 'bob@globex.example', password: password('BOB_PASSWORD'), instance: 'umbrella' }), 422, 'validation_failed');
  });

  it('says the same for an unknown email and a wrong password, and sets no cookie', async () => {
    const unknown = await signIn({ email: 'nobody@acme.example', password: 'whatever-it-is' });
    const wrong = await signIn({ email: 'ann@acme.example', password: 'whatever-it-is' });
    for (const res of [unknown, wrong]) {
      expectError(res, 401, 'unauthorized');
      expect(res.body.error.message).toBe(SIGN_IN_FAILED);
      expect(res.setCookie).toEqual([]);
    }
    expect(unknown.body).toEqual(wrong.body);
  });

  it('refuses bad input with 422', async () => {
    expectError(await signIn({ email: 'ann@acme.example' }), 422, 'validation_failed');
    expectError(await signIn({ email: 'ann@acme.example', password: 'x', remember: true }), 422, 'validation_failed');
  });
});

describe('behind a reverse proxy (TRUST_PROXY)', () => {
  it('believes the trusted proxy: a Secure cookie for an HTTPS client, and limits by the client’s own address', async () => {
    // The same instances behind a proxy one hop away, as TRUST_PROXY=1 configures it.
    const proxied = await buildApp({ instances: s.instances, temporal: s.temporal.client, taskQueue: s.taskQueue }, { rateLimitPerMinute: 1_000_000, trustProxy: 1 });
    try {
      const viaProxy = (client: string, body: Record<string, unknown>) =>
        proxied.inject({
          method: 'POST',
          url: '/session',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': client, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'desk.example' },
          payload: JSON.stringify(body),
          remoteAddress: '10.9.9.9',
        });
      const ok = await viaProxy('203.0.113.7', { email: 'ann@acme.example', password: password('ANN_PASSWORD') });
      expect(ok.statusCode, ok.body).toBe(200);
      const attributes = String([ok.headers['set-cookie']].flat()[0]).split(';').map((a) => a.trim().toLowerCase());
      expect(attributes).toContain('secure');
      // Twenty failures from one client behind the proxy: that client is limited, another one behind the same proxy is not.
      for (let i = 0; i < 20; i++) expect((await viaProxy('203.0.113.8', { email: `guess-${i}@acme.example`, password: 'letmein-123' })).statusCode).toBe(401);
      expect((await viaProxy('203.0.113.8', { email: 'ann@acme.example', password: password('ANN_PASSWORD') })).statusCode).toBe(429);
      expect((await viaProxy('203.0.113.9', { email: 'ann@acme.example', password: password('ANN_PASSWORD') })).statusCode).toBe(200);
      // Without TRUST_PROXY the forwarded headers are not believed: plain HTTP, no Secure attribute.
      const direct = await signIn({ email: 'ann@acme.example', password: password('ANN_PASSWORD') }, { headers: { 'x-forwarded-proto': 'https' } });
      expect(String(direct.setCookie[0]).toLowerCase()).not.toContain('secure');
    } finally {
      await proxied.close();
      advance(16);
    }
  });
});

describe('sign-in rate limits', () => {
  it('after 5 failures for one account within 15 minutes, 429 with Retry-After, even with the right password', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await signIn({ email: 'carol@globex.example', password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const limited = await signIn({ email: 'Carol@globex.example', password: password('CAROL_PASSWORD') });
    expectError(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(limited.body.error.details).toEqual({ retryAfter });
    expect(limited.setCookie).toEqual([]);
    // Another account from the same addresses is not affected; Carol is, once the window has passed, let in again.
    expect((await signIn({ email: 'bob@globex.example', password: password('BOB_PASSWORD') })).status).toBe(200);
    advance(16);
    expect((await signIn({ email: 'carol@globex.example', password: password('CAROL_PASSWORD') })).status).toBe(200);
  });

  it('after 20 failures from one address, 429 for any account from it', async () => {
    const address = newAddress();
    const failures = await Promise.all(Array.from({ length: 20 }, (_, i) => signIn({ email: `guess-${i}@acme.example`, password: 'letmein-123' }, { address })));
    expect(failures.map((r) => r.status)).toEqual(Array(20).fill(401));
    const limited = await signIn({ email: 'ann@acme.example', password: password('ANN_PASSWORD') }, { address });
    expectError(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // From another address Ann signs in.
    expect((await signIn({ email: 'ann@acme.example', password: password('ANN_PASSWORD') })).status).toBe(200);
    advance(16);
  });
});

describe('the session cookie on the routes', () => {
  it('reads and writes like a bearer token: GET /catalog, POST /requests, GET /session', async () => {
    const session = await signInAs('ann@acme.example', password('ANN_PASSWORD'));
    const catalog = await withSession('GET', '/catalog', session);
    expect(catalog.status).toBe(200);
    expect(catalog.body.remote.map((i: { id: string }) => i.id)).toContain(s.demo.items.help_request);
    const created = await withSession('POST', '/requests', session, { body: orderBody() });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ requestedBy: 'Ann Lee', state: expect.any(String) });
    // Same-origin requests as a browser labels them are fine.
    const sameOrigin = await withSession('POST', `/tasks/${created.body.number}/comments`, session, {
      body: { body: 'From the browser' },
      headers: { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status, JSON.stringify(sameOrigin.body)).toBe(201);
    const me = await withSession('GET', '/session', session);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'Ann Lee', instance: 'acme', role: 'requester' });
  });

  it('refuses a cross-site mutation (Sec-Fetch-Site: cross-site, or a foreign Origin) with 403, writing nothing', async () => {
    const session = await signInAs('ann@acme.example', password('ANN_PASSWORD'));
    const crossSite: Array<Record<string, string>> = [{ 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }, { origin: 'null' }, { origin: 'https://localhost:80' }];
    for (const headers of crossSite) {
      const before = await settled();
      const res = await withSession('POST', '/requests', session, { body: orderBody(), headers });
      expectError(res, 403, 'forbidden');
      expect(res.body.error.message).toMatch(/cross-site/i);
      expect(await everything(s)).toEqual(before);
    }
    // A cross-site read is not a mutation; signing out cross-site is refused like any mutation.
    expect((await withSession('GET', '/catalog', session, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    expectError(await withSession('DELETE', '/session', session, { headers: { origin: 'https://evil.example' } }), 403, 'forbidden');
    expect((await withSession('GET', '/session', session)).status).toBe(200);
    // Signing in from another site is refused too.
    expectError(await signIn({ email: 'ann@acme.example', password: password('ANN_PASSWORD') }, { headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'forbidden');
    // Bearer tokens are not affected.
    const bearer = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: orderBody(), headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
    expect(bearer.status).toBe(201);
  });

  it('an Authorization header wins over the cookie, even when its token is not valid', async () => {
    const session = await signInAs('ann@acme.example', password('ANN_PASSWORD'));
    const bob = await withSession('GET', '/session', session, { as: 'BOB_TOKEN' });
    expect(bob.body).toMatchObject({ name: 'Bob Stone', instance: 'globex' });
    expectError(await withSession('GET', '/session', session, { headers: { authorization: 'Bearer not-a-token' } }), 401, 'unauthorized');
    expectError(await withSession('GET', '/session', 'sxs.acme.0123456789abcdef.' + 'A'.repeat(43)), 401, 'unauthorized');
    expectError(await s.call('GET', '/session'), 401, 'unauthorized');
  });
});

describe('ending sessions', () => {
  it('sign-out ends the session on the server and clears the cookie', async () => {
    const session = await signInAs('ann@acme.example', password('ANN_PASSWORD'));
    const res = await withSession('DELETE', '/session', session);
    expect(res.status).toBe(204);
    for (const name of [SESSION_COOKIE, SIGNED_IN_COOKIE]) {
      const cleared = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith(`${name}=`));
      expect(String(cleared), name).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    }
    const id = session.split('.')[2];
    expect(await s.instances.db('acme').selectFrom('sessions').select('id').where('id', '=', id).execute()).toEqual([]);
    const after = await withSession('GET', '/catalog', session);
    expectError(after, 401, 'unauthorized');
  });

  it('a session idle for SESSION_IDLE_MINUTES ends; using it keeps it alive', async () => {
    const session = await signInAs('bob@globex.example', password('BOB_PASSWORD'));
    advance(29);
    expect((await withSession('GET', '/tasks', session)).status).toBe(200);
    advance(29);
    expect((await withSession('GET', '/tasks', session)).status).toBe(200);
    advance(31);
    const expired = await withSession('GET', '/tasks', session);
    expectError(expired, 401, 'unauthorized');
    expect(expired.body.error.message).toMatch(/expired/);
    expect([expired.headers['set-cookie']].flat().map((c) => String(c).split(';')[0])).toEqual([`${SESSION_COOKIE}=`, `${SIGNED_IN_COOKIE}=`]);
    expectError(await withSession('GET', '/tasks', session), 401, 'unauthorized');
  });

  it('a session ends SESSION_MAX_HOURS after sign-in, however much it is used', async () => {
    const session = await signInAs('bob@globex.example', password('BOB_PASSWORD'));
    for (let minutes = 25; minutes < 12 * 60; minutes += 25) {
      advance(25);
      expect((await withSession('GET', '/session', session)).status, `after ${minutes} minutes`).toBe(200);
    }
    advance(25);
    const expired = await withSession('GET', '/session', session);
    expectError(expired, 401, 'unauthorized');
    expect(expired.body.error.message).toMatch(/expired/);
  });
});

describe('admins manage users', () => {
  it('an admin adds a user, who then signs in; answers never show a hash', async () => {
    const admin = await signInAs('alex@acme.example', password('ACME_ADMIN_PASSWORD'));
    const res = await withSession('POST', '/users', admin, { body: { name: 'Dana Fox', email: 'Dana@Acme.example', role: 'agent', password: 'dana-password-1' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), name: 'Dana Fox', email: 'dana@acme.example', role: 'agent', instance: 'acme', organization: 'Acme Corp' });
    const signedIn = await signIn({ email: 'dana@acme.example', password: 'dana-password-1' });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toEqual(res.body);
    // Without a password, the user exists but cannot sign in yet.
    const noPassword = await s.call('POST', '/users', { as: 'ACME_ADMIN_TOKEN', body: { name: 'Eve Moss', email: 'eve@acme.example', role: 'requester' } });
    expect(noPassword.status).toBe(201);
    expect((await signIn({ email: 'eve@acme.example', password: 'anything-at-all' })).body.error.message).toBe(SIGN_IN_FAILED);
  });

  it('refuses a duplicate email (409) and bad input (422), writing nothing', async () => {
    const cases: Array<[unknown, number, string, string?]> = [
      [{ name: 'Ann Again', email: 'ANN@acme.example', role: 'requester' }, 409, 'conflict'],
      [{ name: 'Short', email: 'short@acme.example', role: 'requester', password: 'short' }, 422, 'validation_failed', 'body.password'],
      [{ name: 'Boss', email: 'boss@acme.example', role: 'owner' }, 422, 'validation_failed', 'body.role'],
      [{ name: 'No Mail', role: 'agent' }, 422, 'validation_failed', 'body.email'],
      [{ name: 'Bad Mail', email: 'not-an-email', role: 'agent' }, 422, 'validation_failed', 'body.email'],
      [{ name: 'Extra', email: 'extra@acme.example', role: 'agent', token: 'x' }, 422, 'validation_failed', 'body.token'],
    ];
    for (const [body, status, code, field] of cases) {
      const before = await settled();
      const res = await s.call('POST', '/users', { as: 'ACME_ADMIN_TOKEN', body });
      expectError(res, status, code);
      if (field) expect(res.body.error.details).toEqual({ field });
      expect(await everything(s)).toEqual(before);
    }
  });

  it("an admin resets a user's password: the old one stops working and the user's sessions end", async () => {
    const carolSession = await signInAs('carol@globex.example', password('CAROL_PASSWORD'));
    const carol = await s.instances.db('globex').selectFrom('users').select('id').where('email', '=', 'carol@globex.example').executeTakeFirstOrThrow();
    const res = await s.call('POST', `/users/${carol.id}/password`, { as: 'GLOBEX_ADMIN_TOKEN', body: { password: 'carol-new-password' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ id: carol.id, name: 'Carol Diaz', email: 'carol@globex.example', role: 'agent', instance: 'globex', organization: 'Globex Services' });
    expectError(await withSession('GET', '/session', carolSession), 401, 'unauthorized');
    expect((await signIn({ email: 'carol@globex.example', password: password('CAROL_PASSWORD') })).status).toBe(401);
    expect((await signIn({ email: 'carol@globex.example', password: 'carol-new-password' })).status).toBe(200);
    expectError(await s.call('POST', `/users/${carol.id}/password`, { as: 'GLOBEX_ADMIN_TOKEN', body: { password: 'short' } }), 422, 'validation_failed');
  });

  it('an admin lists the own instance’s users by name, with hasPassword and never a hash or token; others get 403', async () => {
    expect((await s.call('POST', '/users', { as: 'GLOBEX_ADMIN_TOKEN', body: { name: 'Dora Wells', email: 'dora@globex.example', role: 'requester' } })).status).toBe(201);
    const admin = await signInAs('gina@globex.example', password('GLOBEX_ADMIN_PASSWORD'));
    const res = await withSession('GET', '/users', admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const ids = await s.instances.db('globex').selectFrom('users').select(['id', 'email']).execute();
    const id = (email: string) => ids.find((u) => u.email === email)!.id;
    expect(res.body).toEqual({
      items: [
        { id: id('bob@globex.example'), name: 'Bob Stone', email: 'bob@globex.example', role: 'agent', hasPassword: true },
        { id: id('carol@globex.example'), name: 'Carol Diaz', email: 'carol@globex.example', role: 'agent', hasPassword: true },
        { id: id('dora@globex.example'), name: 'Dora Wells', email: 'dora@globex.example', role: 'requester', hasPassword: false },
        { id: id('gina@globex.example'), name: 'Gina Ross', email: 'gina@globex.example', role: 'admin', hasPassword: true },
      ],
    });
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|token|hash/i);
    // Acme's admin sees Acme's users only.
    const acme = await s.call('GET', '/users', { as: 'ACME_ADMIN_TOKEN' });
    expect(acme.status).toBe(200);
    expect(acme.body.items.every((u: { email: string }) => u.email.endsWith('@acme.example'))).toBe(true);
    const annSession = await signInAs('ann@acme.example', password('ANN_PASSWORD'));
    expectError(await withSession('GET', '/users', annSession), 403, 'forbidden');
    for (const as of ['ANN_TOKEN', 'BOB_TOKEN']) expectError(await s.call('GET', '/users', { as }), 403, 'forbidden');
  });

  it('non-admins get 403; another instance’s user is 404 like an unknown id', async () => {
    const ann = await s.instances.db('acme').selectFrom('users').select('id').where('email', '=', 'ann@acme.example').executeTakeFirstOrThrow();
    const annSession = await signInAs('ann@acme.example', password('ANN_PASSWORD'));
    const before = await settled();
    expectError(await withSession('POST', '/users', annSession, { body: { name: 'Mallory', email: 'mallory@acme.example', role: 'admin' } }), 403, 'forbidden');
    expectError(await withSession('POST', `/users/${ann.id}/password`, annSession, { body: { password: 'ann-own-choice' } }), 403, 'forbidden');
    expectError(await s.call('POST', '/users', { as: 'BOB_TOKEN', body: { name: 'Mallory', email: 'mallory@globex.example', role: 'admin' } }), 403, 'forbidden');
    const foreign = await s.call('POST', `/users/${ann.id}/password`, { as: 'GLOBEX_ADMIN_TOKEN', body: { password: 'taken-over-123' } });
    expectError(foreign, 404, 'not_found');
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const unknown = await s.call('POST', `/users/${unknownId}/password`, { as: 'GLOBEX_ADMIN_TOKEN', body: { password: 'taken-over-123' } });
    expect(JSON.stringify(foreign.body).replace(ann.id, '<id>')).toBe(JSON.stringify(unknown.body).replace(unknownId, '<id>'));
    expect(await everything(s)).toEqual(before);
    expect((await withSession('GET', '/session', annSession)).status).toBe(200);
  });
});
