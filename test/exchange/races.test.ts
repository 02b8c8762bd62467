// Two people act on the same request at the same moment, at the workflow: from every open state, every
// contended pair of moves (race-oracle.ts `contendedPairs`: the answers depend on the order, or both are
// accepted; every pair with RACE_MATRIX=full) is sent as two updates at once, and the answers must match
// one serial order of the two moves as the state machine decides it; then each side was written the
// same request: its changes in order, ending in the workflow's state, every public comment on both
// sides once, work notes on the provider's only. The stub activities stand in for the databases; the
// API's race matrix (test/e2e/races.test.ts) races a sample of these pairs through HTTP and real
// databases, and the ended states, which no workflow runs any more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { TemporalTestEnv } from '../harness/temporal';
import { eventually } from '../harness/eventually';
import { consumerActs, contendedPairs, outcome, pairs, refusalAnswer, saying, serialOutcomes, SETUPS, setupAssignee, sideOfMove, type Move, type Racers } from '../harness/race-oracle';
import { mapLimit } from '../../app/concurrency';
import { isErrorCode } from '../../domain/errors';
import type { Action } from '../../domain/state-machine';
import { isOpen, type ConsumerState } from '../../domain/model';
import { actions, createdUpdate, snapshotQuery, type ExchangeSnapshot } from '../../workflows/definitions';
import type { exchange } from '../../workflows/exchange';
import { ann, bob, carol, createExchangeTestEnv, exchangeInput, parentNumberOf, StubActivities } from './stub-exchange';

const racers: Racers = { ANN_TOKEN: ann, BOB_TOKEN: bob, CAROL_TOKEN: carol };
const OPEN_STATES: ConsumerState[] = ['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved'];

let t: TemporalTestEnv;
const stub = new StubActivities();
/** One worker for the file: a request raced in one state is raced again in a later one. */
let taskQueue: string;
let stopWorker = () => {};
let worker: Promise<void> | undefined;
beforeAll(async () => {
  t = await createExchangeTestEnv();
  await new Promise<void>((ready, failed) => {
    worker = t.withWorker({ activities: stub.activities }, (queue) => {
      taskQueue = queue;
      ready();
      return new Promise<void>((stop) => (stopWorker = stop));
    });
    worker.catch(failed);
  });
});
afterAll(async () => {
  stopWorker();
  await worker;
  await t?.teardown();
});

type Handle = WorkflowHandle<typeof exchange>;
const snapshot = (h: Handle) => h.query(snapshotQuery);
const quiet = (h: Handle, what: string) => eventually(() => snapshot(h), (s) => s.pending.consumer === 0 && s.pending.provider === 0, { what });

/** An action's update, as the API sends it: who acts plus the action's own fields. */
function act(h: Handle, as: Move['as'], action: Action): Promise<ExchangeSnapshot> {
  const { type, ...fields } = action;
  return h.executeUpdate(actions[type as keyof typeof actions].update as typeof actions.assign.update, { args: [{ actor: racers[as], ...fields } as never] });
}

/** A move's answer as the oracle words it: `ok:<state on the mover's side>`, or `<HTTP status>:<code>` as the API would answer a refusal. */
async function answerOf(m: Move, sent: Promise<ExchangeSnapshot>): Promise<string> {
  try {
    const s = await sent;
    // The side's own state as the workflow answers it (the oracle derives it from the consumer's).
    return `ok:${sideOfMove(m) === 'consumer' ? s.consumerState : s.providerState}`;
  } catch (err) {
    const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || !isErrorCode(cause.type)) throw err;
    return refusalAnswer(cause.type);
  }
}

interface Raced {
  h: Handle;
  number: string;
}
/**
 * Requests that settled, open, in a state as its setup leaves it (the same assignee): the start of a
 * later race from that state, as in the API's matrix (most of a race's work is driving a request there).
 */
const settledIn = new Map<ConsumerState, Raced[]>();

/** A fresh request driven into `state` and quiet there (a new one is raced at once). */
async function requestIn(state: ConsumerState): Promise<Raced> {
  const input = exchangeInput();
  const h = await t.client.workflow.start<typeof exchange>('exchange', { workflowId: `race-${randomUUID()}`, taskQueue, args: [input] });
  await h.executeUpdate(createdUpdate);
  if (state !== 'new') {
    await eventually(() => snapshot(h), (s) => s.consumerState === 'received', { what: `${input.number} received` });
    for (const action of SETUPS[state]) await act(h, consumerActs(action) ? 'ANN_TOKEN' : 'BOB_TOKEN', action);
    await quiet(h, `${input.number} in ${state}`);
  }
  return { h, number: input.number };
}

let races = 0;
describe('two actions at once, at the workflow', () => {
  for (const state of OPEN_STATES) {
    it(`from ${state}: every contended pair answers in one serial order, and both sides are written the same request`, async () => {
      const assignedTo = setupAssignee(racers, state);
      const raceable = process.env.RACE_MATRIX === 'full' ? pairs : contendedPairs(racers, { state, consumer: 'acme', provider: 'globex', assignedTo });
      await mapLimit(raceable, 8, async ([first, second]) => {
        const label = `${state}: ${first.label} + ${second.label}`;
        const r = settledIn.get(state)?.shift() ?? (await requestIn(state));
        // A new request is received as soon as the provider's task exists, maybe while the moves are
        // under way: the oracle takes the receipt as a third step in any order.
        const before = state === 'new' ? { consumerState: state, assignedTo: null } : await snapshot(r.h);
        expect(before.consumerState, label).toBe(state);
        // A request raced before holds that race's comments: these say something new.
        const [a, b] = [first, second].map((m) => saying(m, `race ${++races}`));
        const answers = await Promise.all([answerOf(a, act(r.h, a.as, a.action)), answerOf(b, act(r.h, b.as, b.action))]);
        const after = await quiet(r.h, `${label}: settled`);
        const start = { state, consumer: 'acme', provider: 'globex', assignedTo: before.assignedTo };
        expect([...serialOutcomes(racers, start, [a, b])], label).toContain(outcome(answers, after.consumerState));
        expectSidesAgree(r.number, after, label);
        const final = after.consumerState;
        if (isOpen(final) && (after.assignedTo?.userId ?? null) === (setupAssignee(racers, final)?.userId ?? null)) {
          settledIn.set(final, [...(settledIn.get(final) ?? []), r]);
        }
      });
    });
  }
});

/** Both sides' writes for request `number` tell one story. */
function expectSidesAgree(number: string, final: ExchangeSnapshot, label: string): void {
  const consumer = stub.written('consumer').filter((c) => c.number === number);
  const provider = stub.written('provider').filter((c) => c.number === parentNumberOf(number));
  for (const side of [consumer, provider]) {
    const seqs = side.map((c) => c.seq);
    expect(seqs, `${label}: each change once, in order`).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    expect(side.filter((c) => c.state).at(-1)?.state, `${label}: the last state written`).toBe(final.consumerState);
  }
  const comments = (side: typeof consumer, visibility: 'public' | 'internal') => side.flatMap((c) => c.comments.filter((w) => w.visibility === visibility).map((w) => `${w.id} ${w.body}`));
  const shared = comments(consumer, 'public');
  expect(shared, `${label}: the same public comments`).toEqual(comments(provider, 'public'));
  expect(new Set(shared).size, `${label}: each comment once`).toBe(shared.length);
  expect(comments(consumer, 'internal'), `${label}: work notes stay at the provider`).toEqual([]);
}
