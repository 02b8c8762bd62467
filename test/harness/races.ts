// Racing actions on one request through the API: the people as the stack knows them, each move's call,
// and requests driven to each state. The moves and the serial-order oracle are in ./race-oracle.ts. Used
// by the API's race matrix (test/harness/race-matrix.ts) and the SLA races (test/e2e/sla-races.test.ts).
import { expect } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ApiResponse, TestStack } from './stack';
import { eventually } from './eventually';
import { converged, readRequest } from '../faults/helpers';
import { consumerActs, outcome, SETUPS, sideOfMove, type Move, type Racers } from './race-oracle';
import { actionRoutes } from '../../api/routes/tasks';
import { parseToken, userForToken } from '../../db/repositories/users';
import type { ConsumerState } from '../../domain/model';
import { exchangeWorkflowId, snapshotQuery, type ExchangeSnapshot } from '../../workflows/definitions';

export const CONSUMER = 'acme';
export const PROVIDER = 'globex';

let s: TestStack;
/** The demo people as the state machine sees them (for the oracle), once `useStack` has loaded them. */
export const racers = {} as Racers;

/** Binds the helpers to a test file's stack and loads the demo people as the state machine sees them. */
export async function useStack(stack: TestStack): Promise<void> {
  s = stack;
  for (const as of ['ANN_TOKEN', 'BOB_TOKEN', 'CAROL_TOKEN'] as const) {
    const { instance, tokenId, secret } = parseToken(s.demo.tokens[as])!;
    const user = (await userForToken(s.instances.db(instance), tokenId, secret))!;
    racers[as] = { instance, organization: s.instances.config(instance).name, userId: user.id, name: user.name, role: user.role };
  }
}

/** Sends a move's call for request `r` (its own side's task number). */
export async function send(m: Move, r: { number: string; providerNumber?: string }): Promise<ApiResponse> {
  return s.call('POST', `/tasks/${await target(m, r)}/${pathOf(m)}`, { as: m.as, body: bodyOf(m) });
}

export const pathOf = (m: Move) => actionRoutes.find((r) => r.action === m.action.type)!.path;
export const bodyOf = (m: Move) => {
  const { type: _type, ...body } = m.action;
  return body;
};

/** The answers as the oracle (./race-oracle.ts) compares them, and the request's state afterwards. */
export const observed = (answers: ApiResponse[], final: ConsumerState) =>
  outcome(answers.map((res) => (res.status < 300 ? `ok:${res.body.state}` : `${res.status}:${res.body?.error?.code}`)), final);

// ---------------------------------------------------------------- requests in each state

/** The workflow's view of the request: its result once it has ended (no worker has to replay it for a query). */
export const snapshotOf = async (number: string) => {
  const handle = s.temporal.client.workflow.getHandle(exchangeWorkflowId(CONSUMER, number));
  if ((await handle.describe()).status.name === 'RUNNING') return handle.query(snapshotQuery);
  // Read from history: the test environment's result() would unlock time skipping.
  const completed = (await handle.fetchHistory()).events!.at(-1)!.workflowExecutionCompletedEventAttributes!;
  return defaultPayloadConverter.fromPayload<ExchangeSnapshot>(completed.result!.payloads![0]);
};

/**
 * Polls until `ok` holds: a race settles within the 20 s a loaded CI machine may need. Every 100 ms, not
 * `eventually`'s 25: each poll reads both databases and queries the workflow, for six races at a time.
 */
export const until = <T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> => eventually(read, ok, { attempts: 200, everyMs: 100, what });

/**
 * Nothing left to write: the workflow has no pending write and both databases show its state. The
 * workflow is asked (a query is a workflow task) only once the two databases agree. The databases are
 * read again after it answered: a change decided meanwhile (a timer firing late) and written to one
 * side only so far would otherwise pass for a settled request.
 */
export const settled = async (number: string) => {
  const copies = await readRequest(s, CONSUMER, PROVIDER, number);
  if (!converged(copies)) return undefined;
  const snap = await snapshotOf(number);
  if (snap.pending.consumer !== 0 || snap.pending.provider !== 0 || copies.consumer.task?.state !== snap.consumerState) return undefined;
  const again = await readRequest(s, CONSUMER, PROVIDER, number);
  return JSON.stringify(again) === JSON.stringify(copies) ? { snap, copies } : undefined;
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
    const consumerSide = consumerActs(action);
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

