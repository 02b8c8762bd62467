import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';
import { temporalSettingsFromEnv } from '../../config/temporal';
import { createTemporalTestEnv, historyEventTypes, pollWorkflowTask, type TemporalTestEnv } from '../harness/temporal';
import type { sapiEcho, sapiHeld, sapiNap } from '../workflows/server-api';
import { codeOf } from '../harness/grpc-errors';
import { msToTs } from '@temporalio/common/lib/time';

// Known at collection time (unlike `t`): true when the suite runs on the embedded dev server.
const onDevServer = !temporalSettingsFromEnv().address;

const { EventType, TaskQueueKind, TimeoutType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
type PollResponse = temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const service = () => t.env.connection.workflowService;
const typeName = (e: HistoryEvent) => EventType[e.eventType ?? 0];
const ms = (ts: google.protobuf.ITimestamp | null | undefined) => Number(ts?.seconds ?? 0) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);

const pollOnce = (taskQueue: string, identity: string): Promise<PollResponse> => pollWorkflowTask(t, taskQueue, identity);

const events = async (handle: Pick<WorkflowHandle, 'fetchHistory'>) => (await handle.fetchHistory()).events ?? [];

describe('workflow task failure and timeout', () => {
  it('retries a workflow task the worker failed; a real worker then completes the workflow', async () => {
    const taskQueue = `wft-failed-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId: `wft-failed-${taskQueue}`, args: ['after-failure'] });

    const task = await pollOnce(taskQueue, 'raw-failing-worker');
    expect(task.workflowExecution?.workflowId).toBe(handle.workflowId);
    expect(task.workflowType?.name).toBe('sapiEcho');
    expect(task.attempt).toBe(1);
    expect((task.history?.events ?? []).map(typeName)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    ]);
    await service().respondWorkflowTaskFailed({
      namespace: t.namespace,
      taskToken: task.taskToken,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      failure: { message: 'the raw worker gives up' },
      identity: 'raw-failing-worker',
    });
    // The failed task's token is spent.
    expect(await codeOf(() => service().respondWorkflowTaskCompleted({ namespace: t.namespace, taskToken: task.taskToken, identity: 'raw-failing-worker' }))).toBe(
      status.NOT_FOUND,
    );

    expect(await t.withWorker({ taskQueue, identity: 'real-worker' }, () => handle.result())).toBe('after-failure');
    const history = await events(handle);
    expect(history.map(typeName)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_FAILED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
    ]);
    const failed = history[3].workflowTaskFailedEventAttributes!;
    expect(failed.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE);
    expect(failed.failure?.message).toBe('the raw worker gives up');
    expect(failed.identity).toBe('raw-failing-worker');
    expect(Number(failed.scheduledEventId)).toBe(2);
    expect(Number(failed.startedEventId)).toBe(3);
    expect(history[4].workflowTaskScheduledEventAttributes?.attempt).toBe(2);
    expect(history[5].workflowTaskStartedEventAttributes?.identity).toBe('real-worker');
  });

  it('times out a workflow task nobody answers after workflowTaskTimeout; a real worker then completes the workflow', async () => {
    const taskQueue = `wft-timeout-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof sapiEcho>('sapiEcho', {
      taskQueue,
      workflowId: `wft-timeout-${taskQueue}`,
      args: ['after-timeout'],
      workflowTaskTimeout: '1s',
    });
    const task = await pollOnce(taskQueue, 'raw-silent-worker'); // taken, never answered
    expect(task.attempt).toBe(1);

    // The timeout runs on real time (a started task holds the clock), about one second.
    expect(await t.withWorker({ taskQueue, identity: 'real-worker' }, () => handle.result())).toBe('after-timeout');
    const history = await events(handle);
    expect(history.map(typeName)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
    ]);
    const timedOut = history[3].workflowTaskTimedOutEventAttributes!;
    expect(timedOut.timeoutType).toBe(TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE);
    expect(Number(timedOut.scheduledEventId)).toBe(2);
    expect(Number(timedOut.startedEventId)).toBe(3);
    expect(history[2].workflowTaskStartedEventAttributes?.identity).toBe('raw-silent-worker');
    // Server time, as recorded in the history: the task timed out no sooner than its timeout.
    expect(ms(history[3].eventTime) - ms(history[2].eventTime)).toBeGreaterThanOrEqual(1000);
    expect(history[4].workflowTaskScheduledEventAttributes?.attempt).toBe(2);
    expect(history[5].workflowTaskStartedEventAttributes?.identity).toBe('real-worker');

    // The silent worker's late answer is refused.
    expect(await codeOf(() => service().respondWorkflowTaskCompleted({ namespace: t.namespace, taskToken: task.taskToken, identity: 'raw-silent-worker' }))).toBe(
      status.NOT_FOUND,
    );
  });
});

