import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  TemporalFailure,
  type ActivityOptions,
  type LocalActivityOptions,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { DomainError } from '../domain/errors';
import { decide, sideOf, type Action, type ExchangeState as ExchangeView, type Transition } from '../domain/state-machine';
import { displayName, isOpen, providerStateOf, type Actor, type ConsumerState, type ResolutionCode, type Side } from '../domain/model';
import { initialSlaState, nextSlaDeadline, slaDue, slaOnTransition, slaTargetsMs, type SlaEvent, type SlaState, type SlaTargetsMs } from '../domain/sla';
import type { AuditWrite, CommentWrite, EscalationWrite, ExchangeActivities, ExchangeRecord } from '../activities/exchange-activities';
import type { WebhookActivities } from '../activities/webhook-activities';
import { actions, createdUpdate, snapshotQuery, type ActionInput, type ExchangeInput, type ExchangeSnapshot } from './definitions';
import { sideChanges } from './side-changes';
import { exchangeSearchAttributes as SA } from './search-attributes';

// Database writes are retried until they succeed: an instance that is down delays its own copy of a
// request, never loses a change. Backoff is capped so a returning database is caught up quickly.
const writeOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
const db = proxyActivities<ExchangeActivities>(writeOptions);
// Requests of generation 3 (LOCAL_WRITES_PATCH, superseded by RECORDED_WRITES_PATCH) tried each write
// first as a local activity; they replay with it.
const firstAttempt: LocalActivityOptions = { startToCloseTimeout: '2 seconds', retry: { maximumAttempts: 1 } };
const localDb = proxyLocalActivities<ExchangeActivities>(firstAttempt);

// Escalation webhooks are retried with backoff for a day, then given up (and logged): a receiver
// that never comes back must not keep the request open forever.
const webhooks = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Requests started before SLA tracking and operator visibility existed replay without them; every
 * command those features add is behind this patch.
 */
export const SLA_AND_VISIBILITY_PATCH = 'sla-and-visibility-v1';

/**
 * A write queued for a side after that side's queue had already drained (the provider's number,
 * learned only after the request was cancelled while the provider was unreachable) is written before
 * the request ends. Requests that ended without one replay unchanged: the patch is asked only then.
 */
export const LATE_WRITES_PATCH = 'drain-late-writes-v1';

/**
 * Generation 3 tried each write first as a local activity, in the workflow task that accepted the
 * action. Superseded by RECORDED_WRITES_PATCH: only requests that recorded this marker use it.
 */
export const LOCAL_WRITES_PATCH = 'local-writes-v1';

/**
 * Every write is a scheduled activity, so it runs only after the workflow task that decided it is in
 * history. A local activity runs before its task is recorded: when that task failed or timed out
 * (two actions racing, a worker killed), its writes had landed for a decision the retried task could
 * make differently.
 */
export const RECORDED_WRITES_PATCH = 'recorded-writes-v1';

/**
 * A comment or work note while resolved no longer restarts the acceptance window (and its reminder).
 * Requests started before replay with the restart.
 */
export const ACCEPTANCE_WINDOW_PATCH = 'acceptance-window-kept-v1';

/**
 * The SLA timer is started and cancelled only after every write the same change queued has been
 * scheduled. Without it, whether the timer's commands came before or after those writes depended on
 * how the workflow task's events were grouped into activations, and Core groups them differently live
 * and on replay in one case: a worker without the request in its cache, given an update right after a
 * workflow task that completed without commands (e.g. after the previous worker stopped), runs the
 * update and that task's activity results in one activation, while a replay of the resulting history
 * runs them in two. The recorded order then failed replay with a nondeterminism error (TimerCanceled
 * where an ActivityTaskScheduled was expected). Requests started before this patch keep the old order.
 */
export const SETTLED_SLA_TIMERS_PATCH = 'settled-sla-timers-v1';

