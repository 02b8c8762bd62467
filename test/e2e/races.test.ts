// Two people act on the same request at the same moment. For every state a request can be in and every
// pair of actions that can be sent at once (the consumer's requester, the provider's two agents; the
// same click twice included), both calls are sent together through the API, and:
// - both are answered, 2xx or a refusal in the documented shape (never a hang, never a 5xx);
// - the answers match one serial order of the two actions, as the state machine decides it;
// - afterwards the workflow and both databases agree, and every comment, audit entry and escalation in
//   either database was written by a write activity the workflow's history records.
// RACE_REPEAT=n runs the whole matrix n times (default 1; CI's PostgreSQL pass runs it again).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { createTestStack, type ApiResponse, type TestStack } from '../harness/stack';
import { recordedWrites, storedWrites } from '../harness/history-writes';
import { converged, expectConverged, mapLimit, readRequest } from '../faults/helpers';
import { actionRoutes } from '../../api/routes/tasks';
import { httpStatus } from '../../api/errors';
import { reconcile } from '../../app/reconcile';
import { decide, type Action, type ExchangeView } from '../../domain/state-machine';
import { DomainError } from '../../domain/errors';
import { parseToken, userForToken } from '../../db/repositories/users';
import { isOpen, providerStateOf, type Actor, type ConsumerState } from '../../domain/model';
import { defaultPayloadConverter } from '@temporalio/common';
import { exchangeWorkflowId, snapshotQuery, type ExchangeSnapshot } from '../../workflows/definitions';

const REPEAT = Number(process.env.RACE_REPEAT || 1);
const CONSUMER = 'acme';
const PROVIDER = 'globex';

let s: TestStack;
const actors: Record<string, Actor> = {};

interface Move {
  label: string;
  as: 'ANN_TOKEN' | 'BOB_TOKEN' | 'CAROL_TOKEN';
  action: Action;
}
const moves: Move[] = [
  { label: 'Ann comments', as: 'ANN_TOKEN', action: { type: 'comment', body: 'Ann: any news?' } },
  { label: 'Ann accepts', as: 'ANN_TOKEN', action: { type: 'accept' } },
  { label: 'Ann rejects', as: 'ANN_TOKEN', action: { type: 'reject', reason: 'Still broken' } },
  { label: 'Ann cancels', as: 'ANN_TOKEN', action: { type: 'cancel', reason: 'No longer needed' } },
  { label: 'Bob assigns', as: 'BOB_TOKEN', action: { type: 'assign' } },
  { label: 'Carol assigns', as: 'CAROL_TOKEN', action: { type: 'assign' } },
  { label: 'Bob comments', as: 'BOB_TOKEN', action: { type: 'comment', body: 'Bob: looking into it' } },
  { label: 'Bob notes', as: 'BOB_TOKEN', action: { type: 'work_note', body: 'Bob: toner supplier called' } },
  { label: 'Bob asks', as: 'BOB_TOKEN', action: { type: 'request_info', question: 'Which floor?' } },
  { label: 'Bob proposes', as: 'BOB_TOKEN', action: { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'Replaced the toner' } },
];
/** A move made twice at once (a double click) says the same again: two comments, told apart by body. */
const again = (m: Move): Move => ({ ...m, action: Object.fromEntries(Object.entries(m.action).map(([k, v]) => [k, k === 'body' || k === 'question' ? `${v} (again)` : v])) as Action });
const pairs = moves.flatMap((a, i) => moves.slice(i).map((b) => [a, b === a ? again(b) : b] as const));

const pathOf = (m: Move) => actionRoutes.find((r) => r.action === m.action.type)!.path;
const bodyOf = (m: Move) => {
  const { type: _type, ...body } = m.action;
  return body;
};
const sideOfMove = (m: Move) => (m.as === 'ANN_TOKEN' ? 'consumer' : 'provider');
const stateOnSide = (m: Move, state: ConsumerState) => (sideOfMove(m) === 'consumer' ? state : providerStateOf(state));

// ---------------------------------------------------------------- the oracle: serial orders

