import type { CatalogKind } from '../domain/model';
import type { FormField } from '../domain/catalog-form';
import type { SlaTargets } from '../domain/catalog-item';
import type { InstanceDatabases } from '../db/instances';

export interface PublishedItem {
  id: string;
  name: string;
  description: string;
  kind: CatalogKind;
  form: FormField[];
  sla: SlaTargets;
}

/** Catalog replication: a provider's item copied into (or hidden from) a consumer's remote catalog. */
export function createCatalogActivities(instances: InstanceDatabases) {
  return {
    async putRemoteCatalogItem(p: { consumer: string; provider: string; providerName: string; item: PublishedItem; state: 'published' | 'retired' }): Promise<void> {
      const values = {
        name: p.item.name,
        description: p.item.description,
        kind: p.item.kind,
        form: JSON.stringify(p.item.form),
        sla: JSON.stringify(p.item.sla),
        state: p.state,
        provider_name: p.providerName,
        updated_at: new Date(),
      };
      await instances
        .db(p.consumer)
        .insertInto('remote_catalog_items')
        .values({ id: p.item.id, provider_instance: p.provider, ...values })
        .onConflict((oc) => oc.columns(['provider_instance', 'id']).doUpdateSet(values))
        .execute();
    },

    async setCatalogItemState(p: { provider: string; id: string; state: 'published' | 'retired'; publishedTo: string[] }): Promise<void> {
      await instances
        .db(p.provider)
        .updateTable('catalog_items')
        .set({ state: p.state, published_to: JSON.stringify(p.publishedTo), updated_at: new Date() })
        .where('id', '=', p.id)
        .execute();
    },
  };
}

export type CatalogActivities = ReturnType<typeof createCatalogActivities>;
