import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, defaultPayloadConverter, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { temporalSettingsFromEnv } from '../../config/temporal';
import { createTemporalTestEnv, historyEventTypes, pollWorkflowTask, type TemporalTestEnv } from '../harness/temporal';
import { grpcCode } from '../harness/grpc-errors';
import type { abandonsUpdate, counter } from '../workflows/messages';

// Races between updates and the workflow tasks that carry them. Most tests drive the workflow tasks by hand
// (a "raw worker") so each race happens exactly as written; a real worker takes over where it must run code.

const onDevServer = !temporalSettingsFromEnv().address;
const { CommandType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
type PollResponse = temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
type Command = temporal.api.command.v1.ICommand;
type Message = temporal.api.protocol.v1.IMessage;

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

const service = () => t.env.connection.workflowService;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough for an update call to reach the server while a raw worker holds a task. */
const settle = () => sleep(500);

const ABORTED_BY_CLOSE = 'workflow update was aborted by closing workflow';
const TASK_FAILED = 'Unable to perform workflow execution update due to unexpected workflow task failure.';

const pollTask = (taskQueue: string, identity?: string): Promise<PollResponse> => pollWorkflowTask(t, taskQueue, identity);

const requestIds = (task: PollResponse) => (task.messages ?? []).map((m) => m.protocolInstanceId);

function complete(task: PollResponse, commands: Command[] = [], messages: Message[] = []) {
  return service().respondWorkflowTaskCompleted({ namespace: t.namespace, taskToken: task.taskToken, identity: 'raw-worker', commands, messages });
}

/** Polls until a task carries update `updateId`, completing the ones before it with nothing to do. */
async function pollForUpdate(taskQueue: string, updateId: string): Promise<PollResponse> {
  for (;;) {
    const task = await pollTask(taskQueue);
    if (requestIds(task).includes(updateId)) return task;
    await complete(task);
  }
}

const body = (type: 'Acceptance' | 'Response', value: object) => ({
  type_url: `type.googleapis.com/temporal.api.update.v1.${type}`,
  value: (temporal.api.update.v1[type] as { encode(v: object): { finish(): Uint8Array } }).encode(value).finish(),
});
const protocolCommand = (messageId: string): Command => ({ commandType: CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE, protocolMessageCommandAttributes: { messageId } });

/** The worker's answer to an update request: accepted, and completed with `result` unless it is undefined. */
function answer(task: PollResponse, updateId: string, result?: string): { commands: Command[]; messages: Message[] } {
  const request = task.messages!.find((m) => m.protocolInstanceId === updateId)!;
  const messages: Message[] = [
    {
      id: `${updateId}/accept`,
      protocolInstanceId: updateId,
      body: body('Acceptance', {
        acceptedRequestMessageId: request.id,
        acceptedRequestSequencingEventId: request.eventId,
        acceptedRequest: temporal.api.update.v1.Request.decode(request.body!.value!),
      }),
    },
  ];
  if (result !== undefined) {
    messages.push({
      id: `${updateId}/complete`,
      protocolInstanceId: updateId,
      body: body('Response', { meta: { updateId, identity: 'raw-worker' }, outcome: { success: { payloads: [defaultPayloadConverter.toPayload(result)] } } }),
    });
  }
  return { commands: messages.map((m) => protocolCommand(m.id!)), messages };
}

const completeWorkflow: Command = {
  commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  completeWorkflowExecutionCommandAttributes: { result: { payloads: [defaultPayloadConverter.toPayload('done')] } },
};

/** Starts a workflow only a raw worker serves (its type has no code), past its first task. */
async function startRaw(name: string): Promise<{ handle: WorkflowHandle; taskQueue: string }> {
  const taskQueue = `${name}-${randomUUID()}`;
  const handle = await t.client.workflow.start('rawWorkflow', { taskQueue, workflowId: taskQueue });
  await complete(await pollTask(taskQueue));
  return { handle, taskQueue };
}

const caught = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

function expectAcceptedUpdateCompletedWorkflow(err: unknown) {
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as ApplicationFailure;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  expect(cause.type).toBe('AcceptedUpdateCompletedWorkflow');
  expect(cause.nonRetryable).toBe(true);
  expect(cause.message).toBe('Workflow Update failed because the Workflow completed before the Update completed.');
}

describe('updates racing the workflow closing', () => {
  it('an update admitted while the workflow completes does not hold the completion back; its caller gets NOT_FOUND', async () => {
    const { handle, taskQueue } = await startRaw('close-race');
    const first = handle.executeUpdate<string, []>('first', { updateId: 'first' });
    const task = await pollForUpdate(taskQueue, 'first');
    const second = caught(handle.executeUpdate('second', { updateId: 'second' }));
    await settle();
    const done = answer(task, 'first', 'first done');
    await complete(task, [...done.commands, completeWorkflow], done.messages);

    expect(await first).toBe('first done');
    const err = await second;
    expect(err).toBeInstanceOf(WorkflowNotFoundError);
    expect((err as Error).message).toBe(ABORTED_BY_CLOSE);
    const types = await historyEventTypes(handle);
    expect(types).not.toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
    expect(types.slice(-4)).toEqual([
      'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED',
    ]);
    // A new update on the closed workflow is refused the same way as before.
    const late = await caught(handle.executeUpdate('third', { updateId: 'third' }));
    expect(late).toBeInstanceOf(WorkflowNotFoundError);
    expect((late as Error).message).toBe('workflow execution already completed');
  });

  it('an accepted update the workflow never finishes fails with AcceptedUpdateCompletedWorkflow (a real worker)', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof abandonsUpdate>('abandonsUpdate', { taskQueue, workflowId: `abandons-${taskQueue}` });
      expectAcceptedUpdateCompletedWorkflow(await caught(handle.executeUpdate('waitForever', { updateId: 'forever' })));
      expect(await handle.result()).toBe('closed');
      // The outcome is kept: asking again by id answers the same.
      expectAcceptedUpdateCompletedWorkflow(await caught(handle.executeUpdate('waitForever', { updateId: 'forever' })));
      const types = await historyEventTypes(handle);
      expect(types).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
      expect(types).not.toContain('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED');
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    });
  });

  it('continue-as-new: an accepted update fails with AcceptedUpdateCompletedWorkflow, an admitted one moves to the new run unnoticed', async () => {
    const { handle, taskQueue } = await startRaw('can-race');
    const accepted = caught(handle.executeUpdate('first', { updateId: 'first' }));
    const task = await pollForUpdate(taskQueue, 'first');
    const moved = handle.executeUpdate<string, []>('second', { updateId: 'second' });
    await settle();
    const accept = answer(task, 'first');
    await complete(
      task,
      [
        ...accept.commands,
        {
          commandType: CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
          continueAsNewWorkflowExecutionCommandAttributes: { workflowType: { name: 'rawWorkflow' }, taskQueue: { name: taskQueue } },
        },
      ],
      accept.messages,
    );
    expectAcceptedUpdateCompletedWorkflow(await accepted);

    const next = await pollForUpdate(taskQueue, 'second');
    expect(next.workflowExecution?.runId).not.toBe(task.workflowExecution?.runId);
    const done = answer(next, 'second', 'second done');
    await complete(next, done.commands, done.messages);
    expect(await moved).toBe('second done');
  });
});

