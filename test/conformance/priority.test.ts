// Task queue priority, as a real server applies it by default (and these tests pass unchanged against
// one): backlogged tasks go in priority-key order, first in first out within a key; a run's priority
// reaches its workflow, its activities and its children, which take it where they set none of their
// own; a continue-as-new keeps it; a bad one is refused in the server's words.
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { grpcCode } from '../harness/grpc-errors';
import { eventually } from '../harness/eventually';
import type { actCall } from '../workflows/activities';
import type { priorityReport } from '../workflows/priority';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

const t: TemporalTestEnv = await createTemporalTestEnv();
afterAll(() => t.teardown());

const priorityOfActivity = async () => Context.current().info.priority;

describe('task queue priority', () => {
  it('runs backlogged activities lowest priority key first (unset is 3, above 5 is 5), in order within a key', async () => {
    const activityQueue = `priority-activities-${randomUUID()}`;
    // Scheduled one after another on a queue nobody polls yet, each with its key (none: the default).
    const keys = [5, undefined, 1, 3, 2, 9, 1, undefined];
    const labels = keys.map((key, i) => `${i}:${key ?? 'unset'}`);
    await t.withWorker({}, async (taskQueue) => {
      const handles: WorkflowHandle[] = [];
      for (const [i, key] of keys.entries()) {
        const handle = await t.client.workflow.start<typeof actCall>('actCall', {
          taskQueue,
          workflowId: `priority-order-${i}-${taskQueue}`,
          args: ['record', { taskQueue: activityQueue, startToCloseTimeout: '1 minute', ...(key ? { priority: { priorityKey: key } } : {}) }, labels[i]],
        });
        await eventually(
          async () => ((await handle.fetchHistory()).events ?? []).some((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
          Boolean,
          { what: `activity ${labels[i]} scheduled` },
        );
        handles.push(handle);
      }
      const ran: string[] = [];
      // One slot: the worker takes one task at a time, so it takes them in the queue's order.
      await t.withWorker({ taskQueue: activityQueue, activities: { record: async (label: string) => void ran.push(label) }, maxConcurrentActivityTaskExecutions: 1 }, async () => {
        // One at a time: each result() lends the time-skipping clock its lock (a count shared with the
        // server's pending work), and several at once could let time jump over a running activity.
        for (const h of handles) await h.result();
      });
      expect(ran).toEqual(['2:1', '6:1', '4:2', '1:unset', '3:3', '7:unset', '0:5', '5:9']);
    });
  });

  it("a run's priority reaches its workflow, activities and children, which take it field by field where they set none; a continue-as-new keeps it", async () => {
    await t.withWorker({ activities: { priorityOfActivity } }, async (taskQueue) => {
      const start = { priorityKey: 2, fairnessKey: 'tenant-a' };
      const inherited = await t.client.workflow.execute<typeof priorityReport>('priorityReport', {
        taskQueue,
        workflowId: `priority-inherit-${taskQueue}`,
        args: [null, null],
        priority: start,
      });
      expect(inherited).toMatchObject({ workflow: start, activity: start, child: start });

      const overridden = await t.client.workflow.execute<typeof priorityReport>('priorityReport', {
        taskQueue,
        workflowId: `priority-override-${taskQueue}`,
        args: [{ priorityKey: 4 }, { fairnessKey: 'tenant-b' }, 1],
        priority: start,
      });
      expect(overridden).toMatchObject({
        workflow: start,
        activity: { priorityKey: 4, fairnessKey: 'tenant-a' },
        child: { priorityKey: 2, fairnessKey: 'tenant-b' },
      });

      // Recorded as given: the started event the run's, the scheduled activity its own.
      const handle = t.client.workflow.getHandle(`priority-override-${taskQueue}`);
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events[0].workflowExecutionStartedEventAttributes?.priority).toMatchObject(start);
      const scheduled = events.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
      expect(scheduled?.activityTaskScheduledEventAttributes?.priority).toMatchObject({ priorityKey: 4 });
      expect((await handle.describe()).raw.workflowExecutionInfo?.priority).toMatchObject(start);
    });
  });

  it('a run without a priority gives none to its activities and children', async () => {
    await t.withWorker({ activities: { priorityOfActivity } }, async (taskQueue) => {
      const report = await t.client.workflow.execute<typeof priorityReport>('priorityReport', { taskQueue, workflowId: `priority-none-${taskQueue}`, args: [null, null] });
      for (const p of [report.workflow, report.activity, report.child]) expect(p?.priorityKey ?? 0).toBe(0);
    });
  });

  it("refuses a negative priority key or a fairness key over 64 bytes with INVALID_ARGUMENT; in a command, the workflow task fails", async () => {
    const start = (priority: temporal.api.common.v1.IPriority) =>
      t.env.connection.workflowService.startWorkflowExecution({
        namespace: t.namespace,
        workflowId: `priority-bad-${randomUUID()}`,
        workflowType: { name: 'sapiEcho' },
        taskQueue: { name: `priority-bad-${randomUUID()}` },
        requestId: randomUUID(),
        priority,
      });
    for (const [priority, message] of [
      [{ priorityKey: -1 }, "priority key can't be negative"],
      [{ fairnessKey: 'k'.repeat(65) }, 'fairness key length exceeds limit'],
    ] as const) {
      const err = await start(priority).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(grpcCode(err), message).toBe(status.INVALID_ARGUMENT);
      expect(String((err as Error).message)).toContain(message);
    }

    await t.withWorker({}, async (taskQueue) => {
      const handle = await t.client.workflow.start<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `priority-bad-activity-${taskQueue}`,
        args: ['never', { startToCloseTimeout: '1 minute', priority: { fairnessKey: 'k'.repeat(65) } }],
      });
      const failed = await eventually(
        async () => ((await handle.fetchHistory()).events ?? []).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)?.workflowTaskFailedEventAttributes,
        Boolean,
        { what: 'the workflow task to fail' },
      );
      expect(failed?.cause).toBe(WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES);
      expect(failed?.failure?.message).toContain('fairness key length exceeds limit');
      await handle.terminate('refused as expected');
    });
  });
});
