// What one lifecycle does: over HTTP through the whole stack, or (the baseline) the same database writes
// made directly with the activity functions.
import { allocateProviderTaskNumber } from '../db/repositories/tasks';
import { createExchangeActivities, type AuditWrite, type CommentWrite, type ExchangeRecord } from '../activities/exchange-activities';
import { decide, type Action, type ExchangeState, type Transition } from '../domain/state-machine';
import { displayName, type Actor, type Side } from '../domain/model';
import { initialSlaState, slaOnTransition, slaTargetsMs } from '../domain/sla';
import { exchangeWorkflowId } from '../workflows/definitions';
import { sideChanges } from '../workflows/side-changes';
import type { ApiClient } from './client';
import type { Probe, ReplicationWatcher } from './replication';
import type { Recorder } from './stats';
import { CONSUMER, PROVIDER, type BenchStack } from './stack';

/** Action names as the tables show them. */
export const ACTIONS = ['submit', 'assign', 'comment', 'propose', 'accept'] as const;
export type ActionName = (typeof ACTIONS)[number];
export const COMMENTS_EACH_WAY = 3;

interface TaskResponseBody {
  number: string;
  state: string;
  comments: Array<{ id: string; body: string }>;
}

export interface HttpContext {
  stack: BenchStack;
  api: ApiClient;
  watcher: ReplicationWatcher;
  rec: Recorder;
}

let requestCounter = 0;

/**
 * Submits a request and has Bob assign it: the request is then open (work_in_progress) on both sides.
 * Records `action:submit`, `action:assign` and their replication; returns both numbers.
 */
export async function submitAndAssign(ctx: HttpContext, tag: string, background: Array<Promise<void>>): Promise<{ number: string; parent: string }> {
  const { api, watcher, rec, stack } = ctx;
  const tokens = stack.demo.tokens;
  const submitted = await api.call<TaskResponseBody>('POST', '/requests', tokens.ANN_TOKEN, {
    catalogItemId: stack.item.id,
    shortDescription: `Bench request ${tag}`,
    description: 'Created by npm run bench',
    variables: { category: 'hardware' },
  });
  const submittedAt = performance.now();
  rec.add('action:submit', submitted.ms);
  const sentAt = submittedAt - submitted.ms;
  const number = submitted.body.number;
  // The provider's parent task appears (replication of the submission), then the workflow has
  // received it (the consumer's task is received): only then may an agent assign it.
  const parentSeen = await watcher.wait({ kind: 'parent', instance: PROVIDER, workflowId: exchangeWorkflowId(CONSUMER, number) });
  rec.add('repl:submit', parentSeen.at - submittedAt);
  rec.add('e2e:submit', parentSeen.at - sentAt);
  const parent = parentSeen.value!;
  await watcher.wait({ kind: 'state', instance: CONSUMER, side: 'consumer', number, state: 'received' });
  await act(ctx, background, 'assign', tokens.BOB_TOKEN, `/tasks/${parent}/assign`, {}, () => ({ kind: 'state', instance: CONSUMER, side: 'consumer', number, state: 'work_in_progress' }));
  return { number, parent };
}

/**
 * One action over HTTP. Its replication is watched in the background (the next action does not wait
 * for it, as a person would not): the promise is pushed to `background`. Records `action:<name>` (the
 * HTTP answer), `repl:<name>` (answer received -> the other side's database has it) and `e2e:<name>`
 * (request sent -> the other side's database has it).
 */
export async function act(
  ctx: HttpContext,
  background: Array<Promise<void>>,
  name: ActionName,
  token: string,
  path: string,
  body: unknown,
  probe: (answer: TaskResponseBody) => Probe,
): Promise<TaskResponseBody> {
  const res = await ctx.api.call<TaskResponseBody>('POST', path, token, body);
  const acceptedAt = performance.now();
  ctx.rec.add(`action:${name}`, res.ms);
  const seen = ctx.watcher.wait(probe(res.body)).then((s) => {
    ctx.rec.add(`repl:${name}`, s.at - acceptedAt);
    ctx.rec.add(`e2e:${name}`, s.at - (acceptedAt - res.ms));
  });
  seen.catch(() => {}); // reported by whoever settles `background`, not as an unhandled rejection
  background.push(seen);
  return res.body;
}

/** A comment with a body unique to this run: watched for on the other side's task by that body. */
export async function comment(ctx: HttpContext, background: Array<Promise<void>>, side: Side, task: { number: string; parent: string }, text: string): Promise<void> {
  const tokens = ctx.stack.demo.tokens;
  const [token, path, other, otherNumber] =
    side === 'consumer'
      ? [tokens.ANN_TOKEN, `/tasks/${task.number}/comments`, PROVIDER, task.parent]
      : [tokens.BOB_TOKEN, `/tasks/${task.parent}/comments`, CONSUMER, task.number];
  await act(ctx, background, 'comment', token, path, { body: text }, (answer) => {
    const mine = answer.comments.find((c) => c.body === text);
    if (!mine) throw new Error(`the answer to ${path} does not show the comment just posted`);
    return { kind: 'comment', instance: other, taskNumber: otherNumber, body: text };
  });
}

/**
 * The whole lifecycle over HTTP: submit, assign, `commentsEachWay` comments each way (3 by default),
 * propose, accept. It ends when the other side's database holds every action's result (both sides
 * closed, every comment on both).
 */
