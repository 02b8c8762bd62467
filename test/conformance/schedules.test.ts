import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, Connection, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleHandle } from '@temporalio/client';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { startDevServer } from '../../devserver/index';
import type { cronCounter, scheduledInfo } from '../workflows/cron';
import type { failWith, timedSleep } from '../workflows/lifecycle';
import { eventually } from '../harness/eventually';

// Created while the file is collected so `it.skipIf(!t.supportsTimeSkipping)` can read it.
const t: TemporalTestEnv = await createTemporalTestEnv({ uiPort: 0 });
afterAll(async () => {
  await t.teardown();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const settle = (p: Promise<unknown>): Promise<unknown> => p.then((value) => value, (err: unknown) => err);
/** Go's time.RFC3339 in UTC, as the real server appends it to a scheduled run's workflow id. */
const rfc3339 = (d: Date) => d.toISOString().replace('.000Z', 'Z');

// Each test deletes its schedules and stops their runs: a run left with a task on a queue no worker
// polls any more would hold time skipping back for the tests after it.
const schedules: ScheduleHandle[] = [];
afterEach(async () => {
  for (const s of schedules.splice(0)) {
    const described = await s.describe().catch(() => undefined);
    await s.delete().catch(() => undefined);
    for (const a of described?.info.recentActions ?? []) await t.client.workflow.getHandle(a.action.workflow.workflowId).terminate().catch(() => undefined);
  }
});

async function create(options: Parameters<Client['schedule']['create']>[0]) {
  const handle = await t.client.schedule.create(options);
  schedules.push(handle);
  return handle;
}

/** A schedule of `overlap` that starts, every hour, a run sleeping `sleep` (longer than an hour: runs overlap). */
const hourlySleeper = (overlap: ScheduleOverlapPolicy, taskQueue: string, sleep: string) =>
  create({
    scheduleId: `${overlap}-${taskQueue}`,
    spec: { intervals: [{ every: '1 hour' }] },
    policies: { overlap },
    action: { type: 'startWorkflow', workflowType: 'timedSleep', workflowId: `${overlap}-${taskQueue}`, taskQueue, args: [sleep] as Parameters<typeof timedSleep> },
  });

describe('schedules', () => {
  it('counts each schedule as a running workflow of the TemporalScheduler division, and only when a query names that division', async () => {
    const count = async (query: string) => Number((await t.client.workflowService.countWorkflowExecutions({ namespace: t.namespace, query })).count);
    const division = 'TemporalNamespaceDivision = "TemporalScheduler" AND ExecutionStatus = "Running"';
    const [inDivision, all] = [await count(division), await count('')];
    const scheduleId = `counted-${randomUUID()}`;
    await create({ scheduleId, spec: { intervals: [{ every: '1 hour' }] }, action: { type: 'startWorkflow', workflowType: 'timedSleep', taskQueue: 'nobody-polls', args: ['1s'] } });
    expect(await count(division)).toBe(inDivision + 1);
    expect(await count(`${division} AND WorkflowId = "temporal-sys-scheduler:${scheduleId}"`)).toBe(1);
    expect(await count(`${division} AND WorkflowId = "temporal-sys-scheduler:${scheduleId}" AND TemporalSchedulePaused = true`)).toBe(0);
    expect(await count('')).toBe(all);
    expect(await count('TemporalNamespaceDivision IS NULL')).toBe(all);
  });

  it.skipIf(!t.supportsTimeSkipping)('an interval schedule starts runs on its times, named <workflowId>-<time>, with the last result, memo and ScheduledById', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const scheduleId = `interval-${taskQueue}`;
      const handle = await create({
        scheduleId,
        spec: { intervals: [{ every: '1 hour' }] },
        action: { type: 'startWorkflow', workflowType: 'cronCounter', workflowId: `counted-${taskQueue}`, taskQueue, args: [0], memo: { team: 'exchange' } },
        memo: { owner: 'tests' },
      });
      const before = await handle.describe();
      expect(before.spec.intervals).toEqual([{ every: HOUR }]);
      expect(before.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 365 * 24 * HOUR, pauseOnFailure: false });
      expect(before.memo).toEqual({ owner: 'tests' });
      expect(before.info.numActionsTaken).toBe(0);
      expect(before.info.nextActionTimes).toHaveLength(10);
      for (const time of before.info.nextActionTimes) expect(time.getTime() % HOUR).toBe(0);
      expect(await settle(t.client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1 hour' }] }, action: { type: 'startWorkflow', workflowType: 'cronCounter', taskQueue } }))).toBeInstanceOf(
        ScheduleAlreadyRunning,
      );

      const first = before.info.nextActionTimes[0];
      await t.env.sleep(first.getTime() - (await t.env.currentTimeMs()) + 3 * HOUR + MINUTE);
      const after = await handle.describe();
      expect(after.info.numActionsTaken).toBe(4);
      expect(after.info.recentActions.map((a) => a.scheduledAt.getTime() - first.getTime())).toEqual([0, HOUR, 2 * HOUR, 3 * HOUR]);
      const ids = after.info.recentActions.map((a) => a.action.workflow.workflowId);
      expect(ids[0]).toBe(`counted-${taskQueue}-${rfc3339(first)}`);
      // Each run gets the last run's result: the counter counts.
      const results = [];
      for (const a of after.info.recentActions) results.push(await t.client.workflow.getHandle<typeof cronCounter>(a.action.workflow.workflowId).result());
      expect(results).toEqual([1, 2, 3, 4]);
      const run = await t.client.workflow.getHandle(ids[0]).describe();
      expect(run.searchAttributes.TemporalScheduledById).toEqual([scheduleId]);
      expect((run.searchAttributes.TemporalScheduledStartTime as Date[])[0].getTime()).toBe(first.getTime());
      expect(run.memo).toEqual({ team: 'exchange' });

      // Reading the results let skipped time run on (more hours may have passed): describe again, then
      // list, neither of which lets time move.
      const now = await handle.describe();
      const listed = [];
      for await (const s of t.client.schedule.list()) if (s.scheduleId === scheduleId) listed.push(s);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ action: { type: 'startWorkflow', workflowType: 'cronCounter' }, memo: { owner: 'tests' }, state: { paused: false } });
      // The list shows the last few actions, as describe has them.
      const recent = listed[0].info.recentActions.map((a) => a.action.workflow.workflowId);
      expect(recent.length).toBeGreaterThanOrEqual(2);
      expect(recent).toEqual(now.info.recentActions.map((a) => a.action.workflow.workflowId).slice(-recent.length));
      expect(listed[0].info.nextActionTimes).toHaveLength(5);

      await handle.delete();
      expect(await settle(handle.describe())).toBeInstanceOf(ScheduleNotFoundError);
      expect(await settle(handle.delete())).toBeInstanceOf(ScheduleNotFoundError);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('pause holds actions back, unpause resumes them, trigger starts one now', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await create({
        scheduleId: `pause-${taskQueue}`,
        spec: { intervals: [{ every: '1 hour', offset: '15 minutes' }] },
        action: { type: 'startWorkflow', workflowType: 'scheduledInfo', workflowId: `paused-${taskQueue}`, taskQueue },
        state: { paused: true, note: 'not yet' },
      });
      const paused = await handle.describe();
      expect(paused.state).toMatchObject({ paused: true, note: 'not yet' });
      for (const time of paused.info.nextActionTimes) expect(time.getTime() % HOUR).toBe(15 * MINUTE);
      await t.env.sleep(3 * HOUR);
      expect((await handle.describe()).info.numActionsTaken).toBe(0);

      await handle.trigger();
      const triggered = await handle.describe();
      expect(triggered.info.numActionsTaken).toBe(1);
      const triggeredRun = t.client.workflow.getHandle<typeof scheduledInfo>(triggered.info.recentActions[0].action.workflow.workflowId);
      const info = await triggeredRun.result();
      expect(info.scheduledBy).toBe(`pause-${taskQueue}`);

      await handle.unpause('go');
      expect((await handle.describe()).state).toMatchObject({ paused: false, note: 'go' });
      await t.env.sleep(HOUR + MINUTE);
      expect((await handle.describe()).info.numActionsTaken).toBe(2);
      await handle.pause('stop');
      await t.env.sleep(2 * HOUR);
      const stopped = await handle.describe();
      expect(stopped.info.numActionsTaken).toBe(2);
      expect(stopped.state).toMatchObject({ paused: true, note: 'stop' });
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('calendars and cron strings: the server keeps them as structured calendars and acts on their times', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await create({
        scheduleId: `calendar-${taskQueue}`,
        spec: { calendars: [{ hour: 9, minute: 30, dayOfWeek: 'MONDAY' }], cronExpressions: ['0 12 * * 1-5'], skip: [{ hour: 12, dayOfWeek: 'WEDNESDAY' }] },
        action: { type: 'startWorkflow', workflowType: 'scheduledInfo', workflowId: `cal-${taskQueue}`, taskQueue },
      });
      const d = await handle.describe();
      expect(d.spec.calendars).toHaveLength(2);
      expect(d.spec.calendars![1]).toMatchObject({ hour: [{ start: 12, end: 12, step: 1 }], dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }] });
      expect(d.spec.skip).toHaveLength(1);
      const times = d.info.nextActionTimes;
      expect(times).toHaveLength(10);
      for (const time of times) {
        const monday930 = time.getUTCDay() === 1 && time.getUTCHours() === 9 && time.getUTCMinutes() === 30;
        const weekdayNoon = time.getUTCDay() >= 1 && time.getUTCDay() <= 5 && time.getUTCDay() !== 3 && time.getUTCHours() === 12 && time.getUTCMinutes() === 0;
        expect(monday930 || weekdayNoon).toBe(true);
      }
      await t.env.sleep(times[1].getTime() - (await t.env.currentTimeMs()) + MINUTE);
      const after = await handle.describe();
      expect(after.info.recentActions.map((a) => a.scheduledAt.getTime())).toEqual([times[0].getTime(), times[1].getTime()]);
      // The SDK turns the server's "Invalid schedule spec: ..." into a TypeError with the reason.
      const bad = await settle(create({ scheduleId: `bad-${taskQueue}`, spec: { cronExpressions: ['61 * * * *'] }, action: { type: 'startWorkflow', workflowType: 'x', taskQueue } }));
      expect(bad).toBeInstanceOf(TypeError);
      expect((bad as Error).message).toBe('Minute is not in range [0-59]');
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('overlap: SKIP skips a time while the last run runs, BUFFER_ONE starts it when the run closes', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const skip = await hourlySleeper(ScheduleOverlapPolicy.SKIP, taskQueue, '90 minutes');
      const bufferOne = await hourlySleeper(ScheduleOverlapPolicy.BUFFER_ONE, taskQueue, '90 minutes');
      const first = (await skip.describe()).info.nextActionTimes[0].getTime();
      await t.env.sleep(first - (await t.env.currentTimeMs()) + HOUR + MINUTE);
      // At the second time, the first run (90 minutes) still runs.
      const skipped = await skip.describe();
      expect(skipped.info.numActionsTaken).toBe(1);
      expect(skipped.info.numActionsSkippedOverlap).toBe(1);
      expect(skipped.info.runningActions).toHaveLength(1);
      const buffered = await bufferOne.describe();
      expect(buffered.info.numActionsTaken).toBe(1);
      expect(buffered.raw.info?.bufferSize?.toString()).toBe('1');
      await t.env.sleep(HOUR);
      // The first run closed at +90 minutes: BUFFER_ONE started the buffered time then.
      const later = await bufferOne.describe();
      expect(later.info.numActionsTaken).toBe(2);
      expect(later.info.recentActions[1].takenAt.getTime() - first).toBeGreaterThanOrEqual(90 * MINUTE);
      expect(later.info.recentActions[0].action.workflow.workflowId).toBe(`${ScheduleOverlapPolicy.BUFFER_ONE}-${taskQueue}-${rfc3339(new Date(first))}`);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('overlap: TERMINATE_OTHER ends the running run and starts at once, CANCEL_OTHER starts once the run it cancelled has closed, BUFFER_ALL starts every time in turn', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const terminate = await hourlySleeper(ScheduleOverlapPolicy.TERMINATE_OTHER, taskQueue, '150 minutes');
      const cancel = await hourlySleeper(ScheduleOverlapPolicy.CANCEL_OTHER, taskQueue, '150 minutes');
      const bufferAll = await hourlySleeper(ScheduleOverlapPolicy.BUFFER_ALL, taskQueue, '150 minutes');
      const first = (await terminate.describe()).info.nextActionTimes[0].getTime();
      const runOf = (s: ScheduleHandle, nominal: number) => t.client.workflow.getHandle(`${s.scheduleId}-${rfc3339(new Date(nominal))}`);
      await t.env.sleep(first - (await t.env.currentTimeMs()) + HOUR + MINUTE);

      // The second time came while the first run (150 minutes) ran.
      expect((await terminate.describe()).info.numActionsTaken).toBe(2);
      expect((await runOf(terminate, first).describe()).status.name).toBe('TERMINATED');
      expect((await runOf(terminate, first + HOUR).describe()).status.name).toBe('RUNNING');
      // The cancelled run closes once its worker has run the cancellation; the next one starts then.
      const cancelled = await eventually(() => cancel.describe(), (d) => d.info.numActionsTaken === 2, { what: 'CANCEL_OTHER to start the second run' });
      expect(cancelled.info.runningActions.map((a) => a.workflow.workflowId)).toEqual([runOf(cancel, first + HOUR).workflowId]);
      expect((await runOf(cancel, first).describe()).status.name).toBe('CANCELLED');
      expect((await runOf(cancel, first + HOUR).describe()).status.name).toBe('RUNNING');

      // BUFFER_ALL: the first run closed at +150 minutes and the +1 h time started then; +2 h and +3 h wait.
      await t.env.sleep(2 * HOUR);
      const buffered = await bufferAll.describe();
      expect(buffered.info.numActionsTaken).toBe(2);
      expect(buffered.raw.info?.bufferSize?.toString()).toBe('2');
      expect(buffered.info.recentActions.map((a) => a.action.workflow.workflowId)).toEqual([runOf(bufferAll, first).workflowId, runOf(bufferAll, first + HOUR).workflowId]);
      expect(buffered.info.recentActions[1].takenAt.getTime() - first).toBeGreaterThanOrEqual(150 * MINUTE);
      expect((await runOf(bufferAll, first).describe()).status.name).toBe('COMPLETED');
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('pause on failure: a failed run pauses the schedule, with a note naming it; no later time is taken', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await create({
        scheduleId: `pause-on-failure-${taskQueue}`,
        spec: { intervals: [{ every: '1 hour' }] },
        policies: { pauseOnFailure: true },
        action: { type: 'startWorkflow', workflowType: 'failWith', workflowId: `fails-${taskQueue}`, taskQueue, args: ['the printer is on fire', 'Broken'] as Parameters<typeof failWith> },
      });
      const first = (await handle.describe()).info.nextActionTimes[0].getTime();
      await t.env.sleep(first - (await t.env.currentTimeMs()) + MINUTE);
      const paused = await eventually(() => handle.describe(), (d) => d.state.paused, { what: 'the schedule to pause' });
      const failed = `fails-${taskQueue}-${rfc3339(new Date(first))}`;
      expect(paused.state.note).toBe(`paused due to workflow failure: ${failed}: the printer is on fire`);
      expect((await t.client.workflow.getHandle(failed).describe()).status.name).toBe('FAILED');
      await t.env.sleep(2 * HOUR);
      expect((await handle.describe()).info.numActionsTaken).toBe(1);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('limited actions, update and backfill', async () => {
    await t.withWorker({}, async (taskQueue) => {
      const handle = await create({
        scheduleId: `limited-${taskQueue}`,
        spec: { intervals: [{ every: '1 hour' }] },
        action: { type: 'startWorkflow', workflowType: 'scheduledInfo', workflowId: `limited-${taskQueue}`, taskQueue },
        state: { remainingActions: 2 },
      });
      expect((await handle.describe()).info.nextActionTimes).toHaveLength(2);
      await t.env.sleep(4 * HOUR);
      const spent = await handle.describe();
      expect(spent.info.numActionsTaken).toBe(2);
      expect(spent.state.remainingActions).toBe(0);
      expect(spent.info.nextActionTimes).toHaveLength(0);

      await handle.update((s) => ({ ...s, spec: { intervals: [{ every: '30 minutes' }] }, state: { ...s.state, remainingActions: 10 } }));
      const updated = await handle.describe();
      expect(updated.spec.intervals).toEqual([{ every: 30 * MINUTE }]);
      expect(updated.info.lastUpdatedAt).toBeInstanceOf(Date);
      expect(updated.state.remainingActions).toBe(10);
      await t.env.sleep(61 * MINUTE);
      expect((await handle.describe()).info.numActionsTaken).toBe(4);

      // Backfill: the past times in the range (start inclusive), taken now, not counted against the limit.
      const now = await t.env.currentTimeMs();
      const from = new Date(Math.floor(now / HOUR) * HOUR - 10 * HOUR);
      await handle.backfill({ start: from, end: new Date(from.getTime() + 2 * HOUR), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
      const filled = await handle.describe();
      expect(filled.info.numActionsTaken).toBe(9);
      expect(filled.info.recentActions.slice(-5).map((a) => a.scheduledAt.getTime() - from.getTime())).toEqual([0, 30, 60, 90, 120].map((m) => m * MINUTE));
      expect(filled.state.remainingActions).toBe(8);
    });
  });

  it.skipIf(!t.supportsTimeSkipping)('answers through the HTTP API too', async () => {
    const handle = await create({
      scheduleId: `http-${Date.now()}`,
      spec: { cronExpressions: ['0 0 * * *'] },
      action: { type: 'startWorkflow', workflowType: 'scheduledInfo', workflowId: 'http', taskQueue: 'nowhere' },
      state: { paused: true },
    });
    const base = `http://${t.devServer!.httpAddress}/api/v1/namespaces/${t.namespace}`;
    const listed = (await (await fetch(`${base}/schedules`)).json()) as { schedules: { scheduleId: string }[] };
    expect(listed.schedules.map((s) => s.scheduleId)).toContain(handle.scheduleId);
    const described = (await (await fetch(`${base}/schedules/${handle.scheduleId}`)).json()) as { schedule: { spec: { structuredCalendar: { hour: unknown }[] } } };
    // proto3 JSON leaves zeros out: hour 0 to 0.
    expect(described.schedule.spec.structuredCalendar[0].hour).toEqual([{ step: 1 }]);
    expect((await fetch(`${base}/schedules/missing-${Date.now()}`)).status).toBe(404);
  });

  it.skipIf(!t.supportsTimeSkipping)('survives a restart with a data directory, from the snapshot a clean shutdown writes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'devserver-schedules-'));
    try {
      const open = async () => {
        const server = await startDevServer({ port: 0, uiPort: false, dataDir });
        const connection = await Connection.connect({ address: server.address });
        return { server, connection, client: new Client({ connection }) };
      };
      const a = await open();
      await a.client.schedule.create({
        scheduleId: 'kept',
        spec: { intervals: [{ every: '1 day' }] },
        action: { type: 'startWorkflow', workflowType: 'scheduledInfo', workflowId: 'kept', taskQueue: 'nowhere' },
        state: { note: 'persisted' },
      });
      await a.client.schedule.getHandle('kept').pause('paused before restart');
      await a.client.schedule.create({ scheduleId: 'gone', spec: { intervals: [{ every: '1 day' }] }, action: { type: 'startWorkflow', workflowType: 'x', taskQueue: 'nowhere' } });
      await a.client.schedule.getHandle('gone').delete();
      await a.connection.close();
      await a.server.close();

      const b = await open();
      const d = await b.client.schedule.getHandle('kept').describe();
      expect(d.state).toMatchObject({ paused: true, note: 'paused before restart' });
      expect(d.spec.intervals).toEqual([{ every: 24 * HOUR }]);
      expect(await settle(b.client.schedule.getHandle('gone').describe())).toBeInstanceOf(ScheduleNotFoundError);
      await b.connection.close();
      await b.server.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
