import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledFailure, CompleteAsyncError, Context } from '@temporalio/activity';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type RetryPolicy } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { tsToMs } from '@temporalio/common/lib/time';
import { createTemporalTestEnv, historyEventTypes as eventTypes, type TemporalTestEnv } from '../harness/temporal';
import { replayHistory } from '../harness/replay';
import type { actCall, actCancelAfter, actLocalCalls, actParallel } from '../workflows/activities';
import { conformanceWorkflowBundle } from '../harness/workflow-bundles';

const EventType = temporal.api.enums.v1.EventType;
const RetryState = temporal.api.enums.v1.RetryState;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

/** Quick retries, so retry tests take a fraction of a second of real time. */
const fastRetry: RetryPolicy = { initialInterval: '50ms', backoffCoefficient: 2 };

async function historyEvents(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<HistoryEvent[]> {
  return (await handle.fetchHistory()).events ?? [];
}

function eventsOf(events: HistoryEvent[], type: number): HistoryEvent[] {
  return events.filter((e) => e.eventType === type);
}

/** The ActivityFailure a workflow failed with (the workflows let activity failures propagate unchanged). */
async function activityFailureOf(handle: WorkflowHandle): Promise<ActivityFailure> {
  const err = await handle.result().then(
    () => expect.unreachable('the workflow should have failed'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ActivityFailure);
  return cause as ActivityFailure;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('retries', () => {
  it('retries a failing activity with backoff until it succeeds, recording one started event for the last attempt', async () => {
    const attempts: number[] = [];
    const activities = {
      async flaky(succeedOn: number): Promise<string> {
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        if (attempt < succeedOn) throw ApplicationFailure.retryable(`attempt ${attempt} failed`, 'Flaky');
        return `ok on attempt ${attempt}`;
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `retry-${taskQueue}`,
        args: ['flaky', { startToCloseTimeout: '10s', retry: fastRetry }, 3],
      });
      expect(await handle.result()).toBe('ok on attempt 3');
      expect(attempts).toEqual([1, 2, 3]);

      const events = await historyEvents(handle);
      expect(eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toHaveLength(1);
      expect(eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)).toHaveLength(1);
      const started = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
      expect(started).toHaveLength(1);
      expect(started[0].activityTaskStartedEventAttributes?.attempt).toBe(3);
      // The started event of a retried attempt carries the previous attempt's failure.
      expect(started[0].activityTaskStartedEventAttributes?.lastFailure?.message).toBe('attempt 2 failed');
      expect(eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)).toHaveLength(0);
    });
  });

  it('dates the started event when its attempt started, though it is written when the activity closes (as the real server does)', async () => {
    const activities = { slow: () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 300)) };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', { taskQueue, workflowId: `started-time-${taskQueue}`, args: ['slow', { startToCloseTimeout: '10s' }] });
      expect(await handle.result()).toBe('done');
      const events = await historyEvents(handle);
      const [scheduled] = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).map((e) => tsToMs(e.eventTime));
      const [started] = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED).map((e) => tsToMs(e.eventTime));
      const [completed] = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).map((e) => tsToMs(e.eventTime));
      expect(started).toBeGreaterThanOrEqual(scheduled);
      // The activity ran for 300 ms between the two.
      expect(completed - started).toBeGreaterThanOrEqual(290);
    });
  });

  it('does not retry ApplicationFailure.nonRetryable', async () => {
    let calls = 0;
    const activities = {
      async rejectInput(): Promise<never> {
        calls++;
        throw ApplicationFailure.nonRetryable('input is malformed', 'BadInput', { field: 'name' });
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `non-retryable-${taskQueue}`,
        args: ['rejectInput', { startToCloseTimeout: '10s', retry: { ...fastRetry, maximumAttempts: 5 } }],
      });
      const failure = await activityFailureOf(handle);
      expect(failure.retryState).toBe('NON_RETRYABLE_FAILURE');
      expect(failure.activityType).toBe('rejectInput');
      expect(failure.cause).toBeInstanceOf(ApplicationFailure);
      const cause = failure.cause as ApplicationFailure;
      expect(cause.type).toBe('BadInput');
      expect(cause.message).toBe('input is malformed');
      expect(cause.nonRetryable).toBe(true);
      expect(cause.details).toEqual([{ field: 'name' }]);
      expect(calls).toBe(1);

      const events = await historyEvents(handle);
      const [failed] = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED);
      expect(failed.activityTaskFailedEventAttributes?.retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
      expect(eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)[0].activityTaskStartedEventAttributes?.attempt).toBe(1);
    });
  });

  it('does not retry an error whose type is listed in nonRetryableErrorTypes', async () => {
    let calls = 0;
    const activities = {
      async fatal(): Promise<never> {
        calls++;
        // Retryable by itself: only the retry policy makes it final.
        throw ApplicationFailure.retryable('disk on fire', 'Fatal');
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `non-retryable-type-${taskQueue}`,
        args: ['fatal', { startToCloseTimeout: '10s', retry: { ...fastRetry, maximumAttempts: 5, nonRetryableErrorTypes: ['Fatal'] } }],
      });
      const failure = await activityFailureOf(handle);
      expect(failure.retryState).toBe('NON_RETRYABLE_FAILURE');
      expect(failure.cause).toBeInstanceOf(ApplicationFailure);
      expect((failure.cause as ApplicationFailure).type).toBe('Fatal');
      expect((failure.cause as ApplicationFailure).nonRetryable).toBe(false);
      expect(failure.cause?.message).toBe('disk on fire');
      expect(calls).toBe(1);
    });
  });

  it('stops after maximumAttempts with MAXIMUM_ATTEMPTS_REACHED', async () => {
    const attempts: number[] = [];
    const activities = {
      async alwaysFails(): Promise<never> {
        const { attempt } = Context.current().info;
        attempts.push(attempt);
        throw ApplicationFailure.retryable(`attempt ${attempt} failed`, 'Flaky');
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `max-attempts-${taskQueue}`,
        args: ['alwaysFails', { startToCloseTimeout: '10s', retry: { ...fastRetry, maximumAttempts: 3 } }],
      });
      const failure = await activityFailureOf(handle);
      expect(failure.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
      expect(failure.cause).toBeInstanceOf(ApplicationFailure);
      expect(failure.cause?.message).toBe('attempt 3 failed');
      expect(attempts).toEqual([1, 2, 3]);

      const events = await historyEvents(handle);
      const failed = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED);
      expect(failed).toHaveLength(1);
      expect(failed[0].activityTaskFailedEventAttributes?.retryState).toBe(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
      expect(eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)[0].activityTaskStartedEventAttributes?.attempt).toBe(3);
    });
  });

  it('carries heartbeat details from a failed attempt into the next one', async () => {
    const seen: unknown[] = [];
    const activities = {
      async resumable(): Promise<unknown> {
        const { attempt, heartbeatDetails } = Context.current().info;
        seen.push(heartbeatDetails);
        if (attempt === 1) {
          Context.current().heartbeat({ processed: 40 });
          throw ApplicationFailure.retryable('lost connection after 40 items', 'Transient');
        }
        return heartbeatDetails;
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `heartbeat-retry-${taskQueue}`,
        args: ['resumable', { startToCloseTimeout: '10s', retry: fastRetry }],
      });
      expect(await handle.result()).toEqual({ processed: 40 });
      expect(seen).toEqual([undefined, { processed: 40 }]);
    });
  });
});

