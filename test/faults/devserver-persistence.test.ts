import { randomUUID } from 'node:crypto';
import Long from 'long';
import { afterAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { Context } from '@temporalio/activity';
import { tsToMs } from '@temporalio/common/lib/time';
import { historyEventTypes } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { useDevServerProcess } from '../harness/devserver-process';
import type { collector, sleeper } from '../workflows/messages';
import type { actCall } from '../workflows/activities';
import type { resettable } from '../workflows/reset';

const DAY = 86_400_000;

// Restart-with-a-data-dir is a property of our dev server; a real cluster brings its own persistence.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

describe.skipIf(!onDevServer)('persistence across a dev server crash', () => {
  const s = useDevServerProcess('devserver-');

  it('resumes running workflows after kill -9 and restart, losing no signal or timer', async () => {
    await s.t.withWorker({}, async (taskQueue) => {
      const waiting = await s.t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `crash-collector-${taskQueue}` });
      await waiting.signal('add', 'before crash');
      expect(await waiting.query<string[]>('items')).toEqual(['before crash']);
      const sleeping = await s.t.client.workflow.start<typeof sleeper>('sleeper', { taskQueue, workflowId: `crash-sleeper-${taskQueue}`, args: [1500] });
      while (!(await historyEventTypes(sleeping)).includes('EVENT_TYPE_TIMER_STARTED')) await new Promise((r) => setTimeout(r, 50));

      await s.server.kill();
      await s.server.start();

      // Everything acknowledged before the crash is still there, and the workflow goes on.
      await waiting.signal('add', 'after restart');
      await waiting.signal('finish');
      expect(await waiting.result()).toEqual(['before crash', 'after restart']);
      const types = await historyEventTypes(waiting);
      expect(types[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
      // The timer started before the crash fires after it.
      expect(await sleeping.result()).toBe('woke');
      expect(await historyEventTypes(sleeping)).toContain('EVENT_TYPE_TIMER_FIRED');
    });
  });

  it('keeps a reset: after kill -9 (and a clean restart) its new run is the current one and goes on', async () => {
    await s.t.withWorker({ activities: { note: async (step: string) => `noted ${step}` } }, async (taskQueue) => {
      const handle = await s.t.client.workflow.start<typeof resettable>('resettable', { taskQueue, workflowId: `crash-reset-${taskQueue}` });
      // The signal after the first workflow task, the reset point: sent sooner it can land before that task
      // starts, and the reset run keeps it.
      await eventually(() => historyEventTypes(handle), (types) => types.includes('EVENT_TYPE_WORKFLOW_TASK_COMPLETED'), { what: 'the first workflow task' });
      await handle.signal('add', 'before reset');
      await handle.signal('finish');
      await handle.result();
      const types = await historyEventTypes(handle);
      const { runId } = await s.t.client.workflowService.resetWorkflowExecution({
        namespace: s.t.namespace,
        workflowExecution: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId },
        workflowTaskFinishEventId: Long.fromNumber(types.indexOf('EVENT_TYPE_WORKFLOW_TASK_COMPLETED') + 1),
        reason: 'before a crash',
        requestId: randomUUID(),
        resetReapplyType: temporal.api.enums.v1.ResetReapplyType.RESET_REAPPLY_TYPE_NONE,
      });

      await s.server.kill();
      await s.server.start();

      const current = s.t.client.workflow.getHandle(handle.workflowId);
      expect((await current.describe()).runId).toBe(runId);
      const resetOf = async () => (await s.t.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe()).raw.workflowExtendedInfo?.resetRunId;
      expect(await resetOf()).toBe(runId);
      // And from the snapshot a clean shutdown writes.
      await s.server.stop();
      await s.server.start();
      expect(await resetOf()).toBe(runId);
      await current.signal('add', 'after restart');
      await current.signal('finish');
      expect((await current.result()).items).toEqual(['after restart']);
      expect(await historyEventTypes(current)).toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
    });
  });

  it('keeps the time-skipping offset: after a restart the clock never goes back', async () => {
    await s.t.withWorker({}, async (taskQueue) => {
      await s.t.env.sleep(10 * DAY);
      const skipped = await s.t.env.currentTimeMs();
      const handle = await s.t.client.workflow.start<typeof collector>('collector', { taskQueue, workflowId: `crash-skipped-${taskQueue}` });
      await handle.signal('add', 'before crash');
      expect(await handle.query<string[]>('items')).toEqual(['before crash']);

      await s.server.kill();
      await s.server.start();

      expect(await s.t.env.currentTimeMs()).toBeGreaterThanOrEqual(skipped);
      await handle.signal('add', 'after restart');
      await handle.signal('finish');
      expect(await handle.result()).toEqual(['before crash', 'after restart']);
      // Written after the restart, the close event is no earlier than anything written before it.
      const times = ((await handle.fetchHistory()).events ?? []).map((e) => tsToMs(e.eventTime));
      expect(Math.min(...times)).toBeGreaterThanOrEqual(skipped);
      expect(times.at(-1)).toBe(Math.max(...times));
    });
  });

  it('keeps a running activity attempt: its worker completes it after the restart, with its attempt number', async () => {
    const attempts: number[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let running!: () => void;
    const secondAttemptRunning = new Promise<void>((resolve) => (running = resolve));
    const activities = {
      failsOnceThenWaits: async () => {
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        if (attempt === 1) throw new Error('first attempt fails');
        running();
        await released;
        return attempt;
      },
    };
    await s.t.withWorker({ activities }, async (taskQueue) => {
      const handle = await s.t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `crash-activity-${taskQueue}`,
        args: ['failsOnceThenWaits', { startToCloseTimeout: '5 minutes', retry: { initialInterval: '100 ms' } }],
      });
      await secondAttemptRunning;

      await s.server.kill();
      await s.server.start();

      release();
      expect(await handle.result()).toBe(2);
      expect(attempts).toEqual([1, 2]);
      const started = ((await handle.fetchHistory()).events ?? []).find((e) => e.activityTaskStartedEventAttributes)!.activityTaskStartedEventAttributes!;
      expect(started.attempt).toBe(2);
      expect(started.lastFailure?.message).toBe('first attempt fails');
    });
  });

  it('keeps a waiting activity attempt\'s scheduled time: picked up after the restart, it was scheduled when its event says', async () => {
    const seen: Array<{ scheduled: number; attemptScheduled: number }> = [];
    const activities = {
      reportsItsTimes: async () => {
        const { scheduledTimestampMs, currentAttemptScheduledTimestampMs } = Context.current().info;
        seen.push({ scheduled: scheduledTimestampMs, attemptScheduled: currentAttemptScheduledTimestampMs });
        return 'done';
      },
    };
    await s.t.withWorker({}, async (taskQueue) => {
      // Its activity goes to a queue nobody polls until after the restart.
      const activityQueue = `${taskQueue}-later`;
      const handle = await s.t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `crash-waiting-activity-${taskQueue}`,
        args: ['reportsItsTimes', { taskQueue: activityQueue, startToCloseTimeout: '1 minute' }],
      });
      while (!(await historyEventTypes(handle)).includes('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')) await new Promise((r) => setTimeout(r, 50));

      await s.server.kill();
      await s.server.start();

      expect(await s.t.withWorker({ taskQueue: activityQueue, activities }, () => handle.result())).toBe('done');
      const scheduledEvent = ((await handle.fetchHistory()).events ?? []).find((e) => e.activityTaskScheduledEventAttributes)!;
      expect(seen).toEqual([{ scheduled: tsToMs(scheduledEvent.eventTime), attemptScheduled: tsToMs(scheduledEvent.eventTime) }]);
    });
  });

  afterAll(async () => {
    expect(await s.t.replayAll()).toBeGreaterThan(0);
  });
});
