import { status } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import Long from 'long';
import { Context } from '@temporalio/activity';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';
import { codeOf, grpcCode } from '../harness/grpc-errors';
import type { actCall } from '../workflows/activities';

// Temporal's TestService (time skipping) exists on Temporal's test server and on our dev server, not on
// a real cluster. This file has a server of its own, so the lock count starts where the test server's
// does: one lock, taken at start.
const t: TemporalTestEnv = await createTemporalTestEnv();
afterAll(async () => {
  await t.teardown();
});

const HOUR = 3_600_000;
const testService = () => t.env.connection.testService!;
const secs = (n: number) => Long.fromNumber(n);

/** What a call that must fail answers: its gRPC code and message. */
async function refusal(call: () => Promise<unknown>): Promise<{ code?: number; message: string }> {
  try {
    await call();
  } catch (err) {
    return { code: grpcCode(err), message: (err as Error).message };
  }
  throw new Error('expected the call to fail');
}

describe.skipIf(!t.supportsTimeSkipping)('TestService', () => {
  it('an activity that sleeps through env.sleep() skips time while a client waits for the result', async () => {
    // The activity's own task holds a lock, and result() gave up the client's: the activity's
    // UnlockTimeSkippingWithSleep takes the count to zero, so its hour passes at once.
    const activities = {
      sleepAnHour: async () => {
        const before = await t.env.currentTimeMs();
        await t.env.sleep(HOUR);
        return { slept: (await t.env.currentTimeMs()) - before, attempt: Context.current().info.attempt };
      },
    };
    await t.withWorker({ activities }, async (taskQueue) => {
      const startedAt = Date.now();
      const result = (await t.client.workflow.execute<typeof actCall>('actCall', {
        taskQueue,
        workflowId: `activity-sleep-${taskQueue}`,
        args: ['sleepAnHour', { startToCloseTimeout: '1 day' }],
      })) as { slept: number; attempt: number };
      expect(result.slept).toBeGreaterThanOrEqual(HOUR);
      expect(result.attempt).toBe(1);
      expect(Date.now() - startedAt).toBeLessThan(30_000);
    });
  });

  it('counts locks: time skips only once every lock is given back', async () => {
    const start = await t.env.currentTimeMs();
    await testService().lockTimeSkipping({}); // two locks now: sleeping gives one back, time still runs in real time
    const realStart = Date.now();
    await t.env.sleep(300);
    expect(Date.now() - realStart).toBeGreaterThanOrEqual(250);
    await testService().unlockTimeSkipping({}); // one lock again: the sleep below gives it, and time skips
    const before = Date.now();
    await t.env.sleep(10 * HOUR);
    expect(Date.now() - before).toBeLessThan(5_000);
    expect(await t.env.currentTimeMs()).toBeGreaterThanOrEqual(start + 10 * HOUR);
  });

  it('refuses an unlock with no lock held: FAILED_PRECONDITION, and the count stays balanced', async () => {
    await testService().unlockTimeSkipping({}); // the lock the server starts with
    const refused = await refusal(() => testService().unlockTimeSkipping({}));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.message).toMatch(/not locked/);
    expect(await codeOf(() => testService().unlockTimeSkippingWithSleep({ duration: { seconds: secs(1) } }))).toBe(status.FAILED_PRECONDITION);
    await testService().lockTimeSkipping({});
    // Balanced again: time is locked, so a sleep of 200 ms takes 200 real ms.
    const before = Date.now();
    await testService().sleep({ duration: { nanos: 200_000_000 } });
    expect(Date.now() - before).toBeGreaterThanOrEqual(150);
  });

  it('takes a negative duration as none, as a client sleeping until a deadline just passed sends it', async () => {
    const passed = { seconds: secs(-1), nanos: -37_000_000 };
    await expect(testService().sleep({ duration: passed })).resolves.toBeDefined();
    await expect(testService().unlockTimeSkippingWithSleep({ duration: passed })).resolves.toBeDefined();
    // The lock it gave up came back, and only that one: one unlock takes it, a second is refused.
    await testService().unlockTimeSkipping({});
    expect(await codeOf(() => testService().unlockTimeSkipping({}))).toBe(status.FAILED_PRECONDITION);
    await testService().lockTimeSkipping({});
  });

  it('refuses malformed durations and timestamps with INVALID_ARGUMENT', async () => {
    for (const duration of [{ seconds: secs(1), nanos: -5 }, { seconds: secs(-1), nanos: 5 }, { nanos: 1_000_000_000 }]) {
      const sleep = await refusal(() => testService().sleep({ duration }));
      expect(sleep).toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringMatching(/duration/) });
      expect(await codeOf(() => testService().unlockTimeSkippingWithSleep({ duration }))).toBe(status.INVALID_ARGUMENT);
    }
    const unset = await refusal(() => testService().sleepUntil({}));
    expect(unset).toMatchObject({ code: status.INVALID_ARGUMENT, message: expect.stringMatching(/timestamp/) });
    expect(await codeOf(() => testService().sleepUntil({ timestamp: { seconds: secs(1), nanos: -1 } }))).toBe(status.INVALID_ARGUMENT);
    // A refused sleep took no lock away: time is still locked.
    const before = Date.now();
    await testService().sleep({ duration: { nanos: 200_000_000 } });
    expect(Date.now() - before).toBeGreaterThanOrEqual(150);
  });

  it('SleepUntil waits for a time on the server clock; GetCurrentTime reads it', async () => {
    const now = await t.env.currentTimeMs();
    const target = now + 5 * HOUR;
    await testService().unlockTimeSkipping({});
    try {
      await testService().sleepUntil({ timestamp: { seconds: secs(Math.floor(target / 1000)), nanos: (target % 1000) * 1e6 } });
    } finally {
      await testService().lockTimeSkipping({});
    }
    expect(await t.env.currentTimeMs()).toBeGreaterThanOrEqual(target);
  });
});