export async function httpLifecycle(ctx: HttpContext, commentsEachWay = COMMENTS_EACH_WAY): Promise<number> {
  const started = performance.now();
  const tag = `${process.pid}-${++requestCounter}`;
  const tokens = ctx.stack.demo.tokens;
  const background: Array<Promise<void>> = [];
  try {
    const task = await submitAndAssign(ctx, tag, background);
    for (let i = 1; i <= commentsEachWay; i++) {
      await comment(ctx, background, 'consumer', task, `Bench ${tag}: question ${i} from Acme`);
      await comment(ctx, background, 'provider', task, `Bench ${tag}: answer ${i} from Globex`);
    }
    await act(ctx, background, 'propose', tokens.BOB_TOKEN, `/tasks/${task.parent}/propose-solution`, { resolutionCode: 'solved', resolutionNotes: 'Fixed by the bench' }, () => ({
      kind: 'state',
      instance: CONSUMER,
      side: 'consumer',
      number: task.number,
      state: 'resolved',
    }));
    await act(ctx, background, 'accept', tokens.ANN_TOKEN, `/tasks/${task.number}/accept`, {}, () => ({
      kind: 'state',
      instance: PROVIDER,
      side: 'provider',
      number: task.parent,
      state: 'closed',
    }));
  } finally {
    const settled = await Promise.allSettled(background);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  return performance.now() - started;
}

/**
 * The baseline: the database writes of one lifecycle, made by calling the activities directly (no
 * Temporal, no HTTP). The same writes the workflow queues: the creation on each side, then for every
 * action one change per side (state, assignee, resolution, comments, audit entry, SLA clocks) decided by
 * the same state machine. The two sides of each step are written at the same time, as the workflow's
 * two queues do. Ends when both databases hold the whole lifecycle.
 */
export function createDirectLifecycle(stack: BenchStack) {
  const activities = createExchangeActivities(stack.instances);
  const targets = slaTargetsMs(stack.item.sla);
  const system = { name: 'Service Exchange', instance: PROVIDER };
  let counter = 0;

  return async function directLifecycle(): Promise<number> {
    const started = performance.now();
    const tag = `direct-${process.pid}-${++counter}`;
    // The number as POST /requests allocates it.
    const number = await allocateProviderTaskNumber(stack.instances.db(CONSUMER));
    const workflowId = `bench-direct:${CONSUMER}:${number}`;
    const requester = stack.requester;
    const agent = stack.agent;
    const record: ExchangeRecord = {
      workflowId,
      consumer: CONSUMER,
      provider: PROVIDER,
      number,
      catalogItem: { id: stack.item.id, name: stack.item.name, kind: 'help_request' },
      shortDescription: `Bench request ${tag}`,
      description: 'Created by npm run bench',
      variables: { category: 'hardware' },
      requestedBy: { userId: requester.userId, name: requester.name },
    };
    const exchange: ExchangeState = { state: 'new', consumer: CONSUMER, provider: PROVIDER, assignedTo: null };
    let sla = initialSlaState(3);
    let seq = 0;
    let commentSeq = 0;
    const now = () => new Date().toISOString();
    const audit = (s: number, side: Side, action: string, actor: { name: string; instance: string }, from: string | null, to: string | null): AuditWrite => ({
      id: `${workflowId}/a/${s}/${side}`,
      action,
      actorName: actor.name,
      actorInstance: actor.instance,
      fromState: from,
      toState: to,
      details: {},
      createdAt: now(),
    });

    const [, parent] = await Promise.all([
      activities.createProviderTask({ ...record, audit: audit(0, 'consumer', 'submitted', { name: displayName(requester), instance: CONSUMER }, null, 'new') }),
      activities.createParentTask({ ...record, requestedByDisplay: displayName(requester), audit: audit(0, 'provider', 'received', system, null, 'new') }),
    ]);

    /** Decides the action and writes its change to both sides at once. */
    const step = async (action: Action, actor: Actor | undefined, actingSide?: Side) => {
      const t: Transition = decide(exchange, action, actor);
      const from = exchange.state;
      exchange.state = t.state;
      if (t.assignedTo) exchange.assignedTo = t.assignedTo;
      sla = slaOnTransition(sla, targets, from, t.state, Date.now(), { assigned: action.type === 'assign' });
      const s = ++seq;
      const comments: CommentWrite[] =
        action.type === 'comment'
          ? [{ id: `${workflowId}/c/${++commentSeq}`, seq: commentSeq, visibility: 'public', originInstance: actor!.instance, authorName: displayName(actor!), body: action.body, createdAt: now() }]
          : [];
      const who = actor ? { name: displayName(actor), instance: actor.instance } : system;
      const changes = sideChanges(
        { seq: s, from, transition: t, comments, actingSide, sla, audit: (side, f, to) => audit(s, side, action.type, who, f, to) },
        { consumer: CONSUMER, provider: PROVIDER },
      );
      await Promise.all(
        changes.map((change) =>
          activities.applyTaskChange(change.side === 'consumer' ? { ...change, number, providerNumber: parent } : { ...change, number: parent }),
        ),
      );
    };

    await step({ type: 'receive' }, undefined);
    await step({ type: 'assign' }, agent, 'provider');
    for (let i = 1; i <= COMMENTS_EACH_WAY; i++) {
      await step({ type: 'comment', body: `Bench ${tag}: question ${i} from Acme` }, requester, 'consumer');
      await step({ type: 'comment', body: `Bench ${tag}: answer ${i} from Globex` }, agent, 'provider');
    }
    await step({ type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'Fixed by the bench' }, agent, 'provider');
    await step({ type: 'accept' }, requester, 'consumer');
    return performance.now() - started;
  };
}