// Time does not skip while an activity task is pending or running (as on Temporal's test server),
// so these timeouts elapse in real time: each is about a second.
describe('timeouts', () => {
  it('times out an attempt that runs past startToCloseTimeout, with the previous attempt failure as cause', async () => {
    const attempts: number[] = [];
    const activities = {
      async overrun(): Promise<string> {
        const ctx = Context.current();
        attempts.push(ctx.info.attempt);
        if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('attempt 1 failed', 'Flaky');
        await ctx.sleep(10_000).catch(() => undefined);
        return 'too late';
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `start-to-close-${taskQueue}`,
        args: ['overrun', { startToCloseTimeout: '1s', retry: { ...fastRetry, maximumAttempts: 2 } }],
      });
      const failure = await activityFailureOf(handle);
      expect(failure.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
      expect(failure.cause).toBeInstanceOf(TimeoutFailure);
      expect((failure.cause as TimeoutFailure).timeoutType).toBe('START_TO_CLOSE');
      expect(attempts).toEqual([1, 2]);

      const events = await historyEvents(handle);
      const [timedOut] = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
      const recorded = timedOut.activityTaskTimedOutEventAttributes;
      expect(recorded?.retryState).toBe(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
      expect(recorded?.failure?.timeoutFailureInfo?.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
      // Every activity timeout records the previous attempt's failure as its cause.
      expect(recorded?.failure?.cause?.message).toBe('attempt 1 failed');
      // The timed-out attempt did start: its started event is written before the timeout.
      const started = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
      expect(started).toHaveLength(1);
      expect(started[0].activityTaskStartedEventAttributes?.attempt).toBe(2);
    });
  });

  it('times out an activity that stops heartbeating, keeping its last heartbeat details', async () => {
    const activities = {
      async stalls(): Promise<string> {
        const ctx = Context.current();
        ctx.heartbeat('step-1');
        await ctx.sleep(100);
        ctx.heartbeat('step-2');
        // ...and then goes quiet, well past the heartbeat timeout.
        await ctx.sleep(10_000).catch(() => undefined);
        return 'too late';
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `heartbeat-timeout-${taskQueue}`,
        args: ['stalls', { startToCloseTimeout: '30s', heartbeatTimeout: '1s', retry: { maximumAttempts: 1 } }],
      });
      const failure = await activityFailureOf(handle);
      expect(failure.cause).toBeInstanceOf(TimeoutFailure);
      const timeout = failure.cause as TimeoutFailure;
      expect(timeout.timeoutType).toBe('HEARTBEAT');
      expect(timeout.lastHeartbeatDetails).toBe('step-2');
      expect(failure.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
    });
  });

  it('times out at scheduleToCloseTimeout across retries, with the last attempt failure as cause', async () => {
    const attempts: number[] = [];
    const activities = {
      async failsThenHangs(): Promise<string> {
        const ctx = Context.current();
        attempts.push(ctx.info.attempt);
        if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('first attempt broke', 'Flaky');
        ctx.heartbeat('second attempt running');
        await ctx.sleep(10_000).catch(() => undefined);
        return 'too late';
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `schedule-to-close-${taskQueue}`,
        // The second attempt starts ~300 ms in, so its (capped) start-to-close deadline falls after the schedule-to-close one.
        args: ['failsThenHangs', { scheduleToCloseTimeout: '1500ms', retry: { initialInterval: '300ms' } }],
      });
      const failure = await activityFailureOf(handle);
      expect(failure.cause).toBeInstanceOf(TimeoutFailure);
      const timeout = failure.cause as TimeoutFailure;
      expect(timeout.timeoutType).toBe('SCHEDULE_TO_CLOSE');
      // The server's words for a schedule-to-close timeout since temporalio/temporal#9251: no time left for another attempt.
      expect(timeout.message).toBe('Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying');
      expect(timeout.lastHeartbeatDetails).toBe('second attempt running');
      expect(attempts).toEqual([1, 2]);
      // The server records the last attempt's failure as the timeout's cause (the TS SDK does not surface
      // a TimeoutFailure's cause, so read it from history).
      const [timedOut] = eventsOf(await historyEvents(handle), EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
      const recorded = timedOut.activityTaskTimedOutEventAttributes?.failure;
      expect(recorded?.timeoutFailureInfo?.timeoutType).toBe(temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE);
      expect(recorded?.cause?.message).toBe('first attempt broke');
      expect(recorded?.cause?.applicationFailureInfo?.type).toBe('Flaky');
    });
  });

  it('times out an activity no worker picks up at scheduleToStartTimeout', async () => {
    await t.withWorker({ activities: {} }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `schedule-to-start-${taskQueue}`,
        // Nobody polls this activity task queue.
        args: ['neverPicked', { taskQueue: `${taskQueue}-unpolled`, scheduleToStartTimeout: '1s', startToCloseTimeout: '10s' }],
      });
      const failure = await activityFailureOf(handle);
      expect(failure.cause).toBeInstanceOf(TimeoutFailure);
      expect((failure.cause as TimeoutFailure).timeoutType).toBe('SCHEDULE_TO_START');

      const types = await eventTypes(handle);
      expect(types).toContain('EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT');
      expect(types).not.toContain('EVENT_TYPE_ACTIVITY_TASK_STARTED');
    });
  });

  it('times out at schedule-to-start, every time, an activity nobody picks up whose schedule-to-start is its schedule-to-close', async () => {
    await t.withWorker({ activities: {} }, async (taskQueue) => {
      // Only scheduleToCloseTimeout: the server gives schedule-to-start the same deadline, and takes
      // schedule-to-start first of two timeouts due at once. Twenty at once, so an order that depends
      // on timing shows.
      const handles = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.client.workflow.start<typeof actCall>('actCall', {
            taskQueue,
            workflowId: `schedule-to-start-tie-${i}-${taskQueue}`,
            args: ['neverPicked', { taskQueue: `${taskQueue}-unpolled`, scheduleToCloseTimeout: '1s' }],
          }),
        ),
      );
      for (const handle of handles) {
        const failure = await activityFailureOf(handle);
        expect(failure.retryState).toBe('TIMEOUT');
        expect(failure.cause).toBeInstanceOf(TimeoutFailure);
        expect({ type: (failure.cause as TimeoutFailure).timeoutType, message: failure.cause?.message }).toEqual({ type: 'SCHEDULE_TO_START', message: 'activity ScheduleToStart timeout' });
      }
    });
  });
});