type Step = Move | 'receive';
/** What one serial order makes of the moves: each move's answer (state after it, or refusal code) and the final state. */
function runSerially(start: ExchangeView, order: Step[], moveCount: number): string {
  let view = { ...start };
  const answers: string[] = new Array(moveCount);
  for (const step of order) {
    if (step === 'receive') {
      if (view.state === 'new') view = { ...view, ...decide(view, { type: 'receive' }) };
      continue;
    }
    const i = (step as Move & { index: number }).index;
    try {
      const t = decide(view, step.action, actors[step.as]);
      view = { ...view, state: t.state, assignedTo: t.assignedTo ?? view.assignedTo };
      answers[i] = `ok:${stateOnSide(step, t.state)}`;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      answers[i] = `${httpStatus[err.code]}:${err.code}`;
    }
  }
  return JSON.stringify({ answers, final: view.state });
}

const permutations = <T,>(items: T[]): T[][] =>
  items.length <= 1 ? [items] : items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));

/** Every outcome some serial order of the two moves (and the request's own receipt, while new) can give. */
function serialOutcomes(start: ExchangeView, a: Move, b: Move): Set<string> {
  const steps: Step[] = [{ ...a, index: 0 } as Move, { ...b, index: 1 } as Move, ...(start.state === 'new' ? (['receive'] as const) : [])];
  return new Set(permutations(steps).map((order) => runSerially(start, order, 2)));
}

const observed = (answers: ApiResponse[], final: ConsumerState) =>
  JSON.stringify({ answers: answers.map((res) => (res.status < 300 ? `ok:${res.body.state}` : `${res.status}:${res.body?.error?.code}`)), final });

// ---------------------------------------------------------------- requests in each state

const SETUPS: Record<ConsumerState, Move['action'][]> = {
  new: [],
  received: [],
  work_in_progress: [{ type: 'assign' }],
  awaiting_info: [{ type: 'assign' }, { type: 'request_info', question: 'Which printer?' }],
  resolved: [{ type: 'assign' }, { type: 'propose_solution', resolutionCode: 'workaround', resolutionNotes: 'Use the other printer' }],
  closed: [{ type: 'assign' }, { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'Fixed' }, { type: 'accept' }],
  cancelled: [{ type: 'cancel' }],
};

/** The workflow's view of the request: its result once it has ended (no worker has to replay it for a query). */
const snapshotOf = async (number: string) => {
  const handle = s.temporal.client.workflow.getHandle(exchangeWorkflowId(CONSUMER, number));
  if ((await handle.describe()).status.name === 'RUNNING') return handle.query(snapshotQuery);
  // Read from history: the test environment's result() would unlock time skipping.
  const completed = (await handle.fetchHistory()).events!.at(-1)!.workflowExecutionCompletedEventAttributes!;
  return defaultPayloadConverter.fromPayload<ExchangeSnapshot>(completed.result!.payloads![0]);
};

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 800; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Nothing left to write: the workflow has no pending write and both databases show its state. */
const settled = async (number: string) => {
  const snap = await snapshotOf(number);
  const copies = await readRequest(s, CONSUMER, PROVIDER, number);
  return snap.pending.consumer === 0 && snap.pending.provider === 0 && converged(copies) && copies.consumer.task?.state === snap.consumerState ? { snap, copies } : undefined;
};

