// What an SLA deadline does to a request (workflows/sla-timers.ts says when one is due): a breach
// escalates on both sides and to each instance's webhook; an unanswered solution gets a reminder,
// then closes as accepted. Deterministic: time is the workflow's Date.now().
import type { SlaEvent } from '../domain/sla';
import { decide } from '../domain/state-machine';
import type { ExchangeInput } from './definitions';
import { systemAuthor, type RequestRecords } from './records';
import type { Change } from './replication';
import type { RequestState } from './request-state';
import type { WriteQueues } from './write-queues';
import { deliverEscalationWebhook } from './writes';

export interface SlaEventParts {
  input: ExchangeInput;
  request: RequestState;
  records: RequestRecords;
  queues: WriteQueues;
  replicate(change: Change): unknown;
  publishVisibility(): void;
}

/** Returns the timers' `onDue`: applies each due event in order; with none, refreshes what operators see. */
export function slaEventHandler({ input, request, records, queues, replicate, publishVisibility }: SlaEventParts): (events: SlaEvent[]) => void {
  const onEvent = (e: SlaEvent) => {
    const now = Date.now();
    const unchanged = { from: request.state, transition: { state: request.state }, actor: records.slaActor };
    if (e.type === 'breach') {
      const { escalation, comment } = records.escalation(e, request.sla, request.nextComment(), now);
      replicate({ ...unchanged, action: 'escalate', comments: [comment], escalation });
      for (const instance of [input.consumer.instance, input.provider.instance]) {
        queues.enqueue('webhooks', () => deliverEscalationWebhook(records.escalationWebhook(instance, escalation, request.providerNumber), escalation.id));
      }
      return;
    }
    if (e.type === 'reminder') {
      replicate({ ...unchanged, action: 'remind', comments: [records.reminder(request.sla, request.nextComment(), now)] });
      return;
    }
    if (request.state !== 'resolved') return;
    const t = decide(request.exchange, { type: 'auto_close' });
    const from = request.apply(t, 'auto_close', now);
    const comments = t.comment ? [records.comment(request.nextComment(), 'public', systemAuthor, t.comment, now)] : [];
    replicate({ from, transition: t, action: 'auto_close', actor: records.slaActor, comments });
  };
  return (events) => {
    for (const e of events) onEvent(e);
    if (!events.length) publishVisibility();
  };
}
