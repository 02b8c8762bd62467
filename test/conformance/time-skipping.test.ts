import { afterAll, describe, expect, it } from 'vitest';
import { TimeoutFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { createTemporalTestEnv, historyEventTypes as eventTypes, type TemporalTestEnv } from '../harness/temporal';
import type {
  activityVersusTimer,
  continueThenSleep,
  dailyLoop,
  flakyWorkflow,
  parentOfRetriedChild,
  parentOfTimedOutChild,
  slowFirstAttempt,
  timedSleep,
  timerThenWait,
} from '../workflows/lifecycle';

// Created while the file is collected (not in beforeAll) so `it.skipIf(!t.supportsTimeSkipping)` can read it.
const t: TemporalTestEnv = await createTemporalTestEnv();
afterAll(async () => {
  await t.teardown();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What a promise rejects with (or resolves to, which then fails the instanceof checks that follow). */
const settle = (p: Promise<unknown>): Promise<unknown> => p.then((value) => value, (err: unknown) => err);

async function events(handle: Pick<WorkflowHandle, 'fetchHistory'>) {
  return (await handle.fetchHistory()).events ?? [];
}

describe('workflow time', () => {
  // Runs on any server: a short timer, measured only in workflow time and server (history) time.
  it('a timer advances workflow time and server event time by at least its duration', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof timedSleep>('timedSleep', { taskQueue, workflowId: `short-${taskQueue}`, args: [300] });
      expect((await handle.result()).elapsedMs).toBeGreaterThanOrEqual(300);
      const history = await events(handle);
      const started = history.find((e) => e.timerStartedEventAttributes)!;
      const fired = history.find((e) => e.timerFiredEventAttributes)!;
      expect(fired.timerFiredEventAttributes!.startedEventId?.toString()).toBe(started.eventId?.toString());
      expect(tsToMs(fired.eventTime) - tsToMs(started.eventTime)).toBeGreaterThanOrEqual(300);
    });
  });
});

