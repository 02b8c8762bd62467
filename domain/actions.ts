// The action registry: every action people take on an exchanged request, declared once. The state
// machine's rules, the workflow's updates and signals, the API's routes and body schemas, and the
// actions a caller is offered all derive from these entries. Adding an action is one entry here (plus
// its oracle test in test/unit/state-machine.test.ts).
import { DomainError } from './errors';
import { attachmentVisibilities, type AttachmentMeta } from './attachments';
import { resolutionCodes, type Actor, type ConsumerState, type ResolutionCode, type Role, type Side } from './model';
import type { ExchangeState, Transition } from './state-machine';

/** The longest text a body field takes. */
export const MAX_TEXT = 10_000;

/**
 * A body field: text of 1 to MAX_TEXT characters, one of a list (both optional: may be absent or
 * empty), or the metadata of one or more files (domain/attachments.ts; their bytes are uploaded apart).
 */
export type FieldSpec =
  | { kind: 'text'; optional?: true }
  | { kind: 'choice'; values: readonly string[]; optional?: true }
  | { kind: 'attachments' };

const text = { kind: 'text' } as const;
const optionalText = { kind: 'text', optional: true } as const;

export interface ActionSpec {
  /** The side whose people may act ('either': both parties), and which of their roles. */
  side: Side | 'either';
  roles: readonly Role[];
  /** What it does to a request, as refusals say it: "Cannot <verb> a request that is closed". */
  verb: string;
  /** The (consumer) states it may be taken from. */
  from: readonly ConsumerState[];
  /** The body: its fields, checked before the transition runs. */
  fields: Readonly<Record<string, FieldSpec>>;
  /** What it changes; `input` holds the checked text and choice fields, `side` the actor's side. May refuse (DomainError). */
  transition(exchange: ExchangeState, input: Readonly<Record<string, string | undefined>>, actor: Actor, side: Side): Transition;
  /**
   * POST /tasks/:number/<path>, answered with <status>. `body: 'multipart'`: the body carries files,
   * so the action has a route of its own (api/routes/attachments.ts) instead of the JSON one.
   */
  http: { path: string; status: 200 | 201; summary: string; body?: 'multipart' };
}

const OPEN: readonly ConsumerState[] = ['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved'];
const PROVIDER_STAFF: readonly Role[] = ['agent', 'admin'];
const CONSUMER_PEOPLE: readonly Role[] = ['requester', 'admin'];
const EVERYONE: readonly Role[] = ['requester', 'agent', 'admin'];

