import { status } from '@grpc/grpc-js';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ActivityExecutionAlreadyStartedError, ActivityIdReusePolicy, ActivityNotFoundError, type ActivityOptions } from '@temporalio/client';
import { DevServerProcess, useDevServerProcess } from '../harness/devserver-process';
import { codeOf } from '../harness/grpc-errors';
import type { collector } from '../workflows/messages';

const HOUR = 3_600_000;

// Retention on the dev server's clock, driven by time skipping: a real cluster's retention takes days.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

describe.skipIf(!onDevServer)('retention of closed runs', () => {
  const s = useDevServerProcess('devserver-retention-');

  const describeRaw = (workflowId: string, runId?: string) =>
    s.t.client.workflowService.describeWorkflowExecution({ namespace: s.t.namespace, execution: { workflowId, runId } });
  const visible = async (workflowId: string) => {
    const query = `WorkflowId = '${workflowId}'`;
    const { count } = await s.t.client.workflow.count(query);
    const listed = [];
    for await (const info of s.t.client.workflow.list({ query })) listed.push(info.runId);
    return { count, listed: listed.length };
  };

  it('deletes a closed run 24 h after it closed (the default), keeps an open one; the id is free again', async () => {
    await s.t.withWorker({}, async (taskQueue) => {
      const opts = { taskQueue, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE };
      const closed = await s.t.client.workflow.start<typeof collector>('collector', { ...opts, workflowId: `ret-closed-${taskQueue}` });
      await closed.signal('finish');
      await closed.result();
      const open = await s.t.client.workflow.start<typeof collector>('collector', { ...opts, workflowId: `ret-open-${taskQueue}` });
      await open.signal('add', 'kept');

      await s.t.env.sleep(23 * HOUR);
      expect((await closed.describe()).status.name).toBe('COMPLETED');
      expect(await visible(closed.workflowId)).toEqual({ count: 1, listed: 1 });
      // While the run exists, REJECT_DUPLICATE refuses its id.
      await expect(s.t.client.workflow.start('collector', { ...opts, workflowId: closed.workflowId })).rejects.toThrow(WorkflowExecutionAlreadyStartedError);

      await s.t.env.sleep(2 * HOUR);
      expect(await codeOf(() => describeRaw(closed.workflowId))).toBe(status.NOT_FOUND);
      expect(await codeOf(() => describeRaw(closed.workflowId, closed.firstExecutionRunId))).toBe(status.NOT_FOUND);
      const history = { namespace: s.t.namespace, execution: { workflowId: closed.workflowId, runId: closed.firstExecutionRunId } };
      expect(await codeOf(() => s.t.client.workflowService.getWorkflowExecutionHistory(history))).toBe(status.NOT_FOUND);
      expect(await visible(closed.workflowId)).toEqual({ count: 0, listed: 0 });
      // The open run is untouched and goes on.
      expect((await open.describe()).status.name).toBe('RUNNING');
      await open.signal('finish');
      expect(await open.result()).toEqual(['kept']);
      // The deleted run no longer holds its id, even under REJECT_DUPLICATE.
      const again = await s.t.client.workflow.start<typeof collector>('collector', { ...opts, workflowId: closed.workflowId });
      expect(again.firstExecutionRunId).not.toBe(closed.firstExecutionRunId);
      await again.signal('finish');
      expect(await again.result()).toEqual([]);
    });
  });

  it('deletes a closed standalone activity 24 h after it closed; its id is free again', async () => {
    const activityId = `ret-activity-${Date.now()}`;
    const opts: ActivityOptions = { id: activityId, taskQueue: 'nobody-polls', startToCloseTimeout: '10s', idReusePolicy: ActivityIdReusePolicy.REJECT_DUPLICATE };
    const handle = await s.t.client.activity.start('greet', opts);
    await handle.terminate('closed for the test');
    await s.t.env.sleep(23 * HOUR);
    expect((await handle.describe()).status).toBe('TERMINATED');
    await expect(s.t.client.activity.start('greet', opts)).rejects.toBeInstanceOf(ActivityExecutionAlreadyStartedError);

    await s.t.env.sleep(2 * HOUR);
    await expect(handle.describe()).rejects.toBeInstanceOf(ActivityNotFoundError);
    expect((await s.t.client.activity.count(`ActivityId = '${activityId}'`)).count).toBe(0);
    const again = await s.t.client.activity.start('greet', opts);
    expect(again.runId).not.toBe(handle.runId);
    await again.terminate('done');
  });

  it("applies a registered namespace's own retention to every kind of close, here a termination", async () => {
    const namespace = `short-retention-${Date.now()}`;
    const service = s.t.client.workflowService;
    await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(3600) } });
    const execution = { workflowId: 'terminated-early', runId: '' };
    const { runId } = await service.startWorkflowExecution({
      namespace,
      workflowId: execution.workflowId,
      workflowType: { name: 'collector' },
      taskQueue: { name: 'nobody-polls' },
      requestId: `start-${namespace}`,
    });
    await service.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: execution.workflowId, runId } });
    const { config } = await service.describeNamespace({ namespace });
    expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(3600);

    await s.t.env.sleep(HOUR / 2);
    expect((await service.describeWorkflowExecution({ namespace, execution: { ...execution, runId } })).workflowExecutionInfo?.execution?.runId).toBe(runId);
    await s.t.env.sleep(HOUR);
    expect(await codeOf(() => service.describeWorkflowExecution({ namespace, execution: { ...execution, runId } }))).toBe(status.NOT_FOUND);
    expect(Number((await service.countWorkflowExecutions({ namespace, query: '' })).count)).toBe(0);
    expect(await codeOf(() => service.registerNamespace({ namespace: `${namespace}-bad`, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(-1) } }))).toBe(
      status.INVALID_ARGUMENT,
    );
  });

  it('keeps counting across a crash and restart: deletes on schedule after it, at once when a shorter retention is past due', async () => {
    await s.t.withWorker({}, async (taskQueue) => {
      const first = await s.t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `ret-restart-a-${taskQueue}` });
      await first.signal('finish');
      await first.result();
      await s.t.env.sleep(12 * HOUR);
      const second = await s.t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `ret-restart-b-${taskQueue}` });
      await second.signal('finish');
      await second.result();

      await s.server.kill();
      await s.server.start();
      expect((await first.describe()).status.name).toBe('COMPLETED');
      await s.t.env.sleep(13 * HOUR);
      expect(await codeOf(() => describeRaw(first.workflowId))).toBe(status.NOT_FOUND);
      expect((await second.describe()).status.name).toBe('COMPLETED');

      // Restarted with a one-hour retention, the 13-hour-old run is deleted before the server answers.
      await s.server.kill();
      s.server = new DevServerProcess(s.server.port, s.dataDir, ['--retention', '1h']);
      await s.server.start();
      expect(await codeOf(() => describeRaw(second.workflowId))).toBe(status.NOT_FOUND);
      const { config } = await s.t.client.workflowService.describeNamespace({ namespace: s.t.namespace });
      expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(3600);
    });
  });
});