describe('updates in a workflow task that does not complete', () => {
  it('a task the worker fails is retried with its updates, and with those admitted meanwhile', async () => {
    const taskQueue = `wft-failed-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof counter>('counter', { taskQueue, workflowId: taskQueue });
    const first = handle.executeUpdate<number, [number]>('increment', { args: [2], updateId: 'first' });
    const task = await pollForUpdate(taskQueue, 'first');
    const second = handle.executeUpdate<number, [number]>('increment', { args: [3], updateId: 'second' });
    await settle();
    await service().respondWorkflowTaskFailed({
      namespace: t.namespace,
      taskToken: task.taskToken,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      failure: { message: 'the raw worker fails this task' },
      identity: 'raw-worker',
    });

    await t.withWorker({ taskQueue }, async () => {
      expect((await Promise.all([first, second])).sort()).toEqual([2, 5].sort());
      await handle.signal('finish');
      expect(await handle.result()).toBe(5);
    });
    const types = await historyEventTypes(handle);
    expect(types.indexOf('EVENT_TYPE_WORKFLOW_TASK_FAILED')).toBeGreaterThan(0);
    expect(types.indexOf('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')).toBeGreaterThan(types.indexOf('EVENT_TYPE_WORKFLOW_TASK_FAILED'));
    expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED')).toHaveLength(2);
  });

  it('a task that times out is retried with its update, which the next worker completes', async () => {
    const taskQueue = `wft-timeout-${randomUUID()}`;
    const handle = await t.client.workflow.start<typeof counter>('counter', { taskQueue, workflowId: taskQueue, workflowTaskTimeout: '1s' });
    const result = handle.executeUpdate<number, [number]>('increment', { args: [4], updateId: 'only' });
    await pollForUpdate(taskQueue, 'only'); // taken, never answered: the raw worker "dies"

    await t.withWorker({ taskQueue }, async () => {
      expect(await result).toBe(4);
      await handle.signal('finish');
      expect(await handle.result()).toBe(4);
    });
    const types = await historyEventTypes(handle);
    expect(types.indexOf('EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')).toBeGreaterThan(types.indexOf('EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT'));
  });

  it('a completion the server refuses (a signal came in as it closed): the update it carried fails FAILED_PRECONDITION, one admitted meanwhile goes out next', async () => {
    const { handle, taskQueue } = await startRaw('refused');
    const seen = caught(handle.executeUpdate('first', { updateId: 'first' }));
    const task = await pollForUpdate(taskQueue, 'first');
    const unseen = handle.executeUpdate<string, []>('second', { updateId: 'second' });
    await handle.signal('late');
    await settle();
    const done = answer(task, 'first', 'first done');
    // The real server answers INVALID_ARGUMENT; either way the completion is not written.
    await caught(complete(task, [...done.commands, completeWorkflow], done.messages));

    const err = await seen;
    expect(err).toBeInstanceOf(ServiceError);
    expect(grpcCode(err)).toBe(status.FAILED_PRECONDITION);
    expect(((err as ServiceError).cause as { details?: string }).details).toBe(TASK_FAILED);

    const next = await pollForUpdate(taskQueue, 'second');
    expect(requestIds(next)).not.toContain('first');
    const second = answer(next, 'second', 'second done');
    await complete(next, [...second.commands, completeWorkflow], second.messages);
    expect(await unseen).toBe('second done');
    const types = await historyEventTypes(handle);
    expect(types).toContain('EVENT_TYPE_WORKFLOW_TASK_FAILED');
    expect(types.filter((x) => x === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')).toHaveLength(1);
  });
});

describe('eager activity dispatch', () => {
  const schedule = (activityId: string, taskQueue: string, requestEagerExecution: boolean): Command => ({
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: {
      activityId,
      activityType: { name: 'rawActivity' },
      taskQueue: { name: taskQueue },
      startToCloseTimeout: { seconds: Long.fromNumber(30) },
      requestEagerExecution,
    },
  });

  it('returns the activities the worker asked to run eagerly in the completion, recorded as started by that worker', async () => {
    const { handle, taskQueue } = await startRaw('eager');
    const signalled = handle.signal('wake');
    await signalled;
    const task = await pollTask(taskQueue);
    const res = await complete(task, [schedule('eager-1', taskQueue, true), schedule('polled-1', taskQueue, false)]);
    const eager = res.activityTasks ?? [];
    // A real cluster does this only with system.enableActivityEagerExecution on (the dev server behaves so).
    if (onDevServer) expect(eager.map((a) => a.activityId)).toEqual(['eager-1']);
    for (const a of eager) {
      expect(a.workflowExecution?.workflowId).toBe(handle.workflowId);
      expect(a.attempt).toBe(1);
      await service().respondActivityTaskCompleted({ namespace: t.namespace, taskToken: a.taskToken, identity: 'raw-worker' });
    }
    // The other one (and the eager one, where eager dispatch is off) goes through matching.
    for (let left = 2 - eager.length; left > 0; left--) {
      const polled = await service().pollActivityTaskQueue({ namespace: t.namespace, taskQueue: { name: taskQueue }, identity: 'raw-activity-poller' });
      if (onDevServer) expect(polled.activityId).toBe('polled-1');
      await service().respondActivityTaskCompleted({ namespace: t.namespace, taskToken: polled.taskToken, identity: 'raw-activity-poller' });
    }
    const history = (await handle.fetchHistory()).events ?? [];
    const started = history.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.identity);
    if (onDevServer) expect(started.sort()).toEqual(['raw-activity-poller', 'raw-worker']);
    expect(history.filter((e) => e.activityTaskCompletedEventAttributes)).toHaveLength(2);
  });

  it('returns no activity for a workflow that closes in the same task', async () => {
    const { taskQueue } = await startRaw('eager-close');
    await t.client.workflow.getHandle(taskQueue).signal('wake');
    const res = await complete(await pollTask(taskQueue), [schedule('eager-1', taskQueue, true), completeWorkflow]);
    expect(res.activityTasks ?? []).toEqual([]);
  });

  it('a real worker, which asks for eager dispatch by default, runs its activities to the end', async () => {
    const activities = { echo: async (x: string) => x };
    await t.withWorker({ activities }, async (taskQueue) => {
      for (let i = 0; i < 2; i++) {
        const handle = await t.client.workflow.start('actCall', { taskQueue, workflowId: `eager-real-${i}-${taskQueue}`, args: ['echo', { startToCloseTimeout: '10s' }, `v${i}`] });
        expect(await handle.result()).toBe(`v${i}`);
        const types = await historyEventTypes(handle);
        expect(types).toContain('EVENT_TYPE_ACTIVITY_TASK_STARTED');
      }
    });
  });
});
