import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TerminatedFailure,
  WorkflowContinuedAsNewError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { createTemporalTestEnv, historyEventTypes as eventTypes, type TemporalTestEnv } from '../harness/temporal';
import type {
  blocker,
  cancelExternal,
  cancelToCleanup,
  cancelledTimer,
  continueLoop,
  echoParent,
  failWith,
  flakyWorkflow,
  parentCancellingChild,
  parentInspectingChildFailure,
  parentLeavingChild,
  parentOfFailingChild,
  parentStartingDuplicateChild,
  signalExternal,
  signalMissing,
  timedSleep,
} from '../workflows/lifecycle';

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

/** What a promise rejects with (or resolves to, which then fails the instanceof checks that follow). */
const settle = (p: Promise<unknown>): Promise<unknown> => p.then((value) => value, (err: unknown) => err);

const count = (types: string[], type: string) => types.filter((x) => x === `EVENT_TYPE_${type}`).length;

async function events(handle: Pick<WorkflowHandle, 'fetchHistory'>) {
  return (await handle.fetchHistory()).events ?? [];
}

describe('timers', () => {
  it('fires a workflow timer: TimerStarted then TimerFired, and workflow time advances across it', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof timedSleep>('timedSleep', { taskQueue, workflowId: `sleep-${taskQueue}`, args: [200] });
      const result = await handle.result();
      expect(result.elapsedMs).toBeGreaterThanOrEqual(200);
      const types = await eventTypes(handle);
      expect(count(types, 'TIMER_STARTED')).toBe(1);
      expect(count(types, 'TIMER_FIRED')).toBe(1);
      expect(types.indexOf('EVENT_TYPE_TIMER_STARTED')).toBeLessThan(types.indexOf('EVENT_TYPE_TIMER_FIRED'));
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
      const started = (await events(handle)).find((e) => e.timerStartedEventAttributes)!;
      expect(tsToMs(started.timerStartedEventAttributes!.startToFireTimeout)).toBe(200);
    });
  });

  it('cancels a started timer through its CancellationScope: TimerCanceled, never TimerFired for it', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof cancelledTimer>('cancelledTimer', { taskQueue, workflowId: `cancel-timer-${taskQueue}` });
      expect(await handle.result()).toBe('cancelled');
      const history = await events(handle);
      const types = await eventTypes(handle);
      expect(count(types, 'TIMER_STARTED')).toBe(2);
      expect(count(types, 'TIMER_CANCELED')).toBe(1);
      const cancelledId = history.find((e) => e.timerCanceledEventAttributes)!.timerCanceledEventAttributes!.timerId;
      const firedIds = history.filter((e) => e.timerFiredEventAttributes).map((e) => e.timerFiredEventAttributes!.timerId);
      // Only the short timer fired; the cancelled one did not.
      expect(firedIds).toHaveLength(1);
      expect(firedIds).not.toContain(cancelledId);
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    });
  });
});

