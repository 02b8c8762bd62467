// An action sent at the moment an SLA timer fires: the acceptance window closing (auto-close) while the
// consumer accepts, rejects, comments or cancels, or the agent comments; the response time running out
// (escalation) while an agent takes the request or the consumer acts. The timer fires through the dev
// server's time-skipping clock, at the same time as the call. Each answer matches one serial order of
// the action and the timer, and both sides hold exactly what the history recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../harness/stack';
import { expectOnlyRecordedWrites } from '../harness/history-writes';
import { expectConverged } from '../faults/helpers';
import { CONSUMER, PROVIDER, observed, racers, requestIn, send, settled, snapshotOf, target, until, useStack } from '../harness/races';
import { moves, serialOutcomes, type Move, type SystemStep } from '../harness/race-oracle';
import { nextSlaDeadline } from '../../domain/sla';
import { isOpen } from '../../domain/model';
import type { ExchangeState } from '../../domain/state-machine';

let s: TestStack;
beforeAll(async () => {
  s = await createTestStack();
  await useStack(s);
});
afterAll(async () => {
  await s?.close();
});

const move = (label: string) => moves.find((m) => m.label === label)!;

/** How far the dev server's clock must move for the request's next SLA timer to fire. */
async function untilNextTimer(number: string): Promise<number> {
  const { sla } = await snapshotOf(number);
  const now = await s.temporal.env.currentTimeMs();
  const deadline = nextSlaDeadline(sla!, now);
  expect(deadline, `${number} has an SLA deadline`).toBeDefined();
  return deadline! - now + 1;
}

/**
 * Moves the clock past the request's next SLA deadline until its timer has fired and its effect is in.
 * The timer may fire a little after the deadline the request's clocks give (the server arms it when it
 * gets the workflow task's commands, some milliseconds after the task began), hence the second of
 * margin, and another round while the request still waits for that deadline.
 */
async function passNextTimer(number: string, what: string): Promise<void> {
  const deadline = (await s.temporal.env.currentTimeMs()) + (await untilNextTimer(number));
  for (let round = 0; round < 4; round++) {
    await s.temporal.env.sleep(Math.max(0, deadline - (await s.temporal.env.currentTimeMs())) + 1_000);
    const { snap } = (await until(() => settled(number), Boolean, what))!;
    const next = snap.sla ? nextSlaDeadline(snap.sla, deadline) : undefined;
    if (next === undefined || next > deadline) return;
  }
  throw new Error(`${what}: ${number}'s timer due at ${new Date(deadline).toISOString()} never fired`);
}

async function raceTimer(r: { number: string; providerNumber?: string }, m: Move, timer: SystemStep, label: string) {
  await target(m, r);
  const before = await snapshotOf(r.number);
  const start: ExchangeState = { state: before.consumerState, consumer: CONSUMER, provider: PROVIDER, assignedTo: before.assignedTo };
  const skip = await untilNextTimer(r.number);
  const due = (await s.temporal.env.currentTimeMs()) + skip;
  const [answer] = await Promise.all([send(m, r), s.temporal.env.sleep(skip)]);
  expect(answer.status, `${label}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
  let after = (await until(() => settled(r.number), Boolean, `${label} to settle`))!;
  // An action whose workflow task ran while the clock jumped re-armed the timer from the task's own
  // time: the server then counts it from when it got the task's commands, so it fires late by up to
  // the jump (by a few milliseconds without time skipping). While the request's own clocks say a
  // deadline up to `due` is still unserved, move the clock on again (a few times at most: a timer
  // that never fires still fails the oracle below).
  for (let late = 0; late < 4; late++) {
    const next = after.snap.sla ? nextSlaDeadline(after.snap.sla, due) : undefined;
    if (!isOpen(after.snap.consumerState) || next === undefined || next > due) break;
    await s.temporal.env.sleep(skip);
    after = (await until(() => settled(r.number), Boolean, `${label}'s late timer`))!;
  }
  expect([...serialOutcomes(racers, start, [m], [timer])], label).toContain(observed([answer], after.snap.consumerState));
  const request = { consumer: CONSUMER, provider: PROVIDER, number: r.number, providerNumber: after.copies.provider.task!.number };
  await expectOnlyRecordedWrites({ instances: s.instances, client: s.temporal.client }, request, label);
  // Later skips must not wake this request again: end it.
  if (isOpen(after.snap.consumerState)) expect((await send(move('Ann cancels'), r)).status).toBe(200);
  return after;
}

describe('an action at the moment an SLA timer fires', () => {
  for (const label of ['Ann accepts', 'Ann rejects', 'Ann comments', 'Ann cancels', 'Bob comments', 'Bob notes']) {
    it(`the acceptance window closes as ${label.toLowerCase()}: one order, both sides, history`, async () => {
      const r = await requestIn('resolved');
      await passNextTimer(r.number, 'the reminder'); // at half the window, on its own
      const after = await raceTimer(r, move(label), 'auto_close', `auto-close vs ${label}`);
      expectConverged(after.copies, label);
    });
  }

  for (const label of ['Bob assigns', 'Carol assigns', 'Ann cancels', 'Ann comments', 'Bob comments']) {
    it(`the response time runs out as ${label.toLowerCase()}: one order, both sides, history`, async () => {
      const r = await requestIn('received');
      const after = await raceTimer(r, move(label), 'sla_timer', `response breach vs ${label}`);
      const ids = (rows: Array<{ id: string }>) => rows.map((e) => e.id);
      expect(ids(after.copies.provider.escalations), 'the same escalations on both sides').toEqual(ids(after.copies.consumer.escalations));
    });
  }
});
