// SLA timers end to end: durable timers inside the exchange workflow, moved with the dev server's
// time-skipping clock (s.temporal.env.sleep), never the wall clock. Escalations are checked in both
// databases, in the task views of both sides, and at a local webhook receiver that verifies each
// delivery's signature.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, OPS_TOKEN, type TestStack } from '../harness/stack';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhook } from '../../activities/webhook-activities';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';
import type { SlaName } from '../../domain/sla';
import { eventually } from '../harness/eventually';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far before/after a deadline the "not yet"/"now" checks look: far more than any real time a test takes. */
const MARGIN = 10 * MINUTE;

const SECRETS: Record<string, string> = { acme: 'acme-webhook-secret-0123456789', globex: 'globex-webhook-secret-9876543210' };

// ---------------------------------------------------------------- the webhook receiver

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * A local HTTP receiver on 127.0.0.1. `down()` closes it (connections are refused) and `up()` opens
 * it again on the same port; `failNext` makes it answer 503 to that many deliveries first.
 */
class Receiver {
  readonly deliveries: Delivery[] = [];
  failNext = 0;
  port = 0;
  private server: Server = this.create();

  private create(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.failNext > 0 ? (this.failNext--, 503) : 204;
        this.deliveries.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status).end();
      });
    });
  }

  async up(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    this.server = this.create();
  }

  url(instance: string) {
    return `http://127.0.0.1:${this.port}/hooks/${instance}`;
  }

  /** Accepted (2xx) deliveries about one request, parsed. */
  accepted(number: string) {
    return this.about(number).filter((d) => d.status < 300);
  }

  /** Every delivery attempt about one request. */
  about(number: string) {
    return this.deliveries
      .map((d) => ({ ...d, event: JSON.parse(d.body) as WebhookEvent }))
      .filter((d) => d.event.request?.number === number);
  }
}

interface WebhookEvent {
  deliveryId: string;
  type: string;
  request: { consumer: string; provider: string; number: string; providerNumber: string | null };
  sla: string;
  level: number;
  priority: number;
  breachedAt: string;
}

// ---------------------------------------------------------------- the stack

let s: TestStack;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.up();
  s = await createTestStack({
    instances: DEFAULT_INSTANCES.map((i) => ({ ...i, webhookUrl: receiver.url(i.id), webhookSecret: SECRETS[i.id] })),
  });
});
afterAll(async () => {
  await s?.close();
  await receiver.down();
});

/** Gives in-flight work a moment (real time) to show up, for "nothing more happened" checks. */
const settle = () => new Promise((r) => setTimeout(r, 300));

const sleep = (ms: number) => s.temporal.env.sleep(ms);
const now = () => s.temporal.env.currentTimeMs();
const iso = (d: Date | string | number) => new Date(d).toISOString();

const consumerTask = (number: string) => s.instances.db('acme').selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst();
const providerTask = (number: string) => s.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', number).executeTakeFirst();
const comments = (instance: string, taskNumber: string) =>
  s.instances.db(instance).selectFrom('comments').select(['seq', 'author_name', 'origin_instance', 'body', 'visibility']).where('task_number', '=', taskNumber).orderBy('seq').execute();
const escalations = async (instance: string, taskNumber: string) =>
  (await s.instances.db(instance).selectFrom('escalations').selectAll().where('task_number', '=', taskNumber).orderBy('level').execute()).map((e) => ({
    id: e.id,
    sla: e.sla,
    level: e.level,
    priority: e.priority,
    breachedAt: iso(e.breached_at),
  }));

/** When the workflow recorded an action (audit entries carry workflow time), on the consumer side: the n-th such entry. */
async function auditedAt(number: string, action: string, nth = 0): Promise<number> {
  const rows = await eventually(
    () => s.instances.db('acme').selectFrom('audit_log').select('created_at').where('task_number', '=', number).where('action', '=', action).orderBy('created_at').execute(),
    (r) => r.length > nth,
  );
  return new Date(rows[nth].created_at).getTime();
}