/** A fresh request in `state`, quiet (everything written) unless it is to be raced while still new. */
async function requestIn(state: ConsumerState): Promise<{ number: string; providerNumber?: string }> {
  const created = await s.call('POST', '/requests', {
    as: 'ANN_TOKEN',
    body: { catalogItemId: s.demo.items.help_request, shortDescription: `Race from ${state}`, variables: { category: 'hardware' } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const number: string = created.body.number;
  if (state === 'new') return { number };
  let providerNumber = (await until(() => settled(number), Boolean, `${number} received`))!.copies.provider.task!.number;
  for (const action of SETUPS[state]) {
    const consumerSide = ['accept', 'reject', 'cancel'].includes(action.type);
    const { type, ...body } = action;
    const res = await s.call('POST', `/tasks/${consumerSide ? number : providerNumber}/${actionRoutes.find((r) => r.action === type)!.path}`, {
      as: consumerSide ? 'ANN_TOKEN' : 'BOB_TOKEN',
      body,
    });
    expect(res.status, `${state} setup ${type}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  }
  const quiet = await until(() => settled(number), Boolean, `${number} settled in ${state}`);
  expect(quiet!.snap.consumerState).toBe(state);
  providerNumber = quiet!.copies.provider.task!.number;
  return { number, providerNumber };
}

/** The task number each side addresses; while new, the provider's may not exist yet, so wait for it. */
async function target(m: Move, r: { number: string; providerNumber?: string }): Promise<string> {
  if (sideOfMove(m) === 'consumer') return r.number;
  r.providerNumber ??= await until(
    async () => (await readRequest(s, CONSUMER, PROVIDER, r.number)).provider.task?.number,
    Boolean,
    `${r.number}'s parent task`,
  );
  return r.providerNumber!;
}

// Refused actions change nothing, so every pair on an ended request shares one request per state.
const endedRequests: Partial<Record<ConsumerState, ReturnType<typeof requestIn>>> = {};

async function race(state: ConsumerState, a: Move, b: Move): Promise<void> {
  const label = `${state}: ${a.label} + ${b.label}`;
  const r = isOpen(state) ? await requestIn(state) : await (endedRequests[state] ??= requestIn(state));
  const before = await snapshotOf(r.number);
  const copiesBefore = await readRequest(s, CONSUMER, PROVIDER, r.number);
  // Agents act on the parent task, which exists once the provider has it: look both up first, then send
  // both calls in the same tick.
  const [ta, tb] = [await target(a, r), await target(b, r)];
  const start: ExchangeView = { state: before.consumerState, consumer: CONSUMER, provider: PROVIDER, assignedTo: before.assignedTo };
  const answers = await Promise.all([
    s.call('POST', `/tasks/${ta}/${pathOf(a)}`, { as: a.as, body: bodyOf(a) }),
    s.call('POST', `/tasks/${tb}/${pathOf(b)}`, { as: b.as, body: bodyOf(b) }),
  ]);
  for (const res of answers) {
    expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
    if (res.status >= 300) expect(Object.keys(res.body), label).toEqual(['error']);
  }
  const after = await until(() => settled(r.number), Boolean, `${label} to settle`);
  const seen = observed(answers, after!.snap.consumerState);
  const possible = serialOutcomes(start, a, b);
  expect([...possible], `${label}: answered ${seen}`).toContain(seen);
  expectConverged(after!.copies, label);
  if (!isOpen(state)) expect(after!.copies, `${label}: closed is closed`).toEqual(copiesBefore);

  const written = await recordedWrites(s.temporal.client.workflow.getHandle(exchangeWorkflowId(CONSUMER, r.number)));
  const providerNumber = after!.copies.provider.task!.number;
  expect(await storedWrites(s.instances, CONSUMER, r.number), `${label}: consumer rows = recorded writes`).toEqual(written[CONSUMER]);
  expect(await storedWrites(s.instances, PROVIDER, providerNumber), `${label}: provider rows = recorded writes`).toEqual(written[PROVIDER]);
}

beforeAll(async () => {
  s = await createTestStack();
  for (const as of ['ANN_TOKEN', 'BOB_TOKEN', 'CAROL_TOKEN'] as const) {
    const { instance, tokenId, secret } = parseToken(s.demo.tokens[as])!;
    const user = (await userForToken(s.instances.db(instance), tokenId, secret))!;
    actors[as] = { instance, organization: s.instances.config(instance).name, userId: user.id, name: user.name, role: user.role };
  }
});
afterAll(async () => {
  await s?.close();
});

describe('two actions at once', () => {
  const states: ConsumerState[] = ['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved', 'closed', 'cancelled'];
  for (const state of states) {
    it(`from ${state}: every pair of actions answers, in one serial order, on both sides and in history`, async () => {
      const runs = Array.from({ length: REPEAT }, () => pairs).flat();
      await mapLimit(runs, 6, ([a, b]) => race(state, a, b));
    });
  }

  it('leaves histories that replay on the workflow code', async () => {
    const histories = [];
    for await (const info of s.temporal.client.workflow.list({ query: `TaskQueue = '${s.taskQueue}'` })) {
      histories.push({ workflowId: info.workflowId, history: await s.temporal.client.workflow.getHandle(info.workflowId, info.runId).fetchHistory() });
    }
    expect(histories.length).toBeGreaterThanOrEqual(pairs.length * 5 + 2);
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code: inject('serviceWorkflowBundle') } }, histories)) {
      expect(result.error, result.workflowId).toBeUndefined();
    }
  });

  it('leaves nothing for the reconciler to report', async () => {
    const report = await reconcile(s.instances, s.temporal.client);
    expect(report.drifted).toEqual([]);
    expect(report.pending).toBe(0);
    expect(report.checked).toBeGreaterThanOrEqual(pairs.length * 5 + 2);
  });
});
