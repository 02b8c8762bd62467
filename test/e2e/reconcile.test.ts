// Drift detection end to end: requests run through the API, services/reconcile.ts finds nothing; one
// database is then edited behind the service's back, and reconcile (and GET /ops/reconcile) report
// exactly those edits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, OPS_TOKEN, type TestStack } from '../harness/stack';
import { eventually } from '../harness/eventually';
import { uploadFiles } from '../harness/uploads';
import { reconcile, type ReconcileReport } from '../../services/reconcile';
import { exchangeWorkflowId, snapshotQuery, type ExchangeSnapshot } from '../../workflows/definitions';

let s: TestStack;
beforeAll(async () => {
  s = await createTestStack();
});
afterAll(async () => {
  await s?.close();
});

const providerTask = (number: string) => s.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', number).executeTakeFirst();

async function submit(kind: 'help_request' | 'service_affecting_issue' | 'change_request', variables: Record<string, unknown>, shortDescription: string) {
  const res = await s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: s.demo.items[kind], shortDescription, description: 'Reconcile test', variables },
  });
  expect(res.status).toBe(201);
  const number = (res.body as { number: string }).number;
  const parent = await eventually(() => providerTask(number), (p) => !!p);
  expect(parent).toBeDefined();
  return { number, parent: parent!.number };
}

async function act(path: string, as: string, body: unknown, status = 200) {
  const res = await s.call('POST', path, { as, body });
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(status);
  return res.body;
}

/** Until the workflow has written every change it accepted to both sides (a query; never a result, which would skip time). */
async function settled(number: string): Promise<ExchangeSnapshot> {
  const handle = s.temporal.client.workflow.getHandle(exchangeWorkflowId('acme', number));
  const snapshot = await eventually(
    () => handle.query(snapshotQuery),
    (x) => x.pending.consumer === 0 && x.pending.provider === 0 && x.providerNumber !== null,
  );
  expect(snapshot.pending).toEqual({ consumer: 0, provider: 0 });
  return snapshot;
}

let closed: { number: string; parent: string };
let open: { number: string; parent: string };
let cancelled: { number: string; parent: string };
let openFile: { id: string; sha256: string; size: number };

