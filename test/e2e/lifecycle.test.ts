import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../harness/stack';
import { exchangeWorkflowId } from '../../workflows/definitions';
import { eventually } from '../harness/eventually';

let s: TestStack;
beforeAll(async () => {
  s = await createTestStack();
});
afterAll(async () => {
  await s?.close();
});

const consumerTask = (number: string) => s.instances.db('acme').selectFrom('consumer_provider_tasks').selectAll().where('number', '=', number).executeTakeFirst();
const providerTask = (number: string) => s.instances.db('globex').selectFrom('provider_parent_tasks').selectAll().where('consumer_number', '=', number).executeTakeFirst();
const comments = (instance: string, number: string) =>
  s.instances.db(instance).selectFrom('comments').select(['seq', 'visibility', 'author_name', 'body', 'origin_instance']).where('task_number', '=', number).orderBy('seq').execute();

async function submit(kind: 'help_request' | 'service_affecting_issue' | 'change_request', variables: Record<string, unknown>) {
  const res = await s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: s.demo.items[kind], shortDescription: 'Laptop screen flickers', description: 'Since this morning', variables },
  });
  expect(res.status).toBe(201);
  return res.body as { number: string; state: string };
}

describe('the demo flow, end to end over HTTP', () => {
  it('submit, receive, assign, comment both ways, work note, propose, reject, propose again, accept', async () => {
    const created = await submit('help_request', { category: 'hardware' });
    expect(created.number).toMatch(/^PTSK\d{7}$/);
    expect(['new', 'received']).toContain(created.state);

    // Replicated to the provider as a case, and the consumer's task becomes received.
    const parent = await eventually(() => providerTask(created.number), (p) => !!p);
    expect(parent).toMatchObject({ task_type: 'case', state: 'new', consumer_instance: 'acme' });
    expect(parent!.number).toMatch(/^CS\d{7}$/);
    const received = await eventually(() => consumerTask(created.number), (t) => t?.state === 'received');
    expect(received).toMatchObject({ state: 'received', provider_number: parent!.number });

    // "Assign to me"
    const assigned = await s.call('POST', `/tasks/${parent!.number}/assign`, { as: 'BOB_TOKEN', body: {} });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ state: 'work_in_progress', assignedTo: 'Bob Stone' });
    expect((await providerTask(created.number))).toMatchObject({ state: 'work_in_progress', assigned_to_name: 'Bob Stone' });
    await eventually(() => consumerTask(created.number), (t) => t?.state === 'work_in_progress');

    // Comments both ways, in order, attributed; a work note stays with the provider.
    expect((await s.call('POST', `/tasks/${created.number}/comments`, { as: 'ANN_TOKEN', body: { body: 'It started after the update' } })).status).toBe(201);
    expect((await s.call('POST', `/tasks/${parent!.number}/work-notes`, { as: 'BOB_TOKEN', body: { body: 'Probably the GPU driver' } })).status).toBe(201);
    expect((await s.call('POST', `/tasks/${parent!.number}/comments`, { as: 'BOB_TOKEN', body: { body: 'Please try safe mode' } })).status).toBe(201);
    const consumerComments = await eventually(() => comments('acme', created.number), (c) => c.length >= 2);
    expect(consumerComments.map((c) => [c.author_name, c.body])).toEqual([
      ['Ann Lee (Acme Corp)', 'It started after the update'],
      ['Bob Stone (Globex Services)', 'Please try safe mode'],
    ]);
    const providerComments = await comments('globex', parent!.number);
    expect(providerComments.map((c) => [c.visibility, c.body])).toEqual([
      ['public', 'It started after the update'],
      ['internal', 'Probably the GPU driver'],
      ['public', 'Please try safe mode'],
    ]);
    // Neither the consumer's database nor its API view ever holds the work note.
    const consumerView = await s.call('GET', `/tasks/${created.number}`, { as: 'ANN_TOKEN' });
    expect(JSON.stringify(consumerView.body)).not.toContain('GPU driver');
    expect(consumerComments.every((c) => c.visibility === 'public')).toBe(true);

    // Propose, reject (reason on both sides), propose again, accept.
    const proposed = await s.call('POST', `/tasks/${parent!.number}/propose-solution`, {
      as: 'BOB_TOKEN',
      body: { resolutionCode: 'workaround', resolutionNotes: 'Rolled back the driver' },
    });
    expect(proposed.body).toMatchObject({ state: 'resolved', resolution: { code: 'workaround', notes: 'Rolled back the driver' } });
    await eventually(() => consumerTask(created.number), (t) => t?.state === 'resolved');
    const rejected = await s.call('POST', `/tasks/${created.number}/reject`, { as: 'ANN_TOKEN', body: { reason: 'Still flickers' } });
    expect(rejected.body).toMatchObject({ state: 'work_in_progress', resolution: null });
    const afterReject = await eventually(() => comments('globex', parent!.number), (c) => c.some((x) => x.body.includes('Still flickers')));
    expect(afterReject.at(-1)).toMatchObject({ body: 'Solution rejected: Still flickers', author_name: 'Ann Lee (Acme Corp)' });
    expect((await providerTask(created.number))?.state).toBe('work_in_progress');

    await s.call('POST', `/tasks/${parent!.number}/propose-solution`, { as: 'BOB_TOKEN', body: { resolutionCode: 'solved', resolutionNotes: 'Replaced the screen' } });
    await eventually(() => consumerTask(created.number), (t) => t?.state === 'resolved');
    const accepted = await s.call('POST', `/tasks/${created.number}/accept`, { as: 'ANN_TOKEN', body: {} });
    expect(accepted.body).toMatchObject({ state: 'closed', resolution: { code: 'solved' } });
    await eventually(() => providerTask(created.number), (t) => t?.state === 'closed');
    expect(await consumerTask(created.number)).toMatchObject({ state: 'closed', resolution_code: 'solved', resolution_notes: 'Replaced the screen' });

    // The workflow completes with both sides closed, and the audit trail tells the story.
    const handle = s.temporal.client.workflow.getHandle(exchangeWorkflowId('acme', created.number));
    expect(await handle.result()).toMatchObject({ consumerState: 'closed', providerState: 'closed', pending: { consumer: 0, provider: 0 } });
    const view = await s.call('GET', `/tasks/${parent!.number}`, { as: 'BOB_TOKEN' });
    expect(view.body.sync).toMatchObject({ status: 'in_sync', lastError: null });
    expect(view.body.auditTrail.map((a: { action: string }) => a.action)).toEqual([
      'received',
      'assign',
      'comment',
      'work_note',
      'comment',
      'propose_solution',
      'reject',
      'propose_solution',
      'accept',
    ]);
  });

  it('cancels a request midway: both sides cancelled and the workflow ends', async () => {
    const created = await submit('service_affecting_issue', { service: 'Payroll' });
    const parent = await eventually(() => providerTask(created.number), (p) => !!p);
    expect(parent).toMatchObject({ task_type: 'incident' });
    expect(parent!.number).toMatch(/^INC\d{7}$/);
    await s.call('POST', `/tasks/${parent!.number}/assign`, { as: 'CAROL_TOKEN', body: {} });
    const cancelled = await s.call('POST', `/tasks/${created.number}/cancel`, { as: 'ANN_TOKEN', body: { reason: 'Found a workaround' } });
    expect(cancelled.body.state).toBe('cancelled');
    await eventually(() => providerTask(created.number), (t) => t?.state === 'cancelled');
    const handle = s.temporal.client.workflow.getHandle(exchangeWorkflowId('acme', created.number));
    expect((await handle.result()).consumerState).toBe('cancelled');
    // Nothing more can happen to it.
    const late = await s.call('POST', `/tasks/${created.number}/comments`, { as: 'ANN_TOKEN', body: { body: 'one more thing' } });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'invalid_transition', details: { state: 'cancelled', allowedActions: [] } });
  });

  it('round-trips a request for information: awaiting_info on both sides until the consumer answers', async () => {
    const created = await submit('change_request', { wanted_by: '2027-01-31' });
    const parent = await eventually(() => providerTask(created.number), (p) => !!p);
    expect(parent!.number).toMatch(/^CHG\d{7}$/);
    await s.call('POST', `/tasks/${parent!.number}/assign`, { as: 'BOB_TOKEN', body: {} });
    const asked = await s.call('POST', `/tasks/${parent!.number}/request-info`, { as: 'BOB_TOKEN', body: { question: 'Which servers?' } });
    expect(asked.body.state).toBe('awaiting_info');
    await eventually(() => consumerTask(created.number), (t) => t?.state === 'awaiting_info');
    expect((await comments('acme', created.number)).map((c) => c.body)).toContain('Which servers?');
    const answered = await s.call('POST', `/tasks/${created.number}/comments`, { as: 'ANN_TOKEN', body: { body: 'web-1 and web-2' } });
    expect(answered.body.state).toBe('work_in_progress');
    await eventually(() => providerTask(created.number), (t) => t?.state === 'work_in_progress');
  });
});
