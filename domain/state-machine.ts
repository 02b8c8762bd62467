import { DomainError } from './errors';
import { isOpen, resolutionCodes, type Actor, type ConsumerState, type ResolutionCode, type Role, type Side } from './model';

/**
 * Everything anyone can do to an exchanged request. `receive` (the provider has the task) and
 * `auto_close` (the acceptance window ran out) are the system's own.
 */
export type Action =
  | { type: 'receive' }
  | { type: 'auto_close' }
  | { type: 'assign' }
  | { type: 'comment'; body: string }
  | { type: 'work_note'; body: string }
  | { type: 'request_info'; question: string }
  | { type: 'propose_solution'; resolutionCode: string; resolutionNotes: string }
  | { type: 'accept' }
  | { type: 'reject'; reason: string }
  | { type: 'cancel'; reason?: string };

export type ActionType = Action['type'];
export const userActionTypes = ['assign', 'comment', 'work_note', 'request_info', 'propose_solution', 'accept', 'reject', 'cancel'] as const;
/** The actions people take (the rest are the system's). */
export type UserActionType = (typeof userActionTypes)[number];

/** The facts the rules look at. */
export interface ExchangeView {
  state: ConsumerState;
  consumer: string;
  provider: string;
  assignedTo?: { userId: string; name: string } | null;
}

/** What an allowed action changes. */
export interface Transition {
  state: ConsumerState;
  assignedTo?: { userId: string; name: string };
  resolution?: { code: ResolutionCode; notes: string } | null;
  /** A public comment the action posts on both sides (an information request, a rejection reason...). */
  comment?: string;
}

interface Rule {
  side: Side;
  roles: readonly Role[];
  from: readonly ConsumerState[];
}

const OPEN: readonly ConsumerState[] = ['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved'];
const PROVIDER_STAFF: readonly Role[] = ['agent', 'admin'];
const CONSUMER_PEOPLE: readonly Role[] = ['requester', 'admin'];

// Comments are open to both sides, so their rule is checked per side below.
const rules: Record<Exclude<UserActionType, 'comment'>, Rule> = {
  assign: { side: 'provider', roles: PROVIDER_STAFF, from: ['received', 'work_in_progress', 'awaiting_info'] },
  work_note: { side: 'provider', roles: PROVIDER_STAFF, from: OPEN },
  request_info: { side: 'provider', roles: PROVIDER_STAFF, from: ['work_in_progress'] },
  propose_solution: { side: 'provider', roles: PROVIDER_STAFF, from: ['work_in_progress', 'awaiting_info'] },
  accept: { side: 'consumer', roles: CONSUMER_PEOPLE, from: ['resolved'] },
  reject: { side: 'consumer', roles: CONSUMER_PEOPLE, from: ['resolved'] },
  cancel: { side: 'consumer', roles: CONSUMER_PEOPLE, from: OPEN },
};

export const MAX_TEXT = 10_000;

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new DomainError('validation_failed', `${field} must be a non-empty text`, { field });
  }
  if (value.length > MAX_TEXT) {
    throw new DomainError('validation_failed', `${field} must be at most ${MAX_TEXT} characters`, { field });
  }
  return value;
}

/** The side the actor's instance is on in this request; refuses anyone else. */
export function sideOf(view: ExchangeView, actor: Pick<Actor, 'instance'>): Side {
  if (actor.instance === view.consumer) return 'consumer';
  if (actor.instance === view.provider) return 'provider';
  throw new DomainError('forbidden', 'Only the consumer and the provider of a request may act on it');
}

function stateRefusal(view: ExchangeView, action: ActionType): DomainError {
  return new DomainError('invalid_transition', `Cannot ${action.replace('_', ' ')} a request that is ${view.state.replace(/_/g, ' ')}`, {
    state: view.state,
  });
}

/**
 * The one place that decides whether an action is allowed and what it changes. Pure: the workflow,
 * the API and the tests all ask here, and nothing re-implements these rules.
 * `actor` is undefined for the system's own actions. A refused transition names the actions that
 * are allowed instead.
 */
export function decide(view: ExchangeView, action: Action, actor?: Actor): Transition {
  try {
    return evaluate(view, action, actor);
  } catch (err) {
    if (actor && err instanceof DomainError && err.code === 'invalid_transition') {
      throw new DomainError(err.code, err.message, { ...err.details, allowedActions: allowedActions(view, actor) });
    }
    throw err;
  }
}

