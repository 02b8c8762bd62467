import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { validateCatalogItem } from '../../domain/catalog-item';
import type { CatalogItemRow, RemoteCatalogItemRow } from '../../db/schema';
import { createCatalogItem, listCatalog, publishCatalogItem, requireCatalogAdmin, retireCatalogItem } from '../../services/catalog';
import { callerOf, type Caller } from '../plugins/auth';
import { CatalogItemSchema, NewCatalogItemSchema, errorResponses } from '../schemas';
import { idempotent, sendStored } from '../idempotency';
import type { ApiDeps } from '../deps';

const ItemParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

/** The catalog: read it, add an item, publish or retire one. A Fastify plugin, as long as its routes. */
export default async function catalogRoutes(fastify: FastifyInstance, deps: ApiDeps) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const ownItem = (row: CatalogItemRow, caller: Caller) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    form: row.form,
    sla: row.sla,
    state: row.state,
    provider: { instance: caller.instance, name: deps.instances.config(caller.instance).name },
    publishedTo: row.published_to,
  });
  const remoteItem = (row: RemoteCatalogItemRow) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    form: row.form,
    sla: row.sla,
    state: row.state,
    provider: { instance: row.provider_instance, name: row.provider_name },
  });
  app.get(
    '/catalog',
    {
      schema: {
        summary: "The remote catalog (items published to this instance) and, for agents and admins, this instance's own items",
        response: { 200: Type.Object({ remote: Type.Array(CatalogItemSchema), own: Type.Array(CatalogItemSchema) }), ...errorResponses(401) },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { remote, own } = await listCatalog(deps, caller.actor);
      return { remote: remote.map(remoteItem), own: own.map((r) => ownItem(r, caller)) };
    },
  );

  app.post(
    '/catalog/items',
    {
      schema: {
        summary: 'Create a catalog item (draft) in this instance, as a provider (admin)',
        body: NewCatalogItemSchema,
        response: { 201: CatalogItemSchema, ...errorResponses(401, 403, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireCatalogAdmin(caller.actor);
      const body = request.body;
      const def = validateCatalogItem({ ...body, description: body.description ?? '', form: body.form ?? [], sla: body.sla ?? {} });
      const result = await idempotent(request, deps.instances.db(caller.instance), caller.user.id, async () => {
        const row = await createCatalogItem(deps, caller.actor, def);
        return { status: 201, body: ownItem(row, caller) };
      });
      return sendStored(reply, result);
    },
  );

  app.post(
    '/catalog/items/:id/publish',
    {
      schema: {
        summary: "Publish an item into consumers' remote catalogs (admin)",
        params: ItemParams,
        body: Type.Object({ consumers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
        response: { 200: CatalogItemSchema, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireCatalogAdmin(caller.actor);
      const { id } = request.params;
      const { consumers } = request.body;
      const result = await idempotent(request, deps.instances.db(caller.instance), caller.user.id, async () => {
        return { status: 200, body: ownItem(await publishCatalogItem(deps, caller.actor, id, consumers), caller) };
      });
      return sendStored(reply, result);
    },
  );

  app.post(
    '/catalog/items/:id/retire',
    {
      schema: {
        summary: 'Retire an item: hidden from every consumer it was published to (admin)',
        params: ItemParams,
        response: { 200: CatalogItemSchema, ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      requireCatalogAdmin(caller.actor);
      const { id } = request.params;
      const result = await idempotent(request, deps.instances.db(caller.instance), caller.user.id, async () => {
        return { status: 200, body: ownItem(await retireCatalogItem(deps, caller.actor, id), caller) };
      });
      return sendStored(reply, result);
    },
  );
}
