import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, defaultPayloadConverter } from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { createTemporalTestEnv, historyEventTypes, type TemporalTestEnv } from '../harness/temporal';
import { useDevServerProcess } from '../harness/devserver-process';
import { uwsAddUpdate, uwsCollector } from '../workflows/update-with-start';

// Update-with-start (ExecuteMultiOperation [Start, Update]) as the real server does it: the start and the
// update are admitted together, the new run's first workflow task carries the update.

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  expect(await t.replayAll()).toBeGreaterThan(0);
  await t?.teardown();
});

const { WorkflowIdConflictPolicy } = temporal.api.enums.v1;
const startOperation = (workflowId: string, taskQueue: string, policy: 'FAIL' | 'USE_EXISTING', args: string[] = []) =>
  new WithStartWorkflowOperation(uwsCollector, { workflowId, taskQueue, args, workflowIdConflictPolicy: policy });

describe('update-with-start', () => {
  it('starts a new workflow whose first task carries the update, and returns both', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const op = startOperation(`uws-new-${taskQueue}`, taskQueue, 'FAIL', ['start input']);
      expect(await t.client.workflow.executeUpdateWithStart(uwsAddUpdate, { args: ['a'], startWorkflowOperation: op })).toEqual(['start input', 'a']);
      const handle = await op.workflowHandle();
      expect((await historyEventTypes(handle)).slice(0, 6)).toEqual([
        'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
        'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
        'EVENT_TYPE_WORKFLOW_TASK_STARTED',
        'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
        'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
      ]);
      await handle.signal('uwsFinish');
      expect(await handle.result()).toEqual(['start input', 'a']);
    });
  });

  it('sends the update to the running workflow under USE_EXISTING, starting no new run', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `uws-existing-${taskQueue}`;
      const running = await t.client.workflow.start(uwsCollector, { workflowId, taskQueue, args: ['x'] });
      const op = startOperation(workflowId, taskQueue, 'USE_EXISTING', ['ignored']);
      expect(await t.client.workflow.executeUpdateWithStart(uwsAddUpdate, { args: ['b'], startWorkflowOperation: op })).toEqual(['x', 'b']);
      expect((await (await op.workflowHandle()).describe()).runId).toBe(running.firstExecutionRunId);
      await running.signal('uwsFinish');
      expect(await running.result()).toEqual(['x', 'b']);
      const types = await historyEventTypes(running);
      expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED')).toHaveLength(1);
    });
  });

  it('answers a repeat of an update id from the first outcome, running nothing twice', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `uws-repeat-${taskQueue}`;
      const call = () =>
        t.client.workflow.executeUpdateWithStart(uwsAddUpdate, { args: ['once'], updateId: 'the-update', startWorkflowOperation: startOperation(workflowId, taskQueue, 'USE_EXISTING') });
      expect(await call()).toEqual(['once']);
      expect(await call()).toEqual(['once']);
      const handle = t.client.workflow.getHandle(workflowId);
      await handle.signal('uwsFinish');
      expect(await handle.result()).toEqual(['once']);
    });
  });

  it('fails with WorkflowExecutionAlreadyStarted under FAIL when the workflow runs, delivering no update', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `uws-fail-${taskQueue}`;
      const running = await t.client.workflow.start(uwsCollector, { workflowId, taskQueue, args: ['x'] });
      const op = startOperation(workflowId, taskQueue, 'FAIL');
      const err = await t.client.workflow.executeUpdateWithStart(uwsAddUpdate, { args: ['never'], startWorkflowOperation: op }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      await expect(op.workflowHandle()).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      await running.signal('uwsFinish');
      expect(await running.result()).toEqual(['x']);
      expect(await historyEventTypes(running)).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    });
  });

  it('keeps the started workflow when its validator rejects the update', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const op = startOperation(`uws-reject-${taskQueue}`, taskQueue, 'FAIL', ['kept']);
      const err = await t.client.workflow.executeUpdateWithStart(uwsAddUpdate, { args: [''], startWorkflowOperation: op }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((err as WorkflowUpdateFailedError).cause?.message)).toContain('an item must not be empty');
      const handle = await op.workflowHandle();
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await historyEventTypes(handle)).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
      await handle.signal('uwsFinish');
      expect(await handle.result()).toEqual(['kept']);
    });
  });

  it('returns once the update is accepted when asked for ACCEPTED only', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const op = startOperation(`uws-accepted-${taskQueue}`, taskQueue, 'FAIL');
      const update = await t.client.workflow.startUpdateWithStart(uwsAddUpdate, {
        args: ['held'],
        waitForStage: WorkflowUpdateStage.ACCEPTED,
        startWorkflowOperation: op,
      });
      const handle = await op.workflowHandle();
      expect(update.workflowRunId).toBe((await handle.describe()).runId);
      const types = await historyEventTypes(handle);
      expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
      expect(types).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED');
      await handle.signal('uwsRelease');
      expect(await update.result()).toEqual(['held']);
      await handle.signal('uwsFinish');
      expect(await handle.result()).toEqual(['held']);
    });
  });
});