describe('reconcile', () => {
  it('reports no drift for requests run through the API, in motion and at rest', async () => {
    // Closed: assigned, a comment each way, a work note, proposed, accepted.
    closed = await submit('help_request', { category: 'hardware' }, 'Closed request');
    await act(`/tasks/${closed.parent}/assign`, 'BOB_TOKEN', {});
    await act(`/tasks/${closed.number}/comments`, 'ANN_TOKEN', { body: 'It flickers since the update' }, 201);
    await act(`/tasks/${closed.parent}/work-notes`, 'BOB_TOKEN', { body: 'GPU driver, probably' }, 201);
    await act(`/tasks/${closed.parent}/comments`, 'BOB_TOKEN', { body: 'Please try safe mode' }, 201);
    await act(`/tasks/${closed.parent}/propose-solution`, 'BOB_TOKEN', { resolutionCode: 'solved', resolutionNotes: 'Replaced the screen' });
    await eventually(() => s.call('GET', `/tasks/${closed.number}`, { as: 'ANN_TOKEN' }), (r) => r.body?.state === 'resolved');
    await act(`/tasks/${closed.number}/accept`, 'ANN_TOKEN', {});

    // In progress, with comments both ways and a work note.
    open = await submit('change_request', { wanted_by: '2027-01-31' }, 'Open request');
    await act(`/tasks/${open.parent}/assign`, 'CAROL_TOKEN', {});
    await act(`/tasks/${open.number}/comments`, 'ANN_TOKEN', { body: 'web-1 and web-2, please' }, 201);
    await act(`/tasks/${open.parent}/comments`, 'CAROL_TOKEN', { body: 'Scheduled for Tuesday' }, 201);
    await act(`/tasks/${open.parent}/work-notes`, 'CAROL_TOKEN', { body: 'Needs a maintenance window' }, 201);
    // A file each way, and an internal one at the provider.
    const annFile = await uploadFiles(s.app, s.demo.tokens.ANN_TOKEN, open.number, [{ name: 'servers.csv', data: Buffer.from('web-1\nweb-2\n'), type: 'text/csv' }]);
    expect(annFile.status, JSON.stringify(annFile.body)).toBe(201);
    openFile = annFile.body.attachments[0];
    expect((await uploadFiles(s.app, s.demo.tokens.CAROL_TOKEN, open.parent, [{ name: 'plan.txt', data: Buffer.from('Tuesday 22:00') }])).status).toBe(201);
    expect((await uploadFiles(s.app, s.demo.tokens.CAROL_TOKEN, open.parent, [{ name: 'runbook.txt', data: Buffer.from('internal') }], { visibility: 'internal' })).status).toBe(201);

    // Cancelled straight after submission.
    cancelled = await submit('service_affecting_issue', { service: 'Payroll' }, 'Cancelled request');
    await act(`/tasks/${cancelled.number}/cancel`, 'ANN_TOKEN', { reason: 'Found a workaround' });

    // Straight away: some writes may still be on their way to the other side; that is not drift.
    const inMotion = await reconcile(s.instances, s.temporal.client);
    expect(inMotion.drifted).toEqual([]);
    expect(inMotion.checked).toBe(3);
    expect(inMotion.inSync + inMotion.pending).toBe(3);

    for (const r of [closed, open, cancelled]) await settled(r.number);
    const progress: string[] = [];
    const atRest = await reconcile(s.instances, s.temporal.client, { pageSize: 2, progress: (m) => progress.push(m) });
    expect(atRest).toEqual({ checked: 3, inSync: 3, pending: 0, drifted: [], pendingRequests: [], workflowUnavailable: 0 });
    // Pages of two: two pages of Provider Tasks at acme, two of parent tasks at globex.
    expect(progress.filter((m) => m.startsWith('acme:'))).toHaveLength(2);
    expect(progress.filter((m) => m.startsWith('globex:'))).toHaveLength(2);
  });

  it("catches exactly the edits made to one instance's database behind the service's back", async () => {
    const globex = s.instances.db('globex');
    // 1. the open request's state, 2. one of its public comments gone, 3. the closed request's resolution notes.
    await globex.updateTable('provider_parent_tasks').set({ state: 'resolved' }).where('number', '=', open.parent).execute();
    const annComment = await globex
      .selectFrom('comments')
      .selectAll()
      .where('task_number', '=', open.parent)
      .where('body', '=', 'web-1 and web-2, please')
      .executeTakeFirstOrThrow();
    expect(annComment.visibility).toBe('public');
    await globex.deleteFrom('comments').where('id', '=', annComment.id).execute();
    await globex.updateTable('provider_parent_tasks').set({ resolution_notes: 'Replaced the keyboard' }).where('number', '=', closed.parent).execute();
    // A work note and an internal file exist only at the provider: deleting them is no difference in the shared conversation.
    const deletedNotes = await globex.deleteFrom('comments').where('task_number', '=', open.parent).where('visibility', '=', 'internal').executeTakeFirst();
    expect(deletedNotes.numDeletedRows).toBe(1n);
    const deletedFiles = await globex.deleteFrom('attachments').where('task_number', '=', open.parent).where('visibility', '=', 'internal').executeTakeFirst();
    expect(deletedFiles.numDeletedRows).toBe(1n);
    // 4. The bytes of Ann's file at the provider no longer complete.
    await globex.updateTable('attachment_contents').set({ complete: false }).where('id', '=', openFile.id).execute();

    const report = await reconcile(s.instances, s.temporal.client);
    expect(report).toMatchObject({ checked: 3, inSync: 1, pending: 0, pendingRequests: [], workflowUnavailable: 0 });
    expect(report.drifted).toEqual([
      {
        workflowId: exchangeWorkflowId('acme', closed.number),
        consumerInstance: 'acme',
        consumerNumber: closed.number,
        providerInstance: 'globex',
        providerNumber: closed.parent,
        differences: [
          {
            field: 'resolution_notes',
            consumer: 'Replaced the screen',
            provider: 'Replaced the keyboard',
            workflow: 'Replaced the screen',
            message: expect.stringContaining('the provider has "Replaced the keyboard"'),
          },
        ],
      },
      {
        workflowId: exchangeWorkflowId('acme', open.number),
        consumerInstance: 'acme',
        consumerNumber: open.number,
        providerInstance: 'globex',
        providerNumber: open.parent,
        differences: [
          {
            field: 'state',
            consumer: 'work_in_progress',
            provider: 'resolved',
            workflow: 'work_in_progress',
            message: expect.stringContaining('the provider has "resolved"'),
          },
          {
            field: `comment:${annComment.id}`,
            consumer: { seq: annComment.seq, author: 'Ann Lee (Acme Corp)', origin: 'acme', body: 'web-1 and web-2, please' },
            provider: null,
            message: `public comment #${annComment.seq} by Ann Lee (Acme Corp) is missing at the provider`,
          },
          {
            field: `attachment:${openFile.id}`,
            consumer: expect.objectContaining({ fileName: 'servers.csv', size: openFile.size, sha256: openFile.sha256, storedSha256: openFile.sha256 }),
            provider: expect.objectContaining({ fileName: 'servers.csv', size: openFile.size, sha256: openFile.sha256, storedSha256: null }),
            message: `file "servers.csv" (SHA-256 ${openFile.sha256.slice(0, 12)}…) differs in storedSha256`,
          },
        ],
      },
    ]);

    // The operator route answers the same report.
    const viaApi = await s.call<ReconcileReport>('GET', '/ops/reconcile', { as: OPS_TOKEN });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body).toEqual(report);
    expect((await s.call('GET', '/ops/reconcile', { as: 'ANN_TOKEN' })).status).toBe(403);
    expect((await s.call('GET', '/ops/reconcile')).status).toBe(401);
  });

  it('reports a parent task no consumer record points at, and its missing workflow', async () => {
    const stray = { number: 'CS0099999', consumer: 'PTSK0099999', workflow: exchangeWorkflowId('acme', 'PTSK0099999') };
    await s.instances
      .db('globex')
      .insertInto('provider_parent_tasks')
      .values({
        number: stray.number,
        workflow_id: stray.workflow,
        task_type: 'case',
        consumer_instance: 'acme',
        consumer_number: stray.consumer,
        catalog_item_id: s.demo.items.help_request,
        catalog_item_name: 'IT help request',
        short_description: 'Restored from an old backup',
        description: '',
        variables: JSON.stringify({}),
        state: 'work_in_progress',
        requested_by_name: 'Ann Lee (Acme Corp)',
        assigned_to: null,
        assigned_to_name: null,
        resolution_code: null,
        resolution_notes: null,
      })
      .execute();
    const report = await reconcile(s.instances, s.temporal.client);
    expect(report).toMatchObject({ checked: 4, inSync: 1, pending: 0 });
    expect(report.drifted.map((d) => d.consumerNumber)).toEqual([closed.number, open.number, stray.consumer]);
    expect(report.drifted[2]).toEqual({
      workflowId: stray.workflow,
      consumerInstance: 'acme',
      consumerNumber: stray.consumer,
      providerInstance: 'globex',
      providerNumber: stray.number,
      differences: [
        { field: 'workflow', consumer: null, provider: stray.workflow, workflow: null, message: `Temporal has no workflow ${stray.workflow}` },
        { field: 'consumer_task', consumer: null, provider: stray.number, message: `the consumer has no Provider Task ${stray.consumer} for ${stray.number}` },
      ],
    });
  });
});
