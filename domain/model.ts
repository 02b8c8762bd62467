// The vocabulary of Service Exchange, shared by the workflow, the activities, the API and the tests.

export const consumerStates = ['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved', 'closed', 'cancelled'] as const;
export type ConsumerState = (typeof consumerStates)[number];

export const providerStates = ['new', 'work_in_progress', 'awaiting_info', 'resolved', 'closed', 'cancelled'] as const;
export type ProviderState = (typeof providerStates)[number];

export const catalogKinds = ['help_request', 'service_affecting_issue', 'change_request'] as const;
export type CatalogKind = (typeof catalogKinds)[number];

/** The provider-side record each kind of request creates, and its number prefix. */
export const parentTaskTypes = {
  help_request: { type: 'case', prefix: 'CS' },
  service_affecting_issue: { type: 'incident', prefix: 'INC' },
  change_request: { type: 'change', prefix: 'CHG' },
} as const satisfies Record<CatalogKind, { type: string; prefix: string }>;
export type ParentTaskType = (typeof parentTaskTypes)[CatalogKind]['type'];

export const PROVIDER_TASK_PREFIX = 'PTSK';

export const resolutionCodes = ['solved', 'workaround', 'not_reproducible', 'duplicate', 'rejected_by_provider'] as const;
export type ResolutionCode = (typeof resolutionCodes)[number];

export const roles = ['requester', 'agent', 'admin'] as const;
export type Role = (typeof roles)[number];

export type Side = 'consumer' | 'provider';

export const catalogItemStates = ['draft', 'published', 'retired'] as const;
export type CatalogItemState = (typeof catalogItemStates)[number];

/** Who acts, as the workflow sees them. */
export interface Actor {
  instance: string;
  organization: string;
  userId: string;
  name: string;
  role: Role;
}

/** "Name (Organization)": how a person is shown on both sides. */
export const displayName = (actor: Pick<Actor, 'name' | 'organization'>) => `${actor.name} (${actor.organization})`;

/** Task numbers: prefix + 7 digits, e.g. PTSK0001001, CS0001001. */
export const formatTaskNumber = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}`;

export const providerStateOf = (state: ConsumerState): ProviderState => (state === 'received' ? 'new' : state);

export const isOpen = (state: ConsumerState) => state !== 'closed' && state !== 'cancelled';
