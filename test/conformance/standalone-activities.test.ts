// Standalone activities (the SDK's client.activity: StartActivityExecution and its family), as a real
// server runs them: an activity with an id and runs of its own, executed by an ordinary worker on a
// task queue, with no workflow. Each test would pass unchanged against a real cluster.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, CancelledFailure, CompleteAsyncError, Context } from '@temporalio/activity';
import {
  ActivityExecutionAlreadyStartedError,
  ActivityExecutionFailedError,
  ActivityIdConflictPolicy,
  ActivityIdReusePolicy,
  ActivityNotFoundError,
  Client,
  Connection,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { codeOf } from '../harness/grpc-errors';
import { startDevServer } from '../../devserver/index';

const RetryState = temporal.api.enums.v1.RetryState;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const id = () => `standalone-${randomUUID()}`;

/** The activities the workers here run; `seen` records what each attempt was told about itself. */
function activitiesRecording() {
  const seen: Array<{ activityId: string; attempt: number; inWorkflow: boolean; runId?: string }> = [];
  const tokens: Uint8Array[] = [];
  const activities = {
    async greet(name: unknown): Promise<string> {
      const info = Context.current().info;
      seen.push({ activityId: info.activityId, attempt: info.attempt, inWorkflow: info.inWorkflow, runId: info.activityRunId });
      if (typeof name !== 'string') throw ApplicationFailure.create({ message: 'name must be a string', nonRetryable: true });
      return `Hello, ${name}!`;
    },
    async flaky(succeedOn: number): Promise<string> {
      const { attempt } = Context.current().info;
      if (attempt < succeedOn) throw ApplicationFailure.retryable(`attempt ${attempt} failed`, 'Flaky');
      return `ok on attempt ${attempt}`;
    },
    // Runs until it is cancelled (a timeout, or the worker shutting down).
    async hang(): Promise<never> {
      tokens.push(Context.current().info.taskToken);
      return Context.current().cancelled;
    },
    async waitForCancel(): Promise<string> {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat('waiting');
        await ctx.sleep(50);
      }
    },
  };
  return { seen, tokens, activities };
}