function evaluate(view: ExchangeView, action: Action, actor?: Actor): Transition {
  if (action.type === 'receive' || action.type === 'auto_close') {
    if (actor) throw new DomainError('forbidden', `Only the exchange itself may ${action.type.replace('_', ' ')} a request`);
    if (action.type === 'receive') {
      if (view.state !== 'new') throw stateRefusal(view, 'receive');
      return { state: 'received' };
    }
    if (view.state !== 'resolved') throw stateRefusal(view, 'auto_close');
    return { state: 'closed', comment: 'Closed automatically: the proposed solution was not accepted or rejected within the acceptance window.' };
  }
  if (!actor) throw new DomainError('forbidden', `${action.type} needs a user`);
  const side = sideOf(view, actor);

  if (action.type === 'comment') {
    requireText(action.body, 'body');
    if (!isOpen(view.state)) throw stateRefusal(view, 'comment');
    // A consumer's answer to an information request puts the request back to work.
    return { state: side === 'consumer' && view.state === 'awaiting_info' ? 'work_in_progress' : view.state };
  }

  const rule = rules[action.type];
  if (side !== rule.side || !rule.roles.includes(actor.role)) {
    throw new DomainError(
      'forbidden',
      `Only ${rule.roles.join(' or ')} users of the ${rule.side} may ${action.type.replace('_', ' ')}`,
      { side: rule.side, roles: rule.roles },
    );
  }
  switch (action.type) {
    case 'work_note':
      requireText(action.body, 'body');
      break;
    case 'request_info':
      requireText(action.question, 'question');
      break;
    case 'propose_solution':
      if (!resolutionCodes.includes(action.resolutionCode as ResolutionCode)) {
        throw new DomainError('validation_failed', `resolutionCode must be one of ${resolutionCodes.join(', ')}`, {
          field: 'resolutionCode',
          allowed: resolutionCodes,
        });
      }
      requireText(action.resolutionNotes, 'resolutionNotes');
      break;
    case 'reject':
      requireText(action.reason, 'reason');
      break;
    case 'cancel':
      if (action.reason !== undefined && action.reason !== '') requireText(action.reason, 'reason');
      break;
  }
  if (!rule.from.includes(view.state)) throw stateRefusal(view, action.type);

  switch (action.type) {
    case 'assign': {
      const current = view.assignedTo;
      if (current?.userId === actor.userId) {
        throw new DomainError('invalid_transition', `The request is already assigned to you`, { state: view.state, assignedTo: current.name });
      }
      if (current && actor.role !== 'admin') {
        throw new DomainError('conflict', `The request is already assigned to ${current.name}`, { assignedTo: current.name, state: view.state });
      }
      return {
        state: view.state === 'received' ? 'work_in_progress' : view.state,
        assignedTo: { userId: actor.userId, name: actor.name },
      };
    }
    case 'work_note':
      return { state: view.state };
    case 'request_info':
      return { state: 'awaiting_info', comment: action.question };
    case 'propose_solution':
      return { state: 'resolved', resolution: { code: action.resolutionCode as ResolutionCode, notes: action.resolutionNotes } };
    case 'accept':
      return { state: 'closed' };
    case 'reject':
      return { state: 'work_in_progress', resolution: null, comment: `Solution rejected: ${action.reason}` };
    case 'cancel':
      return { state: 'cancelled', comment: action.reason ? `Request cancelled: ${action.reason}` : undefined };
  }
}

const samples: Record<UserActionType, Action> = {
  assign: { type: 'assign' },
  comment: { type: 'comment', body: 'x' },
  work_note: { type: 'work_note', body: 'x' },
  request_info: { type: 'request_info', question: 'x' },
  propose_solution: { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'x' },
  accept: { type: 'accept' },
  reject: { type: 'reject', reason: 'x' },
  cancel: { type: 'cancel' },
};

/** The actions this actor may take now: what a 409 tells the caller, and what a UI would offer. */
export function allowedActions(view: ExchangeView, actor: Actor): ActionType[] {
  return userActionTypes.filter((type) => {
    try {
      evaluate(view, samples[type], actor);
      return true;
    } catch {
      return false;
    }
  });
}
