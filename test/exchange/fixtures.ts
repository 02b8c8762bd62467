// Who acts and what they order, for the exchange workflow's tests (pure data, no Temporal).
import type { ExchangeInput } from '../../workflows/definitions';
import type { Actor } from '../../domain/model';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const ann: Actor = { instance: 'acme', organization: 'Acme Corp', userId: 'u-ann', name: 'Ann', role: 'requester' };
export const bob: Actor = { instance: 'globex', organization: 'Globex', userId: 'u-bob', name: 'Bob', role: 'agent' };
export const carol: Actor = { instance: 'globex', organization: 'Globex', userId: 'u-carol', name: 'Carol', role: 'agent' };

let requests = 0;
export function exchangeInput(overrides: Partial<ExchangeInput> = {}): ExchangeInput {
  return {
    consumer: { instance: 'acme', organization: 'Acme Corp' },
    provider: { instance: 'globex', organization: 'Globex' },
    number: `PTSK${String(1_000_000 + ++requests).padStart(7, '0')}`,
    catalogItem: { id: 'item-help', name: 'IT help', kind: 'help_request', sla: {} },
    shortDescription: 'Laptop screen flickers',
    description: 'Since this morning',
    variables: { category: 'hardware' },
    requestedBy: ann,
    ...overrides,
  };
}