describe('cancellation', () => {
  it('delivers cancellation to a running activity through its heartbeats and waits for it to finish', async () => {
    const observed: Array<{ error: string; cancelRequested?: boolean }> = [];
    const activities = {
      async heartbeatUntilCancelled(): Promise<string> {
        const ctx = Context.current();
        for (let i = 0; ; i++) {
          ctx.heartbeat(i);
          try {
            await ctx.sleep(100);
          } catch (err) {
            observed.push({ error: err instanceof CancelledFailure ? 'CancelledFailure' : String(err), cancelRequested: ctx.cancellationDetails?.cancelRequested });
            throw err;
          }
        }
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCancelAfter>('actCancelAfter', {
        taskQueue,
        workflowId: `cancel-running-${taskQueue}`,
        args: ['heartbeatUntilCancelled', { startToCloseTimeout: '30s', heartbeatTimeout: '1s' }, 500],
      });
      const result = await handle.result();
      expect(result).toMatchObject({ outcome: 'cancelled', errorName: 'ActivityFailure', causeName: 'CancelledFailure' });
      expect(observed).toEqual([{ error: 'CancelledFailure', cancelRequested: true }]);

      const events = await historyEvents(handle);
      const types = events.map((e) => EventType[e.eventType ?? 0]);
      const requested = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
      const canceled = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
      expect(requested).toHaveLength(1);
      expect(canceled).toHaveLength(1);
      expect(types).toContain('EVENT_TYPE_ACTIVITY_TASK_STARTED');
      expect(types.indexOf('EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED')).toBeLessThan(types.indexOf('EVENT_TYPE_ACTIVITY_TASK_CANCELED'));
      expect(canceled[0].activityTaskCanceledEventAttributes?.latestCancelRequestedEventId?.toString()).toBe(requested[0].eventId?.toString());
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    });
  });

  it('does not retry an activity that fails after its cancellation was requested', async () => {
    const attempts: number[] = [];
    const activities = {
      async failsOnCancel(): Promise<string> {
        const ctx = Context.current();
        attempts.push(ctx.info.attempt);
        for (let i = 0; ; i++) {
          ctx.heartbeat(i);
          // Sees the cancellation, but fails instead of acknowledging it.
          await ctx.sleep(100).catch(() => {
            throw ApplicationFailure.retryable('could not clean up', 'Cleanup');
          });
        }
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCancelAfter>('actCancelAfter', {
        taskQueue,
        workflowId: `cancel-then-fail-${taskQueue}`,
        args: ['failsOnCancel', { startToCloseTimeout: '30s', heartbeatTimeout: '1s', retry: { ...fastRetry, maximumAttempts: 3 } }, 500],
      });
      expect(await handle.result()).toEqual({ outcome: 'ActivityFailure', errorName: 'ActivityFailure', causeName: 'ApplicationFailure', retryState: 'CANCEL_REQUESTED' });
      expect(attempts).toEqual([1]);
      const [failed] = eventsOf(await historyEvents(handle), EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED);
      expect(failed.activityTaskFailedEventAttributes?.retryState).toBe(RetryState.RETRY_STATE_CANCEL_REQUESTED);
      expect(failed.activityTaskFailedEventAttributes?.failure?.message).toBe('could not clean up');
    });
  });

  it('cancels an activity that has not started yet at once', async () => {
    await t.withWorker({ activities: {} }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCancelAfter>('actCancelAfter', {
        taskQueue,
        workflowId: `cancel-unstarted-${taskQueue}`,
        // Nobody polls this activity task queue, so the activity stays scheduled.
        args: ['neverPicked', { taskQueue: `${taskQueue}-unpolled`, startToCloseTimeout: '30s' }, 200],
      });
      const result = await handle.result();
      expect(result).toMatchObject({ outcome: 'cancelled', errorName: 'ActivityFailure', causeName: 'CancelledFailure' });

      const events = await historyEvents(handle);
      const types = events.map((e) => EventType[e.eventType ?? 0]);
      expect(types).not.toContain('EVENT_TYPE_ACTIVITY_TASK_STARTED');
      const [requested] = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED);
      const [canceled] = eventsOf(events, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED);
      expect(requested).toBeDefined();
      expect(canceled).toBeDefined();
      expect(canceled.activityTaskCanceledEventAttributes?.startedEventId?.toString()).toBe('0');
      expect(canceled.activityTaskCanceledEventAttributes?.latestCancelRequestedEventId?.toString()).toBe(requested.eventId?.toString());
    });
  });
});

