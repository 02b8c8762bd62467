import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import Long from 'long';
import { afterAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { temporalSettingsFromEnv } from '../../config/temporal';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { codeOf } from '../harness/grpc-errors';
import { eventually } from '../harness/eventually';
import { addSignal, countQuery, finishSignal, incrementUpdate, type counter } from '../workflows/messages';
import type { resettable } from '../workflows/reset';

const t: TemporalTestEnv = await createTemporalTestEnv();
afterAll(async () => {
  await t.teardown();
});

const { EventType, WorkflowTaskFailedCause, ResetReapplyType, ResetReapplyExcludeType } = temporal.api.enums.v1;
const onDevServer = !temporalSettingsFromEnv().address;
type Event = temporal.api.history.v1.IHistoryEvent;

/** A worker whose `note` activity counts its calls. */
function withResettableWorker<T>(fn: (taskQueue: string, calls: string[]) => Promise<T>): Promise<T> {
  const calls: string[] = [];
  return t.withWorker({ activities: { note: async (step: string) => (calls.push(step), `noted ${step}`) } }, (taskQueue) => fn(taskQueue, calls));
}

async function eventsOf(workflowId: string, runId?: string): Promise<Event[]> {
  return (await t.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
}

/** The id of the n-th (1-based) event of `type`. */
function idOf(events: Event[], type: number, n = 1): number {
  const found = events.filter((e) => e.eventType === type)[n - 1];
  if (!found) throw new Error(`no event ${n} of type ${type}`);
  return Long.fromValue(found.eventId!).toNumber();
}

function reset(handle: Pick<WorkflowHandle, 'workflowId'>, runId: string, workflowTaskFinishEventId: number, extra: object = {}) {
  return t.client.workflowService.resetWorkflowExecution({
    namespace: t.namespace,
    workflowExecution: { workflowId: handle.workflowId, runId },
    workflowTaskFinishEventId: Long.fromNumber(workflowTaskFinishEventId),
    reason: 'conformance reset',
    requestId: randomUUID(),
    identity: 'reset-test',
    ...extra,
  });
}

describe('ResetWorkflowExecution', () => {
  it('resets a completed workflow to its first workflow task: a new run with the copied events, the task failed for the reset, the signals again', async () => {
    await withResettableWorker(async (taskQueue, calls) => {
      const handle = await t.client.workflow.start<typeof resettable>('resettable', { taskQueue, workflowId: `reset-${randomUUID()}` });
      // The signals after the first workflow task, the reset point: sent sooner, one can land before
      // that task starts and be copied with it instead of written again.
      await eventually(() => eventsOf(handle.workflowId, handle.firstExecutionRunId), (events) => events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), {
        what: 'the first workflow task',
      });
      await handle.signal(addSignal, 'a');
      await handle.signal(addSignal, 'b');
      await handle.signal(finishSignal);
      const first = await handle.result();
      expect(first).toMatchObject({ first: 'noted first', items: ['a', 'b'] });
      const baseRunId = handle.firstExecutionRunId;
      const base = await eventsOf(handle.workflowId, baseRunId);

      const firstTaskCompleted = idOf(base, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      const { runId } = await reset(handle, baseRunId, firstTaskCompleted);
      expect(runId).toBeTruthy();
      expect(runId).not.toBe(baseRunId);

      const again = await t.client.workflow.getHandle(handle.workflowId).result();
      // The signals written again after the reset point, the activity run again (it was after it).
      expect(again).toMatchObject({ first: 'noted first', items: ['a', 'b'] });
      expect(calls).toEqual(['first', 'first']);
      // The SDK reseeds its randomness from the new run id the failed task names.
      expect(again.random).not.toBe(first.random);

      const events = await eventsOf(handle.workflowId, runId);
      expect(events.slice(0, firstTaskCompleted - 1).map((e) => e.eventType)).toEqual(base.slice(0, firstTaskCompleted - 1).map((e) => e.eventType));
      expect(events[0].workflowExecutionStartedEventAttributes?.originalExecutionRunId).toBe(baseRunId);
      const failed = events[firstTaskCompleted - 1];
      expect(failed.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
      expect(failed.workflowTaskFailedEventAttributes).toMatchObject({
        cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
        baseRunId,
        newRunId: runId,
        failure: { message: 'conformance reset' },
      });
      const signals = events.slice(firstTaskCompleted).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
      expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual(['add', 'add', 'finish']);
      expect(events[firstTaskCompleted + 3].eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
      expect(events[firstTaskCompleted + 3].workflowTaskScheduledEventAttributes?.attempt).toBe(1);

      // The base run keeps its history and its close, and names the run its reset made (what the
      // Temporal UI links to); the new run is the workflow's current one.
      const described = await t.client.workflow.getHandle(handle.workflowId, baseRunId).describe();
      expect(described.status.name).toBe('COMPLETED');
      expect(described.raw.workflowExtendedInfo?.resetRunId).toBe(runId);
      expect((await t.client.workflow.getHandle(handle.workflowId).describe()).runId).toBe(runId);
      expect(await t.replayAll()).toBeGreaterThanOrEqual(2);
    });
  });

  it('terminates the running run it resets, keeps what completed before the point, and reapplies signals only when asked', async () => {
    await withResettableWorker(async (taskQueue, calls) => {
      const handle = await t.client.workflow.start<typeof resettable>('resettable', { taskQueue, workflowId: `reset-${randomUUID()}` });
      const baseRunId = handle.firstExecutionRunId;
      const handled = (type: number) => (events: Event[]) => events.some((e) => e.eventType === type) && events.at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;
      // The task that saw the activity's result: the activity stays done in the new run.
      const before = await eventually(() => eventsOf(handle.workflowId, baseRunId), handled(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED), { what: 'the activity done' });
      const afterActivity = idOf(before, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 2);
      await handle.signal(addSignal, 'a');
      await eventually(() => eventsOf(handle.workflowId, baseRunId), handled(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED), { what: 'the signal handled' });
      const { runId } = await reset(handle, baseRunId, afterActivity, { resetReapplyType: ResetReapplyType.RESET_REAPPLY_TYPE_NONE });

      const old = await t.client.workflow.getHandle(handle.workflowId, baseRunId).describe();
      expect(old.status.name).toBe('TERMINATED');
      expect((await eventsOf(handle.workflowId, baseRunId)).at(-1)?.workflowExecutionTerminatedEventAttributes).toMatchObject({ reason: 'conformance reset', identity: 'reset-test' });

      const current = t.client.workflow.getHandle(handle.workflowId);
      await current.signal(addSignal, 'c');
      await current.signal(finishSignal);
      const result = await current.result();
      // 'a' came after the point and was not reapplied (NONE); the activity ran once, before it.
      expect(result.items).toEqual(['c']);
      expect(calls).toEqual(['first']);
      expect((await current.describe()).runId).toBe(runId);
      expect(await t.replayAll()).toBeGreaterThanOrEqual(2);
    });
  });

  it('runs the updates accepted after the point again when asked (ALL_ELIGIBLE, as the Temporal UI asks), and not when they are excluded', async () => {
    await t.withWorker({}, async (taskQueue) => {
      // The count the new run reaches (its updates' handlers done) before it is told to finish.
      const counted = async (excluded: number[], expected: number) => {
        const handle = await t.client.workflow.start<typeof counter>('counter', { taskQueue, workflowId: `reset-updates-${randomUUID()}` });
        expect(await handle.executeUpdate(incrementUpdate, { args: [2] })).toBe(2);
        expect(await handle.executeUpdate(incrementUpdate, { args: [3] })).toBe(5);
        const point = idOf(await eventsOf(handle.workflowId), EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        await reset(handle, handle.firstExecutionRunId, point, { resetReapplyType: ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE, resetReapplyExcludeTypes: excluded });
        const current = t.client.workflow.getHandle<typeof counter>(handle.workflowId);
        await eventually(() => current.query(countQuery), (n) => n === expected, { what: `a count of ${expected}` });
        await current.signal(finishSignal);
        return current.result();
      };
      expect(await counted([ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UNSPECIFIED], 5)).toBe(5);
      expect(await counted([ResetReapplyExcludeType.RESET_REAPPLY_EXCLUDE_TYPE_UPDATE], 0)).toBe(0);
    });
  });

  it('answers a retried reset (same request id) with the run it made', async () => {
    await withResettableWorker(async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof resettable>('resettable', { taskQueue, workflowId: `reset-${randomUUID()}` });
      await handle.signal(finishSignal);
      await handle.result();
      const point = idOf(await eventsOf(handle.workflowId), EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
      const requestId = randomUUID();
      const once = await reset(handle, handle.firstExecutionRunId, point, { requestId });
      const twice = await reset(handle, handle.firstExecutionRunId, point, { requestId });
      expect(twice.runId).toBe(once.runId);
      await t.client.workflow.getHandle(handle.workflowId).result();
      const runs = [];
      for await (const run of t.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push(run.runId);
      expect(runs).toHaveLength(2);
    });
  });

  it('refuses a point that is not a workflow task, an unknown workflow, and (dev server) post-reset operations, changing nothing', async () => {
    await withResettableWorker(async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof resettable>('resettable', { taskQueue, workflowId: `reset-${randomUUID()}` });
      const runId = handle.firstExecutionRunId;
      const events = await eventually(
        () => eventsOf(handle.workflowId, runId),
        (e) => e.some((x) => x.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
        { what: 'the activity completed' },
      );
      expect(await codeOf(() => reset(handle, runId, 1))).toBe(status.INVALID_ARGUMENT);
      expect(await codeOf(() => reset(handle, runId, events.length + 5))).toBe(status.INVALID_ARGUMENT);
      // The event after the activity's scheduling is not the end of a workflow task.
      expect(await codeOf(() => reset(handle, runId, idOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) + 1))).toBe(status.INVALID_ARGUMENT);
      expect(await codeOf(() => reset({ workflowId: `missing-${randomUUID()}` }, '', 4))).toBe(status.NOT_FOUND);
      if (onDevServer) {
        const point = idOf(events, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
        expect(await codeOf(() => reset(handle, runId, point, { postResetOperations: [{ signalWorkflow: { signalName: 'add' } }] }))).toBe(status.UNIMPLEMENTED);
      }
      const described = await handle.describe();
      expect(described.status.name).toBe('RUNNING');
      expect(described.runId).toBe(runId);
      await handle.signal(finishSignal);
      await handle.result();
    });
  });
});
