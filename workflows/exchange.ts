import { ApplicationFailure, allHandlersFinished, condition, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { DomainError } from '../domain/errors';
import { decide, sideOf, type Action, type ExchangeView, type Transition } from '../domain/state-machine';
import { displayName, isOpen, providerStateOf, type Actor, type ResolutionCode, type Side } from '../domain/model';
import type { AuditWrite, CommentWrite, ExchangeActivities, ExchangeRecord, TaskChange } from '../activities/exchange-activities';
import { actions, createdUpdate, snapshotQuery, type ActionInput, type ExchangeInput, type ExchangeSnapshot } from './definitions';

// Database writes are retried until they succeed: an instance that is down delays its own copy of a
// request, never loses a change. Backoff is capped so a returning database is caught up quickly.
const db = proxyActivities<ExchangeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

interface QueuedWrite {
  /** Performs the write; runs only after every earlier write to the same side has finished. */
  run(): Promise<void>;
  acceptedAt: number;
  done: boolean;
}

/**
 * One exchanged request, from submission to closure. The workflow owns the request's state (decided
 * by domain/state-machine) and writes it to both instances' databases through two ordered queues, one
 * per side, so each side sees every change exactly once and in order.
 */
export async function exchange(input: ExchangeInput): Promise<ExchangeSnapshot> {
  const workflowId = workflowInfo().workflowId;
  const view: ExchangeView = {
    state: 'new',
    consumer: input.consumer.instance,
    provider: input.provider.instance,
    assignedTo: null,
  };
  let resolution: { code: ResolutionCode; notes: string } | null = null;
  let providerNumber: string | null = null;
  let consumerCreated = false;
  let changeSeq = 0;
  let commentSeq = 0;
  const queues: Record<Side, QueuedWrite[]> = { consumer: [], provider: [] };

  const snapshot = (): ExchangeSnapshot => ({
    number: input.number,
    providerNumber,
    consumerState: view.state,
    providerState: providerStateOf(view.state),
    assignedTo: view.assignedTo ?? null,
    resolution,
    pending: { consumer: queues.consumer.length, provider: queues.provider.length },
    oldestPendingAt: {
      consumer: queues.consumer.length ? new Date(queues.consumer[0].acceptedAt).toISOString() : null,
      provider: queues.provider.length ? new Date(queues.provider[0].acceptedAt).toISOString() : null,
    },
  });

  const enqueue = (side: Side, run: () => Promise<void>): QueuedWrite => {
    const item: QueuedWrite = { run, acceptedAt: Date.now(), done: false };
    queues[side].push(item);
    return item;
  };

  const record: ExchangeRecord = {
    workflowId,
    consumer: input.consumer.instance,
    provider: input.provider.instance,
    number: input.number,
    catalogItem: { id: input.catalogItem.id, name: input.catalogItem.name, kind: input.catalogItem.kind },
    shortDescription: input.shortDescription,
    description: input.description,
    variables: input.variables,
    requestedBy: { userId: input.requestedBy.userId, name: input.requestedBy.name },
  };

  const audit = (seq: number, side: Side, action: string, actor: { name: string; instance: string }, from: string | null, to: string | null, details: Record<string, unknown> = {}): AuditWrite => ({
    id: `${workflowId}/a/${seq}/${side}`,
    action,
    actorName: actor.name,
    actorInstance: actor.instance,
    fromState: from,
    toState: to,
    details,
    createdAt: new Date().toISOString(),
  });

  const requester = { name: displayName(input.requestedBy), instance: input.consumer.instance };
  const system = { name: 'Service Exchange', instance: input.provider.instance };

  /** Writes one accepted change to both sides (internal comments only to the side that wrote them). */
  const replicate = (from: string, t: Transition, actionName: string, actor: { name: string; instance: string }, comments: CommentWrite[], actingSide?: Side): QueuedWrite | undefined => {
    changeSeq++;
    const seq = changeSeq;
    let acting: QueuedWrite | undefined;
    for (const side of ['consumer', 'provider'] as const) {
      const ownComments = comments.filter((c) => c.visibility === 'public' || side === actingSide);
      const fromSide = side === 'consumer' ? from : providerStateOf(from as ExchangeView['state']);
      const toSide = side === 'consumer' ? t.state : providerStateOf(t.state);
      const changed = fromSide !== toSide || t.assignedTo !== undefined || t.resolution !== undefined;
      if (!changed && ownComments.length === 0) continue;
      const change: Omit<TaskChange, 'number'> = {
        instance: side === 'consumer' ? input.consumer.instance : input.provider.instance,
        side,
        seq,
        state: t.state,
        assignedTo: t.assignedTo,
        resolution: t.resolution,
        comments: ownComments,
        audit: audit(seq, side, actionName, actor, fromSide, toSide, t.comment ? { comment: t.comment } : {}),
      };
      // The provider's number is known only once its parent task exists, which is queued first.
      const item = enqueue(side, () =>
        db.applyTaskChange(
          side === 'consumer'
            ? { ...change, number: input.number, providerNumber: providerNumber ?? undefined }
            : { ...change, number: providerNumber! },
        ),
      );
      if (side === actingSide) acting = item;
    }
    return acting;
  };

  const toFailure = (err: unknown): unknown =>
    err instanceof DomainError
      ? ApplicationFailure.create({ type: err.code, message: err.message, details: [err.details ?? {}], nonRetryable: true })
      : err;

  const decideOrFail = (action: Action, actor: Actor): Transition => {
    try {
      return decide(view, action, actor);
    } catch (err) {
      throw toFailure(err);
    }
  };

  /** The single handler behind every action's update and signal. */
  const act = async (action: Action, actor: Actor): Promise<ExchangeSnapshot> => {
    // Decided and applied before the first await, so concurrent actions see each other's effect
    // (two agents clicking "Assign to me": the second is refused, naming the first).
    const t = decideOrFail(action, actor);
    const from = view.state;
    const side = sideOf(view, actor);
    view.state = t.state;
    if (t.assignedTo) view.assignedTo = t.assignedTo;
    if (t.resolution !== undefined) resolution = t.resolution;
    const comments: CommentWrite[] = [];
    const addComment = (body: string, visibility: 'public' | 'internal') =>
      comments.push({
        id: `${workflowId}/c/${++commentSeq}`,
        seq: commentSeq,
        visibility,
        originInstance: actor.instance,
        authorName: displayName(actor),
        body,
        createdAt: new Date().toISOString(),
      });
    if (action.type === 'comment') addComment(action.body, 'public');
    if (action.type === 'work_note') addComment(action.body, 'internal');
    if (t.comment) addComment(t.comment, 'public');
    const acting = replicate(from, t, action.type, { name: displayName(actor), instance: actor.instance }, comments, side);
    if (acting) await condition(() => acting.done);
    return snapshot();
  };

  for (const [name, { update, signal }] of Object.entries(actions)) {
    const type = name as keyof typeof actions;
    const toAction = (input: ActionInput<typeof type>) => {
      const { actor, ...fields } = input as { actor: Actor } & Record<string, unknown>;
      return { action: { type, ...fields } as Action, actor };
    };
    setHandler(
      update as typeof actions.assign.update,
      async (arg) => {
        const { action, actor } = toAction(arg as ActionInput<typeof type>);
        return act(action, actor);
      },
      {
        validator: (arg) => {
          const { action, actor } = toAction(arg as ActionInput<typeof type>);
          decideOrFail(action, actor);
        },
      },
    );
    setHandler(signal as typeof actions.assign.signal, async (arg) => {
      const { action, actor } = toAction(arg as ActionInput<typeof type>);
      try {
        await act(action, actor);
      } catch (err) {
        // A signal cannot answer; a refused one is logged and changes nothing.
        log.warn('refused signalled action', { action: action.type, reason: (err as Error).message });
      }
    });
  }
  setHandler(createdUpdate, async () => {
    await condition(() => consumerCreated);
    return snapshot();
  });
  setHandler(snapshotQuery, snapshot);

  // Creation first on each side; everything later queues behind it.
  enqueue('consumer', async () => {
    await db.createProviderTask({ ...record, audit: audit(0, 'consumer', 'submitted', requester, null, 'new') });
    consumerCreated = true;
  });
  enqueue('provider', async () => {
    providerNumber = await db.createParentTask({
      ...record,
      requestedByDisplay: displayName(input.requestedBy),
      audit: audit(0, 'provider', 'received', system, null, 'new', { consumerNumber: input.number }),
    });
    // The provider has it: the consumer's Provider Task becomes received (unless already cancelled).
    if (view.state === 'new') {
      const t = decide(view, { type: 'receive' });
      view.state = t.state;
      replicate('new', t, 'receive', system, []);
    }
  });

  const finished = () => !isOpen(view.state);
  const drain = async (side: Side) => {
    for (;;) {
      await condition(() => queues[side].length > 0 || (finished() && allHandlersFinished()));
      const item = queues[side][0];
      if (!item) return;
      await item.run();
      item.done = true;
      queues[side].shift();
    }
  };
  await Promise.all([drain('consumer'), drain('provider')]);
  return snapshot();
}
