import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createTemporalTestEnv, historyEventTypes, pollWorkflowTask, type TemporalTestEnv } from '../harness/temporal';
import type { sapiEcho } from '../workflows/server-api';

// Eager workflow start: a start request that asks for it gets the first workflow task in its answer,
// already started by the requester (StartWorkflowExecutionRequest.requestEagerExecution).

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  expect(await t.replayAll()).toBeGreaterThan(0);
  await t?.teardown();
});

const { CommandType, EventType } = temporal.api.enums.v1;
const eventName = (type: number | null | undefined) => EventType[type ?? 0];

/** A start request for a workflow no worker runs: the test answers its tasks by hand. */
const startRequest = (taskQueue: string, more: object = {}) => ({
  namespace: t.namespace,
  workflowId: `eager-${randomUUID()}`,
  workflowType: { name: 'handDriven' },
  taskQueue: { name: taskQueue },
  requestId: randomUUID(),
  identity: 'eager-starter',
  requestEagerExecution: true,
  ...more,
});

const completeWith = (taskToken: Uint8Array, value: string) =>
  t.client.workflowService.respondWorkflowTaskCompleted({
    namespace: t.namespace,
    taskToken,
    identity: 'eager-starter',
    commands: [
      {
        commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
        completeWorkflowExecutionCommandAttributes: { result: { payloads: [defaultPayloadConverter.toPayload(value)] } },
      },
    ],
  });

describe('eager workflow start', () => {
  it('advertises eager workflow start in the system and namespace capabilities', async () => {
    const info = await t.client.workflowService.getSystemInfo({});
    expect(info.capabilities?.eagerWorkflowStart).toBe(true);
    const ns = await t.client.workflowService.describeNamespace({ namespace: t.namespace });
    expect(ns.namespaceInfo?.capabilities?.eagerWorkflowStart).toBe(true);
  });

  it('answers the start with the first workflow task, started by the requester, which its token completes', async () => {
    const req = startRequest(`eager-raw-${randomUUID()}`);
    const res = await t.client.workflowService.startWorkflowExecution(req);
    expect(res.started).toBe(true);
    const task = res.eagerWorkflowTask!;
    expect(task.taskToken?.length).toBeGreaterThan(0);
    expect(task.workflowExecution).toMatchObject({ workflowId: req.workflowId, runId: res.runId });
    expect(task.workflowType?.name).toBe('handDriven');
    expect(Number(task.startedEventId)).toBe(3);
    expect(task.attempt).toBe(1);
    const events = task.history?.events ?? [];
    expect(events.map((e) => eventName(e.eventType))).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    ]);
    expect(events[2].workflowTaskStartedEventAttributes?.identity).toBe('eager-starter');

    await completeWith(task.taskToken!, 'done eagerly');
    const handle = t.client.workflow.getHandle(req.workflowId);
    expect(await handle.result()).toBe('done eagerly');
  });

  it('times the eager task out as any started task, then offers the next attempt to pollers', async () => {
    const taskQueue = `eager-timeout-${randomUUID()}`;
    const req = startRequest(taskQueue, { workflowTaskTimeout: { seconds: 1 } });
    const res = await t.client.workflowService.startWorkflowExecution(req);
    expect(res.eagerWorkflowTask?.taskToken?.length).toBeGreaterThan(0);
    const retry = await pollWorkflowTask(t, taskQueue);
    expect(retry.attempt).toBe(2);
    await completeWith(retry.taskToken!, 'done after a timeout');
    const handle = t.client.workflow.getHandle(req.workflowId);
    expect(await handle.result()).toBe('done after a timeout');
    expect(await historyEventTypes(handle)).toContain('EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT');
    // The timed-out task's token is stale.
    await expect(completeWith(res.eagerWorkflowTask!.taskToken!, 'too late')).rejects.toThrow();
  });

  it('answers without a task when the start is delayed', async () => {
    const req = startRequest(`eager-delay-${randomUUID()}`, { workflowStartDelay: { seconds: 60 } });
    const res = await t.client.workflowService.startWorkflowExecution(req);
    expect(res.started).toBe(true);
    expect(res.eagerWorkflowTask).toBeFalsy();
    await t.client.workflow.getHandle(req.workflowId).terminate('done');
  });

  it('runs the workflow on a worker that shares the client connection (requestEagerStart)', async () => {
    await t.withWorker({}, async (taskQueue) => {
      // The SDK takes the eager task only for a worker on the client's own NativeConnection.
      const client = new Client({ connection: t.env.nativeConnection, namespace: t.namespace });
      const handle = await client.workflow.start<typeof sapiEcho>('sapiEcho', {
        taskQueue,
        workflowId: `eager-sdk-${taskQueue}`,
        args: ['echoed'],
        requestEagerStart: true,
      });
      expect(handle.eagerlyStarted).toBe(true);
      expect(await handle.result()).toBe('echoed');
      const plain = await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId: `plain-${taskQueue}`, args: ['plain'] });
      expect(plain.eagerlyStarted).toBe(false);
      expect(await plain.result()).toBe('plain');
    });
  });
});
