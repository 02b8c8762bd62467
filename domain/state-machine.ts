import { DomainError } from './errors';
import { checkAttachmentList, type AttachmentMeta } from './attachments';
import type { Actor, ConsumerState, ResolutionCode, Side } from './model';
import { actionSpecs, MAX_TEXT, userActionTypes, type ActionSpec, type FieldSpec, type UserAction, type UserActionType } from './actions';

export { MAX_TEXT, userActionTypes, type UserActionType } from './actions';

/**
 * Everything anyone can do to an exchanged request: the actions people take (domain/actions.ts), and
 * `receive` (the provider has the task) and `auto_close` (the acceptance window ran out), the system's own.
 */
export type Action = UserAction | { type: 'receive' } | { type: 'auto_close' };
export type ActionType = Action['type'];

/** The facts the rules look at. */
export interface ExchangeState {
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
export function sideOf(exchange: ExchangeState, actor: Pick<Actor, 'instance'>): Side {
  if (actor.instance === exchange.consumer) return 'consumer';
  if (actor.instance === exchange.provider) return 'provider';
  throw new DomainError('forbidden', 'Only the consumer and the provider of a request may act on it');
}

function stateRefusal(exchange: ExchangeState, verb: string): DomainError {
  return new DomainError('invalid_transition', `Cannot ${verb} a request that is ${exchange.state.replace(/_/g, ' ')}`, {
    state: exchange.state,
  });
}

/**
 * The one place that decides whether an action is allowed and what it changes. Pure: the workflow,
 * the API and the tests all ask here, and nothing re-implements these rules.
 * `actor` is undefined for the system's own actions. A refused transition names the actions that
 * are allowed instead.
 */
export function decide(exchange: ExchangeState, action: Action, actor?: Actor): Transition {
  try {
    return evaluate(exchange, action, actor);
  } catch (err) {
    if (actor && err instanceof DomainError && err.code === 'invalid_transition') {
      throw new DomainError(err.code, err.message, { ...err.details, allowedActions: allowedActions(exchange, actor) });
    }
    throw err;
  }
}

function evaluate(exchange: ExchangeState, action: Action, actor?: Actor): Transition {
  if (action.type === 'receive' || action.type === 'auto_close') {
    if (actor) throw new DomainError('forbidden', `Only the exchange itself may ${action.type.replace('_', ' ')} a request`);
    if (action.type === 'receive') {
      if (exchange.state !== 'new') throw stateRefusal(exchange, 'receive');
      return { state: 'received' };
    }
    if (exchange.state !== 'resolved') throw stateRefusal(exchange, 'auto-close');
    return { state: 'closed', comment: 'Closed automatically: the proposed solution was not accepted or rejected within the acceptance window.' };
  }
  if (!actor) throw new DomainError('forbidden', `${action.type} needs a user`);
  const side = sideOf(exchange, actor);
  const spec: ActionSpec = actionSpecs[action.type];
  if ((spec.side !== 'either' && side !== spec.side) || !spec.roles.includes(actor.role)) {
    throw new DomainError('forbidden', `Only ${spec.roles.join(' or ')} users of the ${spec.side} may ${spec.verb} a request`, {
      side: spec.side,
      roles: spec.roles,
    });
  }
  const input = action as unknown as Record<string, unknown>;
  for (const [field, f] of Object.entries(spec.fields)) checkField(input[field], field, f);
  if (!spec.from.includes(exchange.state)) throw stateRefusal(exchange, spec.verb);
  return spec.transition(exchange, input as Record<string, string | undefined>, actor, side);
}

function checkField(value: unknown, field: string, f: FieldSpec): void {
  if (f.kind === 'attachments') {
    checkAttachmentList(value, field);
    return;
  }
  if (f.optional && (value === undefined || value === '')) return;
  if (f.kind === 'choice') {
    if (!f.values.includes(value as string)) {
      throw new DomainError('validation_failed', `${field} must be one of ${f.values.join(', ')}`, { field, allowed: f.values });
    }
    return;
  }
  requireText(value, field);
}

const sampleFile: AttachmentMeta = { id: '00000000-0000-4000-8000-000000000000', fileName: 'x', size: 1, contentType: 'application/octet-stream', sha256: '0'.repeat(64) };
const sampleValue = (f: FieldSpec) => (f.kind === 'choice' ? f.values[0] : f.kind === 'attachments' ? [sampleFile] : 'x');

/** A valid body for an action (its choices' first values): what `allowedActions` tries, and what the API asks before an upload. */
export const sampleOf = (type: UserActionType, fields: Record<string, unknown> = {}): Action =>
  ({ type, ...Object.fromEntries(Object.entries(actionSpecs[type].fields as Record<string, FieldSpec>).map(([k, f]) => [k, sampleValue(f)])), ...fields }) as Action;
const samples = Object.fromEntries(userActionTypes.map((type) => [type, sampleOf(type)])) as Record<UserActionType, Action>;

/** The actions this actor may take now: what a 409 tells the caller, and what a UI would offer. */
export function allowedActions(exchange: ExchangeState, actor: Actor): ActionType[] {
  return userActionTypes.filter((type) => {
    try {
      evaluate(exchange, samples[type], actor);
      return true;
    } catch {
      return false;
    }
  });
}
