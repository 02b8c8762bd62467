// What operators see of a request in the Temporal UI and search: the workflow's current details text
// and its search attributes (workflows/search-attributes.ts), kept in step with the request.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { PRIORITY_LABEL } from './records';
import type { ExchangeInput } from './definitions';
import type { RequestState } from './request-state';
import { exchangeSearchAttributes as SA } from './search-attributes';

/** The details text: number and state, item and description, the two organizations, assignee, SLA. */
export const detailsText = (input: ExchangeInput, request: RequestState) =>
  [
    `${input.number} ${request.exchange.state.replace(/_/g, ' ')}`,
    `${input.catalogItem.name} — ${input.shortDescription}`,
    `${input.consumer.organization} → ${input.provider.organization}${request.providerNumber ? ` (${request.providerNumber})` : ''}`,
    request.exchange.assignedTo ? `assigned to ${request.exchange.assignedTo.name}` : 'unassigned',
    request.withSla ? `priority ${request.sla.priority} (${PRIORITY_LABEL[request.sla.priority]}), escalation level ${request.sla.escalationLevel}` : '',
  ]
    .filter(Boolean)
    .join('\n');

/** Keeps what operators search and read in the Temporal UI in step with the request. */
export const publishVisibility = (input: ExchangeInput, request: RequestState) => {
  setCurrentDetails(detailsText(input, request));
  if (!request.withSla) return;
  const { sla } = request;
  const deadline = request.isOpen() ? request.nextSlaDeadline(Date.now()) : undefined;
  upsertSearchAttributes([
    { key: SA.ExchangeState, value: request.exchange.state },
    { key: SA.ParentTaskNumber, value: request.providerNumber ?? null },
    { key: SA.AssignedTo, value: request.exchange.assignedTo?.name ?? null },
    { key: SA.EscalationLevel, value: sla.escalationLevel },
    { key: SA.SlaBreached, value: Object.values(sla.clocks).some((c) => c?.breachedAt != null) },
    { key: SA.NextSlaDeadline, value: deadline === undefined ? null : new Date(deadline) },
  ]);
};
