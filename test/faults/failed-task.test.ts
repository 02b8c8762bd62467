// A workflow task fails after deciding a change: its handler ran and its commands were made, then the
// task failed, as it does when its worker dies, times out or hits a nondeterminism error at that point.
// The decision was never recorded, so neither database may show any trace of it. Here a broken worker
// deployment fails every such task; the API answers the caller 503 within its bound; once a healthy
// worker is back, the same update (retried with the same Idempotency-Key) is decided once and written
// once on each side.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedWorkflowBundle, workflowInputs, workflowsPath } from '../../app/workflow-bundle';
import { createFaultStack, expectEachCommentOnce, expectReplays, readRequest, converged, type FaultStack } from './helpers';
import { eventually } from '../harness/eventually';
import { expectOnlyRecordedWrites } from '../harness/history-writes';
import { historyEventTypes } from '../harness/temporal';
import { exchangeWorkflowId } from '../../workflows/definitions';

const CONSUMER = 'acme';
const PROVIDER = 'globex';
const BOB = 'Bob Stone (Globex Services)';

let s: FaultStack;
let failingBundle: string;
beforeAll(async () => {
  s = await createFaultStack({ actionTimeoutMs: 3_000 });
  const interceptors = fileURLToPath(new URL('./workflows/failing-decisions.ts', import.meta.url));
  failingBundle = await cachedWorkflowBundle('failing-decisions', workflowsPath, [...workflowInputs, interceptors], [interceptors]);
});
afterAll(async () => {
  await s?.close();
});


describe('a workflow task that fails after deciding', () => {
  it('leaves no trace in either database; the action is decided and written once when it is retried', async () => {
    const created = await s.call('POST', '/requests', {
      as: 'ANN_TOKEN',
      body: { catalogItemId: s.demo.items.help_request, shortDescription: 'Badge reader broken', variables: { category: 'access' } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const number: string = created.body.number;
    const quiet = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (r) => converged(r) && r.consumer.task?.state === 'received', { attempts: 1200 });
    const providerNumber = quiet.provider.task!.number;
    const before = await readRequest(s, CONSUMER, PROVIDER, number);

    await s.stopWorker();
    await s.startWorker({ workflowBundle: failingBundle });
    const comment = { as: 'BOB_TOKEN', body: { body: 'On my way with a new reader' }, headers: { 'idempotency-key': 'reader-1' } };
    const first = await s.call('POST', `/tasks/${providerNumber}/comments`, comment);
    expect(first.status, JSON.stringify(first.body)).toBe(503);
    expect(first.body.error.code).toBe('unavailable');

    const handle = s.client.workflow.getHandle(exchangeWorkflowId(CONSUMER, number));
    // The task that carried the comment kept failing after deciding it: retried, never recorded.
    expect(await historyEventTypes(handle)).not.toContain('WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    expect(await readRequest(s, CONSUMER, PROVIDER, number), 'no trace of the unrecorded decision').toEqual(before);
    await expectOnlyRecordedWrites(s, { consumer: CONSUMER, provider: PROVIDER, number, providerNumber });

    await s.stopWorker();
    await s.startWorker();
    // The failed task's last attempt must time out before the new worker gets it: a client retrying
    // with the same key gets 503 meanwhile, then the one answer.
    let retried = await s.call('POST', `/tasks/${providerNumber}/comments`, comment);
    for (let i = 0; i < 10 && retried.status === 503; i++) retried = await s.call('POST', `/tasks/${providerNumber}/comments`, comment);
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
    const after = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (r) => converged(r) && r.consumer.comments.length === 1, { attempts: 1200 });
    expect(after.provider.comments.map((c) => [c.author_name, c.body])).toEqual([[BOB, 'On my way with a new reader']]);
    await expectEachCommentOnce(s, CONSUMER, PROVIDER, [`${number}|${BOB}|On my way with a new reader`]);
    await expectOnlyRecordedWrites(s, { consumer: CONSUMER, provider: PROVIDER, number, providerNumber });
    await expectReplays(s, CONSUMER, [number]);
  });
});
