import { randomUUID } from 'node:crypto';
import type { Db } from '../connect';
import type { CatalogItemRow, RemoteCatalogItemRow } from '../schema';
import type { CatalogItemDefinition } from '../../domain/catalog-item';

/** The items providers published to this instance, by name. */
export const listPublishedRemoteItems = (db: Db): Promise<RemoteCatalogItemRow[]> =>
  db.selectFrom('remote_catalog_items').selectAll().where('state', '=', 'published').orderBy('name').execute();

/** One published item of this instance's remote catalog. */
export const findPublishedRemoteItem = (db: Db, id: string): Promise<RemoteCatalogItemRow | undefined> =>
  db.selectFrom('remote_catalog_items').selectAll().where('id', '=', id).where('state', '=', 'published').executeTakeFirst();

/** This instance's own items (as a provider), by name. */
export const listOwnItems = (db: Db): Promise<CatalogItemRow[]> => db.selectFrom('catalog_items').selectAll().orderBy('name').execute();

export const findOwnItem = (db: Db, id: string): Promise<CatalogItemRow | undefined> =>
  db.selectFrom('catalog_items').selectAll().where('id', '=', id).executeTakeFirst();

/** A new draft item. */
export const insertOwnItem = (db: Db, def: CatalogItemDefinition): Promise<CatalogItemRow> =>
  db
    .insertInto('catalog_items')
    .values({
      id: randomUUID(),
      name: def.name,
      description: def.description,
      kind: def.kind,
      form: JSON.stringify(def.form),
      sla: JSON.stringify(def.sla),
      state: 'draft',
      published_to: JSON.stringify([]),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
