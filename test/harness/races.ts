// Racing actions on one request: the moves people make, an oracle of what any serial order of them
// would answer (from the state machine), and requests driven to each state through the API. Used by the
// race matrix (test/e2e/races.test.ts) and the SLA races (test/e2e/sla-races.test.ts).
import { expect } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ApiResponse, TestStack } from './stack';
import { converged, readRequest } from '../faults/helpers';
import { actionRoutes } from '../../api/routes/tasks';
import { httpStatus } from '../../api/errors';
import { decide, type Action, type ExchangeState } from '../../domain/state-machine';
import { DomainError } from '../../domain/errors';
import { parseToken, userForToken } from '../../db/repositories/users';
import { providerStateOf, type Actor, type ConsumerState } from '../../domain/model';
import { exchangeWorkflowId, snapshotQuery, type ExchangeSnapshot } from '../../workflows/definitions';

export const CONSUMER = 'acme';
export const PROVIDER = 'globex';

let s: TestStack;
const actors: Record<string, Actor> = {};

/** Binds the helpers to a test file's stack and loads the demo people as the state machine sees them. */
export async function useStack(stack: TestStack): Promise<void> {
  s = stack;
  for (const as of ['ANN_TOKEN', 'BOB_TOKEN', 'CAROL_TOKEN'] as const) {
    const { instance, tokenId, secret } = parseToken(s.demo.tokens[as])!;
    const user = (await userForToken(s.instances.db(instance), tokenId, secret))!;
    actors[as] = { instance, organization: s.instances.config(instance).name, userId: user.id, name: user.name, role: user.role };
  }
}

/** Sends a move's call for request `r` (its own side's task number). */
export async function send(m: Move, r: { number: string; providerNumber?: string }): Promise<ApiResponse> {
  return s.call('POST', `/tasks/${await target(m, r)}/${pathOf(m)}`, { as: m.as, body: bodyOf(m) });
}

export interface Move {
  label: string;
  as: 'ANN_TOKEN' | 'BOB_TOKEN' | 'CAROL_TOKEN';
  action: Action;
}
export const moves: Move[] = [
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
export const pairs = moves.flatMap((a, i) => moves.slice(i).map((b) => [a, b === a ? again(b) : b] as const));

export const pathOf = (m: Move) => actionRoutes.find((r) => r.action === m.action.type)!.path;
export const bodyOf = (m: Move) => {
  const { type: _type, ...body } = m.action;
  return body;
};
const sideOfMove = (m: Move) => (m.as === 'ANN_TOKEN' ? 'consumer' : 'provider');
const stateOnSide = (m: Move, state: ConsumerState) => (sideOfMove(m) === 'consumer' ? state : providerStateOf(state));

// ---------------------------------------------------------------- the oracle: serial orders

/** What the request does by itself: its receipt by the provider (while new), an SLA timer firing. */
export type SystemStep = 'receive' | 'auto_close' | 'sla_timer';
type Step = Move | SystemStep;
/** What one serial order makes of the moves: each move's answer (state after it, or refusal code) and the final state. */
function runSerially(start: ExchangeState, order: Step[], moveCount: number): string {
  let exchange = { ...start };
  const answers: string[] = new Array(moveCount);
  for (const step of order) {
    if (typeof step === 'string') {
      // Each happens only where the workflow would make it happen; a timer that is not due changes nothing.
      if (step === 'receive' && exchange.state === 'new') exchange = { ...exchange, ...decide(exchange, { type: 'receive' }) };
      if (step === 'auto_close' && exchange.state === 'resolved') exchange = { ...exchange, ...decide(exchange, { type: 'auto_close' }) };
      continue;
    }
    const i = (step as Move & { index: number }).index;
    try {
      const t = decide(exchange, step.action, actors[step.as]);
      exchange = { ...exchange, state: t.state, assignedTo: t.assignedTo ?? exchange.assignedTo };
      answers[i] = `ok:${stateOnSide(step, t.state)}`;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      answers[i] = `${httpStatus[err.code]}:${err.code}`;
    }
  }
  return JSON.stringify({ answers, final: exchange.state });
}

const permutations = <T,>(items: T[]): T[][] =>
  items.length <= 1 ? [items] : items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));

/** Every outcome some serial order of the moves and the request's own steps can give (receipt included while new). */
export function serialOutcomes(start: ExchangeState, racing: Move[], system: SystemStep[] = []): Set<string> {
  const steps: Step[] = [...racing.map((m, index) => ({ ...m, index }) as Move), ...system, ...(start.state === 'new' ? (['receive'] as const) : [])];
  return new Set(permutations(steps).map((order) => runSerially(start, order, racing.length)));
}

export const observed = (answers: ApiResponse[], final: ConsumerState) =>
  JSON.stringify({ answers: answers.map((res) => (res.status < 300 ? `ok:${res.body.state}` : `${res.status}:${res.body?.error?.code}`)), final });

// ---------------------------------------------------------------- requests in each state

export const SETUPS: Record<ConsumerState, Move['action'][]> = {
  new: [],
  received: [],
  work_in_progress: [{ type: 'assign' }],
  awaiting_info: [{ type: 'assign' }, { type: 'request_info', question: 'Which printer?' }],
  resolved: [{ type: 'assign' }, { type: 'propose_solution', resolutionCode: 'workaround', resolutionNotes: 'Use the other printer' }],
  closed: [{ type: 'assign' }, { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'Fixed' }, { type: 'accept' }],
  cancelled: [{ type: 'cancel' }],
};

/** The workflow's view of the request: its result once it has ended (no worker has to replay it for a query). */
export const snapshotOf = async (number: string) => {
  const handle = s.temporal.client.workflow.getHandle(exchangeWorkflowId(CONSUMER, number));
  if ((await handle.describe()).status.name === 'RUNNING') return handle.query(snapshotQuery);
  // Read from history: the test environment's result() would unlock time skipping.
  const completed = (await handle.fetchHistory()).events!.at(-1)!.workflowExecutionCompletedEventAttributes!;
  return defaultPayloadConverter.fromPayload<ExchangeSnapshot>(completed.result!.payloads![0]);
};

export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 800; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Nothing left to write: the workflow has no pending write and both databases show its state. */
export const settled = async (number: string) => {
  const snap = await snapshotOf(number);
  const copies = await readRequest(s, CONSUMER, PROVIDER, number);
  return snap.pending.consumer === 0 && snap.pending.provider === 0 && converged(copies) && copies.consumer.task?.state === snap.consumerState ? { snap, copies } : undefined;
};

/** A fresh request in `state`, quiet (everything written) unless it is to be raced while still new. */
export async function requestIn(state: ConsumerState): Promise<{ number: string; providerNumber?: string }> {
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
export async function target(m: Move, r: { number: string; providerNumber?: string }): Promise<string> {
  if (sideOfMove(m) === 'consumer') return r.number;
  r.providerNumber ??= await until(
    async () => (await readRequest(s, CONSUMER, PROVIDER, r.number)).provider.task?.number,
    Boolean,
    `${r.number}'s parent task`,
  );
  return r.providerNumber!;
}

