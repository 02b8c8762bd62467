import { proxyActivities } from '@temporalio/workflow';
import type { CatalogActivities, PublishedItem } from '../activities/catalog-activities';

const catalog = proxyActivities<CatalogActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export interface CatalogPublicationInput {
  provider: { instance: string; organization: string };
  item: PublishedItem;
  action: 'publish' | 'retire';
  /** Consumers that end up seeing the item (publish) or that must stop seeing it (retire). */
  consumers: string[];
}

/** Publishes or retires a catalog item in every named consumer's remote catalog, then records it on the provider. */
export async function catalogPublication(input: CatalogPublicationInput): Promise<void> {
  const state = input.action === 'publish' ? 'published' : 'retired';
  await Promise.all(
    input.consumers.map((consumer) =>
      catalog.putRemoteCatalogItem({ consumer, provider: input.provider.instance, providerName: input.provider.organization, item: input.item, state }),
    ),
  );
  await catalog.setCatalogItemState({ provider: input.provider.instance, id: input.item.id, state, publishedTo: input.consumers });
}