interface Req {
  number: string;
  parent: string;
  workflowId: string;
  /** When the provider received it: response and resolution clocks start here (server time). */
  receivedAt: number;
}

/** Ann orders an item; waits until Globex has its parent task and Acme's copy is received. */
async function submit(kind: 'help_request' | 'service_affecting_issue' = 'help_request'): Promise<Req> {
  const variables = kind === 'help_request' ? { category: 'software' } : { service: 'Payroll' };
  const res = await s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: s.demo.items[kind], shortDescription: 'Mail is down', description: 'Nobody gets mail', variables },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const number = res.body.number as string;
  const parent = await eventually(() => providerTask(number), (p) => !!p);
  await eventually(() => consumerTask(number), (t) => t?.state === 'received' && t.provider_number === parent!.number);
  const workflowId = exchangeWorkflowId('acme', number);
  const sla = await snapshot(workflowId);
  // The response and resolution clocks start when the provider received it, not at submission.
  const receivedAt = await auditedAt(number, 'receive');
  expect(sla.clocks.response?.runningSince).toBe(receivedAt);
  expect(sla.clocks.resolution?.runningSince).toBe(receivedAt);
  return { number, parent: parent!.number, workflowId, receivedAt };
}

const snapshot = async (workflowId: string) => (await s.temporal.client.workflow.getHandle(workflowId).query(snapshotQuery)).sla!;

const act = async (as: string, number: string, path: string, body: Record<string, unknown> = {}) => {
  const res = await s.call('POST', `/tasks/${number}/${path}`, { as, body });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
};

/** Sleeps until `at` (server time) plus `offset`. */
async function sleepUntil(at: number, offset: number) {
  const ms = at + offset - (await now());
  expect(ms).toBeGreaterThan(0);
  await sleep(ms);
}

/** Both sides' task views (GET /tasks/:number), as Ann and as Bob see them. */
async function views(r: Req) {
  const consumer = await s.call('GET', `/tasks/${r.number}`, { as: 'ANN_TOKEN' });
  const provider = await s.call('GET', `/tasks/${r.parent}`, { as: 'BOB_TOKEN' });
  expect(consumer.status).toBe(200);
  expect(provider.status).toBe(200);
  return { consumer: consumer.body, provider: provider.body };
}

interface SlaView {
  name: SlaName;
  target: string;
  paused: boolean;
  met: boolean;
  breachedAt: string | null;
}
const slaFacts = (view: { slas: Array<SlaView & Record<string, unknown>> }) =>
  view.slas.map(({ name, target, paused, met, breachedAt }) => ({ name, target, paused, met, breachedAt }));

/** Both sides' views agree with each other and show this priority, level and SLA clocks. */
async function expectViews(r: Req, expected: { priority: number; escalationLevel: number; slas: SlaView[] }) {
  const matches = (side: { priority: number; escalationLevel: number; slas: Array<SlaView & Record<string, unknown>> }) =>
    side.priority === expected.priority && side.escalationLevel === expected.escalationLevel && JSON.stringify(slaFacts(side)) === JSON.stringify(expected.slas);
  const v = await eventually(() => views(r), (x) => matches(x.consumer) && matches(x.provider));
  for (const side of [v.consumer, v.provider]) {
    expect(side.priority).toBe(expected.priority);
    expect(side.escalationLevel).toBe(expected.escalationLevel);
    expect(slaFacts(side)).toEqual(expected.slas);
  }
  return v;
}

const slaBreachComments = async (instance: string, taskNumber: string) =>
  (await comments(instance, taskNumber)).filter((c) => c.author_name === 'Service Exchange' && c.body.startsWith('SLA breached'));

