import { createAttachmentActivities } from './attachment-activities';
import { createCatalogActivities } from './catalog-activities';
import { createExchangeActivities } from './exchange-activities';
import { createWebhookActivities } from './webhook-activities';
import type { InstanceDatabases } from '../db/instances';

/** All activities the worker registers, bound to the instances' databases. */
export function createActivities(instances: InstanceDatabases) {
  return {
    ...createExchangeActivities(instances),
    ...createAttachmentActivities(instances),
    ...createCatalogActivities(instances),
    ...createWebhookActivities(instances),
  };
}
