// The one place that starts the service's workflows: their ids, task queue, what operators see in the
// Temporal UI (summaries, search attributes), and what an existing run means for the caller.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DomainError } from '../domain/errors';
import type { CatalogPublicationInput } from '../workflows/catalog-publication';
import { createdUpdate, exchangeWorkflowId, type ExchangeInput } from '../workflows/definitions';
import { exchangeSearchAttributes as SA } from '../workflows/search-attributes';
import type { ServiceDeps } from './deps';

/**
 * Starts a request's exchange workflow (a retry of the same submission finds it already started) and
 * waits until the consumer's Provider Task exists.
 */
export async function startExchange(deps: ServiceDeps, input: ExchangeInput): Promise<void> {
  const { consumer, provider, number, catalogItem: item } = input;
  const workflowId = exchangeWorkflowId(consumer.instance, number);
  try {
    await deps.temporal.workflow.start('exchange', {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [input],
      staticSummary: `${number} ${item.name}: ${input.shortDescription}`.slice(0, 200),
      staticDetails: `${consumer.organization} (${consumer.instance}) orders "${item.name}" (${item.kind}) from ${provider.organization} (${provider.instance}), requested by ${input.requestedBy.name}.`,
      typedSearchAttributes: [
        { key: SA.ExchangeState, value: 'new' },
        { key: SA.ConsumerInstance, value: consumer.instance },
        { key: SA.ProviderInstance, value: provider.instance },
        { key: SA.CatalogItemKind, value: item.kind },
        { key: SA.ProviderTaskNumber, value: number },
        { key: SA.EscalationLevel, value: 0 },
        { key: SA.SlaBreached, value: false },
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  await deps.temporal.workflow.getHandle(workflowId).executeUpdate(createdUpdate);
}

/** Publishes or retires a catalog item in its consumers' remote catalogs, and waits until it is done. */
export async function runCatalogPublication(deps: ServiceDeps, input: CatalogPublicationInput): Promise<void> {
  try {
    await deps.temporal.workflow.execute('catalogPublication', {
      workflowId: `catalog:${input.provider.instance}:${input.item.id}`,
      taskQueue: deps.taskQueue,
      args: [input],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new DomainError('conflict', 'This item is being published or retired right now; retry shortly');
    }
    throw err;
  }
}