export const actionSpecs = {
  assign: {
    side: 'provider',
    roles: PROVIDER_STAFF,
    verb: 'assign',
    from: ['received', 'work_in_progress', 'awaiting_info'],
    fields: {},
    transition: (exchange, _input, actor) => {
      const current = exchange.assignedTo;
      if (current?.userId === actor.userId) throw new DomainError('invalid_transition', 'The request is already assigned to you', { state: exchange.state, assignedTo: current.name });
      // An admin may take over; an agent may not take a colleague's request.
      if (current && actor.role !== 'admin') throw new DomainError('conflict', `The request is already assigned to ${current.name}`, { assignedTo: current.name, state: exchange.state });
      return { state: exchange.state === 'received' ? 'work_in_progress' : exchange.state, assignedTo: { userId: actor.userId, name: actor.name } };
    },
    http: { path: 'assign', status: 200, summary: '"Assign to me": the calling agent takes the task (provider)' },
  },
  comment: {
    side: 'either',
    roles: EVERYONE,
    verb: 'comment on',
    from: OPEN,
    fields: { body: text },
    // A consumer's answer to an information request puts the request back to work.
    transition: (exchange, _input, _actor, side) => ({ state: side === 'consumer' && exchange.state === 'awaiting_info' ? 'work_in_progress' : exchange.state }),
    http: { path: 'comments', status: 201, summary: 'Post a public comment, replicated to the other side' },
  },
  work_note: {
    side: 'provider',
    roles: PROVIDER_STAFF,
    verb: 'add a work note to',
    from: OPEN,
    fields: { body: text },
    transition: (exchange) => ({ state: exchange.state }),
    http: { path: 'work-notes', status: 201, summary: "Post an internal work note: never leaves the provider's instance" },
  },
  attach: {
    side: 'either',
    roles: EVERYONE,
    verb: 'attach files to',
    from: OPEN,
    fields: { attachments: { kind: 'attachments' }, visibility: { kind: 'choice', values: attachmentVisibilities, optional: true } },
    // Internal files are the provider staff's, like work notes: they never leave the provider's instance.
    transition: (exchange, input, actor, side) => {
      if (input.visibility === 'internal' && (side !== 'provider' || !PROVIDER_STAFF.includes(actor.role))) {
        throw new DomainError('forbidden', `Only ${PROVIDER_STAFF.join(' or ')} users of the provider may attach internal files`, { field: 'visibility' });
      }
      return { state: exchange.state };
    },
    http: { path: 'attachments', status: 201, summary: 'Attach files (multipart/form-data), replicated to the other side unless internal', body: 'multipart' },
  },
  request_info: {
    side: 'provider',
    roles: PROVIDER_STAFF,
    verb: 'ask for information on',
    from: ['work_in_progress'],
    fields: { question: text },
    transition: (_view, input) => ({ state: 'awaiting_info', comment: input.question }),
    http: { path: 'request-info', status: 200, summary: 'Ask the consumer for information (provider): awaiting_info on both sides' },
  },
  propose_solution: {
    side: 'provider',
    roles: PROVIDER_STAFF,
    verb: 'propose a solution for',
    from: ['work_in_progress', 'awaiting_info'],
    fields: { resolutionCode: { kind: 'choice', values: resolutionCodes }, resolutionNotes: text },
    transition: (_view, input) => ({ state: 'resolved', resolution: { code: input.resolutionCode as ResolutionCode, notes: input.resolutionNotes! } }),
    http: { path: 'propose-solution', status: 200, summary: 'Propose a solution with a resolution code (provider): resolved on both sides' },
  },
  accept: {
    side: 'consumer',
    roles: CONSUMER_PEOPLE,
    verb: 'accept the solution of',
    from: ['resolved'],
    fields: {},
    transition: () => ({ state: 'closed' }),
    http: { path: 'accept', status: 200, summary: 'Accept the proposed solution (consumer): closed on both sides' },
  },
  reject: {
    side: 'consumer',
    roles: CONSUMER_PEOPLE,
    verb: 'reject the solution of',
    from: ['resolved'],
    fields: { reason: text },
    transition: (_view, input) => ({ state: 'work_in_progress', resolution: null, comment: `Solution rejected: ${input.reason}` }),
    http: { path: 'reject', status: 200, summary: 'Reject the proposed solution with a reason (consumer): back to work in progress' },
  },
  cancel: {
    side: 'consumer',
    roles: CONSUMER_PEOPLE,
    verb: 'cancel',
    from: OPEN,
    fields: { reason: optionalText },
    transition: (_view, input) => ({ state: 'cancelled', comment: input.reason ? `Request cancelled: ${input.reason}` : undefined }),
    http: { path: 'cancel', status: 200, summary: 'Cancel the request (consumer): cancelled on both sides' },
  },
} as const satisfies Record<string, ActionSpec>;

/** The actions people take, in the order they are offered. */
export type UserActionType = keyof typeof actionSpecs;
export const userActionTypes = Object.keys(actionSpecs) as UserActionType[];

/** The actions sent as JSON on their registry route (all but those whose body carries files). */
export type JsonActionType = { [T in UserActionType]: (typeof actionSpecs)[T]['http'] extends { body: 'multipart' } ? never : T }[UserActionType];
export const jsonActionTypes = userActionTypes.filter((type): type is JsonActionType => !('body' in actionSpecs[type].http));

type Specs = typeof actionSpecs;
type ValueOf<F> = F extends { kind: 'attachments' } ? AttachmentMeta[] : string;
type Required<F> = { [K in keyof F as F[K] extends { optional: true } ? never : K]: ValueOf<F[K]> };
type Optional<F> = { [K in keyof F as F[K] extends { optional: true } ? K : never]?: ValueOf<F[K]> };
/** An action people take, with its body's fields. */
export type UserAction = { [T in UserActionType]: { type: T } & Required<Specs[T]['fields']> & Optional<Specs[T]['fields']> }[UserActionType];