describe('a workflow task that keeps failing (transient retries)', () => {
  it('records only the first failure: retries stay out of history, queries fail fast, and new events start over at attempt 1', async () => {
    const taskQueue = `wft-transient-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId: `wft-transient-${taskQueue}`, args: ['stubborn'] });
    const fail = (task: PollResponse) =>
      service().respondWorkflowTaskFailed({
        namespace: t.namespace,
        taskToken: task.taskToken,
        cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
        failure: { message: 'still broken' },
        identity: 'raw-broken-worker',
      });
    const firstFailure = [
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_FAILED',
    ];

    await fail(await pollOnce(taskQueue, 'raw-broken-worker'));
    expect((await events(handle)).map(typeName)).toEqual(firstFailure);

    // The retry is transient: the worker sees its scheduled/started events, the stored history does not.
    const retry = await pollOnce(taskQueue, 'raw-broken-worker');
    expect(retry.attempt).toBe(2);
    const polled = retry.history?.events ?? [];
    expect(polled.map(typeName)).toEqual([...firstFailure, 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED']);
    expect(polled[4].workflowTaskScheduledEventAttributes?.attempt).toBe(2);
    expect(Number(retry.startedEventId)).toBe(6);
    expect((await events(handle)).map(typeName)).toEqual(firstFailure);
    await fail(retry);

    // Its failure writes nothing either; the next attempt is pending.
    expect((await events(handle)).map(typeName)).toEqual(firstFailure);
    const pending = (await handle.describe()).raw.pendingWorkflowTask;
    expect(pending?.attempt).toBe(3);
    // A query cannot be answered while the workflow task keeps failing: it fails at once.
    const query = () => service().queryWorkflow({ namespace: t.namespace, execution: { workflowId: handle.workflowId }, query: { queryType: 'sapiLabel' } });
    expect(await codeOf(query)).toBe(status.FAILED_PRECONDITION);

    // A new event ends the failure streak: the next task is an ordinary one, attempt 1.
    await handle.signal('sapiBump', 'wake up');
    await t.withWorker({ taskQueue, identity: 'real-worker' }, async () => {
      // Let the worker finish that task before the next signal, so the history below has one order only.
      for (let i = 0; i < 200 && !(await historyEventTypes(handle)).includes('EVENT_TYPE_WORKFLOW_TASK_COMPLETED'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await handle.signal('sapiRelease', 'done');
      expect(await handle.result()).toBe('stubborn:done');
      expect(await handle.query<string[]>('sapiSeen')).toEqual(['wake up']);
    });
    const history = await events(handle);
    expect(history.slice(0, 7).map(typeName)).toEqual([
      ...firstFailure,
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    ]);
    expect(history[5].workflowTaskScheduledEventAttributes?.attempt).toBe(1);
    expect(history.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toHaveLength(1);
    expect(history.at(-1)?.eventType).toBe(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  });
});

describe('sticky task queues', () => {
  it('hands a cached workflow over to another worker on the same task queue once its sticky worker shuts down', async () => {
    const taskQueue = `sticky-${randomUUID()}`;
    const workflowId = `sticky-${taskQueue}`;
    let handle!: WorkflowHandle<typeof sapiHeld>;
    // Worker A serves the workflow (and caches it, asking for a sticky queue), then shuts down.
    await t.withWorker({ taskQueue, identity: 'worker-a', stickyQueueScheduleToStartTimeout: '5s' }, async () => {
      handle = await t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId, args: ['sticky'] });
      // Answered once A has completed the first task, so each signal below gets a task of its own.
      expect(await handle.query<string>('sapiLabel')).toBe('sticky');
      await handle.signal('sapiBump', 'one');
      expect(await handle.query<string[]>('sapiSeen')).toEqual(['one']);
      await handle.signal('sapiBump', 'two');
      expect(await handle.query<string[]>('sapiSeen')).toEqual(['one', 'two']);
    });
    // Worker B, same task queue, picks the workflow up on the next signal and completes it.
    await t.withWorker({ taskQueue, identity: 'worker-b' }, async () => {
      await handle.signal('sapiBump', 'three');
      expect(await handle.query<string[]>('sapiSeen')).toEqual(['one', 'two', 'three']);
      await handle.signal('sapiRelease', 'done');
      expect(await handle.result()).toBe('sticky:done');
    });
    const history = await events(handle);
    // While A lived, every task after the first went to A's sticky queue, and its WorkflowTaskScheduled event says so.
    const scheduled = history.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED).map((e) => e.workflowTaskScheduledEventAttributes?.taskQueue);
    expect(scheduled[0]).toMatchObject({ name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL });
    for (const tq of scheduled.slice(1, 3)) {
      expect(tq).toMatchObject({ kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: taskQueue });
      expect(tq?.name).not.toBe(taskQueue);
    }
    const starters = history.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED).map((e) => e.workflowTaskStartedEventAttributes?.identity);
    expect(starters.slice(0, 2)).toEqual(['worker-a', 'worker-a']);
    expect(starters.at(-1)).toBe('worker-b');
    expect(starters.filter((x) => x !== 'worker-a' && x !== 'worker-b')).toEqual([]);
    // B took over cleanly: no task failed or timed out on the way.
    const types = await historyEventTypes(handle);
    expect(types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
    expect(types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT');
    expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED')).toHaveLength(4);
  });
});

describe('sticky schedule-to-start timeout', () => {
  it('a task on a sticky queue nobody polls times out (SCHEDULE_TO_START, attempt unchanged) and goes to the normal queue', async () => {
    const taskQueue = `sticky-timeout-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId: `sticky-timeout-${taskQueue}`, args: ['gone'] });
    const first = await pollOnce(taskQueue, 'raw-vanishing-worker');
    // The raw worker asks for a sticky queue, then never polls it.
    await service().respondWorkflowTaskCompleted({
      namespace: t.namespace,
      taskToken: first.taskToken,
      identity: 'raw-vanishing-worker',
      commands: [],
      stickyAttributes: { workerTaskQueue: { name: `${taskQueue}-sticky`, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: taskQueue }, scheduleToStartTimeout: msToTs('1s') },
    });
    await handle.signal('sapiBump', 'after-vanishing');
    const next = await pollOnce(taskQueue, 'raw-normal-worker');
    expect(next.attempt).toBe(1);
    const history = await events(handle);
    expect(history.slice(4).map(typeName)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    ]);
    expect(history[5].workflowTaskScheduledEventAttributes?.taskQueue).toMatchObject({ name: `${taskQueue}-sticky`, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY });
    const timedOut = history[6].workflowTaskTimedOutEventAttributes!;
    expect(timedOut.timeoutType).toBe(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START);
    expect(Number(timedOut.scheduledEventId)).toBe(6);
    expect(Number(timedOut.startedEventId)).toBe(0);
    expect(history[7].workflowTaskScheduledEventAttributes).toMatchObject({ taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }, attempt: 1 });
    expect(history[8].workflowTaskStartedEventAttributes?.identity).toBe('raw-normal-worker');
    // A real worker finishes the workflow from the full history.
    await handle.signal('sapiRelease', 'done');
    await service().respondWorkflowTaskFailed({ namespace: t.namespace, taskToken: next.taskToken, identity: 'raw-normal-worker', failure: { message: 'handing over' } });
    expect(await t.withWorker({ taskQueue, identity: 'real-worker' }, () => handle.result())).toBe('gone:done');
  });
});

