import type { CatalogItem } from './api';

/** Items grouped for the catalog page: by provider, then by kind, each in name order. */
export function groupCatalog(items: CatalogItem[]): Array<{ provider: CatalogItem['provider']; kinds: Array<{ kind: string; items: CatalogItem[] }> }> {
  const providers = new Map<string, { provider: CatalogItem['provider']; kinds: Map<string, CatalogItem[]> }>();
  for (const item of items) {
    const p = providers.get(item.provider.instance) ?? { provider: item.provider, kinds: new Map<string, CatalogItem[]>() };
    providers.set(item.provider.instance, p);
    p.kinds.set(item.kind, [...(p.kinds.get(item.kind) ?? []), item]);
  }
  const kindOrder = ['help_request', 'service_affecting_issue', 'change_request'];
  return [...providers.values()]
    .sort((a, b) => a.provider.name.localeCompare(b.provider.name))
    .map((p) => ({
      provider: p.provider,
      kinds: [...p.kinds.entries()]
        .sort(([a], [b]) => (kindOrder.indexOf(a) + 100) % 100 - (kindOrder.indexOf(b) + 100) % 100 || a.localeCompare(b))
        .map(([kind, list]) => ({ kind, items: list.sort((a, b) => a.name.localeCompare(b.name)) })),
    }));
}
