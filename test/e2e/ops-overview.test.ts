// GET /ops/overview: requests by state per instance pair (from the databases), a write that fails
// shows as failing with its last error and its backlog on the provider's side, SLA breaches with
// their escalation level, each database's health, and where each request's workflow is in the
// Temporal UI. Operators only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, OPS_TOKEN, type TestStack } from '../harness/stack';
import { unreachableDatabase } from '../faults/helpers';
import { eventually } from '../harness/eventually';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';

const MINUTE = 60_000;
let s: TestStack;
const numbers: Record<string, string> = {};
const parents: Record<string, string> = {};

async function submit(label: string, item: string, variables: Record<string, unknown>) {
  const res = await s.call('POST', '/requests', { as: 'ANN_TOKEN', body: { catalogItemId: item, shortDescription: `${label} request`, description: '', variables } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  numbers[label] = res.body.number;
  const parent = await eventually(
    () => s.instances.db('globex').selectFrom('provider_parent_tasks').select('number').where('consumer_number', '=', res.body.number).executeTakeFirst(),
    (p) => !!p,
    { what: `${label} at globex` },
  );
  parents[label] = parent!.number;
}

const overview = async () => {
  const res = await s.call('GET', '/ops/overview', { as: OPS_TOKEN });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const acmeGlobex = (o: { pairs: Array<{ consumer: string; provider: string }> }) => o.pairs.find((p) => p.consumer === 'acme' && p.provider === 'globex') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
const wf = (label: string) => exchangeWorkflowId('acme', numbers[label]);

beforeAll(async () => {
  s = await createTestStack({ temporalUiUrl: 'http://ui.example:8233' });
  // A: received; B: work in progress; C: cancelled; D: an incident nobody takes, breached.
  await submit('A', s.demo.items.help_request, { category: 'hardware' });
  await submit('B', s.demo.items.help_request, { category: 'software' });
  expect((await s.call('POST', `/tasks/${parents.B}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBeLessThan(300);
  await submit('C', s.demo.items.help_request, { category: 'access' });
  expect((await s.call('POST', `/tasks/${numbers.C}/cancel`, { as: 'ANN_TOKEN', body: {} })).status).toBeLessThan(300);
  await submit('D', s.demo.items.service_affecting_issue, { service: 'Payroll' });
  const received = (await s.temporal.client.workflow.getHandle(wf('D')).query(snapshotQuery)).sla!.clocks.response!.runningSince!;
  await s.temporal.env.sleep(received + 31 * MINUTE - (await s.temporal.env.currentTimeMs()));
  await eventually(
    () => s.instances.db('acme').selectFrom('consumer_provider_tasks').select('escalation_level').where('number', '=', numbers.D).executeTakeFirst(),
    (t) => t?.escalation_level === 1,
    { what: 'D escalated' },
  );
  // Every write of C's cancellation has landed.
  await eventually(() => overview(), (o) => o.totals.backlog.provider.pending === 0 && o.totals.backlog.consumer.pending === 0, { what: 'no backlog' });
});

afterAll(async () => {
  s?.instances.substitute('globex');
  await s?.close();
});

describe('GET /ops/overview', () => {
  it('counts requests by state, whole and per pair, with escalations, breaches and healthy databases', async () => {
    const o = await overview();
    const expected = { received: 2, work_in_progress: 1, cancelled: 1 };
    expect(o.totals).toMatchObject({ total: 4, byState: expected, escalations: { 1: 1 }, breached: 1, failing: 0 });
    expect(o.pairs.map((p: { consumer: string; provider: string }) => `${p.consumer}→${p.provider}`)).toEqual(['acme→globex']);
    expect(acmeGlobex(o).counts).toEqual(o.totals);
    expect(o.databases).toMatchObject({ acme: { status: 'up' }, globex: { status: 'up' } });
    expect(o.countsUnavailable).toEqual([]);
    expect(o.running).toEqual({ read: 3, truncated: false });
    // Only D needs a look: breached, at level 1, its workflow named so the page can link it.
    expect(acmeGlobex(o).requests).toEqual([
      {
        workflowId: wf('D'),
        number: numbers.D,
        providerNumber: parents.D,
        state: 'received',
        escalationLevel: 1,
        slaBreached: true,
        sync: { status: 'in_sync', pending: { consumer: 0, provider: 0 }, oldestPendingAt: { consumer: null, provider: null }, lastError: null },
      },
    ]);
    expect(o.temporalUi).toEqual({ url: 'http://ui.example:8233', namespace: s.temporal.namespace });
  });

  it("a write that fails shows as failing, with its last error and the provider side's backlog, until it lands", async () => {
    const down = unreachableDatabase();
    s.instances.substitute('globex', () => down);
    try {
      const comment = await s.call('POST', `/tasks/${numbers.A}/comments`, { as: 'ANN_TOKEN', body: { body: 'still broken' } });
      expect(comment.status, JSON.stringify(comment.body)).toBe(201);
      const o = await eventually(() => overview(), (x) => x.totals.failing === 1, { what: 'a failing write', attempts: 600, everyMs: 100 });
      const a = acmeGlobex(o).requests.find((r: { workflowId: string }) => r.workflowId === wf('A'));
      expect(a.sync).toMatchObject({ status: 'failing', pending: { consumer: 0, provider: 1 }, oldestPendingAt: { consumer: null, provider: expect.any(String) } });
      expect(a.sync.lastError).toMatch(/ECONNREFUSED|connect/);
      expect(o.totals.backlog.provider).toEqual({ pending: 1, oldestPendingAt: a.sync.oldestPendingAt.provider });
      expect(o.totals.backlog.consumer).toEqual({ pending: 0, oldestPendingAt: null });
      expect(o.databases.globex.status).toBe('down');
      // Counts come from the consumer's database: Acme's are still there; Globex's could not be read.
      expect(o.countsUnavailable).toEqual(['globex']);
      expect(o.totals.byState).toEqual({ received: 2, work_in_progress: 1, cancelled: 1 });
    } finally {
      s.instances.substitute('globex');
      await down.destroy();
    }
    const healed = await eventually(() => overview(), (x) => x.totals.failing === 0 && x.totals.backlog.provider.pending === 0, { what: 'the write to land', attempts: 600, everyMs: 100 });
    expect(acmeGlobex(healed).requests.map((r: { workflowId: string }) => r.workflowId)).toEqual([wf('D')]);
    expect(healed.databases.globex.status).toBe('up');
  });

  it('is for the operator token only: 401 without a valid token, 403 for users', async () => {
    for (const as of [undefined, 'not-a-token', `${OPS_TOKEN}x`]) {
      const res = await s.call('GET', '/ops/overview', { as });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    for (const as of ['ANN_TOKEN', 'BOB_TOKEN', 'ACME_ADMIN_TOKEN', 'GLOBEX_ADMIN_TOKEN']) {
      const res = await s.call('GET', '/ops/overview', { as });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });
});

describe("a request's workflow in the Temporal UI", () => {
  it('GET /tasks/:number gives admins its workflow id and page there; requesters and agents get neither', async () => {
    const admin = await s.call('GET', `/tasks/${numbers.A}`, { as: 'ACME_ADMIN_TOKEN' });
    expect(admin.body.workflow).toEqual({ id: wf('A'), url: `http://ui.example:8233/namespaces/${s.temporal.namespace}/workflows/${encodeURIComponent(wf('A'))}` });
    expect((await s.call('GET', `/tasks/${parents.A}`, { as: 'GLOBEX_ADMIN_TOKEN' })).body.workflow.id).toBe(wf('A'));
    expect((await s.call('GET', `/tasks/${numbers.A}`, { as: 'ANN_TOKEN' })).body).not.toHaveProperty('workflow');
    expect((await s.call('GET', `/tasks/${parents.A}`, { as: 'BOB_TOKEN' })).body).not.toHaveProperty('workflow');
  });
});