describe('local activities', () => {
  it('runs local activities, retrying in the worker, and replays their markers', async () => {
    const attempts: number[] = [];
    const activities = {
      async shout(text: string): Promise<string> {
        return text.toUpperCase();
      },
      async flakyLocal(text: string): Promise<string> {
        const { attempt, isLocal } = Context.current().info;
        attempts.push(attempt);
        if (attempt < 2) throw ApplicationFailure.retryable('not yet', 'Flaky');
        return `${text} (local=${isLocal}, attempt ${attempt})`;
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const workflowId = `local-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof actLocalCalls>('actLocalCalls', {
        taskQueue,
        workflowId,
        args: [['shout', 'flakyLocal'], { startToCloseTimeout: '10s', retry: fastRetry, summary: 'shouting' }, 'hi'],
      });
      expect(await handle.result()).toEqual(['HI', 'hi (local=true, attempt 2)']);
      expect(attempts).toEqual([1, 2]);

      const types = await eventTypes(handle);
      expect(types.filter((x) => x === 'EVENT_TYPE_MARKER_RECORDED')).toHaveLength(2);
      // Each marker keeps the local activity's summary, as a scheduled activity's event would.
      const markers = (await handle.fetchHistory()).events!.filter((e) => e.markerRecordedEventAttributes);
      expect(markers.map((e) => defaultPayloadConverter.fromPayload(e.userMetadata!.summary!))).toEqual(['shouting', 'shouting']);
      expect(types).not.toContain('EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
      // The markers alone reproduce the results on replay.
      const history = await handle.fetchHistory();
      await replayHistory(conformanceWorkflowBundle(), history, workflowId);
    });
  });

  it('fails the workflow with the local activity failure', async () => {
    const activities = {
      async refuseLocal(): Promise<never> {
        throw ApplicationFailure.nonRetryable('refused locally', 'Refused');
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actLocalCalls>('actLocalCalls', {
        taskQueue,
        workflowId: `local-fail-${taskQueue}`,
        args: [['refuseLocal'], { startToCloseTimeout: '10s' }, null],
      });
      // Unlike a scheduled activity's, a local activity's application failure reaches the workflow unwrapped.
      const err = await handle.result().then(
        () => expect.unreachable('the workflow should have failed'),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('Refused');
      expect(cause?.message).toBe('refused locally');
      expect(await eventTypes(handle)).toContain('EVENT_TYPE_MARKER_RECORDED');
    });
  });
});

describe('async completion', () => {
  it('completes an activity later by its task token', async () => {
    const token = deferred<Uint8Array>();
    const activities = {
      async completeLater(): Promise<string> {
        token.resolve(Context.current().info.taskToken);
        throw new CompleteAsyncError();
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `async-token-${taskQueue}`,
        args: ['completeLater', { startToCloseTimeout: '30s' }],
      });
      await t.client.activity.complete(await token.promise, { by: 'token' });
      expect(await handle.result()).toEqual({ by: 'token' });
      const types = await eventTypes(handle);
      expect(types.filter((x) => x === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED')).toHaveLength(1);
      // A second completion of the same attempt is refused.
      await expect(t.client.activity.complete(await token.promise, 'again')).rejects.toThrow();
    });
  });

  it('completes an activity later by workflow id, run id and activity id', async () => {
    const started = deferred<{ workflowId: string; runId: string; activityId: string }>();
    const activities = {
      async completeLater(): Promise<string> {
        const { workflowExecution, activityId } = Context.current().info;
        started.resolve({ workflowId: workflowExecution!.workflowId!, runId: workflowExecution!.runId!, activityId });
        throw new CompleteAsyncError();
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `async-id-${taskQueue}`,
        args: ['completeLater', { startToCloseTimeout: '30s', activityId: 'the-activity' }],
      });
      const id = await started.promise;
      expect(id).toEqual({ workflowId: handle.workflowId, runId: handle.firstExecutionRunId, activityId: 'the-activity' });
      await t.client.activity.complete(id, 'done by id');
      expect(await handle.result()).toBe('done by id');
    });
  });

  it('fails an async activity by task token, which retries it', async () => {
    const tokens: Uint8Array[] = [];
    let next = deferred<void>();
    const activities = {
      async completeLater(): Promise<string> {
        tokens.push(Context.current().info.taskToken);
        next.resolve();
        throw new CompleteAsyncError();
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `async-fail-${taskQueue}`,
        args: ['completeLater', { startToCloseTimeout: '30s', retry: fastRetry }],
      });
      await next.promise;
      next = deferred<void>();
      await t.client.activity.fail(tokens[0], ApplicationFailure.retryable('external system said no', 'Remote'));
      await next.promise; // the second attempt started
      await t.client.activity.complete(tokens[1], 'second time lucky');
      expect(await handle.result()).toBe('second time lucky');
      const [started] = eventsOf(await historyEvents(handle), EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
      expect(started.activityTaskStartedEventAttributes?.attempt).toBe(2);
      expect(started.activityTaskStartedEventAttributes?.lastFailure?.message).toBe('external system said no');
    });
  });
});

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});

describe('task queue rate limit', () => {
  it("dispatches a queue's activities at the rate its worker polls with (maxTaskQueueActivitiesPerSecond): a burst, then 1/rate apart", async () => {
    const activities = { started: async (i: number) => i };
    await t.withWorker({ activities, maxTaskQueueActivitiesPerSecond: 4 }, async (taskQueue) => {
      // Not eager: an activity started in the workflow task's completion does not go through the queue.
      const options = { startToCloseTimeout: '10s', allowEagerDispatch: false } as const;
      const handle = await t.client.workflow.start<typeof actParallel>('actParallel', { taskQueue, workflowId: `rate-${taskQueue}`, args: ['started', options, 9] });
      expect(await handle.result()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      // When the server started each attempt (its started event's time): four at once (the burst),
      // the other five 250 ms apart. Without the limit all nine start within a few milliseconds.
      const starts = eventsOf(await historyEvents(handle), EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED).map((e) => tsToMs(e.eventTime));
      starts.sort((a, b) => a - b);
      expect(starts).toHaveLength(9);
      expect(starts[8] - starts[0]).toBeGreaterThanOrEqual(1240);
    });
  });
});
