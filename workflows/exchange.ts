// The exchange workflow: one exchanged request, from submission to closure. This file is the business
// process; the machinery is in its own units:
// - patches.ts: which generation's command sequence a request replays with;
// - request-state.ts: the request's state, SLA clocks and counters (pure);
// - records.ts: what gets written (records, audit entries, comments, escalations; pure);
// - replication.ts + side-changes.ts: a decided change as the writes of each side;
// - write-queues.ts: the ordered per-side write queues (and the webhook queue) and their drains;
// - writes.ts: the activity proxies and `write()`;
// - sla-timers.ts: the durable SLA timer loop, and sla-events.ts: what a due SLA event does;
// - visibility.ts: the details text and search attributes operators see;
// - action-handlers.ts: the update and signal of every action.
// Every step's awaits are part of recorded histories (see the units' comments): a change to the
// command sequence goes behind a patch.
import { condition, log, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Actor } from '../domain/model';
import { decide, sideOf, type Action } from '../domain/state-machine';
import { decideOrFail, handleActions } from './action-handlers';
import { createdUpdate, snapshotQuery, type ExchangeInput, type ExchangeSnapshot } from './definitions';
import { requestGeneration } from './patches';
import { actionAttachments, actionComments, auditActorOf, authorOf, requestRecords } from './records';
import { replicator } from './replication';
import { RequestState } from './request-state';
import { slaEventHandler } from './sla-events';
import { runSlaTimers } from './sla-timers';
import { detailsText, publishVisibility } from './visibility';
import { WriteQueues } from './write-queues';
import { writer } from './writes';

export {
  ACCEPTANCE_WINDOW_PATCH,
  LATE_WRITES_PATCH,
  LOCAL_WRITES_PATCH,
  RECORDED_WRITES_PATCH,
  SETTLED_SLA_TIMERS_PATCH,
  SLA_AND_VISIBILITY_PATCH,
} from './patches';

/**
 * One exchanged request, from submission to closure. The workflow owns the request's state (decided
 * by domain/state-machine) and writes it to both instances' databases through two ordered queues, one
 * per side, so each side sees every change exactly once and in order.
 */
export async function exchange(input: ExchangeInput): Promise<ExchangeSnapshot> {
  const workflowId = workflowInfo().workflowId;
  const generation = requestGeneration();
  const write = writer(generation.localWrites);
  const request = new RequestState(input, {
    ...generation,
    onInvalidSla: (reason) => log.warn('catalog item has invalid SLA targets; SLAs are not tracked for this request', { reason }),
  });
  const queues = new WriteQueues(() => !request.isOpen());
  const records = requestRecords(workflowId, input);
  const snapshot = () => request.snapshot(queues.backlog());
  const replicate = replicator({ input, request, records, queues, write, publishVisibility: () => publishVisibility(input, request) });

  /** The single handler behind every action's update and signal. */
  const act = async (action: Action, actor: Actor): Promise<ExchangeSnapshot> => {
    // Decided and applied before the first await, so concurrent actions see each other's effect
    // (two agents clicking "Assign to me": the second is refused, naming the first).
    const t = decideOrFail(request.exchange, action, actor);
    const side = sideOf(request.exchange, actor);
    const now = Date.now();
    const from = request.apply(t, action.type, now);
    const comments = actionComments(action, t).map((c) => records.comment(request.nextComment(), c.visibility, authorOf(actor), c.body, now));
    // Files take their places in the conversation from the comments' counter: one order on both sides.
    const attachments = actionAttachments(action).map((a) => records.attachment(request.nextComment(), a.visibility, authorOf(actor), a.file, now));
    const acting = replicate({ from, transition: t, action: action.type, actor: auditActorOf(actor), comments, attachments, actingSide: side });
    // The answer is the request as this action left it, whatever was decided after it meanwhile.
    const decided = snapshot();
    if (acting) await condition(() => acting.done);
    return decided;
  };
  // Creation first on each side; everything later queues behind it. Queued before the handlers are
  // set: an action delivered in the first workflow task (a reset to it reapplies the run's actions)
  // runs when its handler is set, and its writes must not go ahead of the records. (No command
  // moves: queueing writes none, and the API only acts on a request whose record exists.)
  queues.enqueue('consumer', async () => {
    await write('createProviderTask', `create Provider Task ${input.number} in ${input.consumer.instance}`, [records.providerTask(Date.now())]);
    request.consumerCreated = true;
  });
  queues.enqueue('provider', async () => {
    request.providerNumber = await write(
      'createParentTask',
      `create the ${input.catalogItem.kind.replace(/_/g, ' ')} parent task for ${input.number} in ${input.provider.instance}`,
      [records.parentTask(Date.now())],
    );
    // The provider has it: the consumer's Provider Task becomes received (unless already cancelled).
    if (request.state === 'new') {
      const t = decide(request.exchange, { type: 'receive' });
      const from = request.apply(t, 'receive', Date.now());
      replicate({ from, transition: t, action: 'receive', actor: records.provider, comments: [] });
    } else if (generation.withSla) {
      // Cancelled before the provider had it: the consumer still learns the provider's number.
      replicate({ from: request.state, transition: { state: request.state }, action: 'linked', actor: records.provider, comments: [] });
    }
  });

  handleActions((action, actor) => {
    decideOrFail(request.exchange, action, actor);
  }, act);
  setHandler(createdUpdate, async () => {
    await condition(() => request.consumerCreated);
    return snapshot();
  });
  setHandler(snapshotQuery, snapshot);

  const onDue = slaEventHandler({ input, request, records, queues, replicate, publishVisibility: () => publishVisibility(input, request) });

  setCurrentDetails(detailsText(input, request));
  // Runs until the request is closed or cancelled and each side has every change; meanwhile actions
  // arrive through the handlers and the SLA timers escalate.
  await Promise.all([
    queues.drain('consumer'),
    queues.drain('provider'),
    ...(generation.withSla ? [runSlaTimers({ request, settled: generation.settledTimers, onDue }), queues.drain('webhooks')] : []),
  ]);
  // One side's last write can queue a change for the other side after that side's queue ended.
  while (queues.hasLateWrites()) await queues.drainSides();
  return snapshot();
}
