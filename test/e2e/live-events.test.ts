import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createTestStack, OPS_TOKEN, type TestStack } from '../harness/stack';
import { eventually } from '../harness/eventually';
import { openEventStream, type EventStream, type ReceivedEvent } from '../harness/event-stream';
import { buildApp } from '../../api/app';
import { InstanceDatabases } from '../../db/instances';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { RETRY_MS } from '../../api/routes/events';
import { taskEventBounds } from '../../db/repositories/task-events';

// The live stream (GET /events, issue 12): which task of the caller's instance changed, from the
// task_events tables, over real HTTP. Two API processes: the stack's API and a second one on the same
// databases (on PostgreSQL with its own connections and LISTEN; PGlite in memory can only be shared),
// so an action answered by one reaches streams of the other only through the database.

let s: TestStack;
let first: string;
let second: { app: FastifyInstance; url: string; instances: InstanceDatabases };
const opened: EventStream[] = [];

/** The second process holds at most this many streams. */
const SECOND_MAX_STREAMS = 3;
/** And reads its events only when notified (NOTIFY): its poll, the fallback, would come after the test's bound. */
const SECOND_POLL_MS = 600_000;

beforeAll(async () => {
  // Streams opened with a session cookie check it every 100 ms here (30 s by default).
  s = await createTestStack({ live: { sessionCheckMs: 100 } });
  first = await s.app.listen({ port: 0, host: '127.0.0.1' });
  const instances = s.databases.url
    ? await InstanceDatabases.open(DEFAULT_INSTANCES, { databaseUrl: s.databases.url, databasePrefix: s.databases.prefix })
    : s.instances;
  const app = await buildApp(
    { instances, temporal: s.temporal.client, taskQueue: s.taskQueue, opsToken: OPS_TOKEN },
    { rateLimitPerMinute: 1_000_000, live: { maxStreams: SECOND_MAX_STREAMS, pollMs: SECOND_POLL_MS } },
  );
  second = { app, instances, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
});

afterEach(() => {
  for (const stream of opened.splice(0)) stream.close();
});

afterAll(async () => {
  await second?.app.close();
  if (second && second.instances !== s.instances) await second.instances.close();
  await s?.close();
});

const bearer = (name: string) => ({ authorization: `Bearer ${s.demo.tokens[name]}` });

async function connect(base: string, who: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const stream = await openEventStream(`${base}/events`, { ...bearer(who), ...headers });
  opened.push(stream);
  return stream;
}

/** Connects and waits for `ready`: from then on the stream is live. */
async function live(base: string, who: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const stream = await connect(base, who, headers);
  expect(stream.status, JSON.stringify(stream.body)).toBe(200);
  await until(stream, 'ready', (events) => events.some((e) => e.event === 'ready'));
  return stream;
}

/** Waits for the stream to show something; the bound is generous because a loaded machine replicates slowly, not because streams are. */
const until = (stream: EventStream, what: string, ok: (events: ReceivedEvent[]) => boolean) =>
  eventually(async () => stream.events, ok, { what, attempts: 1_200 });

const changes = (stream: EventStream) => stream.events.filter((e) => e.event === 'task');
const has = (task: string, kind: string) => (events: ReceivedEvent[]) => events.some((e) => e.event === 'task' && e.data.task === task && e.data.kind === kind);

async function order(): Promise<{ consumer: string; provider: string }> {
  const res = await s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: s.demo.items.help_request, shortDescription: 'Screen flickers', variables: { category: 'hardware' } },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const consumer = res.body.number as string;
  const parent = await eventually(
    () => s.instances.db('globex').selectFrom('provider_parent_tasks').select('number').where('consumer_number', '=', consumer).executeTakeFirst(),
    (p) => !!p,
    { what: 'the parent task' },
  );
  return { consumer, provider: parent!.number };
}

