// The exchange workflow's public interface: what the API and tests send and read. No logic here.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { userActionTypes, type Action, type ActionType, type UserActionType } from '../domain/state-machine';
import type { Actor, CatalogKind, ConsumerState, ProviderState, ResolutionCode } from '../domain/model';
import type { SlaTargets } from '../domain/catalog-item';
import type { SlaState } from '../domain/sla';

export interface ExchangeInput {
  consumer: { instance: string; organization: string };
  provider: { instance: string; organization: string };
  /** The consumer's Provider Task number (PTSK...), allocated before the workflow starts. */
  number: string;
  catalogItem: { id: string; name: string; kind: CatalogKind; sla: SlaTargets };
  shortDescription: string;
  description: string;
  variables: Record<string, unknown>;
  requestedBy: Actor;
}

/** The request as the workflow knows it right now. */
export interface ExchangeSnapshot {
  number: string;
  providerNumber: string | null;
  consumerState: ConsumerState;
  providerState: ProviderState;
  assignedTo: { userId: string; name: string } | null;
  resolution: { code: ResolutionCode; notes: string } | null;
  /** Changes accepted but not yet written to each side's database (replication backlog). */
  pending: { consumer: number; provider: number };
  /** When the oldest still-pending change was accepted (ISO time), per side. */
  oldestPendingAt: { consumer: string | null; provider: string | null };
  /** SLA clocks, priority and escalation level (null for requests that predate SLA tracking). */
  sla: SlaState | null;
}

/** An action as sent to the workflow: who acts, plus the action's own fields. */
export type ActionInput<T extends ActionType> = { actor: Actor } & Omit<Extract<Action, { type: T }>, 'type'>;

type ActionDefinitions = { [T in UserActionType]: { update: UpdateDefinition<ExchangeSnapshot, [ActionInput<T>], T>; signal: SignalDefinition<[ActionInput<T>], T> } };

/** One update (synchronous answer for the API) and one signal (fire-and-forget) per action of the registry. */
export const actions = Object.fromEntries(
  userActionTypes.map((name) => [name, { update: defineUpdate(name), signal: defineSignal(name) }]),
) as ActionDefinitions;

/** Answers once the consumer's Provider Task exists: what the API waits for after starting a request. */
export const createdUpdate = defineUpdate<ExchangeSnapshot>('created');
export const snapshotQuery = defineQuery<ExchangeSnapshot>('snapshot');

export const exchangeWorkflowId = (consumer: string, number: string) => `exchange:${consumer}:${number}`;