describe('update-with-start errors at the gRPC level', () => {
  const payloads = (...values: unknown[]) => ({ payloads: values.map((v) => defaultPayloadConverter.toPayload(v)) });
  const startRequest = (workflowId: string, taskQueue: string, more: object = {}) => ({
    namespace: t.namespace,
    workflowId,
    workflowType: { name: 'uwsCollector' },
    taskQueue: { name: taskQueue },
    requestId: randomUUID(),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
    ...more,
  });
  const updateRequest = (workflowId: string) => ({
    namespace: t.namespace,
    workflowExecution: { workflowId },
    request: { meta: { updateId: randomUUID() }, input: { name: 'uwsAdd', args: payloads('z') } },
    waitPolicy: { lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED },
  });
  const execute = (operations: object[]) =>
    t.client.workflowService.executeMultiOperation({ namespace: t.namespace, operations }).then(
      () => expect.unreachable('the multi-operation should fail'),
      (e: { code: number; metadata: { get(key: string): unknown[] } }) => e,
    );
  /** The per-operation statuses of a MultiOperationExecutionFailure: code and the type of its first detail. */
  const operationStatuses = (err: { metadata: { get(key: string): unknown[] } }) => {
    const [detail] = google.rpc.Status.decode(err.metadata.get('grpc-status-details-bin')[0] as Buffer).details;
    expect(detail.type_url).toBe('type.googleapis.com/temporal.api.errordetails.v1.MultiOperationExecutionFailure');
    const { statuses } = temporal.api.errordetails.v1.MultiOperationExecutionFailure.decode(detail.value!);
    return statuses.map((s) => ({ code: s.code, detail: s.details?.[0]?.type_url?.split('/').pop() }));
  };

  it('refuses operations other than [Start, Update] with INVALID_ARGUMENT', async () => {
    const workflowId = `uws-shape-${randomUUID()}`;
    const err = await execute([{ updateWorkflow: updateRequest(workflowId) }, { startWorkflow: startRequest(workflowId, 'nowhere') }]);
    expect(err.code).toBe(status.INVALID_ARGUMENT);
  });

  it('names the invalid operation in its status and aborts the other', async () => {
    const workflowId = `uws-invalid-${randomUUID()}`;
    const cron = await execute([{ startWorkflow: startRequest(workflowId, 'nowhere', { cronSchedule: '* * * * *' }) }, { updateWorkflow: updateRequest(workflowId) }]);
    expect(cron.code).toBe(status.INVALID_ARGUMENT);
    expect(operationStatuses(cron)).toEqual([
      { code: status.INVALID_ARGUMENT, detail: undefined },
      { code: status.ABORTED, detail: 'temporal.api.failure.v1.MultiOperationExecutionAborted' },
    ]);
    const otherId = await execute([{ startWorkflow: startRequest(workflowId, 'nowhere') }, { updateWorkflow: updateRequest(`${workflowId}-other`) }]);
    expect(otherId.code).toBe(status.INVALID_ARGUMENT);
    expect(operationStatuses(otherId).map((s) => s.code)).toEqual([status.ABORTED, status.INVALID_ARGUMENT]);
    // Nothing was started.
    await expect(t.client.workflow.getHandle(workflowId).describe()).rejects.toThrow();
  });

  it('answers ALREADY_EXISTS with the start status carrying WorkflowExecutionAlreadyStartedFailure under FAIL', async () => {
    const taskQueue = `uws-raw-${randomUUID()}`;
    const workflowId = `uws-raw-fail-${taskQueue}`;
    const running = await t.client.workflow.start(uwsCollector, { workflowId, taskQueue });
    const err = await execute([{ startWorkflow: startRequest(workflowId, taskQueue) }, { updateWorkflow: updateRequest(workflowId) }]);
    expect(err.code).toBe(status.ALREADY_EXISTS);
    expect(operationStatuses(err)).toEqual([
      { code: status.ALREADY_EXISTS, detail: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure' },
      { code: status.ABORTED, detail: 'temporal.api.failure.v1.MultiOperationExecutionAborted' },
    ]);
    await running.terminate('done');
    const types = await historyEventTypes(running);
    expect(types).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED']);
  });
});

// Restart-with-a-data-dir is a property of our dev server; a real cluster brings its own persistence.
describe.skipIf(!!process.env.TEMPORAL_ADDRESS)('update-with-start across a dev server crash', () => {
  const s = useDevServerProcess('devserver-uws-');
  // Registered after the process's own hooks, so it runs before they take it down.
  afterAll(async () => {
    expect(await s.t.replayAll()).toBeGreaterThan(0);
  });

  it('keeps the started workflow and its completed update through kill -9 and restart', async () => {
    await s.t.withWorker({}, async (taskQueue) => {
      const workflowId = `uws-crash-${taskQueue}`;
      const op = startOperation(workflowId, taskQueue, 'USE_EXISTING', ['s']);
      const update = { args: ['before'], updateId: 'before-crash', startWorkflowOperation: op };
      expect(await s.t.client.workflow.executeUpdateWithStart(uwsAddUpdate, update)).toEqual(['s', 'before']);
      const handle = await op.workflowHandle();
      const runId = (await handle.describe()).runId;

      await s.server.kill();
      await s.server.start();

      expect(await handle.getUpdateHandle<string[]>('before-crash').result()).toEqual(['s', 'before']);
      const again = startOperation(workflowId, taskQueue, 'USE_EXISTING');
      expect(await s.t.client.workflow.executeUpdateWithStart(uwsAddUpdate, { args: ['after'], startWorkflowOperation: again })).toEqual(['s', 'before', 'after']);
      expect((await (await again.workflowHandle()).describe()).runId).toBe(runId);
      await handle.signal('uwsFinish');
      expect(await handle.result()).toEqual(['s', 'before', 'after']);
    });
  });
});