describe('continue-as-new', () => {
  it('carries state across runs; result() follows the chain; describe() shows the latest run', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `can-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof continueLoop>('continueLoop', { taskQueue, workflowId, args: [0, 3] });
      const result = await handle.result();
      expect(result.count).toBe(3);
      expect(result.firstExecutionRunId).toBe(handle.firstExecutionRunId);
      expect(result.runId).not.toBe(handle.firstExecutionRunId);
      expect(result.continuedFromExecutionRunId).toBeTruthy();
      expect(result.continuedFromExecutionRunId).not.toBe(result.runId);

      // The first run ended by continuing as new; walking newExecutionRunId visits all four runs.
      const first = t.client.workflow.getHandle(workflowId, handle.firstExecutionRunId);
      expect((await eventTypes(first)).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
      const runs = [handle.firstExecutionRunId];
      for (;;) {
        const last = (await events(t.client.workflow.getHandle(workflowId, runs.at(-1)))).at(-1)!;
        const next = last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
        if (!next) {
          expect(last.workflowExecutionCompletedEventAttributes).toBeTruthy();
          break;
        }
        runs.push(next);
      }
      expect(runs).toHaveLength(4);
      expect(runs.at(-1)).toBe(result.runId);
      expect(runs.at(-2)).toBe(result.continuedFromExecutionRunId);

      // Without following runs, the first run's result is "continued as new" with the next run's id.
      const err = await settle(t.client.workflow.result(workflowId, handle.firstExecutionRunId, { followRuns: false }));
      expect(err).toBeInstanceOf(WorkflowContinuedAsNewError);
      expect((err as WorkflowContinuedAsNewError).newExecutionRunId).toBe(runs[1]);

      const desc = await handle.describe();
      expect(desc.runId).toBe(result.runId);
      expect(desc.status.name).toBe('COMPLETED');
    });
  });
});

describe('child workflows', () => {
  it("returns the child's result to the parent", async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `echo-parent-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof echoParent>('echoParent', { taskQueue, workflowId, args: ['hi'] });
      expect(await handle.result()).toBe(`child says hi (parent ${workflowId})`);
      const types = await eventTypes(handle);
      for (const type of ['START_CHILD_WORKFLOW_EXECUTION_INITIATED', 'CHILD_WORKFLOW_EXECUTION_STARTED', 'CHILD_WORKFLOW_EXECUTION_COMPLETED']) {
        expect(count(types, type), type).toBe(1);
      }
      const child = await t.client.workflow.getHandle(`${workflowId}-child`).describe();
      expect(child.status.name).toBe('COMPLETED');
      expect(child.parentExecution?.workflowId).toBe(workflowId);
    });
  });

  it('surfaces a child failure as ChildWorkflowFailure caused by the ApplicationFailure', async () => {
    await t.withWorker({}, async (taskQueue) => {
      // Caught inside the parent...
      const inspecting = await t.client.workflow.start<typeof parentInspectingChildFailure>('parentInspectingChildFailure', {
        taskQueue,
        workflowId: `inspect-child-${taskQueue}`,
      });
      expect(await inspecting.result()).toEqual({ name: 'ChildWorkflowFailure', causeName: 'ApplicationFailure', causeType: 'ChildBroke', causeMessage: 'child broke' });

      // ...and left to fail the parent, as the client sees it.
      const parent = await t.client.workflow.start<typeof parentOfFailingChild>('parentOfFailingChild', { taskQueue, workflowId: `failing-child-${taskQueue}` });
      const err = await settle(parent.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const childFailure = (err as WorkflowFailedError).cause;
      expect(childFailure).toBeInstanceOf(ChildWorkflowFailure);
      expect((childFailure as ChildWorkflowFailure).execution.workflowId).toBe(`failing-child-${taskQueue}-child`);
      const cause = (childFailure as ChildWorkflowFailure).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('ChildBroke');
      expect((cause as ApplicationFailure).message).toBe('child broke');
      expect((cause as ApplicationFailure).details).toEqual(['detail-1']);
      const types = await eventTypes(parent);
      expect(count(types, 'CHILD_WORKFLOW_EXECUTION_FAILED')).toBe(1);
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
    });
  });

  it('parent close policy TERMINATE terminates a still-running child when the parent completes', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const childId = `terminated-child-${taskQueue}`;
      const parent = await t.client.workflow.start<typeof parentLeavingChild>('parentLeavingChild', {
        taskQueue,
        workflowId: `terminate-policy-${taskQueue}`,
        args: [childId, 'TERMINATE'],
      });
      const childRunId = await parent.result();
      const child = t.client.workflow.getHandle(childId, childRunId);
      // A real server applies the policy asynchronously, moments after the parent closed.
      expect(await waitUntilClosed(child)).toBe('TERMINATED');
      const err = await settle(child.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
      const types = await eventTypes(child);
      expect(count(types, 'WORKFLOW_EXECUTION_SIGNALED')).toBe(1);
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED');
    });
  });

  it('parent close policy ABANDON leaves the child running after the parent completes', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const childId = `abandoned-child-${taskQueue}`;
      const parent = await t.client.workflow.start<typeof parentLeavingChild>('parentLeavingChild', {
        taskQueue,
        workflowId: `abandon-policy-${taskQueue}`,
        args: [childId, 'ABANDON'],
      });
      const childRunId = await parent.result();
      const child = t.client.workflow.getHandle<typeof blocker>(childId, childRunId);
      expect((await child.describe()).status.name).toBe('RUNNING');
      // Still alive: it takes a signal and completes with what it received, its parent's note included.
      await child.signal('note', 'after parent');
      await child.signal('release');
      expect(await child.result()).toEqual(['from parent', 'after parent']);
    });
  });

  it('fails to start a child whose workflow id is already running with WorkflowExecutionAlreadyStartedError', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const childId = `busy-${taskQueue}`;
      const busy = await t.client.workflow.start<typeof blocker>('blocker', { taskQueue, workflowId: childId });
      const parent = await t.client.workflow.start<typeof parentStartingDuplicateChild>('parentStartingDuplicateChild', {
        taskQueue,
        workflowId: `dup-child-parent-${taskQueue}`,
        args: [childId],
      });
      expect(await parent.result()).toEqual({ name: 'WorkflowExecutionAlreadyStartedError', workflowId: childId, workflowType: 'blocker' });
      const types = await eventTypes(parent);
      expect(count(types, 'START_CHILD_WORKFLOW_EXECUTION_FAILED')).toBe(1);
      expect(count(types, 'CHILD_WORKFLOW_EXECUTION_STARTED')).toBe(0);
      // The running workflow was not touched.
      expect((await busy.describe()).runId).toBe(busy.firstExecutionRunId);
      await busy.signal('release');
      expect(await busy.result()).toEqual([]);
    });
  });
});

