// Submitting a request: the consumer orders a published remote catalog item, which starts the
// request's exchange workflow under the Provider Task number reserved for this submission (only once
// the order is valid: a refused one leaves no gap in the numbers).
import { DomainError } from '../domain/errors';
import { validateVariables } from '../domain/catalog-form';
import type { Actor } from '../domain/model';
import { findPublishedRemoteItem } from '../db/repositories/catalog';
import { findTask, type TaskRecord } from '../db/repositories/tasks';
import { startExchange } from './workflows-client';
import type { ServiceDeps } from './deps';

export interface NewRequest {
  catalogItemId: string;
  shortDescription: string;
  description?: string;
  variables?: Record<string, unknown>;
}

export const requireRequester = (actor: Actor) => {
  if (actor.role === 'agent') throw new DomainError('forbidden', 'Only requester or admin users submit requests');
};

/**
 * Starts the request (or finds it, for a retried submission) and answers its Provider Task once it
 * exists. `reserveNumber` gives the submission's Provider Task number (a retry's, the one it got first).
 */
export async function submitRequest(deps: ServiceDeps, actor: Actor, reserveNumber: () => Promise<string>, body: NewRequest): Promise<TaskRecord> {
  requireRequester(actor);
  const db = deps.instances.db(actor.instance);
  const item = await findPublishedRemoteItem(db, body.catalogItemId);
  if (!item || !deps.instances.ids.includes(item.provider_instance)) {
    throw new DomainError('validation_failed', `catalogItemId: no published catalog item ${body.catalogItemId} in this instance's remote catalog`, {
      field: 'catalogItemId',
    });
  }
  const variables = validateVariables(item.form, body.variables ?? {});
  const number = await reserveNumber();
  await startExchange(deps, {
    consumer: { instance: actor.instance, organization: deps.instances.config(actor.instance).name },
    provider: { instance: item.provider_instance, organization: deps.instances.config(item.provider_instance).name },
    number,
    catalogItem: { id: item.id, name: item.name, kind: item.kind, sla: item.sla },
    shortDescription: body.shortDescription,
    description: body.description ?? '',
    variables,
    requestedBy: actor,
  });
  return (await findTask(db, number))!;
}
