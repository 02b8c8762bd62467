import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { DevServerProcess, freePort } from '../harness/devserver-process';
import { codeOf } from '../harness/grpc-errors';
import type { collector } from '../workflows/messages';

const HOUR = 3_600_000;

// Retention on the dev server's clock, driven by time skipping: a real cluster's retention takes days.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

describe.skipIf(!onDevServer)('retention of closed runs', () => {
  let dataDir: string;
  let server: DevServerProcess;
  let t: TemporalTestEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'devserver-retention-'));
    server = new DevServerProcess(await freePort(), dataDir);
    await server.start();
    t = await createTemporalTestEnv({ address: server.address });
  });

  afterAll(async () => {
    await t?.teardown();
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const describeRaw = (workflowId: string, runId?: string) =>
    t.client.workflowService.describeWorkflowExecution({ namespace: t.namespace, execution: { workflowId, runId } });
  const visible = async (workflowId: string) => {
    const query = `WorkflowId = '${workflowId}'`;
    const { count } = await t.client.workflow.count(query);
    const listed = [];
    for await (const info of t.client.workflow.list({ query })) listed.push(info.runId);
    return { count, listed: listed.length };
  };

  it('deletes a closed run 24 h after it closed (the default), keeps an open one; the id is free again', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const opts = { taskQueue, workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE };
      const closed = await t.client.workflow.start<typeof collector>('collector', { ...opts, workflowId: `ret-closed-${taskQueue}` });
      await closed.signal('finish');
      await closed.result();
      const open = await t.client.workflow.start<typeof collector>('collector', { ...opts, workflowId: `ret-open-${taskQueue}` });
      await open.signal('add', 'kept');

      await t.env.sleep(23 * HOUR);
      expect((await closed.describe()).status.name).toBe('COMPLETED');
      expect(await visible(closed.workflowId)).toEqual({ count: 1, listed: 1 });
      // While the run exists, REJECT_DUPLICATE refuses its id.
      await expect(t.client.workflow.start('collector', { ...opts, workflowId: closed.workflowId })).rejects.toThrow(WorkflowExecutionAlreadyStartedError);

      await t.env.sleep(2 * HOUR);
      expect(await codeOf(() => describeRaw(closed.workflowId))).toBe(status.NOT_FOUND);
      expect(await codeOf(() => describeRaw(closed.workflowId, closed.firstExecutionRunId))).toBe(status.NOT_FOUND);
      const history = { namespace: t.namespace, execution: { workflowId: closed.workflowId, runId: closed.firstExecutionRunId } };
      expect(await codeOf(() => t.client.workflowService.getWorkflowExecutionHistory(history))).toBe(status.NOT_FOUND);
      expect(await visible(closed.workflowId)).toEqual({ count: 0, listed: 0 });
      // The open run is untouched and goes on.
      expect((await open.describe()).status.name).toBe('RUNNING');
      await open.signal('finish');
      expect(await open.result()).toEqual(['kept']);
      // The deleted run no longer holds its id, even under REJECT_DUPLICATE.
      const again = await t.client.workflow.start<typeof collector>('collector', { ...opts, workflowId: closed.workflowId });
      expect(again.firstExecutionRunId).not.toBe(closed.firstExecutionRunId);
      await again.signal('finish');
      expect(await again.result()).toEqual([]);
    });
  });

  it("applies a registered namespace's own retention to every kind of close, here a termination", async () => {
    const namespace = `short-retention-${Date.now()}`;
    const service = t.client.workflowService;
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

    await t.env.sleep(HOUR / 2);
    expect((await service.describeWorkflowExecution({ namespace, execution: { ...execution, runId } })).workflowExecutionInfo?.execution?.runId).toBe(runId);
    await t.env.sleep(HOUR);
    expect(await codeOf(() => service.describeWorkflowExecution({ namespace, execution: { ...execution, runId } }))).toBe(status.NOT_FOUND);
    expect(Number((await service.countWorkflowExecutions({ namespace, query: '' })).count)).toBe(0);
    expect(await codeOf(() => service.registerNamespace({ namespace: `${namespace}-bad`, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(-1) } }))).toBe(
      status.INVALID_ARGUMENT,
    );
  });

  it('keeps counting across a crash and restart: deletes on schedule after it, at once when a shorter retention is past due', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const first = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `ret-restart-a-${taskQueue}` });
      await first.signal('finish');
      await first.result();
      await t.env.sleep(12 * HOUR);
      const second = await t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `ret-restart-b-${taskQueue}` });
      await second.signal('finish');
      await second.result();

      await server.kill();
      await server.start();
      expect((await first.describe()).status.name).toBe('COMPLETED');
      await t.env.sleep(13 * HOUR);
      expect(await codeOf(() => describeRaw(first.workflowId))).toBe(status.NOT_FOUND);
      expect((await second.describe()).status.name).toBe('COMPLETED');

      // Restarted with a one-hour retention, the 13-hour-old run is deleted before the server answers.
      await server.kill();
      server = new DevServerProcess(server.port, dataDir, ['--retention', '1h']);
      await server.start();
      expect(await codeOf(() => describeRaw(second.workflowId))).toBe(status.NOT_FOUND);
      const { config } = await t.client.workflowService.describeNamespace({ namespace: t.namespace });
      expect(Number(config?.workflowExecutionRetentionTtl?.seconds)).toBe(3600);
    });
  });
});
