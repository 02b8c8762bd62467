import { randomUUID } from 'node:crypto';
import { Type } from 'typebox';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors';
import { validateCatalogItem } from '../../domain/catalog-item';
import type { CatalogItemRow, RemoteCatalogItemRow } from '../../db/schema';
import type { CatalogPublicationInput } from '../../workflows/catalog-publication';
import { callerOf, type Caller } from '../plugins/auth';
import { CatalogItemSchema, NewCatalogItemSchema, errorResponses } from '../schemas';
import { idempotent, sendStored } from '../idempotency';
import type { ApiDeps } from '../deps';

const ItemParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

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
  const requireAdmin = (caller: Caller) => {
    if (caller.user.role !== 'admin') throw new DomainError('forbidden', 'Only admin users manage the catalog');
  };
  const findOwn = async (caller: Caller, id: string) => {
    const row = await deps.instances.db(caller.instance).selectFrom('catalog_items').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new DomainError('not_found', `No catalog item ${id} in this instance's catalog`);
    return row;
  };

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
      const db = deps.instances.db(caller.instance);
      const remote = await db.selectFrom('remote_catalog_items').selectAll().where('state', '=', 'published').orderBy('name').execute();
      const own = caller.user.role === 'requester' ? [] : await db.selectFrom('catalog_items').selectAll().orderBy('name').execute();
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
      requireAdmin(caller);
      const db = deps.instances.db(caller.instance);
      const body = request.body;
      const def = validateCatalogItem({ ...body, description: body.description ?? '', form: body.form ?? [], sla: body.sla ?? {} });
      const result = await idempotent(request, db, caller.user.id, async () => {
        const row = await db
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
        return { status: 201, body: ownItem(row, caller) };
      });
      return sendStored(reply, result);
    },
  );

  const publication = async (caller: Caller, row: CatalogItemRow, action: 'publish' | 'retire', consumers: string[]) => {
    const input: CatalogPublicationInput = {
      provider: { instance: caller.instance, organization: deps.instances.config(caller.instance).name },
      item: { id: row.id, name: row.name, description: row.description, kind: row.kind, form: row.form, sla: row.sla },
      action,
      consumers,
    };
    try {
      await deps.temporal.workflow.execute('catalogPublication', {
        workflowId: `catalog:${caller.instance}:${row.id}`,
        taskQueue: deps.taskQueue,
        args: [input],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new DomainError('conflict', 'This item is being published or retired right now; retry shortly');
      }
      throw err;
    }
  };

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
      requireAdmin(caller);
      const { id } = request.params;
      const { consumers } = request.body;
      const db = deps.instances.db(caller.instance);
      const result = await idempotent(request, db, caller.user.id, async () => {
        const row = await findOwn(caller, id);
        if (row.state === 'retired') throw new DomainError('invalid_transition', 'A retired item cannot be published again', { state: row.state });
        for (const consumer of consumers) {
          if (consumer === caller.instance || !deps.instances.ids.includes(consumer)) {
            throw new DomainError('validation_failed', `consumers: ${consumer} is not another known instance`, { field: 'consumers' });
          }
        }
        await publication(caller, row, 'publish', [...new Set([...row.published_to, ...consumers])]);
        return { status: 200, body: ownItem(await findOwn(caller, id), caller) };
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
      requireAdmin(caller);
      const { id } = request.params;
      const db = deps.instances.db(caller.instance);
      const result = await idempotent(request, db, caller.user.id, async () => {
        const row = await findOwn(caller, id);
        if (row.state === 'retired') throw new DomainError('invalid_transition', 'The item is already retired', { state: row.state });
        await publication(caller, row, 'retire', row.published_to);
        return { status: 200, body: ownItem(await findOwn(caller, id), caller) };
      });
      return sendStored(reply, result);
    },
  );
}