describe('cancellation', () => {
  it('lets the workflow catch CancelledFailure and complete from a non-cancellable cleanup scope', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof cancelToCleanup>('cancelToCleanup', { taskQueue, workflowId: `cleanup-${taskQueue}` });
      await waitForTimerStarted(handle);
      await handle.cancel();
      expect(await handle.result()).toBe('cleaned up');
      const types = await eventTypes(handle);
      expect(count(types, 'WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBe(1);
      // Cancelling the root scope cancelled the pending 1-day timer.
      expect(count(types, 'TIMER_CANCELED')).toBe(1);
      expect(count(types, 'WORKFLOW_EXECUTION_CANCELED')).toBe(0);
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
      expect((await handle.describe()).status.name).toBe('COMPLETED');
    });
  });

  it('rethrown cancellation: result() rejects with WorkflowFailedError caused by CancelledFailure', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof blocker>('blocker', { taskQueue, workflowId: `cancel-${taskQueue}` });
      expect(await handle.query<boolean>('cleanedUp')).toBe(false);
      await handle.cancel();
      const err = await settle(handle.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const types = await eventTypes(handle);
      expect(count(types, 'WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBe(1);
      expect(types.at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED');
      // The cleanup ran (its non-cancellable timer fired) before the workflow reported cancellation.
      expect(count(types, 'TIMER_FIRED')).toBe(1);
      expect(await handle.query<boolean>('cleanedUp')).toBe(true);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    });
  });
});

describe('child cancellation', () => {
  it('cancelling the scope that started a child cancels the child; the parent sees the cancellation', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `cancel-child-${taskQueue}`;
      const parent = await t.client.workflow.start<typeof parentCancellingChild>('parentCancellingChild', { taskQueue, workflowId });
      expect(await parent.result()).toEqual({ cancelled: true, name: 'ChildWorkflowFailure', causeName: 'CancelledFailure' });
      const parentTypes = await eventTypes(parent);
      expect(parentTypes).toContain('EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED');
      expect(parentTypes).toContain('EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED');
      const child = t.client.workflow.getHandle(`${workflowId}-child`);
      expect((await child.describe()).status.name).toBe('CANCELLED');
      const requested = (await events(child)).find((e) => e.workflowExecutionCancelRequestedEventAttributes)!;
      expect(requested.workflowExecutionCancelRequestedEventAttributes!.externalWorkflowExecution?.workflowId).toBe(workflowId);
      expect(await child.query<boolean>('cleanedUp')).toBe(true);
    });
  });
});

describe('termination', () => {
  it('terminate(): result() rejects with TerminatedFailure, status TERMINATED, later signals find no workflow', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof blocker>('blocker', { taskQueue, workflowId: `terminate-${taskQueue}` });
      await handle.signal('note', 'before');
      expect(await handle.query<string[]>('notes')).toEqual(['before']);
      await handle.terminate('stop right there');
      const err = await settle(handle.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(TerminatedFailure);
      expect(cause?.message).toBe('stop right there');
      expect((await handle.describe()).status.name).toBe('TERMINATED');
      const history = await events(handle);
      expect(history.at(-1)?.workflowExecutionTerminatedEventAttributes?.reason).toBe('stop right there');
      expect(await settle(handle.signal('note', 'after'))).toBeInstanceOf(WorkflowNotFoundError);
      expect(await settle(handle.cancel())).toBeInstanceOf(WorkflowNotFoundError);
      expect(await settle(handle.terminate('again'))).toBeInstanceOf(WorkflowNotFoundError);
      // A terminated workflow still answers queries from its history.
      expect(await handle.query<string[]>('notes')).toEqual(['before']);
    });
  });
});