describe('running one', () => {
  it('executes on a worker with no workflow, returns its result, and describes the closed run', async () => {
    const { seen, activities } = activitiesRecording();
    await t.withWorker({ activities }, async (taskQueue) => {
      const activityId = id();
      const handle = await t.client.activity.start('greet', { id: activityId, taskQueue, args: ['Temporal'], scheduleToCloseTimeout: '10s' });
      expect(await handle.result()).toBe('Hello, Temporal!');
      expect(seen).toEqual([{ activityId, attempt: 1, inWorkflow: false, runId: handle.runId }]);

      const described = await t.client.activity.getHandle(activityId).describe({ includeInput: true, includeOutcome: true });
      expect(described).toMatchObject({ activityId, activityRunId: handle.runId, activityType: 'greet', status: 'COMPLETED', taskQueue, attempt: 1 });
      // The real server fills the timeouts from schedule-to-close.
      expect(described.startToCloseTimeoutMs).toBe(10_000);
      expect(described.scheduleToStartTimeoutMs).toBe(10_000);
      expect(await described.getInput()).toEqual(['Temporal']);
      expect(await described.getResult()).toBe('Hello, Temporal!');
      expect(described.closeTime).toBeInstanceOf(Date);
      // `execute` in one go, and a second run of the same id once the first closed (ALLOW_DUPLICATE by default).
      expect(await t.client.activity.execute('greet', { id: activityId, taskQueue, args: ['World'], startToCloseTimeout: '10s' })).toBe('Hello, World!');
      expect((await t.client.activity.getHandle(activityId).describe()).activityRunId).not.toBe(handle.runId);
      expect(await t.client.activity.getHandle(activityId, handle.runId).result()).toBe('Hello, Temporal!');
    });
  });

  it('fails with the activity failure as cause, retrying what is retryable', async () => {
    const { activities } = activitiesRecording();
    await t.withWorker({ activities }, async (taskQueue) => {
      const err = await t.client.activity.execute('greet', { id: id(), taskQueue, args: [1], startToCloseTimeout: '10s' }).catch((e) => e);
      expect(err).toBeInstanceOf(ActivityExecutionFailedError);
      expect(err.cause).toBeInstanceOf(ApplicationFailure);
      expect(err.cause.message).toBe('name must be a string');

      const activityId = id();
      const ok = await t.client.activity.execute('flaky', { id: activityId, taskQueue, args: [3], startToCloseTimeout: '10s', retry: { initialInterval: '20ms' } });
      expect(ok).toBe('ok on attempt 3');
      const described = await t.client.activity.getHandle(activityId).describe({ includeLastFailure: true });
      expect(described.attempt).toBe(3);
      expect((await described.getLastFailure())?.message).toBe('attempt 2 failed');

      const capped = await t.client.activity
        .execute('flaky', { id: id(), taskQueue, args: [5], startToCloseTimeout: '10s', retry: { initialInterval: '20ms', maximumAttempts: 2 } })
        .catch((e) => e);
      expect(capped).toBeInstanceOf(ActivityExecutionFailedError);
      expect(capped.cause.message).toBe('attempt 2 failed');
    });
  });

  it('waits out its start delay before a worker gets it, and says when it will be offered', async () => {
    const { activities } = activitiesRecording();
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.activity.start('greet', { id: id(), taskQueue, args: ['later'], startToCloseTimeout: '10s', startDelay: '300ms' });
      const waiting = await handle.describe();
      expect(waiting).toMatchObject({ status: 'RUNNING', runState: 'SCHEDULED', startDelayMs: 300 });
      expect(waiting.nextAttemptScheduleTime!.getTime() - waiting.scheduleTime!.getTime()).toBe(300);
      expect(await handle.result()).toBe('Hello, later!');
      const done = await handle.describe();
      expect(done.lastStartedTime!.getTime() - done.scheduleTime!.getTime()).toBeGreaterThanOrEqual(300);
    });
    const { namespaceInfo } = await t.client.workflowService.describeNamespace({ namespace: t.namespace });
    expect(namespaceInfo?.capabilities).toMatchObject({ standaloneActivities: true, standaloneActivityStartDelay: true });
  });

  it('is completed asynchronously by id, with no workflow id', async () => {
    let token: Uint8Array | undefined;
    const activities = {
      async later(): Promise<string> {
        token = Context.current().info.taskToken;
        throw new CompleteAsyncError();
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const activityId = id();
      const handle = await t.client.activity.start('later', { id: activityId, taskQueue, startToCloseTimeout: '10s' });
      await expect.poll(() => token).toBeDefined();
      await t.client.activity.heartbeat({ activityId }, 'still going');
      await t.client.activity.complete({ activityId }, 'done by id');
      expect(await handle.result()).toBe('done by id');
    });
  });
});

describe('ids', () => {
  it('refuses a second run while one runs, or returns it with USE_EXISTING', async () => {
    const activityId = id();
    const taskQueue = `nobody-${randomUUID()}`;
    const first = await t.client.activity.start('greet', { id: activityId, taskQueue, startToCloseTimeout: '10s' });
    const err = await t.client.activity.start('greet', { id: activityId, taskQueue, startToCloseTimeout: '10s' }).catch((e) => e);
    expect(err).toBeInstanceOf(ActivityExecutionAlreadyStartedError);
    const existing = await t.client.activity.start('greet', { id: activityId, taskQueue, startToCloseTimeout: '10s', idConflictPolicy: ActivityIdConflictPolicy.USE_EXISTING });
    expect(existing.runId).toBe(first.runId);
    await first.terminate('done with it');
  });

  it('REJECT_DUPLICATE refuses a new run after any close; ALLOW_DUPLICATE_FAILED_ONLY only after a success', async () => {
    const taskQueue = `nobody-${randomUUID()}`;
    const rejected = id();
    await (await t.client.activity.start('greet', { id: rejected, taskQueue, startToCloseTimeout: '10s' })).terminate('done with it');
    await expect(
      t.client.activity.start('greet', { id: rejected, taskQueue, startToCloseTimeout: '10s', idReusePolicy: ActivityIdReusePolicy.REJECT_DUPLICATE }),
    ).rejects.toBeInstanceOf(ActivityExecutionAlreadyStartedError);
    const again = await t.client.activity.start('greet', { id: rejected, taskQueue, startToCloseTimeout: '10s', idReusePolicy: ActivityIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY });
    await again.terminate('done with it');
  });
});

