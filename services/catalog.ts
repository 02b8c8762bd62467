// The catalog use cases: what a user sees, and a provider admin's items (create, publish, retire).
import { DomainError } from '../domain/errors';
import type { CatalogItemDefinition } from '../domain/catalog-item';
import type { Actor } from '../domain/model';
import type { CatalogItemRow, RemoteCatalogItemRow } from '../db/schema';
import { findOwnItem, insertOwnItem, listOwnItems, listPublishedRemoteItems } from '../db/repositories/catalog';
import { runCatalogPublication } from './workflows-client';
import type { ServiceDeps } from './deps';

/** Catalog management is for admins; routes check it before anything else. */
export const requireCatalogAdmin = (actor: Actor) => {
  if (actor.role !== 'admin') throw new DomainError('forbidden', 'Only admin users manage the catalog');
};

const findOwn = async (deps: ServiceDeps, actor: Actor, id: string) => {
  const row = await findOwnItem(deps.instances.db(actor.instance), id);
  if (!row) throw new DomainError('not_found', `No catalog item ${id} in this instance's catalog`);
  return row;
};

/** The remote catalog, and (for agents and admins) this instance's own items. */
export async function listCatalog(deps: ServiceDeps, actor: Actor): Promise<{ remote: RemoteCatalogItemRow[]; own: CatalogItemRow[] }> {
  const db = deps.instances.db(actor.instance);
  return { remote: await listPublishedRemoteItems(db), own: actor.role === 'requester' ? [] : await listOwnItems(db) };
}

export async function createCatalogItem(deps: ServiceDeps, actor: Actor, def: CatalogItemDefinition): Promise<CatalogItemRow> {
  requireCatalogAdmin(actor);
  return insertOwnItem(deps.instances.db(actor.instance), def);
}

const publication = (deps: ServiceDeps, actor: Actor, row: CatalogItemRow, action: 'publish' | 'retire', consumers: string[]) =>
  runCatalogPublication(deps, {
    provider: { instance: actor.instance, organization: deps.instances.config(actor.instance).name },
    item: { id: row.id, name: row.name, description: row.description, kind: row.kind, form: row.form, sla: row.sla },
    action,
    consumers,
  });

/** Publishes an item into more consumers' remote catalogs; answers the item as it is then. */
export async function publishCatalogItem(deps: ServiceDeps, actor: Actor, id: string, consumers: string[]): Promise<CatalogItemRow> {
  requireCatalogAdmin(actor);
  const row = await findOwn(deps, actor, id);
  if (row.state === 'retired') throw new DomainError('invalid_transition', 'A retired item cannot be published again', { state: row.state });
  for (const consumer of consumers) {
    if (consumer === actor.instance || !deps.instances.ids.includes(consumer)) {
      throw new DomainError('validation_failed', `consumers: ${consumer} is not another known instance`, { field: 'consumers' });
    }
  }
  await publication(deps, actor, row, 'publish', [...new Set([...row.published_to, ...consumers])]);
  return findOwn(deps, actor, id);
}

/** Hides an item from every consumer it was published to; answers the item as it is then. */
export async function retireCatalogItem(deps: ServiceDeps, actor: Actor, id: string): Promise<CatalogItemRow> {
  requireCatalogAdmin(actor);
  const row = await findOwn(deps, actor, id);
  if (row.state === 'retired') throw new DomainError('invalid_transition', 'The item is already retired', { state: row.state });
  await publication(deps, actor, row, 'retire', row.published_to);
  return findOwn(deps, actor, id);
}