describe('external workflows', () => {
  it('signals another workflow through getExternalWorkflowHandle().signal()', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const targetId = `signal-target-${taskQueue}`;
      const target = await t.client.workflow.start<typeof blocker>('blocker', { taskQueue, workflowId: targetId });
      const sender = await t.client.workflow.start<typeof signalExternal>('signalExternal', {
        taskQueue,
        workflowId: `signal-sender-${taskQueue}`,
        args: [targetId, 'hello from a workflow'],
      });
      expect(await sender.result()).toBe('signalled');
      const senderTypes = await eventTypes(sender);
      expect(count(senderTypes, 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED')).toBe(1);
      expect(count(senderTypes, 'EXTERNAL_WORKFLOW_EXECUTION_SIGNALED')).toBe(1);
      expect(await target.query<string[]>('notes')).toEqual(['hello from a workflow']);
      await target.signal('release');
      expect(await target.result()).toEqual(['hello from a workflow']);
    });
  });

  it('requests cancellation of another workflow through getExternalWorkflowHandle().cancel()', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const targetId = `cancel-target-${taskQueue}`;
      const cancellerId = `canceller-${taskQueue}`;
      const target = await t.client.workflow.start<typeof blocker>('blocker', { taskQueue, workflowId: targetId });
      const canceller = await t.client.workflow.start<typeof cancelExternal>('cancelExternal', { taskQueue, workflowId: cancellerId, args: [targetId] });
      expect(await canceller.result()).toBe('cancel requested');
      const cancellerTypes = await eventTypes(canceller);
      expect(count(cancellerTypes, 'REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED')).toBe(1);
      expect(count(cancellerTypes, 'EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED')).toBe(1);

      const err = await settle(target.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const requested = (await events(target)).find((e) => e.workflowExecutionCancelRequestedEventAttributes)!;
      expect(requested.workflowExecutionCancelRequestedEventAttributes!.externalWorkflowExecution?.workflowId).toBe(cancellerId);
      expect((await eventTypes(target)).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED');
    });
  });

  it('fails the signal in the sender when the target workflow does not exist', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const sender = await t.client.workflow.start<typeof signalMissing>('signalMissing', {
        taskQueue,
        workflowId: `signal-missing-${taskQueue}`,
        args: [`nobody-${taskQueue}`],
      });
      const result = await sender.result();
      expect(result.name).toBe('ApplicationFailure');
      expect(result.message).toMatch(/not found/);
      const types = await eventTypes(sender);
      expect(count(types, 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED')).toBe(1);
      expect(count(types, 'EXTERNAL_WORKFLOW_EXECUTION_SIGNALED')).toBe(0);
    });
  });
});

describe('workflow failure and retry', () => {
  it('a workflow throwing ApplicationFailure fails with that failure as the cause', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof failWith>('failWith', { taskQueue, workflowId: `fail-${taskQueue}`, args: ['boom', 'BoomError'] });
      const err = await settle(handle.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).retryState).toBe('RETRY_POLICY_NOT_SET');
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('BoomError');
      expect((cause as ApplicationFailure).message).toBe('boom');
      expect((cause as ApplicationFailure).details).toEqual([{ code: 42 }]);
      expect((await eventTypes(handle)).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
      expect((await handle.describe()).status.name).toBe('FAILED');
    });
  });

  it('retries a failing workflow under its retry policy; result() returns the successful attempt', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `flaky-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof flakyWorkflow>('flakyWorkflow', {
        taskQueue,
        workflowId,
        args: [3],
        retry: { maximumAttempts: 3, initialInterval: '100ms', backoffCoefficient: 1 },
      });
      expect(await handle.result()).toBe(3);
      // Each failed attempt is a run that failed and names its successor.
      const runs = [handle.firstExecutionRunId];
      for (;;) {
        const history = await events(t.client.workflow.getHandle(workflowId, runs.at(-1)));
        expect(history[0].workflowExecutionStartedEventAttributes?.attempt).toBe(runs.length);
        const next = history.at(-1)!.workflowExecutionFailedEventAttributes?.newExecutionRunId;
        if (!next) break;
        runs.push(next);
      }
      expect(runs).toHaveLength(3);
      expect((await eventTypes(t.client.workflow.getHandle(workflowId, runs[0]))).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
      expect((await eventTypes(t.client.workflow.getHandle(workflowId, runs[2]))).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
      const desc = await handle.describe();
      expect(desc.runId).toBe(runs[2]);
      expect(desc.status.name).toBe('COMPLETED');
    });
  });

  it('stops retrying at maximumAttempts and fails with the last attempt’s failure', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof flakyWorkflow>('flakyWorkflow', {
        taskQueue,
        workflowId: `exhausted-${taskQueue}`,
        args: [5],
        retry: { maximumAttempts: 3, initialInterval: '100ms', backoffCoefficient: 1 },
      });
      const err = await settle(handle.result());
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(ApplicationFailure);
      expect((err as WorkflowFailedError).cause?.message).toBe('attempt 3 failed');
    });
  });
});

/** Polls describe() (briefly, in real time) until the run is closed; resolves to its status. */
async function waitUntilClosed(handle: WorkflowHandle): Promise<string> {
  let status = 'RUNNING';
  for (let i = 0; i < 100 && status === 'RUNNING'; i++) {
    if (i) await new Promise((resolve) => setTimeout(resolve, 50));
    status = (await handle.describe()).status.name;
  }
  return status;
}

/** Waits (briefly, in real time) until the workflow's first task has started a timer. */
async function waitForTimerStarted(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await eventTypes(handle)).includes('EVENT_TYPE_TIMER_STARTED')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the workflow never started its timer');
}

afterAll(async () => {
  // Every history this file produced must replay without nondeterminism.
  expect(await t.replayAll()).toBeGreaterThan(0);
});