describe('cancel and terminate', () => {
  it('cancels a running attempt through its heartbeats: the worker reports it cancelled', async () => {
    const { activities } = activitiesRecording();
    await t.withWorker({ activities }, async (taskQueue) => {
      const activityId = id();
      const handle = await t.client.activity.start('waitForCancel', { id: activityId, taskQueue, startToCloseTimeout: '30s', heartbeatTimeout: '500ms' });
      await expect.poll(async () => (await handle.describe()).runState).toBe('STARTED');
      await handle.cancel('no longer needed');
      const err = await handle.result().catch((e) => e);
      expect(err).toBeInstanceOf(ActivityExecutionFailedError);
      expect(err.cause).toBeInstanceOf(CancelledFailure);
      const described = await handle.describe();
      expect(described).toMatchObject({ status: 'CANCELED', canceledReason: 'no longer needed' });
    });
  });

  it('cancels one no worker has started at once; a second request, or one for a closed run, is refused', async () => {
    const handle = await t.client.activity.start('greet', { id: id(), taskQueue: `nobody-${randomUUID()}`, startToCloseTimeout: '10s' });
    await handle.cancel('changed my mind');
    const err = await handle.result().catch((e) => e);
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expect(err.cause.details).toEqual(['changed my mind']);
    expect(await codeOf(() => handle.cancel('again'))).toBe(status.FAILED_PRECONDITION);
    expect(await codeOf(() => handle.terminate('too late'))).toBe(status.FAILED_PRECONDITION);
  });

  it('terminates a run: its result fails with TerminatedFailure and a late worker finds no task', async () => {
    const { tokens, activities } = activitiesRecording();
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.activity.start('hang', { id: id(), taskQueue, startToCloseTimeout: '30s' });
      await expect.poll(async () => (await handle.describe()).runState).toBe('STARTED');
      await handle.terminate('operator');
      const err = await handle.result().catch((e) => e);
      expect(err).toBeInstanceOf(ActivityExecutionFailedError);
      expect(err.cause).toBeInstanceOf(TerminatedFailure);
      expect(err.cause.message).toBe('operator');
      expect((await handle.describe()).status).toBe('TERMINATED');
      const late = () => t.client.workflowService.respondActivityTaskCompleted({ namespace: t.namespace, taskToken: tokens[0] });
      expect(await codeOf(late)).toBe(status.NOT_FOUND);
    });
  });
});

