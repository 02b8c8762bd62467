import { afterAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError, TerminatedFailure, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import type { cronCounter, cronInfo } from '../workflows/cron';
import type { timedSleep } from '../workflows/lifecycle';

// Created while the file is collected so `it.skipIf(!t.supportsTimeSkipping)` can read it.
const t: TemporalTestEnv = await createTemporalTestEnv();
afterAll(async () => {
  await t.teardown();
});

const { enums } = temporal.api;
const MINUTE = 60_000;
const settle = (p: Promise<unknown>): Promise<unknown> => p.then((value) => value, (err: unknown) => err);
/** The server's message under the SDK's wrapping error. */
const serverMessage = (err: unknown) => String((err as { cause?: Error }).cause?.message ?? (err as Error).message);

/** The runs of a workflow id, oldest first. */
async function runsOf(workflowId: string) {
  const runs = [];
  for await (const run of t.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

async function firstEvent(handle: Pick<WorkflowHandle, 'fetchHistory'>) {
  return (await handle.fetchHistory()).events![0].workflowExecutionStartedEventAttributes!;
}

async function lastEvent(handle: Pick<WorkflowHandle, 'fetchHistory'>) {
  return (await handle.fetchHistory()).events!.at(-1)!;
}

/** Waits (in skipped time) until the workflow id has `n` runs. */
async function untilRuns(workflowId: string, n: number) {
  for (let i = 0; i < 30; i++) {
    const runs = await runsOf(workflowId);
    if (runs.length >= n) return runs;
    await t.env.sleep(MINUTE);
  }
  throw new Error(`${workflowId} never reached ${n} runs`);
}

describe('cron workflows', () => {
  it('rejects an invalid cron schedule, and one with a start delay', async () => {
    const bad = await settle(t.client.workflow.start<typeof cronCounter>('cronCounter', { taskQueue: 'nowhere', workflowId: `cron-bad-${Date.now()}`, cronSchedule: 'not a cron' }));
    expect(serverMessage(bad)).toMatch(/invalid CronSchedule/);
    const both = await settle(
      t.client.workflow.start<typeof cronCounter>('cronCounter', { taskQueue: 'nowhere', workflowId: `cron-both-${Date.now()}`, cronSchedule: '* * * * *', startDelay: '1 minute' }),
    );
    expect(serverMessage(both)).toMatch(/CronSchedule and WorkflowStartDelay may not be used together/);
  });

  it.skipIf(!t.supportsTimeSkipping)('waits for the first tick, then chains runs on each tick with the last result and failure', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `cron-${taskQueue}`;
      const handle = await t.client.workflow.start<typeof cronCounter>('cronCounter', { taskQueue, workflowId, cronSchedule: '*/2 * * * *', args: [2] });
      const started = await firstEvent(handle);
      expect(started.cronSchedule).toBe('*/2 * * * *');
      expect(started.initiator).toBe(enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE);
      // The first run waits for the next even minute (rounded up to whole seconds), and has no task until then.
      const backoff = tsToMs(started.firstWorkflowTaskBackoff);
      expect(backoff).toBeGreaterThan(0);
      expect(backoff).toBeLessThanOrEqual(2 * MINUTE);
      expect(backoff % 1000).toBe(0);
      const described = await handle.describe();
      expect(described.raw.pendingWorkflowTask).toBeFalsy();
      expect(described.executionTime!.getTime() - described.startTime.getTime()).toBe(backoff);
      expect(new Date(described.executionTime!).getUTCMinutes() % 2).toBe(0);

      const runs = await untilRuns(workflowId, 4);
      const [first, second, third, fourth] = runs.map((r) => t.client.workflow.getHandle(workflowId, r.runId, { followRuns: false }));
      // Run 1 completes (status COMPLETED, naming its successor); run 2 fails once; run 3 sees the failure and the last result.
      expect(runs[0].status.name).toBe('COMPLETED');
      expect(runs[1].status.name).toBe('FAILED');
      expect(runs[2].status.name).toBe('COMPLETED');
      expect(await first.result()).toBe(1);
      expect((await lastEvent(first)).workflowExecutionCompletedEventAttributes!.newExecutionRunId).toBe(runs[1].runId);
      expect((await lastEvent(second)).workflowExecutionFailedEventAttributes!.newExecutionRunId).toBe(runs[2].runId);
      expect(await third.result()).toBe(2);
      expect(await fourth.result().catch(() => 'still running')).toBeDefined();

      const secondStart = await firstEvent(second);
      expect(secondStart.initiator).toBe(enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE);
      expect(secondStart.continuedExecutionRunId).toBe(runs[0].runId);
      expect(secondStart.firstExecutionRunId).toBe(runs[0].runId);
      expect(secondStart.cronSchedule).toBe('*/2 * * * *');
      expect(secondStart.lastCompletionResult?.payloads?.length).toBe(1);
      const thirdStart = await firstEvent(third);
      expect(thirdStart.continuedFailure?.message).toBe('failing run 2');
      expect(thirdStart.lastCompletionResult?.payloads?.length).toBe(1);
      // Each run starts on an even minute.
      for (const run of runs.slice(1)) {
        const s = await firstEvent(t.client.workflow.getHandle(workflowId, run.runId));
        const executionTime = tsToMs((await t.client.workflow.getHandle(workflowId, run.runId).describe()).raw.workflowExecutionInfo!.executionTime);
        expect(new Date(executionTime).getUTCMinutes() % 2).toBe(0);
        expect(tsToMs(s.firstWorkflowTaskBackoff)).toBeGreaterThan(0);
      }

      // Terminating ends the chain: no further run, and following the runs ends in the termination.
      await handle.terminate('enough');
      const following = await settle(t.client.workflow.getHandle(workflowId).result());
      expect(following).toBeInstanceOf(WorkflowFailedError);
      expect((following as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
      const count = (await runsOf(workflowId)).length;
      await t.env.sleep(5 * MINUTE);
      expect((await runsOf(workflowId)).length).toBe(count);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('gives the run its cron schedule, and cancelling a run ends the chain', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `cron-info-${taskQueue}`;
      const info = await t.client.workflow.start<typeof cronInfo>('cronInfo', { taskQueue, workflowId, cronSchedule: '@hourly' });
      // result() follows the chain's runs (a cron chain never ends by itself): read the first run's alone.
      const firstRun = t.client.workflow.getHandle(workflowId, info.firstExecutionRunId, { followRuns: false });
      expect(await firstRun.result()).toMatchObject({ cronSchedule: '@hourly', workflowId });
      const started = await firstEvent(info);
      expect(new Date(tsToMs((await firstRun.describe()).raw.workflowExecutionInfo!.executionTime)).getUTCMinutes()).toBe(0);
      expect(started.cronSchedule).toBe('@hourly');
      await info.terminate();

      const sleeperId = `cron-cancel-${taskQueue}`;
      await t.client.workflow.start<typeof timedSleep>('timedSleep', { taskQueue, workflowId: sleeperId, cronSchedule: '* * * * *', args: ['1 day'] });
      const [run] = await untilRuns(sleeperId, 1);
      const sleeper = t.client.workflow.getHandle(sleeperId, run.runId, { followRuns: false });
      // Cancelled before its first task: the cancellation is delivered at the tick and the run ends CANCELED.
      await sleeper.cancel();
      await t.env.sleep(2 * MINUTE);
      expect((await sleeper.describe()).status.name).toBe('CANCELLED');
      expect((await lastEvent(sleeper)).eventType).toBe(enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
      await t.env.sleep(3 * MINUTE);
      expect((await runsOf(sleeperId)).length).toBe(1);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('signal-with-start takes a cron schedule as start does', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const workflowId = `cron-sws-${taskQueue}`;
      const handle = await t.client.workflow.signalWithStart<typeof cronInfo>('cronInfo', {
        taskQueue,
        workflowId,
        cronSchedule: '*/10 * * * *',
        signal: 'nothing',
        signalArgs: [],
      });
      expect((await firstEvent(handle)).cronSchedule).toBe('*/10 * * * *');
      await untilRuns(workflowId, 2);
      await handle.terminate();
    });
  });
});