describe('closing a workflow while it has a workflow task outstanding', () => {
  it('terminating a workflow whose task is in flight fails that task (FORCE_CLOSE_COMMAND) and refuses its late completion', async () => {
    const taskQueue = `terminate-inflight-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId: `terminate-inflight-${taskQueue}`, args: ['doomed'] });
    const task = await pollOnce(taskQueue, 'raw-doomed-worker');
    await handle.signal('sapiBump', 'while-in-flight'); // buffered behind the in-flight task
    await handle.terminate('closed under the worker');

    const history = await events(handle);
    expect(history.map(typeName)).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'EVENT_TYPE_WORKFLOW_TASK_FAILED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED',
    ]);
    const failed = history[3].workflowTaskFailedEventAttributes!;
    expect(failed.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND);
    expect(Number(failed.scheduledEventId)).toBe(2);
    expect(Number(failed.startedEventId)).toBe(3);
    expect(await codeOf(() => service().respondWorkflowTaskCompleted({ namespace: t.namespace, taskToken: task.taskToken, identity: 'raw-doomed-worker', commands: [] }))).toBe(
      status.NOT_FOUND,
    );
    expect((await events(handle)).length).toBe(history.length);
  });

  // Time skipping is a dev-server feature: a workflow task still pending holds the clock, so one that
  // outlived its terminated workflow would stop time skipping for every later workflow.
  it.skipIf(!onDevServer)('releases the pending task of a terminated workflow: time skipping keeps working', async () => {
    const idle = `no-worker-${randomUUID()}`; // nobody ever polls this queue
    const stuck = await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue: idle, workflowId: `stuck-${idle}`, args: ['never'] });
    await stuck.terminate('it never ran');
    expect((await stuck.describe()).status.name).toBe('TERMINATED');

    await t.withWorker({}, async (taskQueue) => {
      const napper = await t.client.workflow.start<typeof sapiNap>('sapiNap', { taskQueue, workflowId: `nap-${taskQueue}`, args: ['1 day'] });
      let timer: NodeJS.Timeout | undefined;
      const tooSlow = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('time skipping is stuck: a one-day timer did not fire')), 10_000);
      });
      try {
        expect(await Promise.race([napper.result(), tooSlow])).toBe('1 day');
      } finally {
        clearTimeout(timer);
      }
    });
  });
});

describe('queries during a workflow task', () => {
  for (const outcome of ['completes', 'fails'] as const) {
    it(`answers a query that arrives while a workflow task is in flight (the task then ${outcome})`, async () => {
      const taskQueue = `query-inflight-${outcome}-${randomUUID()}`;
      const handle = await t.client.workflow.start<typeof sapiHeld>('sapiHeld', { taskQueue, workflowId: `query-inflight-${taskQueue}`, args: ['queried'] });
      const task = await pollOnce(taskQueue, 'raw-slow-worker');

      let settled = false;
      const answer = handle.query<string>('sapiLabel').finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the query reach the server while the task is in flight
      expect(settled).toBe(false);

      if (outcome === 'completes') {
        // sapiHeld's first task issues no command, so an empty completion is what a real worker would send.
        await service().respondWorkflowTaskCompleted({ namespace: t.namespace, taskToken: task.taskToken, identity: 'raw-slow-worker', commands: [] });
      } else {
        await service().respondWorkflowTaskFailed({
          namespace: t.namespace,
          taskToken: task.taskToken,
          cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
          failure: { message: 'the slow worker gives up' },
          identity: 'raw-slow-worker',
        });
      }
      await handle.describe(); // a round trip: the query is still waiting for a worker, not dropped or failed
      expect(settled).toBe(false);

      await t.withWorker({ taskQueue, identity: 'real-worker' }, async () => {
        expect(await answer).toBe('queried');
        await handle.signal('sapiRelease', 'done');
        expect(await handle.result()).toBe('queried:done');
      });
    });
  }
});

describe('what a workflow task tells the workflow about its history', () => {
  const { SuggestContinueAsNewReason } = temporal.api.enums.v1;
  const lastTaskStarted = async (handle: WorkflowHandle) =>
    (await events(handle)).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED).at(-1)!.workflowTaskStartedEventAttributes!;

  it('reports the history size in bytes, and suggests continue-as-new once the history passes 4096 events (the server defaults)', async () => {
    const taskQueue = `history-size-${randomUUID()}`;
    const small = await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId: `history-size-small-${taskQueue}`, args: ['x'] });
    await pollOnce(taskQueue, 'raw-worker');
    const smallStarted = await lastTaskStarted(small);
    // The SDKs hand these to the workflow (workflowInfo().historySize, continueAsNewSuggested).
    expect(Number(smallStarted.historySizeBytes)).toBeGreaterThan(0);
    expect(smallStarted.suggestContinueAsNew).toBeFalsy();
    expect(smallStarted.suggestContinueAsNewReasons ?? []).toEqual([]);
    const described = await service().describeWorkflowExecution({ namespace: t.namespace, execution: { workflowId: small.workflowId } });
    expect(Number(described.workflowExecutionInfo?.historySizeBytes)).toBeGreaterThan(0);

    // 4100 signals before the first task starts: its started event is past the 4096-event mark.
    const large = await t.client.workflow.start<typeof sapiEcho>('sapiEcho', { taskQueue, workflowId: `history-size-large-${taskQueue}`, args: ['y'] });
    for (let sent = 0; sent < 4100; sent += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => large.signal('sapiNoise', sent + i)));
    }
    await pollOnce(taskQueue, 'raw-worker');
    const largeStarted = await lastTaskStarted(large);
    expect(Number(largeStarted.historySizeBytes)).toBeGreaterThan(Number(smallStarted.historySizeBytes));
    expect(largeStarted.suggestContinueAsNew).toBe(true);
    expect(largeStarted.suggestContinueAsNewReasons).toEqual([SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_TOO_MANY_HISTORY_EVENTS]);

    await Promise.all([small.terminate('done'), large.terminate('done')]);
  }, 120_000);
});

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});
