// The Temporal dev server is killed (SIGKILL: no shutdown code runs) in the middle of request
// lifecycles, twice, and restarted on the same data directory. What the API answered 2xx before a
// crash is on both sides exactly once afterwards; actions caught by a crash are retried by the client
// with the same Idempotency-Key (as a real client would after a 5xx or a timeout) and also land
// exactly once; every lifecycle completes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../harness/temp-dir';
import { DevServerProcess, freePort } from '../harness/devserver-process';
import { converged, createFaultStack, expectEachCommentOnce, expectReplays, expectStory, readRequest, result, type ExpectedStory, type FaultStack } from './helpers';
import { eventually } from '../harness/eventually';
import { mapLimit } from '../../app/concurrency';

// Restart-with-a-data-dir is a property of our dev server; a real cluster brings its own persistence.
const onDevServer = !process.env.TEMPORAL_ADDRESS;

const CONSUMER = 'acme';
const PROVIDER = 'globex';
const ANN = 'Ann Lee (Acme Corp)';
const BOB = 'Bob Stone (Globex Services)';

let dataDir: string;
let removeDataDir: (() => void) | undefined;
let server: DevServerProcess;
let s: FaultStack;

describe.skipIf(!onDevServer)('dev server crash mid-flow', () => {
  beforeAll(async () => {
    const temp = tempDataDir('devserver-faults-');
    dataDir = temp.dir;
    removeDataDir = temp.remove;
    server = new DevServerProcess(await freePort(), dataDir);
    await server.start();
    s = await createFaultStack({ temporalAddress: server.address });
  });
  afterAll(async () => {
    await s?.close();
    await server?.kill();
    removeDataDir?.();
  });

  it('reflects every action answered before a kill -9 exactly once on both sides, and completes every lifecycle', async () => {
    const expected = new Map<string, ExpectedStory>();
    const providerNumberOf = new Map<string, string>();
    /** "number|author|body" of every comment the API answered 2xx for before each crash. */
    const answeredBeforeCrash: string[][] = [];
    const answered: string[] = [];
    let retried = 0;
    let crashes = 0;

    /**
     * One action, as a careful client sends it: with an Idempotency-Key, retried with the same key
     * while the answer is a 5xx (the service lost Temporal) or "still being processed".
     */
    const send = async (url: string, as: string, body: unknown) => {
      const key = randomUUID();
      for (let attempt = 0; ; attempt++) {
        const res = await s.call('POST', url, { as, body, headers: { 'idempotency-key': key } });
        const retryable = res.status >= 500 || (res.status === 409 && res.body?.error?.code === 'conflict');
        if (!retryable || attempt >= 400) return res;
        retried++;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const submit = async (tag: string) => {
      const res = await send('/requests', 'ANN_TOKEN', { catalogItemId: s.demo.items.help_request, shortDescription: `Request ${tag}`, description: '', variables: { category: 'hardware' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expected.set(res.body.number, { actions: [], comments: [] });
      return res.body.number as string;
    };
    const act = async (number: string, who: 'ann' | 'bob', path: string, action: string, body: Record<string, string> = {}) => {
      const url = `/tasks/${who === 'ann' ? number : providerNumberOf.get(number)}/${path}`;
      const res = await send(url, who === 'ann' ? 'ANN_TOKEN' : 'BOB_TOKEN', body);
      expect(res.status, `${action} on ${number}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      const e = expected.get(number)!;
      e.actions.push(action);
      if (path === 'comments') {
        const author = who === 'ann' ? ANN : BOB;
        e.comments.push([author, body.body]);
        answered.push(`${number}|${author}|${body.body}`);
      }
    };
    const crash = async () => {
      answeredBeforeCrash.push([...answered]);
      await server.kill();
      crashes++;
      await server.start();
    };

    const numbers = await mapLimit([0, 1, 2, 3, 4, 5], 3, (i) => submit(`#${i}`));
    for (const number of numbers) {
      const r = await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (x) => x.consumer.task?.state === 'received' && !!x.provider.task, { attempts: 1200 });
      expect(r.consumer.task?.state, `${number} received`).toBe('received');
      providerNumberOf.set(number, r.provider.task!.number);
    }
    for (const number of numbers.filter((_n, i) => i % 2 === 0)) await act(number, 'bob', 'assign', 'assign');

    // ------------------------------------------------------------ crash 1: in the middle of conversations
    const turns = 6;
    const before = answered.length;
    const conversations = Promise.all(
      numbers.map(async (number) => {
        for (let t = 0; t < turns; t++) await act(number, t % 2 ? 'bob' : 'ann', 'comments', 'comment', { body: `${number} turn ${t}` });
      }),
    );
    await eventually(async () => answered.length, (n) => n >= before + (numbers.length * turns) / 3, { attempts: 4000, everyMs: 5 });
    await crash();
    await conversations;

    // ------------------------------------------------------------ crash 2: while requests resolve, close and cancel
    const endings = mapLimit(numbers, 6, async (number, i) => {
      if (i % 3 === 2) {
        await act(number, 'ann', 'cancel', 'cancel', { reason: 'not needed' });
        expected.get(number)!.comments.push([ANN, 'Request cancelled: not needed']);
        return;
      }
      await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), converged, { attempts: 1200 });
      const copies = await readRequest(s, CONSUMER, PROVIDER, number);
      if (!copies.provider.task!.assigned_to) await act(number, 'bob', 'assign', 'assign');
      await act(number, 'bob', 'propose-solution', 'propose_solution', { resolutionCode: 'solved', resolutionNotes: 'New cable' });
      await eventually(() => readRequest(s, CONSUMER, PROVIDER, number), (r) => r.consumer.task?.state === 'resolved', { attempts: 1200 });
      await act(number, 'ann', 'accept', 'accept');
    });
    await eventually(async () => expected.get(numbers[0])!.actions.includes('propose_solution'), (x) => x, { attempts: 4000, everyMs: 5 });
    await crash();
    await endings;

    let comments = 0;
    for (const [i, number] of numbers.entries()) {
      const end = await result(s, CONSUMER, number);
      expect(end, number).toMatchObject({ consumerState: i % 3 === 2 ? 'cancelled' : 'closed', pending: { consumer: 0, provider: 0 } });
      const e = expected.get(number)!;
      await expectStory(s, CONSUMER, PROVIDER, number, e);
      comments += e.comments.length;
    }
    await expectReplays(s, CONSUMER, numbers);
    // Said before a crash, there after it, on both sides, once.
    for (const list of answeredBeforeCrash) await expectEachCommentOnce(s, CONSUMER, PROVIDER, list);
    expect(crashes).toBe(2);
    expect(answeredBeforeCrash[0].length).toBeGreaterThan(0);
    console.info(
      `dev server crash: ${numbers.length} requests, ${crashes} kill -9s, ${answeredBeforeCrash.map((l) => l.length).join(' and ')} comments answered before them, ` +
        `${comments} comments on each side, ${retried} client retries with the same Idempotency-Key`,
    );
  }, 150_000);
});
