// The typed search attributes every exchange workflow carries, so operators can find requests in the
// Temporal UI and through GET /ops/requests?query=... . Registered at startup (app/temporal.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const exchangeSearchAttributes = {
  ExchangeState: defineSearchAttributeKey('ExchangeState', SearchAttributeType.KEYWORD),
  ConsumerInstance: defineSearchAttributeKey('ConsumerInstance', SearchAttributeType.KEYWORD),
  ProviderInstance: defineSearchAttributeKey('ProviderInstance', SearchAttributeType.KEYWORD),
  CatalogItemKind: defineSearchAttributeKey('CatalogItemKind', SearchAttributeType.KEYWORD),
  ProviderTaskNumber: defineSearchAttributeKey('ProviderTaskNumber', SearchAttributeType.KEYWORD),
  ParentTaskNumber: defineSearchAttributeKey('ParentTaskNumber', SearchAttributeType.KEYWORD),
  AssignedTo: defineSearchAttributeKey('AssignedTo', SearchAttributeType.KEYWORD),
  EscalationLevel: defineSearchAttributeKey('EscalationLevel', SearchAttributeType.INT),
  SlaBreached: defineSearchAttributeKey('SlaBreached', SearchAttributeType.BOOL),
  NextSlaDeadline: defineSearchAttributeKey('NextSlaDeadline', SearchAttributeType.DATETIME),
};

/** Name -> kind, as the operator service and the dev server's config take them. */
export const exchangeSearchAttributeKinds = {
  ExchangeState: 'Keyword',
  ConsumerInstance: 'Keyword',
  ProviderInstance: 'Keyword',
  CatalogItemKind: 'Keyword',
  ProviderTaskNumber: 'Keyword',
  ParentTaskNumber: 'Keyword',
  AssignedTo: 'Keyword',
  EscalationLevel: 'Int',
  SlaBreached: 'Bool',
  NextSlaDeadline: 'Datetime',
} as const satisfies Record<keyof typeof exchangeSearchAttributes, string>;
