// Two people act on the same request at the same moment, through the API. For every state a request can
// be in, pairs of actions that can be sent at once (the consumer's requester, the provider's two agents;
// the same click twice included) are sent together, and:
// - both are answered, 2xx or a refusal in the documented shape (never a hang, never a 5xx);
// - the answers match one serial order of the two actions, as the state machine decides it;
// - afterwards the workflow and both databases agree, and every comment, audit entry and escalation in
//   either database was written by a write activity the workflow's history records.
// Which pairs (RACE_MATRIX): by default a sample of the contended pairs of each open state (race-oracle.ts
// `contendedPairs`: the answers depend on the order, or both moves are accepted) in which every move
// races at least once; every contended pair is raced at the workflow by test/exchange/races.test.ts.
// `contended` races all of them here too, `full` every pair from every state (CI's PostgreSQL pass).
// The ended states, where every move is refused whatever the order, race each move against itself (a
// double click). RACE_REPEAT=n runs the whole matrix n times. A race starts from a fresh request driven
// into its state, or from an earlier race's request that settled there (conversation and all), as
// people find a request after its earlier moments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from './stack';
import { expectOnlyRecordedWrites } from './history-writes';
import { coveringHistories, historiesOf, replayHistories } from './replay';
import { expectConverged, readRequest } from '../faults/helpers';
import { mapLimit } from '../../app/concurrency';
import { CONSUMER, PROVIDER, observed, racers, requestIn, send, settled, snapshotOf, target, until, useStack } from './races';
import { contendedPairs, coveringSample, doubleClicks, pairs, saying, serialOutcomes, setupAssignee, type Move } from './race-oracle';
import { reconcile } from '../../services/reconcile';
import type { ExchangeState } from '../../domain/state-machine';
import { isOpen, type ConsumerState } from '../../domain/model';
import { serviceWorkflowBundle } from './workflow-bundles';

const REPEAT = Number(process.env.RACE_REPEAT || 1);
const MATRIX = process.env.RACE_MATRIX || 'sample';
if (!['sample', 'contended', 'full'].includes(MATRIX)) throw new Error(`RACE_MATRIX is sample, contended or full, not ${MATRIX}`);

/**
 * The race matrix from each of `states` in turn, on a stack of its own, then its histories replayed
 * and the reconciler run. Give the states in the order a request passes them, so that requests raced
 * into a later state are there for its races.
 */
export function describeRaceMatrix(states: ConsumerState[]): void {
  let s: TestStack;
  /** The requests raced (each open-state race has its own; each ended state shares one). */
  const raced = new Set<string>();

  // Refused actions change nothing, so every pair on an ended request shares one request per state.
  const endedRequests: Partial<Record<ConsumerState, ReturnType<typeof requestIn>>> = {};
  // A raced request that settled, open, in a state as its setup leaves it (the same assignee) is the
  // start of a later race from that state: most of a race's work is driving a fresh request there.
  const settledIn: Partial<Record<ConsumerState, Array<{ number: string; providerNumber?: string }>>> = {};
  let raceCount = 0;

  async function race(state: ConsumerState, a: Move, b: Move): Promise<void> {
    const label = `${state}: ${a.label} + ${b.label}`;
    const r = !isOpen(state) ? await (endedRequests[state] ??= requestIn(state)) : (state !== 'new' && settledIn[state]?.shift()) || (await requestIn(state));
    raced.add(r.number);
    const before = await snapshotOf(r.number);
    const copiesBefore = await readRequest(s, CONSUMER, PROVIDER, r.number);
    // Agents act on the parent task, which exists once the provider has it: look it up first, then send
    // both calls in the same tick.
    await Promise.all([target(a, r), target(b, r)]);
    const start: ExchangeState = { state: before.consumerState, consumer: CONSUMER, provider: PROVIDER, assignedTo: before.assignedTo };
    // A request raced before holds that race's comments: these say something new.
    const words = `race ${++raceCount}`;
    const answers = await Promise.all([send(saying(a, words), r), send(saying(b, words), r)]);
    for (const res of answers) {
      expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
      if (res.status >= 300) expect(Object.keys(res.body), label).toEqual(['error']);
    }
    const after = await until(() => settled(r.number), Boolean, `${label} to settle`);
    const seen = observed(answers, after!.snap.consumerState);
    const possible = serialOutcomes(racers, start, [a, b]);
    expect([...possible], `${label}: answered ${seen}`).toContain(seen);
    expectConverged(after!.copies, label);
    if (!isOpen(state)) expect(after!.copies, `${label}: closed is closed`).toEqual(copiesBefore);

    const request = { consumer: CONSUMER, provider: PROVIDER, number: r.number, providerNumber: after!.copies.provider.task!.number };
    await expectOnlyRecordedWrites({ instances: s.instances, client: s.temporal.client }, request, label);

    const final = after!.snap;
    const assignee = final.assignedTo?.userId ?? null;
    if (isOpen(state) && isOpen(final.consumerState) && assignee === (setupAssignee(racers, final.consumerState)?.userId ?? null)) {
      (settledIn[final.consumerState] ??= []).push({ number: r.number, providerNumber: request.providerNumber });
    }
  }

  beforeAll(async () => {
    s = await createTestStack();
    await useStack(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  // Each step handles hundreds of requests: its bound is a guard against a hang, generous enough for
  // a loaded CI machine and RACE_REPEAT (the default 60 s is not).
  describe('two actions at once', { timeout: 300_000 }, () => {
    for (const state of states) {
      it(`from ${state}: each pair of actions raced answers, in one serial order, on both sides and in history`, async () => {
        // A request in a state after the assignment is Bob's (SETUPS): the oracle starts from there.
        const assignedTo = setupAssignee(racers, state);
        const contended = () => contendedPairs(racers, { state, consumer: CONSUMER, provider: PROVIDER, assignedTo });
        const raceable = MATRIX === 'full' ? pairs : !isOpen(state) ? doubleClicks : MATRIX === 'contended' ? contended() : coveringSample(contended());
        const runs = Array.from({ length: REPEAT }, () => raceable).flat();
        await mapLimit(runs, 6, ([a, b]) => race(state, a, b));
      });
    }

    it('leaves histories that replay on the workflow code', async () => {
      const histories = await historiesOf(s.temporal.client, `TaskQueue = '${s.taskQueue}'`);
      expect(histories.length).toBeGreaterThanOrEqual(raced.size);
      // Dozens of histories of about a hundred events, most made of several races: a few of them hold
      // every run of steps the others hold.
      const covering = coveringHistories(histories);
      expect(covering.length).toBeGreaterThan(1);
      expect(await replayHistories(serviceWorkflowBundle(), covering)).toBe(covering.length);
    });

    it('leaves nothing for the reconciler to report', async () => {
      const report = await reconcile(s.instances, s.temporal.client);
      expect(report.drifted).toEqual([]);
      expect(report.pending).toBe(0);
      expect(report.checked).toBeGreaterThanOrEqual(raced.size);
    });
  });
}