const SYSTEM_AUTHOR = 'Service Exchange';
const SLA_LABEL = { response: 'response time', resolution: 'resolution time' } as const;
const PRIORITY_LABEL = ['', 'critical', 'high', 'moderate', 'low'];
const formatDuration = (ms: number) => {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
};

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
  const withSla = patched(SLA_AND_VISIBILITY_PATCH);
  const settledTimers = withSla && patched(SETTLED_SLA_TIMERS_PATCH);
  const localWrites = !patched(RECORDED_WRITES_PATCH) && patched(LOCAL_WRITES_PATCH);
  const restartAcceptanceWhileResolved = withSla && !patched(ACCEPTANCE_WINDOW_PATCH);
  // Local attempts run one at a time. History records where each local activity was started, not
  // which of two running at once finished first, and a replay may get both results together: what
  // the workflow does after one of them must not depend on that order.
  let localTurn: Promise<unknown> = Promise.resolve();
  /**
   * One database write: a scheduled activity retried until it succeeds (generation 3: after a local
   * first attempt). `summary` is what the Temporal UI shows for it: what it writes, and where.
   */
  const write = async <K extends keyof ExchangeActivities>(name: K, summary: string, args: Parameters<ExchangeActivities[K]>): Promise<Awaited<ReturnType<ExchangeActivities[K]>>> => {
    type Call = { executeWithOptions(options: object, args: unknown[]): Promise<Awaited<ReturnType<ExchangeActivities[K]>>> };
    if (localWrites) {
      const attempt = localTurn.then(() => (localDb[name] as unknown as Call).executeWithOptions({ ...firstAttempt, summary }, args));
      localTurn = attempt.catch(() => undefined);
      try {
        return await attempt;
      } catch (err) {
        if (!(err instanceof TemporalFailure) || err instanceof CancelledFailure) throw err;
      }
    }
    return (db[name] as unknown as Call).executeWithOptions({ ...writeOptions, summary }, args);
  };
  let targets: SlaTargetsMs = {};
  try {
    if (withSla) targets = slaTargetsMs(input.catalogItem.sla);
  } catch (err) {
    log.warn('catalog item has invalid SLA targets; SLAs are not tracked for this request', { reason: (err as Error).message });
  }
  let sla: SlaState = initialSlaState(input.catalogItem.kind === 'service_affecting_issue' ? 2 : 3);
  let slaVersion = 0;
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
  const webhookQueue: QueuedWrite[] = [];

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
    sla: withSla ? sla : null,
  });

  const enqueue = (side: Side | 'webhooks', run: () => Promise<void>): QueuedWrite => {
    const item: QueuedWrite = { run, acceptedAt: Date.now(), done: false };
    (side === 'webhooks' ? webhookQueue : queues[side]).push(item);
    return item;
  };

  const detailsText = () =>
    [
      `${input.number} ${view.state.replace(/_/g, ' ')}`,
      `${input.catalogItem.name} — ${input.shortDescription}`,
      `${input.consumer.organization} → ${input.provider.organization}${providerNumber ? ` (${providerNumber})` : ''}`,
      view.assignedTo ? `assigned to ${view.assignedTo.name}` : 'unassigned',
      withSla ? `priority ${sla.priority} (${PRIORITY_LABEL[sla.priority]}), escalation level ${sla.escalationLevel}` : '',
    ]
      .filter(Boolean)
      .join('\n');

  /** Keeps what operators search and read in the Temporal UI in step with the request. */
  const publishVisibility = () => {
    setCurrentDetails(detailsText());
    if (!withSla) return;
    const deadline = isOpen(view.state) ? nextSlaDeadline(sla, Date.now()) : undefined;
    upsertSearchAttributes([
      { key: SA.ExchangeState, value: view.state },
      { key: SA.ParentTaskNumber, value: providerNumber ?? null },
      { key: SA.AssignedTo, value: view.assignedTo?.name ?? null },
      { key: SA.EscalationLevel, value: sla.escalationLevel },
      { key: SA.SlaBreached, value: Object.values(sla.clocks).some((c) => c?.breachedAt != null) },
      { key: SA.NextSlaDeadline, value: deadline === undefined ? null : new Date(deadline) },
    ]);
  };

  /** Applies a decided transition to the workflow's state and SLA clocks; returns the state it left. */
  const applyTransition = (t: Transition, action: Action['type']): ExchangeView['state'] => {
    const from = view.state;
    view.state = t.state;
    if (t.assignedTo) view.assignedTo = t.assignedTo;
    if (t.resolution !== undefined) resolution = t.resolution;
    if (withSla) {
      sla = slaOnTransition(sla, targets, from, t.state, Date.now(), { assigned: action === 'assign', restartAcceptanceWhileResolved });
      slaVersion++;
    }
    return from;
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
  const replicate = (
    from: ConsumerState,
    t: Transition,
    actionName: string,
    actor: { name: string; instance: string },
    comments: CommentWrite[],
    actingSide?: Side,
    escalation?: EscalationWrite,
  ): QueuedWrite | undefined => {
    const seq = ++changeSeq;
    const details = t.comment ? { comment: t.comment } : {};
    const changes = sideChanges(
      { seq, from, transition: t, comments, actingSide, escalation, sla: withSla ? sla : undefined, audit: (side, f, to) => audit(seq, side, actionName, actor, f, to, details) },
      { consumer: input.consumer.instance, provider: input.provider.instance },
    );
    let acting: QueuedWrite | undefined;
    for (const change of changes) {
      // The provider's number is known only once its parent task exists, which is queued first.
      const item = enqueue(change.side, () => {
        const number = change.side === 'consumer' ? input.number : providerNumber!;
        return write('applyTaskChange', `${actionName}: write ${number} in ${change.instance} (change ${seq})`, [
          change.side === 'consumer' ? { ...change, number, providerNumber: providerNumber ?? undefined } : { ...change, number },
        ]);
      });
      if (change.side === actingSide) acting = item;
    }
    publishVisibility();
    return acting;
  };

  const systemComment = (body: string): CommentWrite => ({
    id: `${workflowId}/c/${++commentSeq}`,
    seq: commentSeq,
    visibility: 'public',
    originInstance: 'system',
    authorName: SYSTEM_AUTHOR,
    body,
    createdAt: new Date().toISOString(),
  });

  /** A breached SLA: both sides get the escalation, a comment naming it, and (if configured) a webhook. */
  const escalate = (e: Extract<SlaEvent, { type: 'breach' }>) => {
    const breachedAt = new Date(Date.now() - e.overdueByMs).toISOString();
    const target = sla.clocks[e.sla]?.targetMs ?? 0;
    const escalation: EscalationWrite = { id: `${workflowId}/e/${e.level}`, sla: e.sla, level: e.level, priority: e.priority, breachedAt };
    const comment = systemComment(
      `SLA breached: ${SLA_LABEL[e.sla]} of ${formatDuration(target)} exceeded. Escalation level ${e.level}, priority ${e.priority} (${PRIORITY_LABEL[e.priority]}).`,
    );
    replicate(view.state, { state: view.state }, 'escalate', { name: SYSTEM_AUTHOR, instance: 'system' }, [comment], undefined, escalation);
    for (const instance of [input.consumer.instance, input.provider.instance]) {
      enqueue('webhooks', async () => {
        try {
          await webhooks.deliverWebhook({
            instance,
            deliveryId: `${escalation.id}/${instance}`,
            event: {
              type: 'sla.breached',
              request: { consumer: input.consumer.instance, provider: input.provider.instance, number: input.number, providerNumber },
              sla: e.sla,
              level: e.level,
              priority: e.priority,
              breachedAt,
            },
          });
        } catch (err) {
          log.error('escalation webhook given up', { instance, escalation: escalation.id, reason: (err as Error).message });
        }
      });
    }
  };

  const onSlaEvent = (e: SlaEvent) => {
    if (e.type === 'breach') return escalate(e);
    if (e.type === 'reminder') {
      const closesAt = new Date(Date.now() + (sla.clocks.acceptance?.targetMs ?? 0) / 2).toISOString();
      const comment = systemComment(`Reminder: please accept or reject the proposed solution. Without an answer the request closes as accepted at ${closesAt}.`);
      replicate(view.state, { state: view.state }, 'remind', { name: SYSTEM_AUTHOR, instance: 'system' }, [comment]);
      return;
    }
    if (view.state !== 'resolved') return;
    const t = decide(view, { type: 'auto_close' });
    const from = applyTransition(t, 'auto_close');
    replicate(from, t, 'auto_close', { name: SYSTEM_AUTHOR, instance: 'system' }, t.comment ? [systemComment(t.comment)] : []);
  };

  /**
   * Resolves one round of condition checks later: after everything the current activation woke up
   * (update and signal handlers, activity results, the queues' drains they unblocked) has run as far as
   * it can, so whatever commands those produce come first. (The flag keeps the condition from being
   * satisfied when it is created; it is set before the next round checks it.)
   */
  const afterOthersSettled = () => {
    let checkedAgain = false;
    void Promise.resolve().then(() => (checkedAgain = true));
    return condition(() => checkedAgain);
  };
  /**
   * Waits until `changed` (true) or the timeout (false), acting on a change, and cancelling the timer,
   * only after the writes queued with it are scheduled (afterOthersSettled): SETTLED_SLA_TIMERS_PATCH.
   */
  const changedBefore = async (changed: () => boolean, timeoutMs?: number): Promise<boolean> => {
    if (timeoutMs === undefined) {
      await condition(changed);
      await afterOthersSettled();
      return true;
    }
    return CancellationScope.cancellable(async () => {
      try {
        return await Promise.race([sleep(timeoutMs).then(() => false), condition(changed).then(afterOthersSettled).then(() => true)]);
      } finally {
        CancellationScope.current().cancel();
      }
    });
  };

  /** Durable SLA timers: sleeps until the next deadline unless the clocks change first. */
  const runSlaTimers = async () => {
    while (isOpen(view.state)) {
      const version = slaVersion;
      const changed = () => slaVersion !== version || !isOpen(view.state);
      const deadline = nextSlaDeadline(sla, Date.now());
      // Without the patch, exactly the awaits requests started earlier recorded their commands with:
      // their order depends on how many microtask turns each step takes.
      if (deadline === undefined) {
        if (settledTimers) await changedBefore(changed);
        else await condition(changed);
        continue;
      }
      const timeoutMs = Math.max(1, deadline - Date.now());
      if (settledTimers ? await changedBefore(changed, timeoutMs) : await condition(changed, timeoutMs)) continue;
      const due = slaDue(sla, Date.now());
      sla = due.state;
      slaVersion++;
      for (const e of due.events) onSlaEvent(e);
      if (!due.events.length) publishVisibility();
    }
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
    const side = sideOf(view, actor);
    const from = applyTransition(t, action.type);
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
    // The answer is the request as this action left it, whatever was decided after it meanwhile.
    const decided = snapshot();
    if (acting) await condition(() => acting.done);
    return decided;
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
    await write('createProviderTask', `create Provider Task ${input.number} in ${input.consumer.instance}`, [
      { ...record, audit: audit(0, 'consumer', 'submitted', requester, null, 'new') },
    ]);
    consumerCreated = true;
  });
  enqueue('provider', async () => {
    providerNumber = await write(
      'createParentTask',
      `create the ${input.catalogItem.kind.replace(/_/g, ' ')} parent task for ${input.number} in ${input.provider.instance}`,
      [{ ...record, requestedByDisplay: displayName(input.requestedBy), audit: audit(0, 'provider', 'received', system, null, 'new', { consumerNumber: input.number }) }],
    );
    // The provider has it: the consumer's Provider Task becomes received (unless already cancelled).
    if (view.state === 'new') {
      const t = decide(view, { type: 'receive' });
      const from = applyTransition(t, 'receive');
      replicate(from, t, 'receive', system, []);
    } else if (withSla) {
      // Cancelled before the provider had it: the consumer still learns the provider's number.
      replicate(view.state, { state: view.state }, 'linked', system, []);
    }
  });

  setCurrentDetails(detailsText());
  const finished = () => !isOpen(view.state);
  const drain = async (queue: QueuedWrite[]) => {
    for (;;) {
      await condition(() => queue.length > 0 || (finished() && allHandlersFinished()));
      const item = queue[0];
      if (!item) return;
      await item.run();
      item.done = true;
      queue.shift();
    }
  };
  await Promise.all([drain(queues.consumer), drain(queues.provider), ...(withSla ? [runSlaTimers(), drain(webhookQueue)] : [])]);
  // One side's last write can queue a change for the other side after that side's queue ended.
  while ((queues.consumer.length > 0 || queues.provider.length > 0) && patched(LATE_WRITES_PATCH)) {
    await Promise.all([drain(queues.consumer), drain(queues.provider)]);
  }
  return snapshot();
}
