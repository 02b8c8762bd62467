import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, OPS_TOKEN, type ApiResponse, type TestStack } from '../harness/stack';
import { exchangeWorkflowId, snapshotQuery } from '../../workflows/definitions';
import { eventually } from '../harness/eventually';

// The two sides share one stored sequence of comments (the workflow numbers every comment, work notes
// included, and the stored id `<workflowId>/c/<seq>` is the idempotency key of its write). What the API
// shows is numbered per side: the consumer must not be able to count the provider's internal work notes.

let s: TestStack;
beforeAll(async () => {
  s = await createTestStack();
});
afterAll(async () => {
  await s?.close();
});

interface ShownComment { id: string; seq: number; visibility: string; author: string; body: string }

const stored = (instance: string, number: string) =>
  s.instances.db(instance).selectFrom('comments').select(['id', 'seq', 'visibility', 'body']).where('task_number', '=', number).orderBy('seq').execute();

async function quiet(workflowId: string) {
  await eventually(
    () => s.temporal.client.workflow.getHandle(workflowId).query(snapshotQuery),
    (snap) => snap.pending.consumer === 0 && snap.pending.provider === 0,
    { what: `${workflowId} to have nothing pending` },
  );
}

function expectNumberedWithoutGaps(view: ApiResponse, number: string) {
  const comments = view.body.comments as ShownComment[];
  expect(comments.map((c) => c.seq)).toEqual(comments.map((_c, i) => i + 1));
  expect(comments.map((c) => c.id)).toEqual(comments.map((_c, i) => `${number}-${i + 1}`));
}

describe('comment numbering, per side', () => {
  it('the consumer sees its comments numbered 1..n without gaps though the provider writes work notes between them; stable across reads', async () => {
    const ordered = await s.call('POST', '/requests', {
      as: 'ANN_TOKEN',
      body: { catalogItemId: s.demo.items.help_request, shortDescription: 'Numbering', description: '', variables: { category: 'hardware' } },
    });
    expect(ordered.status).toBe(201);
    const consumer: string = ordered.body.number;
    const workflowId = exchangeWorkflowId('acme', consumer);
    const parent = await eventually(
      () => s.instances.db('globex').selectFrom('provider_parent_tasks').select('number').where('consumer_number', '=', consumer).executeTakeFirst(),
      (p) => !!p,
      { what: 'the provider task' },
    );
    const provider = parent!.number;
    await quiet(workflowId);
    expect((await s.call('POST', `/tasks/${provider}/assign`, { as: 'BOB_TOKEN', body: {} })).status).toBe(200);

    const steps: Array<[string, string, string, string]> = [
      ['ANN_TOKEN', consumer, 'comments', 'Ann 1'],
      ['BOB_TOKEN', provider, 'work-notes', 'note 1'],
      ['BOB_TOKEN', provider, 'work-notes', 'note 2'],
      ['BOB_TOKEN', provider, 'comments', 'Bob 1'],
      ['CAROL_TOKEN', provider, 'work-notes', 'note 3'],
      ['ANN_TOKEN', consumer, 'comments', 'Ann 2'],
      ['BOB_TOKEN', provider, 'work-notes', 'note 4'],
      ['BOB_TOKEN', provider, 'comments', 'Bob 2'],
    ];
    for (const [as, number, path, body] of steps) {
      const res = await s.call('POST', `/tasks/${number}/${path}`, { as, body: { body } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      // Every answer is numbered for the side that asked.
      expectNumberedWithoutGaps(res, number);
    }
    await quiet(workflowId);

    // The stored sequence is shared, so the consumer's rows have gaps where the work notes went...
    const consumerRows = await stored('acme', consumer);
    expect(consumerRows.map((r) => r.body)).toEqual(['Ann 1', 'Bob 1', 'Ann 2', 'Bob 2']);
    expect(consumerRows.map((r) => r.seq)).toEqual([1, 4, 6, 8]);

    // ...but what the consumer is shown is numbered 1..4, with ids that carry neither the workflow id nor the stored seq.
    const first = await s.call('GET', `/tasks/${consumer}`, { as: 'ANN_TOKEN' });
    expect(first.status).toBe(200);
    expect((first.body.comments as ShownComment[]).map((c) => [c.id, c.seq, c.body])).toEqual([
      [`${consumer}-1`, 1, 'Ann 1'],
      [`${consumer}-2`, 2, 'Bob 1'],
      [`${consumer}-3`, 3, 'Ann 2'],
      [`${consumer}-4`, 4, 'Bob 2'],
    ]);
    const text = JSON.stringify(first.body);
    expect(text).not.toContain(workflowId);
    expect(text).not.toMatch(/\/c\/\d/);
    for (const row of consumerRows) expect(text).not.toContain(row.id);

    // The provider sees all of its eight, work notes included, numbered 1..8.
    const providerView = await s.call('GET', `/tasks/${provider}`, { as: 'BOB_TOKEN' });
    expect((providerView.body.comments as ShownComment[]).map((c) => [c.seq, c.visibility, c.body])).toEqual([
      [1, 'public', 'Ann 1'],
      [2, 'internal', 'note 1'],
      [3, 'internal', 'note 2'],
      [4, 'public', 'Bob 1'],
      [5, 'internal', 'note 3'],
      [6, 'public', 'Ann 2'],
      [7, 'internal', 'note 4'],
      [8, 'public', 'Bob 2'],
    ]);
    expectNumberedWithoutGaps(providerView, provider);

    // Stable: the same on every read, and a later comment (after more work notes) only adds to the end.
    expect((await s.call('GET', `/tasks/${consumer}`, { as: 'ANN_TOKEN' })).body.comments).toEqual(first.body.comments);
    expect((await s.call('POST', `/tasks/${provider}/work-notes`, { as: 'BOB_TOKEN', body: { body: 'note 5' } })).status).toBe(201);
    expect((await s.call('POST', `/tasks/${provider}/comments`, { as: 'BOB_TOKEN', body: { body: 'Bob 3' } })).status).toBe(201);
    await quiet(workflowId);
    const later = await s.call('GET', `/tasks/${consumer}`, { as: 'ANN_TOKEN' });
    expect(later.body.comments.slice(0, 4)).toEqual(first.body.comments);
    expect((later.body.comments as ShownComment[]).slice(4).map((c) => [c.id, c.seq, c.body])).toEqual([[`${consumer}-5`, 5, 'Bob 3']]);
    expectNumberedWithoutGaps(later, consumer);

    // The reconciler compares the two sides by their stored ids, which are untouched: no drift.
    const report = await s.call('GET', '/ops/reconcile', { as: OPS_TOKEN });
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body.drifted).toEqual([]);
  });
});