// Everything below needs Temporal's TestService (time skipping), which the embedded dev server
// offers and a real cluster does not: there these tests would wait days of wall-clock time.
describe('time skipping', () => {
  it.skipIf(!t.supportsTimeSkipping)('completes a 30-day timer through result(), advancing the server clock 30 days', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof timedSleep>('timedSleep', { taskQueue, workflowId: `month-${taskQueue}`, args: ['30 days'] });
      const result = await handle.result();
      const after = await t.env.currentTimeMs();
      expect(after - before).toBeGreaterThanOrEqual(30 * DAY);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(30 * DAY);
      expect(result.startedAt).toBeGreaterThanOrEqual(before);
      const types = await eventTypes(handle);
      expect(types).toContain('EVENT_TYPE_TIMER_FIRED');
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('keeps time locked while no client waits; env.sleep() advances it and fires the timer', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const start = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof timerThenWait>('timerThenWait', { taskQueue, workflowId: `env-sleep-${taskQueue}`, args: ['1 hour'] });
      // The query is answered once the first workflow task ran, so the 1-hour timer is started.
      expect(await handle.query<boolean>('fired')).toBe(false);
      expect(await eventTypes(handle)).toContain('EVENT_TYPE_TIMER_STARTED');
      // Nobody unlocked time: the clock did not jump to the timer.
      expect(await t.env.currentTimeMs()).toBeLessThan(start + HOUR);
      expect(await handle.query<boolean>('fired')).toBe(false);

      await t.env.sleep(HOUR);
      expect(await t.env.currentTimeMs()).toBeGreaterThanOrEqual(start + HOUR);
      expect(await handle.query<boolean>('fired')).toBe(true);
      expect(await eventTypes(handle)).toContain('EVENT_TYPE_TIMER_FIRED');
      expect((await handle.describe()).status.name).toBe('RUNNING');

      // env.sleep() locks time again when it returns.
      const locked = await t.env.currentTimeMs();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await t.env.currentTimeMs()).toBeLessThan(locked + HOUR);

      await handle.signal('release');
      const span = await handle.result();
      expect(span).toBeGreaterThanOrEqual(HOUR);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('times a run out after workflowRunTimeout: TimeoutFailure and WorkflowExecutionTimedOut', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof timedSleep>('timedSleep', {
        taskQueue,
        workflowId: `run-timeout-${taskQueue}`,
        args: ['60 days'],
        workflowRunTimeout: '1 day',
      });
      const err = await settle(handle.result());
      const after = await t.env.currentTimeMs();
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
      // A run timeout is retryable; without a retry policy the server says so.
      expect((err as WorkflowFailedError).retryState).toBe('RETRY_POLICY_NOT_SET');
      // The clock went to the timeout, not to the workflow's 60-day timer.
      expect(after - before).toBeGreaterThanOrEqual(DAY);
      expect(after - before).toBeLessThan(60 * DAY);
      const types = await eventTypes(handle);
      expect(types).not.toContain('EVENT_TYPE_TIMER_FIRED');
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT');
      expect((await handle.describe()).status.name).toBe('TIMED_OUT');
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('times an execution out after workflowExecutionTimeout (which caps the run timeout)', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof timedSleep>('timedSleep', {
        taskQueue,
        workflowId: `execution-timeout-${taskQueue}`,
        args: ['60 days'],
        workflowExecutionTimeout: '1 day',
        workflowRunTimeout: '10 days',
      });
      // The server caps the run timeout at the execution timeout.
      const started = (await events(handle))[0].workflowExecutionStartedEventAttributes!;
      expect(tsToMs(started.workflowExecutionTimeout)).toBe(DAY);
      expect(tsToMs(started.workflowRunTimeout)).toBe(DAY);
      const err = await settle(handle.result());
      const after = await t.env.currentTimeMs();
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
      expect((err as WorkflowFailedError).retryState).toBe('TIMEOUT');
      expect(after - before).toBeGreaterThanOrEqual(DAY);
      expect(after - before).toBeLessThan(60 * DAY);
      const types = await eventTypes(handle);
      expect(types).not.toContain('EVENT_TYPE_TIMER_FIRED');
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT');
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('retries a timed-out run under the workflow retry policy', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `run-timeout-retry-${taskQueue}`;
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof slowFirstAttempt>('slowFirstAttempt', {
        taskQueue,
        workflowId,
        args: ['60 days'],
        workflowRunTimeout: '1 day',
        retry: { maximumAttempts: 3, initialInterval: '1 hour' },
      });
      expect(await handle.result()).toBe(2);
      const after = await t.env.currentTimeMs();
      expect(after - before).toBeGreaterThanOrEqual(DAY + HOUR);
      expect(after - before).toBeLessThan(60 * DAY);
      const first = await events(t.client.workflow.getHandle(workflowId, handle.firstExecutionRunId));
      const timedOut = first.at(-1)!.workflowExecutionTimedOutEventAttributes;
      expect(timedOut?.retryState).toBe(1); // RETRY_STATE_IN_PROGRESS
      expect(timedOut?.newExecutionRunId).toBeTruthy();
      const second = (await events(t.client.workflow.getHandle(workflowId, timedOut!.newExecutionRunId!)))[0].workflowExecutionStartedEventAttributes!;
      expect(second.attempt).toBe(2);
      expect(second.continuedFailure?.timeoutFailureInfo).toBeTruthy();
      expect(tsToMs(second.firstWorkflowTaskBackoff)).toBe(HOUR);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('stops retrying timed-out runs at maximumAttempts', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof timedSleep>('timedSleep', {
        taskQueue,
        workflowId: `run-timeout-exhausted-${taskQueue}`,
        args: ['60 days'],
        workflowRunTimeout: '1 day',
        retry: { maximumAttempts: 2, initialInterval: '1 hour' },
      });
      const err = await settle(handle.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
      expect((err as WorkflowFailedError).retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
      const desc = await handle.describe();
      expect(desc.status.name).toBe('TIMED_OUT');
      expect(desc.runId).not.toBe(handle.firstExecutionRunId);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('applies workflowExecutionTimeout across continue-as-new runs', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `execution-timeout-can-${taskQueue}`;
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof dailyLoop>('dailyLoop', {
        taskQueue,
        workflowId,
        args: [0],
        workflowExecutionTimeout: '60 hours',
      });
      const err = await settle(handle.result());
      const after = await t.env.currentTimeMs();
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
      // Two full days passed in two runs; the third run timed out half a day in.
      expect(after - before).toBeGreaterThanOrEqual(60 * HOUR);
      expect(after - before).toBeLessThan(72 * HOUR);
      const desc = await handle.describe();
      expect(desc.status.name).toBe('TIMED_OUT');
      expect(desc.runId).not.toBe(handle.firstExecutionRunId);
      const last = await events(t.client.workflow.getHandle(workflowId, desc.runId));
      expect(last[0].workflowExecutionStartedEventAttributes?.firstExecutionRunId).toBe(handle.firstExecutionRunId);
      expect(last.at(-1)?.workflowExecutionTimedOutEventAttributes).toBeTruthy();
      expect((await eventTypes(t.client.workflow.getHandle(workflowId, handle.firstExecutionRunId))).at(-1)).toBe(
        'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW',
      );
    });
  });
});

describe('time skipping waits for pending work', () => {
  // Runs on any server. On the dev server time must not skip while the activity task is pending:
  // skipping would fire the 1-hour timer first. On a real server the activity wins by plain time.
  it('does not skip time while an activity task is pending', async () => {
    const activities = { lifecycleSlowActivity: () => new Promise<string>((resolve) => setTimeout(() => resolve('activity'), 300)) };
    await t.withWorker({ activities }, async (taskQueue) => {
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof activityVersusTimer>('activityVersusTimer', {
        taskQueue,
        workflowId: `activity-vs-timer-${taskQueue}`,
        args: ['1 hour'],
      });
      expect(await handle.result()).toBe('activity');
      expect(await t.env.currentTimeMs()).toBeLessThan(before + HOUR);
      const types = await eventTypes(handle);
      expect(types).toContain('EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
      expect(types).not.toContain('EVENT_TYPE_TIMER_FIRED');
    });
  });
});

describe('time skipping through timeouts and backoffs', () => {
  it.skipIf(!t.supportsTimeSkipping)('continue-as-new runs inherit the run timeout and task timeout', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `can-run-timeout-${taskQueue}`;
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof continueThenSleep>('continueThenSleep', {
        taskQueue,
        workflowId,
        args: [1, '60 days'],
        workflowRunTimeout: '1 day',
        workflowTaskTimeout: '7s',
      });
      const err = await settle(handle.result());
      const after = await t.env.currentTimeMs();
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
      expect(after - before).toBeLessThan(60 * DAY);
      const desc = await handle.describe();
      expect(desc.runId).not.toBe(handle.firstExecutionRunId);
      expect(desc.status.name).toBe('TIMED_OUT');
      const second = (await events(t.client.workflow.getHandle(workflowId, desc.runId)))[0].workflowExecutionStartedEventAttributes!;
      expect(tsToMs(second.workflowRunTimeout)).toBe(DAY);
      expect(tsToMs(second.workflowTaskTimeout)).toBe(7_000);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('a child that outlives its run timeout fails in the parent with ChildWorkflowFailure(TimeoutFailure)', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof parentOfTimedOutChild>('parentOfTimedOutChild', {
        taskQueue,
        workflowId: `child-timeout-${taskQueue}`,
        args: ['30 days', '1 hour'],
      });
      expect(await handle.result()).toEqual({ name: 'ChildWorkflowFailure', causeName: 'TimeoutFailure' });
      expect(await eventTypes(handle)).toContain('EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT');
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('a child whose timed-out run is retried reports only its final run to the parent', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof parentOfRetriedChild>('parentOfRetriedChild', { taskQueue, workflowId: `retried-child-${taskQueue}` });
      expect(await handle.result()).toBe(2);
      const types = await eventTypes(handle);
      expect(types).toContain('EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED');
      expect(types).not.toContain('EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT');
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('skips workflow retry backoff', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof flakyWorkflow>('flakyWorkflow', {
        taskQueue,
        workflowId: `retry-backoff-${taskQueue}`,
        args: [3],
        retry: { maximumAttempts: 3, initialInterval: '1 day', backoffCoefficient: 2 },
      });
      expect(await handle.result()).toBe(3);
      // Backoffs of 1 day then 2 days.
      expect((await t.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * DAY);
      const last = (await events(t.client.workflow.getHandle(handle.workflowId, (await handle.describe()).runId)))[0];
      expect(tsToMs(last.workflowExecutionStartedEventAttributes!.firstWorkflowTaskBackoff)).toBe(2 * DAY);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('skips a workflow start delay', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const before = await t.env.currentTimeMs();
      const handle = await t.client.workflow.start<typeof timedSleep>('timedSleep', {
        taskQueue,
        workflowId: `start-delay-${taskQueue}`,
        args: [1],
        startDelay: '2 days',
      });
      const result = await handle.result();
      expect(result.startedAt - before).toBeGreaterThanOrEqual(2 * DAY);
    });
  });
});

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});
