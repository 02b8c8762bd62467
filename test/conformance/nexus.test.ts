// Nexus: endpoints in the operator service, and operations a workflow calls on them, handled by a
// worker's Nexus service (synchronous answers, and operations backed by a workflow run that completes
// them through its completion callback), as a real server runs them. Each test would pass unchanged
// against a real cluster with the same endpoint.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import * as nexus from 'nexus-rpc';
import * as temporalNexus from '@temporalio/nexus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Long from 'long';
import { ApplicationFailure, NexusOperationFailure, TimeoutFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createTemporalTestEnv, historyEventTypes, type TemporalTestEnv } from '../harness/temporal';
import { codeOf } from '../harness/grpc-errors';
import { greetingService, type greeting, type nexusCaller, type nexusCancellingCaller, type waitUntilCancelled } from '../workflows/nexus';

const EventType = temporal.api.enums.v1.EventType;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const operator = () => t.client.connection.operatorService;
let flakyCalls = 0;

const handler = nexus.serviceHandler(greetingService, {
  echo: async (_ctx, input) => input,
  greet: new temporalNexus.WorkflowRunOperationHandler<string, string>(async (ctx, name) =>
    temporalNexus.startWorkflow(ctx, 'greeting' as unknown as typeof greeting, { args: [name], workflowId: `greeting-${randomUUID()}` }),
  ),
  wait: new temporalNexus.WorkflowRunOperationHandler<string, string>(async (ctx, runName) =>
    temporalNexus.startWorkflow(ctx, 'waitUntilCancelled' as unknown as typeof waitUntilCancelled, { workflowId: runName }),
  ),
  fail: new temporalNexus.WorkflowRunOperationHandler<string, string>(async (ctx, how) => {
    if (how === 'operation-error') throw new nexus.OperationError('failed', 'the operation failed');
    if (how === 'bad-request') throw new nexus.HandlerError('BAD_REQUEST', 'that input is wrong');
    if (how === 'flaky' && flakyCalls++ === 0) throw new nexus.HandlerError('UNAVAILABLE', 'try again');
    return temporalNexus.startWorkflow(ctx, 'greeting' as unknown as typeof greeting, { args: [how], workflowId: `greeting-${randomUUID()}` });
  }),
});

/**
 * An endpoint to a fresh task queue, and `fn` run while a worker polls it: for the caller's workflows,
 * the handler's workflows and (unless `handlerRuns` is false) its Nexus service.
 */
async function withEndpoint(fn: (endpoint: string, taskQueue: string) => Promise<void>, { handlerRuns = true } = {}): Promise<void> {
  const taskQueue = `nexus-${randomUUID()}`;
  const name = `ep-${randomUUID().slice(0, 8)}`;
  const { endpoint } = await operator().createNexusEndpoint({ spec: { name, target: { worker: { namespace: t.namespace, taskQueue } } } });
  try {
    await t.withWorker({ taskQueue, ...(handlerRuns ? { nexusServices: [handler] } : {}) }, () => fn(name, taskQueue));
  } finally {
    await operator().deleteNexusEndpoint({ id: endpoint!.id, version: endpoint!.version });
  }
}

const call = (callerQueue: string, ...args: Parameters<typeof nexusCaller>) =>
  t.client.workflow.start<typeof nexusCaller>('nexusCaller', { taskQueue: callerQueue, workflowId: `caller-${randomUUID()}`, args });

