import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { TerminatedFailure, defaultPayloadConverter } from '@temporalio/common';
import { createTemporalTestEnv, historyEventTypes, type TemporalTestEnv } from '../harness/temporal';
import type { sapiEcho, sapiFail, sapiHeld } from '../workflows/server-api';
import { grpcCode } from '../harness/grpc-errors';

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const held = (taskQueue: string, workflowId: string, label: string, extra: object = {}) =>
  t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId, args: [label], ...extra });

const echo = (taskQueue: string, workflowId: string, value: string, extra: object = {}) =>
  t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId, args: [value], ...extra });

/** Releases a sapiHeld run and returns its result. */
async function release(handle: WorkflowHandle<typeof sapiHeld>, value: string): Promise<string> {
  await handle.signal('sapiRelease', value);
  return handle.result();
}

/** The run id of the workflow id's latest run, as DescribeWorkflowExecution (strongly consistent) reports it. */
async function latestRunId(workflowId: string): Promise<string> {
  return (await t.client.workflow.getHandle(workflowId).describe()).runId;
}

describe('workflow id conflict policy (a run with the id is still open)', () => {
  it('refuses a second start with WorkflowExecutionAlreadyStartedError, by default and with FAIL', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `conflict-fail-${taskQueue}`;
      const first = await held(taskQueue, workflowId, 'first');
      for (const extra of [{}, { workflowIdConflictPolicy: 'FAIL' }]) {
        const err = await held(taskQueue, workflowId, 'second', extra).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
        expect((err as WorkflowExecutionAlreadyStartedError).workflowId).toBe(workflowId);
        expect((err as WorkflowExecutionAlreadyStartedError).workflowType).toBe('sapiHeld');
      }
      // The running run is untouched and is still the latest one.
      expect(await first.query<string>('sapiLabel')).toBe('first');
      expect(await latestRunId(workflowId)).toBe(first.firstExecutionRunId);
      expect(await release(first, 'done')).toBe('first:done');
    });
  });

  it('USE_EXISTING returns the running run instead of starting another', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `conflict-use-existing-${taskQueue}`;
      const first = await held(taskQueue, workflowId, 'first');
      const second = await held(taskQueue, workflowId, 'second', { workflowIdConflictPolicy: 'USE_EXISTING' });
      expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
      // Same run: it still holds the first start's input, and no other run was created.
      expect(await second.query<string>('sapiLabel')).toBe('first');
      expect(await latestRunId(workflowId)).toBe(first.firstExecutionRunId);
      expect(await release(second, 'via-second')).toBe('first:via-second');
      const types = await historyEventTypes(first);
      expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED')).toHaveLength(1);
    });
  });

  it('TERMINATE_EXISTING terminates the running run and starts a new one', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `conflict-terminate-${taskQueue}`;
      const first = await held(taskQueue, workflowId, 'first');
      expect(await first.query<string>('sapiLabel')).toBe('first');
      const second = await held(taskQueue, workflowId, 'second', { workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
      expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);

      const old = t.client.workflow.getHandle(workflowId, first.firstExecutionRunId);
      expect((await old.describe()).status.name).toBe('TERMINATED');
      const err = await old.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
      expect((await historyEventTypes(old)).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED');

      expect((await second.describe()).status.name).toBe('RUNNING');
      expect(await latestRunId(workflowId)).toBe(second.firstExecutionRunId);
      expect(await second.query<string>('sapiLabel')).toBe('second');
      expect(await release(second, 'done')).toBe('second:done');
    });
  });
});