describe('timeouts', () => {
  it('times out at schedule-to-start when no worker takes it, without retrying', async () => {
    const handle = await t.client.activity.start('greet', { id: id(), taskQueue: `nobody-${randomUUID()}`, startToCloseTimeout: '10s', scheduleToStartTimeout: '200ms' });
    const err = await handle.result().catch((e) => e);
    expect(err.cause).toBeInstanceOf(TimeoutFailure);
    expect(err.cause.timeoutType).toBe('SCHEDULE_TO_START');
    expect((await handle.describe()).status).toBe('TIMED_OUT');
  });

  it('retries an attempt past start-to-close, then times out with the retry state', async () => {
    const { activities } = activitiesRecording();
    await t.withWorker({ activities }, async (taskQueue) => {
      const handle = await t.client.activity.start('hang', {
        id: id(),
        taskQueue,
        startToCloseTimeout: '200ms',
        retry: { initialInterval: '20ms', maximumAttempts: 2 },
      });
      const err = await handle.result().catch((e) => e);
      expect(err.cause).toBeInstanceOf(TimeoutFailure);
      expect(err.cause.timeoutType).toBe('START_TO_CLOSE');
      const described = await handle.describe({ includeOutcome: true });
      expect(described).toMatchObject({ status: 'TIMED_OUT', attempt: 2 });
      expect(described.rawInfo.status).toBe(temporal.api.enums.v1.ActivityExecutionStatus.ACTIVITY_EXECUTION_STATUS_TIMED_OUT);
      const raw = await t.client.workflowService.pollActivityExecution({ namespace: t.namespace, activityId: handle.activityId });
      expect(raw.outcome?.retryState).toBe(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
    });
  });
});

describe('visibility', () => {
  it('lists and counts by task queue, type and status, newest first or in the order asked', async () => {
    const { activities } = activitiesRecording();
    await t.withWorker({ activities }, async (taskQueue) => {
      const ids = [id(), id()];
      for (const activityId of ids) await t.client.activity.execute('greet', { id: activityId, taskQueue, args: ['you'], startToCloseTimeout: '10s' });
      const running = await t.client.activity.start('greet', { id: id(), taskQueue: `${taskQueue}-idle`, startToCloseTimeout: '10s' });

      const listed = [];
      for await (const a of t.client.activity.list(`TaskQueue="${taskQueue}"`)) listed.push(a);
      expect(listed.map((a) => a.activityId).sort()).toEqual([...ids].sort());
      expect(listed.every((a) => a.status === 'COMPLETED' && a.activityType === 'greet' && a.closeTime instanceof Date)).toBe(true);
      expect((await t.client.activity.count(`TaskQueue="${taskQueue}" AND ExecutionStatus="Completed"`)).count).toBe(2);
      expect((await t.client.activity.count(`TaskQueue="${taskQueue}-idle" AND ExecutionStatus="Running"`)).count).toBe(1);
      expect((await t.client.activity.count(`ActivityId="${ids[0]}"`)).count).toBe(1);
      const inStartOrder = [];
      for await (const a of t.client.activity.list(`TaskQueue="${taskQueue}" ORDER BY StartTime ASC`)) inStartOrder.push(a.activityId);
      expect(inStartOrder).toEqual(ids);
      await running.terminate('done with it');
    });
  });
});

describe('requests the dev server refuses, as a real server does', () => {
  const raw = (req: object) => t.client.workflowService.startActivityExecution({ namespace: t.namespace, activityId: id(), activityType: { name: 'greet' }, taskQueue: { name: 'q' }, ...req });

  it('names what is wrong and starts nothing', async () => {
    expect(await codeOf(() => raw({}))).toBe(status.INVALID_ARGUMENT);
    await expect(raw({})).rejects.toThrow(/StartToCloseTimeout or ScheduleToCloseTimeout/);
    await expect(raw({ startToCloseTimeout: { seconds: 10 }, retryPolicy: { backoffCoefficient: 0.5 } })).rejects.toThrow(/BackoffCoefficient/);
    await expect(raw({ startToCloseTimeout: { seconds: 10 }, completionCallbacks: [{ nexus: { url: 'http://x' } }] })).rejects.toThrow(/completion callbacks/);
    const links = () => raw({ startToCloseTimeout: { seconds: 10 }, links: [{ workflow: { namespace: t.namespace, workflowId: 'w', runId: randomUUID() } }] });
    expect(await codeOf(links)).toBe(status.UNIMPLEMENTED);
    await expect(t.client.activity.getHandle(id()).describe()).rejects.toBeInstanceOf(ActivityNotFoundError);
  });
});

describe('with a data dir', () => {
  it('keeps a run across a restart: a worker that connects afterwards completes it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sx-standalone-'));
    try {
      const first = await startDevServer({ port: 0, uiPort: false, dataDir });
      const activityId = id();
      const taskQueue = `later-${randomUUID()}`;
      let connection = await Connection.connect({ address: first.address });
      const started = await new Client({ connection }).activity.start('greet', { id: activityId, taskQueue, args: ['again'], startToCloseTimeout: '10s' });
      await connection.close();
      await first.close();

      const second = await startDevServer({ port: 0, uiPort: false, dataDir });
      try {
        connection = await Connection.connect({ address: second.address });
        const client = new Client({ connection });
        const native = await NativeConnection.connect({ address: second.address });
        const worker = await Worker.create({ connection: native, taskQueue, activities: activitiesRecording().activities });
        const result = await worker.runUntil(client.activity.getHandle(activityId).result());
        expect(result).toBe('Hello, again!');
        expect((await client.activity.getHandle(activityId).describe()).activityRunId).toBe(started.runId);
        await native.close();
        await connection.close();
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