async function failureOf(handle: Awaited<ReturnType<typeof call>>): Promise<NexusOperationFailure> {
  const err = await handle.result().catch((e) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(err.cause).toBeInstanceOf(NexusOperationFailure);
  return err.cause;
}

describe('operations', () => {
  it('completes a synchronous operation with the handler’s answer', async () => {
    await withEndpoint(async (endpoint, callerQueue) => {
      const handle = await call(callerQueue, endpoint, 'echo', 'ping');
      expect(await handle.result()).toBe('ping');
      const types = await historyEventTypes(handle);
      expect(types.filter((type) => type.startsWith('EVENT_TYPE_NEXUS'))).toEqual(['EVENT_TYPE_NEXUS_OPERATION_SCHEDULED', 'EVENT_TYPE_NEXUS_OPERATION_COMPLETED']);
    });
  });

  it('starts an operation backed by a workflow run, which completes it when the run completes', async () => {
    await withEndpoint(async (endpoint, callerQueue) => {
      const handle = await call(callerQueue, endpoint, 'greet', 'Nexus');
      expect(await handle.result()).toBe('Hello, Nexus!');
      const events = (await handle.fetchHistory()).events ?? [];
      const started = events.find((e) => e.eventType === EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED);
      expect(started?.nexusOperationStartedEventAttributes?.operationToken).toBeTruthy();
      const order = (await historyEventTypes(handle)).filter((type) => type.startsWith('EVENT_TYPE_NEXUS'));
      expect(order).toEqual(['EVENT_TYPE_NEXUS_OPERATION_SCHEDULED', 'EVENT_TYPE_NEXUS_OPERATION_STARTED', 'EVENT_TYPE_NEXUS_OPERATION_COMPLETED']);
    });
  });

  it('completes an operation whose run continued as new when the last run of the chain completes', async () => {
    await withEndpoint(async (endpoint, callerQueue) => {
      expect(await (await call(callerQueue, endpoint, 'greet', 'continue')).result()).toBe('Hello, the next run!');
    });
  });

  it('fails the operation with the handler workflow’s failure, or the operation error, as its cause', async () => {
    await withEndpoint(async (endpoint, callerQueue) => {
      const fromWorkflow = await failureOf(await call(callerQueue, endpoint, 'fail', 'workflow-fails'));
      expect(fromWorkflow.cause).toBeInstanceOf(ApplicationFailure);
      expect(fromWorkflow.cause?.message).toBe('the greeting workflow failed');
      expect(fromWorkflow).toMatchObject({ service: 'greeting', operation: 'fail', endpoint });

      const fromOperation = await failureOf(await call(callerQueue, endpoint, 'fail', 'operation-error'));
      expect(fromOperation.cause?.message).toBe('the operation failed');
    });
  });

  it('fails at once on a handler error that is not retryable; retries one that is', async () => {
    await withEndpoint(async (endpoint, callerQueue) => {
      const bad = await failureOf(await call(callerQueue, endpoint, 'fail', 'bad-request'));
      expect(bad.cause?.message).toContain('that input is wrong');

      flakyCalls = 0;
      const flaky = await call(callerQueue, endpoint, 'fail', 'flaky');
      expect(await flaky.result()).toBe('Hello, flaky!');
      expect(flakyCalls).toBe(2);
    });
  });

  it('cancels a started operation: the handler is asked, cancels its run, and the caller sees the cancellation', async () => {
    await withEndpoint(async (endpoint, taskQueue) => {
      const runName = `waiter-${randomUUID()}`;
      const caller = await t.client.workflow.start<typeof nexusCancellingCaller>('nexusCancellingCaller', { taskQueue, workflowId: `caller-${randomUUID()}`, args: [endpoint, runName] });
      await expect.poll(async () => (await historyEventTypes(caller)).includes('EVENT_TYPE_NEXUS_OPERATION_STARTED')).toBe(true);
      const described = await t.client.workflowService.describeWorkflowExecution({ namespace: t.namespace, execution: { workflowId: caller.workflowId } });
      expect(described.pendingNexusOperations?.[0]).toMatchObject({ operation: 'wait', state: temporal.api.enums.v1.PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_STARTED });
      expect(described.pendingNexusOperations?.[0]?.operationToken).toBeTruthy();
      await caller.signal('cancelCall');
      expect(await caller.result()).toBe('cancelled');
      expect((await t.client.workflow.getHandle(runName).describe()).status.name).toBe('CANCELLED');
      const nexusEvents = (await historyEventTypes(caller)).filter((type) => type.startsWith('EVENT_TYPE_NEXUS'));
      expect(nexusEvents.slice(0, 3)).toEqual(['EVENT_TYPE_NEXUS_OPERATION_SCHEDULED', 'EVENT_TYPE_NEXUS_OPERATION_STARTED', 'EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED']);
    });
  });

  it('times out at schedule-to-close when no handler answers', async () => {
    await withEndpoint(
      async (endpoint, callerQueue) => {
        const failure = await failureOf(await call(callerQueue, endpoint, 'echo', 'anyone?', '300ms'));
        expect(failure.cause).toBeInstanceOf(TimeoutFailure);
      },
      { handlerRuns: false },
    );
  });

  it('fails the workflow task of a call to an endpoint nobody registered', async () => {
    await t.withWorker({}, async (callerQueue) => {
      const handle = await call(callerQueue, 'no-such-endpoint', 'echo', 'x');
      await expect.poll(async () => (await historyEventTypes(handle)).includes('EVENT_TYPE_WORKFLOW_TASK_FAILED')).toBe(true);
      const failed = ((await handle.fetchHistory()).events ?? []).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(failed?.workflowTaskFailedEventAttributes?.cause).toBe(
        temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES,
      );
      await handle.terminate('done');
    });
  });

  it('leaves histories that replay', async () => {
    expect(await t.replayAll()).toBeGreaterThan(0);
  });
});

describe('endpoints', () => {
  it('creates, gets, lists, updates and deletes an endpoint, checking versions', async () => {
    const name = `crud-${randomUUID().slice(0, 8)}`;
    const spec = { name, target: { worker: { namespace: t.namespace, taskQueue: 'q1' } } };
    const { endpoint } = await operator().createNexusEndpoint({ spec });
    expect(endpoint?.spec?.name).toBe(name);
    expect(Number(endpoint?.version)).toBe(1);
    expect((await operator().getNexusEndpoint({ id: endpoint!.id })).endpoint?.spec?.target?.worker?.taskQueue).toBe('q1');
    expect((await operator().listNexusEndpoints({ name })).endpoints?.map((e) => e.id)).toEqual([endpoint!.id]);
    expect(await codeOf(() => operator().createNexusEndpoint({ spec }))).toBe(status.ALREADY_EXISTS);

    const updated = await operator().updateNexusEndpoint({ id: endpoint!.id, version: endpoint!.version, spec: { ...spec, target: { worker: { namespace: t.namespace, taskQueue: 'q2' } } } });
    expect(Number(updated.endpoint?.version)).toBe(2);
    expect(await codeOf(() => operator().updateNexusEndpoint({ id: endpoint!.id, version: Long.fromNumber(1), spec }))).toBe(status.FAILED_PRECONDITION);
    expect(await codeOf(() => operator().deleteNexusEndpoint({ id: endpoint!.id, version: Long.fromNumber(1) }))).toBe(status.FAILED_PRECONDITION);
    await operator().deleteNexusEndpoint({ id: endpoint!.id, version: updated.endpoint!.version });
    expect(await codeOf(() => operator().getNexusEndpoint({ id: endpoint!.id }))).toBe(status.NOT_FOUND);
  });

  it('refuses a bad name, a namespace that does not exist, and an external target', async () => {
    const target = { worker: { namespace: t.namespace, taskQueue: 'q' } };
    expect(await codeOf(() => operator().createNexusEndpoint({ spec: { name: '1-bad name', target } }))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(() => operator().createNexusEndpoint({ spec: { name: 'no-ns', target: { worker: { namespace: 'nowhere', taskQueue: 'q' } } } }))).toBe(status.NOT_FOUND);
    expect(await codeOf(() => operator().createNexusEndpoint({ spec: { name: 'external', target: { external: { url: 'http://example.com' } } } }))).toBe(status.UNIMPLEMENTED);
  });
});

describe.skipIf(!!process.env.TEMPORAL_ADDRESS)('with a data dir', () => {
  it('keeps endpoints and a pending operation across a restart: a handler that starts afterwards completes it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sx-nexus-'));
    const taskQueue = `nexus-${randomUUID()}`;
    const name = `ep-${randomUUID().slice(0, 8)}`;
    const workflowId = `caller-${randomUUID()}`;
    try {
      const first = await createTemporalTestEnv({ dataDir });
      const { endpoint } = await first.client.connection.operatorService.createNexusEndpoint({ spec: { name, target: { worker: { namespace: first.namespace, taskQueue } } } });
      // No Nexus service polls yet: the start request waits.
      await first.withWorker({ taskQueue }, async () => {
        const handle = await first.client.workflow.start<typeof nexusCaller>('nexusCaller', { taskQueue, workflowId, args: [name, 'greet', 'restart', '1h'] });
        await expect.poll(async () => (await historyEventTypes(handle)).includes('EVENT_TYPE_NEXUS_OPERATION_SCHEDULED')).toBe(true);
        const { pendingNexusOperations } = await first.client.workflowService.describeWorkflowExecution({ namespace: first.namespace, execution: { workflowId } });
        expect(pendingNexusOperations).toMatchObject([{ endpoint: name, service: 'greeting', operation: 'greet', state: temporal.api.enums.v1.PendingNexusOperationState.PENDING_NEXUS_OPERATION_STATE_SCHEDULED, attempt: 1 }]);
      });
      await first.teardown();

      const second = await createTemporalTestEnv({ dataDir });
      try {
        expect((await second.client.connection.operatorService.getNexusEndpoint({ id: endpoint!.id })).endpoint?.spec?.name).toBe(name);
        await second.withWorker({ taskQueue, nexusServices: [handler] }, async () => {
          expect(await second.client.workflow.getHandle(workflowId).result()).toBe('Hello, restart!');
        });
      } finally {
        await second.teardown();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
