import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { InstanceDatabases } from '../db/instances';

export interface WebhookDelivery {
  instance: string;
  /** Stable per event: receivers dedupe on it (X-Service-Exchange-Delivery). */
  deliveryId: string;
  event: Record<string, unknown>;
}

export const SIGNATURE_HEADER = 'x-service-exchange-signature';
export const DELIVERY_HEADER = 'x-service-exchange-delivery';

/** The signature a receiver recomputes: hex HMAC-SHA256 of the raw body with the shared secret. */
export const signWebhook = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Outbound webhooks to instances that configured one; a failed POST throws so Temporal retries it. */
export function createWebhookActivities(instances: InstanceDatabases) {
  return {
    async deliverWebhook(d: WebhookDelivery): Promise<'delivered' | 'not_configured'> {
      const { webhookUrl, webhookSecret } = instances.config(d.instance);
      if (!webhookUrl || !webhookSecret) return 'not_configured';
      const body = JSON.stringify({ deliveryId: d.deliveryId, ...d.event });
      let res: Response;
      try {
        res = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(webhookSecret, body), [DELIVERY_HEADER]: d.deliveryId },
          body,
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        throw ApplicationFailure.retryable(`webhook ${webhookUrl} unreachable: ${(err as Error).message}`, 'WebhookUnreachable');
      }
      await res.body?.cancel();
      if (!res.ok) throw ApplicationFailure.retryable(`webhook ${webhookUrl} answered ${res.status}`, 'WebhookRejected');
      return 'delivered';
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
