// The exchange workflow's side effects, as activity calls: the write activities (each instance's
// database) and the escalation webhooks. Activity names, options and summaries are part of every
// recorded history: changing them breaks replay.
import {
  CancelledFailure,
  TemporalFailure,
  type ActivityOptions,
  type LocalActivityOptions,
  log,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { AttachmentActivities, AttachmentCopy } from '../activities/attachment-activities';
import type { ExchangeActivities } from '../activities/exchange-activities';
import type { WebhookActivities, WebhookDelivery } from '../activities/webhook-activities';

// Database writes are retried until they succeed: an instance that is down delays its own copy of a
// request, never loses a change. Backoff is capped so a returning database is caught up quickly.
const writeOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};
/** The write activities as scheduled activities: they run once the deciding workflow task is in history. */
const writeActivities = proxyActivities<ExchangeActivities>(writeOptions);
// Requests of generation 3 (LOCAL_WRITES_PATCH, superseded by RECORDED_WRITES_PATCH) tried each write
// first as a local activity; they replay with it.
const firstAttempt: LocalActivityOptions = { startToCloseTimeout: '2 seconds', retry: { maximumAttempts: 1 } };
/** The write activities as local activities (generation 3's first attempt only). */
const localWriteActivities = proxyLocalActivities<ExchangeActivities>(firstAttempt);

// Copying a file between instances can take minutes. It heartbeats after every chunk, so an attempt
// whose worker died is retried within the heartbeat timeout, and the retry resumes where it stopped.
// Retried until it succeeds, like the writes it comes before.
const copyOptions: ActivityOptions = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry: writeOptions.retry };
const copyActivities = proxyActivities<AttachmentActivities>(copyOptions);

/** Copies one file's bytes to the side that lacks them (always a scheduled activity); `summary` names the file and both sides. */
export function copyAttachment(copy: AttachmentCopy, summary: string): Promise<void> {
  return copyActivities.copyAttachment.executeWithOptions({ ...copyOptions, summary }, [copy]);
}

// Escalation webhooks are retried with backoff for a day, then given up (and logged): a receiver
// that never comes back must not keep the request open forever.
const webhookActivities = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * One database write: a scheduled activity retried until it succeeds (generation 3: after a local
 * first attempt). `summary` is what the Temporal UI shows for it: what it writes, and where.
 */
export type Write = <K extends keyof ExchangeActivities>(
  name: K,
  summary: string,
  args: Parameters<ExchangeActivities[K]>,
) => Promise<Awaited<ReturnType<ExchangeActivities[K]>>>;

/** The `write` of one request; `localWrites` for requests of generation 3. */
export function writer(localWrites: boolean): Write {
  // Local attempts run one at a time. History records where each local activity was started, not
  // which of two running at once finished first, and a replay may get both results together: what
  // the workflow does after one of them must not depend on that order.
  let localTurn: Promise<unknown> = Promise.resolve();
  return async function write<K extends keyof ExchangeActivities>(name: K, summary: string, args: Parameters<ExchangeActivities[K]>): Promise<Awaited<ReturnType<ExchangeActivities[K]>>> {
    type Call = { executeWithOptions(options: object, args: unknown[]): Promise<Awaited<ReturnType<ExchangeActivities[K]>>> };
    if (localWrites) {
      const attempt = localTurn.then(() => (localWriteActivities[name] as unknown as Call).executeWithOptions({ ...firstAttempt, summary }, args));
      localTurn = attempt.catch(() => undefined);
      try {
        return await attempt;
      } catch (err) {
        if (!(err instanceof TemporalFailure) || err instanceof CancelledFailure) throw err;
      }
    }
    return (writeActivities[name] as unknown as Call).executeWithOptions({ ...writeOptions, summary }, args);
  };
}

/** Delivers one escalation webhook; one given up after its retries is logged, never fails the request. */
export async function deliverEscalationWebhook(delivery: WebhookDelivery, escalationId: string): Promise<void> {
  try {
    await webhookActivities.deliverWebhook(delivery);
  } catch (err) {
    log.error('escalation webhook given up', { instance: delivery.instance, escalation: escalationId, reason: (err as Error).message });
  }
}