describe('workflow id reuse policy (the last run with the id is closed)', () => {
  it('REJECT_DUPLICATE refuses a new run after success and after failure', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const succeeded = `reject-after-success-${taskQueue}`;
      expect(await (await echo(taskQueue, succeeded, 'once')).result()).toBe('once');
      const failed = `reject-after-failure-${taskQueue}`;
      const failing = await t.client.workflow.start<typeof sapiFail>('sapiFail', { taskQueue, workflowId: failed, args: ['boom'] });
      await expect(failing.result()).rejects.toBeInstanceOf(WorkflowFailedError);

      for (const workflowId of [succeeded, failed]) {
        const before = await latestRunId(workflowId);
        const err = await echo(taskQueue, workflowId, 'again', { workflowIdReusePolicy: 'REJECT_DUPLICATE' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
        expect(await latestRunId(workflowId)).toBe(before);
      }
    });
  });

  it('ALLOW_DUPLICATE_FAILED_ONLY refuses after success but allows after failure and after termination', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const policy = { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' };

      const succeeded = `failed-only-success-${taskQueue}`;
      const ok = await echo(taskQueue, succeeded, 'once');
      await ok.result();
      const err = await echo(taskQueue, succeeded, 'again', policy).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      expect(await latestRunId(succeeded)).toBe(ok.firstExecutionRunId);

      const failed = `failed-only-failure-${taskQueue}`;
      const failing = await t.client.workflow.start<typeof sapiFail>('sapiFail', { taskQueue, workflowId: failed, args: ['boom'] });
      await expect(failing.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      const afterFailure = await echo(taskQueue, failed, 'retried', policy);
      expect(afterFailure.firstExecutionRunId).not.toBe(failing.firstExecutionRunId);
      expect(await afterFailure.result()).toBe('retried');

      const terminated = `failed-only-terminated-${taskQueue}`;
      const victim = await held(taskQueue, terminated, 'victim');
      expect(await victim.query<string>('sapiLabel')).toBe('victim');
      await victim.terminate('making room');
      expect((await victim.describe()).status.name).toBe('TERMINATED');
      const afterTermination = await echo(taskQueue, terminated, 'replacement', policy);
      expect(afterTermination.firstExecutionRunId).not.toBe(victim.firstExecutionRunId);
      expect(await afterTermination.result()).toBe('replacement');
    });
  });

  it('ALLOW_DUPLICATE (the default) starts a new run after a successful one', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `allow-duplicate-${taskQueue}`;
      const first = await echo(taskQueue, workflowId, 'one');
      expect(await first.result()).toBe('one');
      const second = await echo(taskQueue, workflowId, 'two');
      expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
      expect(await second.result()).toBe('two');
      const third = await echo(taskQueue, workflowId, 'three', { workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
      expect(new Set([first.firstExecutionRunId, second.firstExecutionRunId, third.firstExecutionRunId]).size).toBe(3);
      expect(await third.result()).toBe('three');
      // Each run keeps its own history and result.
      expect(await t.client.workflow.getHandle(workflowId, first.firstExecutionRunId).result()).toBe('one');
      expect(await latestRunId(workflowId)).toBe(third.firstExecutionRunId);
    });
  });
});

describe('start request idempotency', () => {
  it('answers a repeated StartWorkflowExecution with the same requestId with the same run, and creates no second run', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `request-id-${taskQueue}`;
      const request = {
        namespace: t.namespace,
        workflowId,
        workflowType: { name: 'sapiHeld' },
        taskQueue: { name: taskQueue },
        input: { payloads: [defaultPayloadConverter.toPayload('raw')] },
        identity: 'raw-client',
        requestId: randomUUID(),
      };
      const service = t.env.connection.workflowService;
      const first = await service.startWorkflowExecution(request);
      expect(first.runId).toBeTruthy();
      const retried = await service.startWorkflowExecution(request);
      expect(retried.runId).toBe(first.runId);
      // A different request id for the same workflow id is a genuinely new start, and conflicts.
      const conflicting = await service.startWorkflowExecution({ ...request, requestId: randomUUID() }).catch((e: unknown) => e);
      expect(grpcCode(conflicting)).toBe(status.ALREADY_EXISTS);

      const handle = t.client.workflow.getHandle<typeof sapiHeld>(workflowId);
      expect(await latestRunId(workflowId)).toBe(first.runId);
      expect(await handle.query<string>('sapiLabel')).toBe('raw');
      expect(await release(handle, 'done')).toBe('raw:done');

      // Still deduplicated once the run has closed: the retry does not start another run.
      const late = await service.startWorkflowExecution(request);
      expect(late.runId).toBe(first.runId);
      expect(await latestRunId(workflowId)).toBe(first.runId);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      const types = await historyEventTypes(t.client.workflow.getHandle(workflowId, first.runId));
      expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED')).toHaveLength(1);
    });
  });
});

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});
