// The worker goes away mid-flow, twice: once in the middle of a stream of actions, once while writes
// are running in its activities. Actions sent while no worker runs wait for the new one (a fresh
// workflow cache on the same task queue, so every open request is replayed from its history). In the
// end every request completes, and every accepted action is on both sides exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  converged,
  createFaultStack,
  expectReplays,
  expectStory,
  gatedTransactions,
  readRequest,
  result,
  type ExpectedStory,
  type FaultStack,
} from './helpers';
import { eventually } from '../harness/eventually';
import { mapLimit } from '../../app/concurrency';

const CONSUMER = 'acme';
const PROVIDER = 'globex';
const ANN = 'Ann Lee (Acme Corp)';
const BOB = 'Bob Stone (Globex Services)';

let s: FaultStack;
beforeAll(async () => {
  s = await createFaultStack();
});
/** A failing test must not leave writes held inside the worker: close() waits for them. */
let openOnFailure: (() => void) | undefined;
afterAll(async () => {
  openOnFailure?.();
  s?.instances.substitute(PROVIDER);
  await s?.close();
});

describe('worker restart mid-flow', () => {
  it('completes every request exactly once after the worker is replaced, twice', async () => {
    const expected = new Map<string, ExpectedStory>();
    const providerNumberOf = new Map<string, string>();
    let answered = 0;

    const submit = async (tag: string) => {
      const res = await s.call('POST', '/requests', {
        as: 'ANN_TOKEN',
        body: { catalogItemId: s.demo.items.help_request, shortDescription: `Request ${tag}`, description: '', variables: { category: 'access' } },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expected.set(res.body.number, { actions: [], comments: [] });
      return res.body.number as string;
    };
    const received = async (number: string) => {
      const r = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (x) => x.consumer.task?.state === 'received' && !!x.provider.task, { attempts: 1200 });
      expect(r.consumer.task?.state, `${number} received`).toBe('received');
      providerNumberOf.set(number, r.provider.task!.number);
    };
    /** One action through the API, by Ann on her Provider Task or by Bob on his parent task. */
    const act = async (number: string, who: 'ann' | 'bob', path: string, action: string, body: Record<string, string> = {}) => {
      const url = `/tasks/${who === 'ann' ? number : providerNumberOf.get(number)}/${path}`;
      const res = await s.call('POST', url, { as: who === 'ann' ? 'ANN_TOKEN' : 'BOB_TOKEN', body });
      expect(res.status, `${action} on ${number}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      const e = expected.get(number)!;
      e.actions.push(action);
      if (path === 'comments') e.comments.push([who === 'ann' ? ANN : BOB, body.body]);
      answered++;
    };
    /** Alternating comments from both sides, one after the other (each waits for its answer). */
    const conversation = async (number: string, round: string, turns: number) => {
      for (let t = 0; t < turns; t++) {
        const who = t % 2 === 0 ? 'ann' : 'bob';
        await act(number, who, 'comments', 'comment', { body: `${round} ${number} turn ${t}` });
      }
    };

    const numbers = await mapLimit([0, 1, 2, 3, 4, 5, 6, 7], 4, (i) => submit(`#${i}`));
    for (const number of numbers) await received(number);
    for (const number of numbers.filter((_n, i) => i % 2 === 0)) await act(number, 'bob', 'assign', 'assign');

    // ------------------------------------------------------------ restart 1: in the middle of a stream
    const turns = 6;
    const total = answered + numbers.length * turns;
    const stream = Promise.all(numbers.map((n) => conversation(n, 'stream', turns)));
    await eventually(async () => answered, (n) => n >= total - (numbers.length * turns * 2) / 3, { attempts: 2000, everyMs: 5 });
    await s.stopWorker();
    const answeredBeforeStop = answered;
    expect(answeredBeforeStop, 'the worker stopped mid-stream').toBeLessThan(total);
    // Sent while no worker runs: accepted by Temporal, answered once the new worker has them.
    const whileDown = submit('while the worker was down');
    await new Promise((r) => setTimeout(r, 200));
    await s.startWorker();
    await stream;
    const late = await whileDown;
    expect(answered).toBe(total);
    await received(late);
    numbers.push(late);

    // ------------------------------------------------------------ restart 2: with writes in flight
    // The provider's writes wait inside their activities while the worker is told to stop; they finish
    // (graceful shutdown) and everything after them waits for the next worker.
    const gate = gatedTransactions(s.instances.db(PROVIDER));
    openOnFailure = gate.open;
    s.instances.substitute(PROVIDER, () => gate.db);
    // Answered as soon as the consumer's copy is written; the provider's copy is still being written.
    await Promise.all(numbers.map((n) => act(n, 'ann', 'comments', 'comment', { body: `in flight ${n}` })));
    await eventually(async () => gate.waiting(), (w) => w > 0, { attempts: 2000, everyMs: 5 });
    expect(gate.waiting(), 'provider writes in flight').toBeGreaterThan(0);
    const stopping = s.stopWorker(); // shutdown requested now; it waits for the running activities
    await new Promise((r) => setTimeout(r, 100));
    gate.open();
    await stopping;
    s.instances.substitute(PROVIDER);
    const round3 = Promise.all(numbers.map((n, i) => act(n, i % 2 ? 'bob' : 'ann', 'comments', 'comment', { body: `after the stop ${n}` })));
    await new Promise((r) => setTimeout(r, 200));
    await s.startWorker();
    await round3;

    // ------------------------------------------------------------ the rest of each lifecycle
    await mapLimit(numbers, 4, async (number, i) => {
      await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
      if (i % 3 === 2) {
        await act(number, 'ann', 'cancel', 'cancel', { reason: 'solved it myself' });
        expected.get(number)!.comments.push([ANN, 'Request cancelled: solved it myself']);
        return;
      }
      const copies = await readRequest(s, CONSUMER, PROVIDER, number);
      if (!copies.provider.task!.assigned_to) await act(number, 'bob', 'assign', 'assign');
      await act(number, 'bob', 'propose-solution', 'propose_solution', { resolutionCode: 'solved', resolutionNotes: 'Access granted' });
      await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (r) => r.consumer.task?.state === 'resolved', { attempts: 1200 });
      await act(number, 'ann', 'accept', 'accept');
    });

    let comments = 0;
    for (const [i, number] of numbers.entries()) {
      const end = await result(s, CONSUMER, number);
      expect(end, number).toMatchObject({ consumerState: i % 3 === 2 ? 'cancelled' : 'closed', pending: { consumer: 0, provider: 0 } });
      const e = expected.get(number)!;
      await expectStory(s, CONSUMER, PROVIDER, number, e);
      comments += e.comments.length;
    }
    // What the new workers made of the old histories still replays on the current code.
    await expectReplays(s, CONSUMER, numbers);
    console.info(`worker restart: ${numbers.length} requests, ${answered} actions answered (${answeredBeforeStop} before the first stop), ${comments} comments on each side, 2 restarts`);
  }, 150_000);
});