/** An action answered by the second API process, over HTTP. */
async function postToSecond(who: string, path: string, body: unknown) {
  const res = await fetch(`${second.url}${path}`, { method: 'POST', headers: { ...bearer(who), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

const ids = (events: ReceivedEvent[]) => events.filter((e) => e.event === 'task').map((e) => Number(e.id));

describe('GET /events', () => {
  it('refuses callers without a user in the product error shape, before streaming', async () => {
    const anonymous = await connect(first, 'nobody', { authorization: '' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const operator = await openEventStream(`${first}/events`, { authorization: `Bearer ${OPS_TOKEN}` });
    expect(operator.status).toBe(403);
    expect(operator.body.error.code).toBe('forbidden');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await s.call('GET', '/openapi.json')).body;
    expect(doc.paths['/events'].get.summary).toMatch(/Live updates/);
    expect(Object.keys(doc.paths['/events'].get.responses)).toEqual(expect.arrayContaining(['200', '401', '503']));
  });

  it("tells each side of a request what changed on its own tasks, and nothing of the other instance's or a work note's text", async () => {
    const ann = await live(first, 'ANN_TOKEN');
    const bob = await live(first, 'BOB_TOKEN');
    const ready = ann.events[0];
    expect(ready).toMatchObject({ event: 'ready', retry: RETRY_MS });
    expect(ready.id).toMatch(/^\d+$/);

    const { consumer, provider } = await order();
    await until(bob, 'the new case', has(provider, 'created'));
    expect((await s.call('POST', `/tasks/${provider}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBe(200);
    await until(ann, "the provider's assignment", has(consumer, 'assigned'));
    expect((await s.call('POST', `/tasks/${consumer}/comments`, { as: 'ANN_TOKEN', body: { body: 'It started after the update' } })).status).toBe(201);
    await until(bob, "the consumer's comment", has(provider, 'comment'));
    await until(ann, "the consumer's own comment", has(consumer, 'comment'));
    expect((await s.call('POST', `/tasks/${provider}/work-notes`, { as: 'BOB_TOKEN', body: { body: 'Internal: the driver vendor owes us' } })).status).toBe(201);
    await until(bob, 'the work note', has(provider, 'work_note'));
    expect((await s.call('POST', `/tasks/${provider}/propose-solution`, { as: 'BOB_TOKEN', body: { resolutionCode: 'solved', resolutionNotes: 'Driver rolled back' } })).status).toBe(200);
    await until(ann, 'the proposed solution', has(consumer, 'solution'));

    // Each stream carries its own instance's tasks only, in id order, and no text at all.
    expect(changes(ann).every((e) => e.data.task.startsWith('PTSK'))).toBe(true);
    expect(changes(bob).every((e) => !e.data.task.startsWith('PTSK'))).toBe(true);
    expect(changes(ann).some((e) => e.data.kind === 'work_note')).toBe(false);
    for (const stream of [ann, bob]) {
      const seen = ids(stream.events);
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(new Set(seen).size).toBe(seen.length);
      expect(JSON.stringify(stream.events)).not.toMatch(/vendor|after the|rolled back/);
      for (const e of changes(stream)) expect(Object.keys(e.data).sort()).toEqual(['at', 'kind', 'task']);
    }
  });

  it('resumes from Last-Event-ID with what was missed, each once, then live', async () => {
    const before = await live(first, 'ANN_TOKEN');
    const { consumer, provider } = await order();
    await until(before, 'the Provider Task received', has(consumer, 'state'));
    const lastSeen = before.events[before.events.length - 1].id!;
    before.close();
    const eventsSince = async () =>
      (await s.instances.db('acme').selectFrom('task_events').select(['id', 'kind']).where('id', '>', lastSeen).orderBy('id').execute()).map((r) => ({ id: Number(r.id), kind: r.kind }));

    // Changes while disconnected, answered by the other process.
    await postToSecond('BOB_TOKEN', `/tasks/${provider}/assign`, {});
    await postToSecond('BOB_TOKEN', `/tasks/${provider}/comments`, { body: 'Trying safe mode?' });
    const missed = await eventually(eventsSince, (rows) => rows.some((r) => r.kind === 'comment'), { what: "the consumer's side to be written" });

    const after = await live(first, 'ANN_TOKEN', { 'last-event-id': lastSeen });
    const readyAt = after.events.findIndex((e) => e.event === 'ready');
    const caughtUp = ids(after.events.slice(0, readyAt));
    expect(caughtUp.slice(0, missed.length)).toEqual(missed.map((r) => r.id));
    expect(after.events[readyAt].id).toBe(String(caughtUp[caughtUp.length - 1]));

    // And live from there: every change since lastSeen, in order, once.
    expect((await s.call('POST', `/tasks/${provider}/comments`, { as: 'BOB_TOKEN', body: { body: 'Any luck?' } })).status).toBe(201);
    const all = await eventually(eventsSince, (rows) => rows.filter((r) => r.kind === 'comment').length >= 2, { what: 'the second comment on the consumer side' });
    await until(after, 'every change since lastSeen', (events) => ids(events).length >= all.length);
    expect(ids(after.events)).toEqual(all.map((r) => r.id));
  });

  it('tells a client whose Last-Event-ID it cannot resume from to reload everything', async () => {
    for (const lastSeen of ['99999999999', 'not-an-id']) {
      const stream = await live(first, 'ANN_TOKEN', { 'last-event-id': lastSeen });
      expect(stream.events.map((e) => e.event)).toEqual(['reset', 'ready']);
      expect(stream.events[0].id).toBe(stream.events[1].id);
    }
  });

  it("keeps five streams per user: a sixth supersedes that user's oldest", async () => {
    const carol = [];
    for (let i = 0; i < 5; i++) carol.push(await live(first, 'CAROL_TOKEN'));
    const bob = await live(first, 'BOB_TOKEN');
    const sixth = await live(first, 'CAROL_TOKEN');
    await carol[0].ended;
    expect(carol[0].events.map((e) => e.event)).toEqual(['ready', 'superseded']);
    expect([...carol.slice(1), sixth, bob].every((stream) => stream.open)).toBe(true);
  });

  it('delivers an action answered by one API process to streams on the other, both ways (woken by NOTIFY)', async () => {
    const { consumer, provider } = await order();
    const annOnSecond = await live(second.url, 'ANN_TOKEN');
    const bobOnFirst = await live(first, 'BOB_TOKEN');
    expect((await s.call('POST', `/tasks/${provider}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBe(200);
    await until(annOnSecond, 'the assignment, answered by the first process', has(consumer, 'assigned'));
    await postToSecond('ANN_TOKEN', `/tasks/${consumer}/comments`, { body: 'Hello from the other process' });
    await until(bobOnFirst, 'the comment, answered by the second process', has(provider, 'comment'));
  });

  it('ends a stream opened with the session cookie once that session is signed out; a bearer stream stays', async () => {
    const signIn = await fetch(`${first}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ann@acme.example', password: s.demo.passwords.ANN_PASSWORD }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const byCookie = await openEventStream(`${first}/events`, { cookie });
    opened.push(byCookie);
    await until(byCookie, 'ready', (events) => events.some((e) => e.event === 'ready'));
    const byToken = await live(first, 'ANN_TOKEN');
    expect((await fetch(`${first}/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(204);
    await byCookie.ended;
    expect(byToken.open).toBe(true);
    // Its browser reconnects, and is refused.
    expect((await openEventStream(`${first}/events`, { cookie })).status).toBe(401);
  });

  it('answers 503 in the error shape when the process holds LIVE_STREAMS_MAX streams, and ends them all when the app closes', async () => {
    const streams = [await live(second.url, 'ANN_TOKEN'), await live(second.url, 'BOB_TOKEN'), await live(second.url, 'CAROL_TOKEN')];
    expect(streams.length).toBe(SECOND_MAX_STREAMS);
    const refused = await connect(second.url, 'ACME_ADMIN_TOKEN');
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/live event streams/) });
    expect(refused.headers.get('retry-after')).toBe('30');

    // Fastify's close waits for open connections: the streams end first, so it does not hang.
    await second.app.close();
    await Promise.all(streams.map((stream) => stream.ended));
    expect(streams.every((stream) => !stream.open)).toBe(true);
  });
});

// The triggers, directly: a rewrite that changes nothing is no event.
describe('task_events', () => {
  it('records nothing for a rewrite that changes nothing', async () => {
    const db = s.instances.db('acme');
    const before = await taskEventBounds(db);
    await db.updateTable('consumer_provider_tasks').set({ state: sql`state` }).execute();
    expect(await taskEventBounds(db)).toEqual(before);
  });
});
