import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { createTemporalTestEnv, historyEventTypes as eventTypes, type TemporalTestEnv } from '../harness/temporal';
import type { closedByUpdate, collector, counter } from '../workflows/messages';

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

describe('signals and queries', () => {
  it('delivers signals in order and answers queries while running and after close', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `collector-${taskQueue}` });
      for (const item of ['a', 'b', 'c']) await handle.signal('add', item);
      expect(await handle.query<string[]>('items')).toEqual(['a', 'b', 'c']);
      await handle.signal('finish');
      expect(await handle.result()).toEqual(['a', 'b', 'c']);
      // A closed workflow is queried by replaying its history.
      expect(await handle.query<string[]>('items')).toEqual(['a', 'b', 'c']);
      const types = await eventTypes(handle);
      expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED')).toHaveLength(4);
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    });
  });

  it('starts a workflow with signalWithStart and signals the running one on the second call', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `sws-${taskQueue}`;
      const first = await t.client.workflow.signalWithStart<typeof collector, [string]>('collector', {
        taskQueue,
        workflowId,
        signal: 'add',
        signalArgs: ['first'],
      });
      const second = await t.client.workflow.signalWithStart<typeof collector, [string]>('collector', {
        taskQueue,
        workflowId,
        signal: 'add',
        signalArgs: ['second'],
      });
      expect(second.signaledRunId).toBe(first.signaledRunId);
      await first.signal('finish');
      expect(await first.result()).toEqual(['first', 'second']);
    });
  });
});

describe('signal request ids', () => {
  it('takes a signal once when a client sends it again with the same requestId (a retry), twice with another', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `signal-retry-${taskQueue}` });
      const signal = (item: string, requestId: string) =>
        t.client.workflowService.signalWorkflowExecution({
          namespace: t.namespace,
          workflowExecution: { workflowId: handle.workflowId },
          signalName: 'add',
          input: { payloads: [defaultPayloadConverter.toPayload(item)] },
          identity: 'retrying client',
          requestId,
        });
      await signal('once', 'request-1');
      await signal('once', 'request-1');
      await signal('again', 'request-2');
      await handle.signal('finish');
      expect(await handle.result()).toEqual(['once', 'again']);
      const signaled = (await handle.fetchHistory()).events!.filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signaled.map((e) => e.workflowExecutionSignaledEventAttributes!.requestId).slice(0, 2)).toEqual(['request-1', 'request-2']);
    });
  });
});

describe('updates', () => {
  it('runs an update to completion and returns its result', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof counter>('counter', { taskQueue, workflowId: `counter-${taskQueue}` });
      expect(await handle.executeUpdate(incrementName, { args: [2] })).toBe(2);
      expect(await handle.executeUpdate(incrementName, { args: [3] })).toBe(5);
      expect(await handle.query<number>('count')).toBe(5);
      await handle.signal('finish');
      expect(await handle.result()).toBe(5);
      const types = await eventTypes(handle);
      expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')).toHaveLength(2);
      expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(2);
    });
  });

  it('rejects an update in its validator without writing any history event', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof counter>('counter', { taskQueue, workflowId: `reject-${taskQueue}` });
      expect(await handle.executeUpdate(incrementName, { args: [1] })).toBe(1);
      const before = (await handle.fetchHistory()).events!.length;
      const err = await handle.executeUpdate(incrementName, { args: [-4] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((err as WorkflowUpdateFailedError).cause?.message)).toContain('increment must be a positive integer, got -4');
      expect((await handle.fetchHistory()).events!.length).toBe(before);
      // The workflow is unharmed and keeps taking updates.
      expect(await handle.executeUpdate(incrementName, { args: [1] })).toBe(2);
      await handle.signal('finish');
      expect(await handle.result()).toBe(2);
    });
  });

  it('accepts and completes an update in the same workflow task that completes the workflow', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof closedByUpdate>('closedByUpdate', { taskQueue, workflowId: `close-${taskQueue}` });
      expect(await handle.executeUpdate<string, [string]>('close', { args: ['done'] })).toBe('closing: done');
      expect(await handle.result()).toBe('closed: done');
      const types = await eventTypes(handle);
      expect(types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
      expect(types.slice(-4)).toEqual([
        'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
      ]);
    });
  });

  it('deduplicates updates by update id', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof counter>('counter', { taskQueue, workflowId: `dedupe-${taskQueue}` });
      const a = await handle.executeUpdate(incrementName, { args: [7], updateId: 'same-id' });
      const b = await handle.executeUpdate(incrementName, { args: [7], updateId: 'same-id' });
      expect([a, b]).toEqual([7, 7]);
      expect(await handle.query<number>('count')).toBe(7);
      await handle.signal('finish');
      await handle.result();
    });
  });
});

const incrementName = 'increment';

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});