/** Every accepted delivery is correctly signed for its instance, with a stable delivery id header. */
function expectSigned(d: { path: string; headers: IncomingHttpHeaders; body: string; event: WebhookEvent }) {
  const instance = d.path.split('/').at(-1)!;
  expect(Object.keys(SECRETS)).toContain(instance);
  expect(d.headers['content-type']).toBe('application/json');
  expect(d.headers[SIGNATURE_HEADER]).toBe(signWebhook(SECRETS[instance], d.body));
  expect(d.headers[SIGNATURE_HEADER]).not.toBe(signWebhook(SECRETS[instance === 'acme' ? 'globex' : 'acme'], d.body));
  expect(d.headers[DELIVERY_HEADER]).toBe(d.event.deliveryId);
  expect(d.event.deliveryId).toMatch(new RegExp(`/e/${d.event.level}/${instance}$`));
  return instance;
}

/** Ends a request so its clocks stop and later tests' sleeps do not escalate it. */
async function cancel(r: Req) {
  await act('ANN_TOKEN', r.number, 'cancel', { reason: 'test done' });
  await eventually(() => providerTask(r.number), (t) => t?.state === 'cancelled');
}

// ---------------------------------------------------------------- the tests

describe('SLA escalation (durable timers, time skipping)', () => {
  it('(1) response SLA: unassigned past 4 h escalates in both databases with comments and signed webhooks, again at 8 h, then assignment stops it', async () => {
    const r = await submit('help_request'); // IT help request: response 4h, resolution 3d, acceptance 5d; priority 3
    const breachAt = r.receivedAt + 4 * HOUR;

    // Just short of the target: nothing.
    await sleepUntil(breachAt, -MARGIN);
    await settle();
    expect(await escalations('acme', r.number)).toEqual([]);
    expect(receiver.about(r.number)).toEqual([]);
    expect((await consumerTask(r.number))?.escalation_level).toBe(0);

    // Past it: level 1, priority 3 -> 2, on both sides.
    await sleep(2 * MARGIN);
    const level1 = { sla: 'response', level: 1, priority: 2, breachedAt: iso(breachAt) };
    expect(await eventually(() => escalations('acme', r.number), (e) => e.length >= 1)).toEqual([{ id: `${r.workflowId}/e/1`, ...level1 }]);
    expect(await eventually(() => escalations('globex', r.parent), (e) => e.length >= 1)).toEqual([{ id: `${r.workflowId}/e/1`, ...level1 }]);
    expect(await eventually(() => consumerTask(r.number), (t) => t?.escalation_level === 1)).toMatchObject({ state: 'received', escalation_level: 1, priority: 2 });
    expect(await eventually(() => providerTask(r.number), (t) => t?.escalation_level === 1)).toMatchObject({ state: 'new', escalation_level: 1, priority: 2 });

    // A system comment on both sides naming the breached SLA.
    for (const [instance, taskNumber] of [['acme', r.number], ['globex', r.parent]]) {
      const found = await eventually(() => slaBreachComments(instance, taskNumber), (c) => c.length >= 1);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ origin_instance: 'system', visibility: 'public' });
      expect(found[0].body).toContain('response time of 4 h');
      expect(found[0].body).toContain('Escalation level 1');
    }

    // One signed webhook per instance that configured one (both here).
    const first = await eventually(async () => receiver.accepted(r.number), (d) => d.length >= 2);
    expect(first).toHaveLength(2);
    expect(first.map(expectSigned).sort()).toEqual(['acme', 'globex']);
    for (const d of first) {
      expect(d.event).toMatchObject({
        type: 'sla.breached',
        request: { consumer: 'acme', provider: 'globex', number: r.number, providerNumber: r.parent },
        sla: 'response',
        level: 1,
        priority: 2,
        breachedAt: iso(breachAt),
      });
    }
    expect(new Set(first.map((d) => d.event.deliveryId)).size).toBe(2);
    await expectViews(r, {
      priority: 2,
      escalationLevel: 1,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: false, breachedAt: iso(breachAt) },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: false, met: false, breachedAt: null },
      ],
    });

    // A second interval (8 h): level 2, priority 1.
    await sleepUntil(r.receivedAt + 8 * HOUR, -MARGIN);
    await settle();
    expect(await escalations('acme', r.number)).toHaveLength(1);
    await sleep(2 * MARGIN);
    const level2 = { id: `${r.workflowId}/e/2`, sla: 'response', level: 2, priority: 1, breachedAt: iso(breachAt) };
    expect((await eventually(() => escalations('acme', r.number), (e) => e.length >= 2)).at(-1)).toEqual(level2);
    expect(await eventually(() => escalations('globex', r.parent), (e) => e.length >= 2)).toEqual([{ id: `${r.workflowId}/e/1`, ...level1 }, level2]);
    expect(await eventually(() => consumerTask(r.number), (t) => t?.escalation_level === 2)).toMatchObject({ escalation_level: 2, priority: 1 });
    expect(await eventually(() => providerTask(r.number), (t) => t?.escalation_level === 2)).toMatchObject({ escalation_level: 2, priority: 1 });
    const second = (await eventually(async () => receiver.accepted(r.number), (d) => d.length >= 4)).slice(2);
    expect(second.map(expectSigned).sort()).toEqual(['acme', 'globex']);
    expect(second.map((d) => [d.event.level, d.event.priority, d.event.sla])).toEqual([
      [2, 1, 'response'],
      [2, 1, 'response'],
    ]);
    for (const [instance, taskNumber] of [['acme', r.number], ['globex', r.parent]]) {
      const found = await eventually(() => slaBreachComments(instance, taskNumber), (c) => c.length >= 2);
      expect(found.map((c) => c.body.match(/Escalation level (\d)/)?.[1])).toEqual(['1', '2']);
    }

    // Bob takes it: the response SLA is met (late), and nothing escalates any more.
    await act('BOB_TOKEN', r.parent, 'assign');
    await eventually(() => consumerTask(r.number), (t) => t?.state === 'work_in_progress');
    for (let i = 0; i < 4; i++) await sleep(4 * HOUR + MARGIN);
    await settle();
    expect(await escalations('acme', r.number)).toHaveLength(2);
    expect(await escalations('globex', r.parent)).toHaveLength(2);
    expect(receiver.about(r.number)).toHaveLength(4);
    expect(await consumerTask(r.number)).toMatchObject({ escalation_level: 2, priority: 1 });
    expect(await providerTask(r.number)).toMatchObject({ escalation_level: 2, priority: 1 });
    expect(await slaBreachComments('acme', r.number)).toHaveLength(2);
    await expectViews(r, {
      priority: 1,
      escalationLevel: 2,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: true, breachedAt: iso(breachAt) },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: false, met: false, breachedAt: null },
      ],
    });
    await cancel(r);
  });

  it('(2) resolution SLA pauses while awaiting info, and breaches only once the consumer answered and the rest ran out', async () => {
    const r = await submit('help_request');
    await act('BOB_TOKEN', r.parent, 'assign');
    await sleep(DAY);
    await act('BOB_TOKEN', r.parent, 'request-info', { question: 'Which mailbox?' });
    await eventually(() => consumerTask(r.number), (t) => t?.state === 'awaiting_info');
    const paused = (await snapshot(r.workflowId)).clocks.resolution!;
    expect(paused.runningSince).toBeNull();
    expect(paused.elapsedMs).toBe((await auditedAt(r.number, 'request_info')) - r.receivedAt);
    expect(paused.elapsedMs).toBeGreaterThanOrEqual(DAY);
    expect(paused.elapsedMs).toBeLessThan(DAY + MARGIN);
    const remaining = 3 * DAY - paused.elapsedMs;
    await expectViews(r, {
      priority: 3,
      escalationLevel: 0,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: true, met: false, breachedAt: null },
      ],
    });

    // Awaiting info for longer than the whole remaining time (and the whole target): no breach.
    await sleep(remaining + DAY);
    await sleep(2 * DAY);
    await settle();
    expect(await escalations('acme', r.number)).toEqual([]);
    expect(await escalations('globex', r.parent)).toEqual([]);
    expect(receiver.about(r.number)).toEqual([]);
    expect(await consumerTask(r.number)).toMatchObject({ state: 'awaiting_info', escalation_level: 0, priority: 3 });
    expect(await slaBreachComments('acme', r.number)).toEqual([]);

    // Ann answers: the clock resumes from where it stopped.
    await act('ANN_TOKEN', r.number, 'comments', { body: 'The shared one' });
    await eventually(() => providerTask(r.number), (t) => t?.state === 'work_in_progress');
    const resumed = (await snapshot(r.workflowId)).clocks.resolution!;
    expect(resumed.elapsedMs).toBe(paused.elapsedMs);
    expect(resumed.runningSince).toBe(await auditedAt(r.number, 'comment'));
    const breachAt = resumed.runningSince! + remaining;
    await expectViews(r, {
      priority: 3,
      escalationLevel: 0,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: false, met: false, breachedAt: null },
      ],
    });

    // Just short of the remaining time: still nothing.
    await sleepUntil(breachAt, -MARGIN);
    await settle();
    expect(await escalations('acme', r.number)).toEqual([]);
    expect((await consumerTask(r.number))?.escalation_level).toBe(0);

    // Just past it: a resolution escalation dated exactly at the deadline.
    await sleep(2 * MARGIN);
    const expected = [{ id: `${r.workflowId}/e/1`, sla: 'resolution', level: 1, priority: 2, breachedAt: iso(breachAt) }];
    expect(await eventually(() => escalations('acme', r.number), (e) => e.length >= 1)).toEqual(expected);
    expect(await eventually(() => escalations('globex', r.parent), (e) => e.length >= 1)).toEqual(expected);
    for (const [instance, taskNumber] of [['acme', r.number], ['globex', r.parent]]) {
      const found = await eventually(() => slaBreachComments(instance, taskNumber), (c) => c.length >= 1);
      expect(found).toHaveLength(1);
      expect(found[0].body).toContain('resolution time of 3 d');
    }
    const hooks = await eventually(async () => receiver.accepted(r.number), (d) => d.length >= 2);
    expect(hooks.map(expectSigned).sort()).toEqual(['acme', 'globex']);
    expect(hooks.every((d) => d.event.sla === 'resolution' && d.event.level === 1 && d.event.breachedAt === iso(breachAt))).toBe(true);
    await expectViews(r, {
      priority: 2,
      escalationLevel: 1,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: false, met: false, breachedAt: iso(breachAt) },
      ],
    });

    // Proposing a solution meets the (late) resolution SLA: no further escalation.
    await act('BOB_TOKEN', r.parent, 'propose-solution', { resolutionCode: 'solved', resolutionNotes: 'Fixed the mailbox' });
    await sleep(3 * DAY + MARGIN);
    await settle();
    expect(await escalations('acme', r.number)).toHaveLength(1);
    await cancel(r);
  });

  it('(2b) a rejected solution restarts the resolution clock from the rejection', async () => {
    const r = await submit('help_request');
    await act('BOB_TOKEN', r.parent, 'assign');
    await sleep(12 * HOUR);
    await act('BOB_TOKEN', r.parent, 'propose-solution', { resolutionCode: 'solved', resolutionNotes: 'Cleared the cache' });
    await sleep(2 * DAY);
    await act('ANN_TOKEN', r.number, 'reject', { reason: 'Still broken' });
    const rejectedAt = await auditedAt(r.number, 'reject');
    const restarted = (await snapshot(r.workflowId)).clocks.resolution!;
    expect(restarted).toMatchObject({ runningSince: rejectedAt, elapsedMs: 0, metAt: null, breachedAt: null });
    await expectViews(r, {
      priority: 3,
      escalationLevel: 0,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: false, met: false, breachedAt: null },
        { name: 'acceptance', target: 'P5DT0H0M0S', paused: false, met: true, breachedAt: null },
      ],
    });

    // Three days after the submission (and more) have passed by then: nothing until 3 days after the rejection.
    await sleepUntil(rejectedAt + 3 * DAY, -MARGIN);
    await settle();
    expect(await escalations('acme', r.number)).toEqual([]);
    await sleep(2 * MARGIN);
    const expected = [{ id: `${r.workflowId}/e/1`, sla: 'resolution', level: 1, priority: 2, breachedAt: iso(rejectedAt + 3 * DAY) }];
    expect(await eventually(() => escalations('acme', r.number), (e) => e.length >= 1)).toEqual(expected);
    expect(await eventually(() => escalations('globex', r.parent), (e) => e.length >= 1)).toEqual(expected);
    await cancel(r);
  });

  it('(3) acceptance window: a reminder at half, then auto-close as accepted with the resolution kept', async () => {
    const r = await submit('help_request');
    await act('BOB_TOKEN', r.parent, 'assign');
    await act('BOB_TOKEN', r.parent, 'propose-solution', { resolutionCode: 'workaround', resolutionNotes: 'Use webmail for now' });
    await eventually(() => consumerTask(r.number), (t) => t?.state === 'resolved');
    const resolvedAt = (await snapshot(r.workflowId)).clocks.acceptance!.runningSince!;
    expect(resolvedAt).toBe(await auditedAt(r.number, 'propose_solution'));
    const reminders = async (instance: string, taskNumber: string) =>
      (await comments(instance, taskNumber)).filter((c) => c.author_name === 'Service Exchange' && c.body.startsWith('Reminder'));
    const autoClosed = async (instance: string, taskNumber: string) =>
      (await comments(instance, taskNumber)).filter((c) => c.author_name === 'Service Exchange' && c.body.startsWith('Closed automatically'));

    // Half of the 5-day window: not before, then a reminder on both sides.
    await sleepUntil(resolvedAt + 2.5 * DAY, -MARGIN);
    await settle();
    expect(await reminders('acme', r.number)).toEqual([]);
    await sleep(2 * MARGIN);
    const reminder = await eventually(() => reminders('acme', r.number), (c) => c.length >= 1);
    expect(reminder).toHaveLength(1);
    expect(reminder[0]).toMatchObject({ origin_instance: 'system', visibility: 'public' });
    const closesAt = Date.parse(reminder[0].body.match(/closes as accepted at (\S+?)\.?$/)![1]);
    expect(Math.abs(closesAt - (resolvedAt + 5 * DAY))).toBeLessThan(5_000);
    expect(await eventually(() => reminders('globex', r.parent), (c) => c.length >= 1)).toHaveLength(1);
    expect(await consumerTask(r.number)).toMatchObject({ state: 'resolved' });
    await expectViews(r, {
      priority: 3,
      escalationLevel: 0,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'acceptance', target: 'P5DT0H0M0S', paused: false, met: false, breachedAt: null },
      ],
    });

    // The end of the window: still resolved just before, closed as accepted just after.
    await sleepUntil(resolvedAt + 5 * DAY, -MARGIN);
    await settle();
    expect((await consumerTask(r.number))?.state).toBe('resolved');
    expect(await autoClosed('acme', r.number)).toEqual([]);
    await sleep(2 * MARGIN);
    const handle = s.temporal.client.workflow.getHandle(r.workflowId);
    await eventually(() => handle.describe(), (d) => d.status.name === 'COMPLETED');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const final = await handle.query(snapshotQuery);
    expect(final).toMatchObject({
      consumerState: 'closed',
      providerState: 'closed',
      resolution: { code: 'workaround', notes: 'Use webmail for now' },
      pending: { consumer: 0, provider: 0 },
    });
    const kept = { state: 'closed', resolution_code: 'workaround', resolution_notes: 'Use webmail for now' };
    expect(await eventually(() => consumerTask(r.number), (t) => t?.state === 'closed')).toMatchObject(kept);
    expect(await eventually(() => providerTask(r.number), (t) => t?.state === 'closed')).toMatchObject(kept);
    for (const [instance, taskNumber] of [['acme', r.number], ['globex', r.parent]]) {
      const closing = await autoClosed(instance, taskNumber);
      expect(closing).toHaveLength(1);
      expect(closing[0]).toMatchObject({ origin_instance: 'system', visibility: 'public' });
    }
    const v = await expectViews(r, {
      priority: 3,
      escalationLevel: 0,
      slas: [
        { name: 'response', target: 'PT4H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'resolution', target: 'P3DT0H0M0S', paused: false, met: true, breachedAt: null },
        { name: 'acceptance', target: 'P5DT0H0M0S', paused: false, met: true, breachedAt: null },
      ],
    });
    expect(v.consumer).toMatchObject({ state: 'closed', resolution: { code: 'workaround' }, allowedActions: [] });
    expect(v.consumer.auditTrail.at(-1)).toMatchObject({ action: 'auto_close', fromState: 'resolved', toState: 'closed' });
    expect(receiver.about(r.number)).toEqual([]);
  });

  it('(4) a webhook receiver that is down: escalations are recorded at once, each webhook is delivered exactly once when it is back', async () => {
    // An incident: priority 2, response 30 min. Its escalations go to priority 1 and stay there.
    const r = await submit('service_affecting_issue');
    await receiver.down();
    try {
      await sleepUntil(r.receivedAt + 30 * MINUTE, MINUTE);
      const level1 = { id: `${r.workflowId}/e/1`, sla: 'response', level: 1, priority: 1, breachedAt: iso(r.receivedAt + 30 * MINUTE) };
      expect(await eventually(() => escalations('acme', r.number), (e) => e.length >= 1)).toEqual([level1]);
      expect(await eventually(() => escalations('globex', r.parent), (e) => e.length >= 1)).toEqual([level1]);
      expect(await eventually(() => consumerTask(r.number), (t) => t?.escalation_level === 1)).toMatchObject({ priority: 1 });
      expect(await eventually(() => slaBreachComments('globex', r.parent), (c) => c.length >= 1)).toHaveLength(1);

      // Level 2 at 60 min while still down: recorded too; the priority stays at 1 (critical).
      await sleepUntil(r.receivedAt + 60 * MINUTE, MINUTE);
      const esc = await eventually(() => escalations('globex', r.parent), (e) => e.length >= 2);
      expect(esc.map((e) => [e.level, e.priority])).toEqual([
        [1, 1],
        [2, 1],
      ]);
      expect(await eventually(() => consumerTask(r.number), (t) => t?.escalation_level === 2)).toMatchObject({ priority: 1 });
      await act('CAROL_TOKEN', r.parent, 'assign');
      // Time still moves while the deliveries back off (their retries are server timers).
      await sleep(HOUR);
      expect(receiver.about(r.number)).toEqual([]);
      const pending = await s.call('GET', `/ops/requests/${encodeURIComponent(r.workflowId)}`, { as: OPS_TOKEN });
      expect(pending.body.pendingActivities).toEqual([expect.objectContaining({ activityType: 'deliverWebhook', lastFailure: expect.stringContaining('unreachable') })]);
      expect(pending.body.pendingActivities[0].attempt).toBeGreaterThan(1);
    } finally {
      await receiver.up();
    }

    // Back, but answering 503 to the first delivery: retried, then each event delivered once.
    receiver.failNext = 1;
    await sleep(30 * MINUTE);
    const delivered = await eventually(async () => receiver.accepted(r.number), (d) => d.length >= 4);
    const refused = receiver.about(r.number).filter((d) => d.status === 503);
    expect(refused).toHaveLength(1);
    // The retry after the 503 is the same delivery (same id, same signed body).
    expect(refused[0].headers[DELIVERY_HEADER]).toBe(`${r.workflowId}/e/1/acme`);
    expect(receiver.accepted(r.number).find((d) => d.headers[DELIVERY_HEADER] === refused[0].headers[DELIVERY_HEADER])?.body).toBe(refused[0].body);
    expect(delivered).toHaveLength(4);
    delivered.forEach(expectSigned);
    expect(delivered.map((d) => d.event.deliveryId).sort()).toEqual(
      [`${r.workflowId}/e/1/acme`, `${r.workflowId}/e/1/globex`, `${r.workflowId}/e/2/acme`, `${r.workflowId}/e/2/globex`].sort(),
    );
    expect(delivered.map((d) => [d.event.level, d.event.priority])).toEqual([
      [1, 1],
      [1, 1],
      [2, 1],
      [2, 1],
    ]);

    // Never twice: the request ends (its clocks stop), and days later nothing more was delivered.
    await cancel(r);
    await sleep(2 * DAY);
    await settle();
    expect(receiver.accepted(r.number)).toHaveLength(4);
    expect(new Set(receiver.accepted(r.number).map((d) => d.headers[DELIVERY_HEADER])).size).toBe(4);
    expect(await escalations('acme', r.number)).toHaveLength(2);
    expect(await escalations('globex', r.parent)).toHaveLength(2);
  });

  it('(5) GET /tasks/:number: priority, escalation level and each SLA (target, paused, met, breached) through the life of a request', async () => {
    const r = await submit('service_affecting_issue'); // response 30m, resolution 8h, acceptance 2d; priority 2
    const response = { name: 'response' as const, target: 'PT0H30M0S', paused: false, met: false, breachedAt: null as string | null };
    const resolution = { name: 'resolution' as const, target: 'PT8H0M0S', paused: false, met: false, breachedAt: null as string | null };
    await expectViews(r, { priority: 2, escalationLevel: 0, slas: [response, resolution] });

    // Response breached: level 1, priority 1, the response clock shows when.
    await sleepUntil(r.receivedAt + 30 * MINUTE, MINUTE);
    response.breachedAt = iso(r.receivedAt + 30 * MINUTE);
    await expectViews(r, { priority: 1, escalationLevel: 1, slas: [response, resolution] });

    // Assigned: the response clock is met (the breach stays on record).
    await act('BOB_TOKEN', r.parent, 'assign');
    response.met = true;
    await expectViews(r, { priority: 1, escalationLevel: 1, slas: [response, resolution] });

    // Awaiting info: the resolution clock pauses; the answer resumes it.
    await act('BOB_TOKEN', r.parent, 'request-info', { question: 'Since when?' });
    await expectViews(r, { priority: 1, escalationLevel: 1, slas: [response, { ...resolution, paused: true }] });
    await sleep(10 * HOUR);
    await expectViews(r, { priority: 1, escalationLevel: 1, slas: [response, { ...resolution, paused: true }] });
    await act('ANN_TOKEN', r.number, 'comments', { body: 'Since 9:00' });
    await expectViews(r, { priority: 1, escalationLevel: 1, slas: [response, resolution] });

    // Proposed: resolution met, the acceptance window opens; accepted: it is met too.
    await act('BOB_TOKEN', r.parent, 'propose-solution', { resolutionCode: 'solved', resolutionNotes: 'Restarted the service' });
    resolution.met = true;
    const acceptance = { name: 'acceptance' as const, target: 'P2DT0H0M0S', paused: false, met: false, breachedAt: null };
    await expectViews(r, { priority: 1, escalationLevel: 1, slas: [response, resolution, acceptance] });
    await act('ANN_TOKEN', r.number, 'accept');
    await eventually(() => providerTask(r.number), (t) => t?.state === 'closed');
    const v = await expectViews(r, { priority: 1, escalationLevel: 1, slas: [response, resolution, { ...acceptance, met: true }] });
    // A met or breached clock has no remaining time; the views' figures are ISO-8601 durations.
    for (const side of [v.consumer, v.provider]) {
      for (const sla of side.slas) {
        expect(sla.remaining).toBeNull();
        expect(sla.elapsed).toMatch(/^P(\d+D)?T\d+H\d+M\d+S$/);
      }
    }
  });
});
