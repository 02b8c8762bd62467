import { describe, it, expect } from 'vitest';
import { DomainError, type ErrorCode } from '../../domain/errors';
import { consumerStates, resolutionCodes, type Actor, type ConsumerState, type Role } from '../../domain/model';
import {
  allowedActions,
  decide,
  MAX_TEXT,
  sideOf,
  userActionTypes,
  type Action,
  type ActionType,
  type ExchangeState,
  type Transition,
} from '../../domain/state-machine';

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const CONSUMER = 'acme-prod';
const PROVIDER = 'globex-prod';
const THIRD = 'initech-prod';

type Who = 'consumer' | 'provider' | 'third';

const makeActor = (who: Who, role: Role): Actor => {
  const instance = { consumer: CONSUMER, provider: PROVIDER, third: THIRD }[who];
  const organization = { consumer: 'Acme', provider: 'Globex', third: 'Initech' }[who];
  return { instance, organization, userId: `${who}-${role}-id`, name: `${who} ${role}`, role };
};

const roleList: readonly Role[] = ['requester', 'agent', 'admin'];
const whos: readonly Who[] = ['consumer', 'provider', 'third'];

interface ActorCase {
  label: string;
  who: Who | null;
  actor: Actor | undefined;
}

/** Every user of both sides, users of a third instance, and "no actor" (the system itself). */
const actorCases: ActorCase[] = [
  ...whos.flatMap((who) => roleList.map((role) => ({ label: `${who} ${role}`, who, actor: makeActor(who, role) }))),
  { label: 'no actor', who: null, actor: undefined },
];
const userActorCases = actorCases.filter((a): a is ActorCase & { actor: Actor; who: Who } => a.actor !== undefined);

/** Someone else on the provider side who may hold the request. */
const otherAgent = { userId: 'provider-other-agent-id', name: 'Other Agent (Globex)' };

type Assignment = 'unassigned (null)' | 'unassigned (absent)' | 'assigned to the actor' | 'assigned to another agent';
const assignments: readonly Assignment[] = ['unassigned (null)', 'unassigned (absent)', 'assigned to the actor', 'assigned to another agent'];

function assigneeFor(assignment: Assignment, actor: Actor | undefined): ExchangeState['assignedTo'] {
  switch (assignment) {
    case 'unassigned (null)':
      return null;
    case 'unassigned (absent)':
      return undefined;
    case 'assigned to the actor':
      return actor ? { userId: actor.userId, name: actor.name } : otherAgent;
    case 'assigned to another agent':
      return otherAgent;
  }
}

function exchangeIn(state: ConsumerState, assignedTo?: ExchangeState['assignedTo']): ExchangeState {
  const exchange: ExchangeState = { state, consumer: CONSUMER, provider: PROVIDER };
  if (assignedTo !== undefined) exchange.assignedTo = assignedTo;
  return exchange;
}

let files = 0;
/** A file's metadata as an upload describes it (its bytes are stored apart), with an id of its own. */
function aFile(overrides: Record<string, unknown> = {}) {
  return { id: `3f2b8c4e-1d2a-4b6c-9e8f-${String(++files).padStart(12, '0')}`, fileName: 'screen.png', size: 2048, contentType: 'image/png', sha256: 'ab'.repeat(32), ...overrides } as {
    id: string;
    fileName: string;
    size: number;
    contentType: string;
    sha256: string;
  };
}

/** One valid payload per action. Texts differ so the posted comment can be traced back to its source. */
const validActions: Record<ActionType, Action> = {
  receive: { type: 'receive' },
  auto_close: { type: 'auto_close' },
  assign: { type: 'assign' },
  comment: { type: 'comment', body: 'Any news on this?' },
  work_note: { type: 'work_note', body: 'Checked the logs, nothing yet' },
  attach: { type: 'attach', attachments: [aFile()] },
  request_info: { type: 'request_info', question: 'Which server is affected?' },
  propose_solution: { type: 'propose_solution', resolutionCode: 'workaround', resolutionNotes: 'Restart the service nightly' },
  accept: { type: 'accept' },
  reject: { type: 'reject', reason: 'Still broken' },
  cancel: { type: 'cancel', reason: 'No longer needed' },
};

const allActionTypes: readonly ActionType[] = ['receive', 'auto_close', ...userActionTypes];

// ---------------------------------------------------------------------------------------------
// The expected behaviour, written from the product rules (never by asking the module under test)
// ---------------------------------------------------------------------------------------------

const OPEN: readonly ConsumerState[] = ['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved'];
const AUTO_CLOSE_NOTE = 'Closed automatically: the proposed solution was not accepted or rejected within the acceptance window.';

/** "side role" pairs; `comment` is open to every user of either side. */
const PROVIDER_STAFF = ['provider agent', 'provider admin'];
const CONSUMER_PEOPLE = ['consumer requester', 'consumer admin'];
const EVERYONE_OF_BOTH_SIDES = [...whos.filter((w) => w !== 'third').flatMap((w) => roleList.map((r) => `${w} ${r}`))];

/**
 *   action             | who may                          | from states
 *   -------------------+----------------------------------+------------------------------------------
 *   assign             | provider agent/admin             | received, work_in_progress, awaiting_info
 *   comment            | anyone of consumer or provider   | any open state
 *   work_note          | provider agent/admin             | any open state
 *   attach             | anyone of consumer or provider   | any open state (internal files: provider agent/admin only)
 *   request_info       | provider agent/admin             | work_in_progress
 *   propose_solution   | provider agent/admin             | work_in_progress, awaiting_info
 *   accept             | consumer requester/admin         | resolved
 *   reject             | consumer requester/admin         | resolved
 *   cancel             | consumer requester/admin         | any open state
 */
const RULES: Record<Exclude<ActionType, 'receive' | 'auto_close'>, { who: readonly string[]; from: readonly ConsumerState[] }> = {
  assign: { who: PROVIDER_STAFF, from: ['received', 'work_in_progress', 'awaiting_info'] },
  comment: { who: EVERYONE_OF_BOTH_SIDES, from: OPEN },
  work_note: { who: PROVIDER_STAFF, from: OPEN },
  attach: { who: EVERYONE_OF_BOTH_SIDES, from: OPEN },
  request_info: { who: PROVIDER_STAFF, from: ['work_in_progress'] },
  propose_solution: { who: PROVIDER_STAFF, from: ['work_in_progress', 'awaiting_info'] },
  accept: { who: CONSUMER_PEOPLE, from: ['resolved'] },
  reject: { who: CONSUMER_PEOPLE, from: ['resolved'] },
  cancel: { who: CONSUMER_PEOPLE, from: OPEN },
};

interface Outcome {
  state: ConsumerState;
  assignedTo?: { userId: string; name: string };
  resolution?: { code: string; notes: string } | null;
  comment?: string;
}
type Expected = { ok: Outcome } | { error: ErrorCode };

function expectedOutcome(
  state: ConsumerState,
  type: ActionType,
  who: Who | null,
  actor: Actor | undefined,
  assignedTo: ExchangeState['assignedTo'],
): Expected {
  // The system's own action: only without a user, only from new.
  if (type === 'receive') {
    if (actor) return { error: 'forbidden' };
    return state === 'new' ? { ok: { state: 'received' } } : { error: 'invalid_transition' };
  }
  // The acceptance window ran out: only the system, only from resolved, closing with a note.
  if (type === 'auto_close') {
    if (actor) return { error: 'forbidden' };
    return state === 'resolved' ? { ok: { state: 'closed', comment: AUTO_CLOSE_NOTE } } : { error: 'invalid_transition' };
  }
  // Every user action needs a user of one of the two sides; a third instance is always refused.
  if (!actor || who === null || who === 'third') return { error: 'forbidden' };

  // Side/role refusals come before state refusals.
  const rule = RULES[type];
  if (!rule.who.includes(`${who} ${actor.role}`)) return { error: 'forbidden' };
  if (!rule.from.includes(state)) return { error: 'invalid_transition' };

  switch (type) {
    case 'assign':
      if (assignedTo && assignedTo.userId === actor.userId) return { error: 'invalid_transition' };
      if (assignedTo && actor.role !== 'admin') return { error: 'conflict' };
      return {
        ok: { state: state === 'received' ? 'work_in_progress' : state, assignedTo: { userId: actor.userId, name: actor.name } },
      };
    case 'comment':
      return { ok: { state: who === 'consumer' && state === 'awaiting_info' ? 'work_in_progress' : state } };
    case 'work_note':
    case 'attach':
      return { ok: { state } };
    case 'request_info':
      return { ok: { state: 'awaiting_info', comment: 'Which server is affected?' } };
    case 'propose_solution':
      return { ok: { state: 'resolved', resolution: { code: 'workaround', notes: 'Restart the service nightly' } } };
    case 'accept':
      return { ok: { state: 'closed' } };
    case 'reject':
      return { ok: { state: 'work_in_progress', resolution: null, comment: 'Solution rejected: Still broken' } };
    case 'cancel':
      return { ok: { state: 'cancelled', comment: 'Request cancelled: No longer needed' } };
  }
}

/** What decide() did: its transition, or the DomainError it threw. Anything else is a test failure. */
function attempt(exchange: ExchangeState, action: Action, actor?: Actor): { ok: Transition } | { error: DomainError } {
  try {
    return { ok: decide(exchange, action, actor) };
  } catch (err) {
    if (err instanceof DomainError) return { error: err };
    throw err;
  }
}

function refusal(exchange: ExchangeState, action: Action, actor?: Actor): DomainError {
  const result = attempt(exchange, action, actor);
  if ('ok' in result) throw new Error(`expected ${action.type} to be refused, but it gave ${JSON.stringify(result.ok)}`);
  return result.error;
}

/** Only the fields a transition is about, so `comment: undefined` and an absent comment compare equal. */
const normalize = (t: Transition | Outcome) => ({
  state: t.state,
  assignedTo: t.assignedTo,
  resolution: t.resolution,
  comment: t.comment,
});

/** The action types the rules let this actor do now. */
function expectedAllowed(exchange: ExchangeState, who: Who, actor: Actor): ActionType[] {
  return userActionTypes.filter((type) => 'ok' in expectedOutcome(exchange.state, type, who, actor, exchange.assignedTo));
}

// ---------------------------------------------------------------------------------------------
// Sanity checks on the expectation itself, so a mistake in the table cannot hide a bug
// ---------------------------------------------------------------------------------------------

describe('the expectation table', () => {
  it('covers every state and every action', () => {
    expect(consumerStates).toEqual(['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved', 'closed', 'cancelled']);
    expect([...userActionTypes].sort()).toEqual(Object.keys(RULES).sort());
  });

  it('spot checks against the rules as written', () => {
    const agent = makeActor('provider', 'agent');
    const requester = makeActor('consumer', 'requester');
    expect(expectedOutcome('received', 'assign', 'provider', agent, null)).toEqual({
      ok: { state: 'work_in_progress', assignedTo: { userId: agent.userId, name: agent.name } },
    });
    expect(expectedOutcome('awaiting_info', 'comment', 'consumer', requester, null)).toEqual({ ok: { state: 'work_in_progress' } });
    expect(expectedOutcome('awaiting_info', 'comment', 'provider', agent, null)).toEqual({ ok: { state: 'awaiting_info' } });
    expect(expectedOutcome('closed', 'accept', 'provider', agent, null)).toEqual({ error: 'forbidden' });
    expect(expectedOutcome('closed', 'accept', 'consumer', requester, null)).toEqual({ error: 'invalid_transition' });
  });
});

// ---------------------------------------------------------------------------------------------
// Exhaustive: every (state, action, actor, assignment)
// ---------------------------------------------------------------------------------------------

describe('decide() over every state, action, actor and assignment', () => {
  for (const state of consumerStates) {
    describe(`state ${state}`, () => {
      for (const type of allActionTypes) {
        for (const { label, who, actor } of actorCases) {
          for (const assignment of assignments) {
            const assignedTo = assigneeFor(assignment, actor);
            const expected = expectedOutcome(state, type, who, actor, assignedTo);
            const verdict = 'ok' in expected ? `-> ${expected.ok.state}` : `refused ${expected.error}`;
            it(`${type} by ${label}, ${assignment}: ${verdict}`, () => {
              const exchange = exchangeIn(state, assignedTo);
              const result = attempt(exchange, validActions[type], actor);
              if ('ok' in expected) {
                if ('error' in result) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
                expect(normalize(result.ok)).toEqual(normalize(expected.ok));
                return;
              }
              if ('ok' in result) throw new Error(`expected ${expected.error}, got ${JSON.stringify(result.ok)}`);
              expect(result.error.code).toBe(expected.error);
              if (expected.error === 'invalid_transition') {
                expect(result.error.details?.state).toBe(state);
                if (actor) {
                  expect(result.error.details?.allowedActions).toEqual(allowedActions(exchange, actor));
                  expect(result.error.details?.allowedActions).not.toContain(type);
                }
              }
              if (expected.error === 'conflict') {
                expect(result.error.details?.assignedTo).toBe(otherAgent.name);
                expect(result.error.message).toContain(otherAgent.name);
              }
            });
          }
        }
      }
    });
  }

  it('does not change the view it is given', () => {
    const view = exchangeIn('received', null);
    const snapshot = structuredClone(view);
    decide(view, { type: 'assign' }, makeActor('provider', 'agent'));
    expect(view).toEqual(snapshot);
  });
});

// ---------------------------------------------------------------------------------------------
// allowedActions
// ---------------------------------------------------------------------------------------------

describe('allowedActions()', () => {
  for (const state of consumerStates) {
    for (const { label, who, actor } of userActorCases) {
      for (const assignment of assignments) {
        it(`${state}, ${label}, ${assignment}: exactly what decide() accepts`, () => {
          const view = exchangeIn(state, assigneeFor(assignment, actor));
          const accepted = userActionTypes.filter((type) => 'ok' in attempt(view, validActions[type], actor));
          const allowed = allowedActions(view, actor);
          expect([...allowed].sort()).toEqual([...accepted].sort());
          expect([...allowed].sort()).toEqual(expectedAllowed(view, who, actor).sort());
          expect(allowed).not.toContain('receive');
        });
      }
    }
  }

  it('is empty for closed and cancelled requests, whoever asks', () => {
    for (const state of ['closed', 'cancelled'] as const) {
      for (const { actor } of userActorCases) expect(allowedActions(exchangeIn(state), actor)).toEqual([]);
    }
  });

  it('is empty for a user of a third instance', () => {
    for (const state of consumerStates) {
      for (const role of roleList) expect(allowedActions(exchangeIn(state), makeActor('third', role))).toEqual([]);
    }
  });

  it('offers a provider agent the work on an unassigned request in progress', () => {
    const actions = allowedActions(exchangeIn('work_in_progress', null), makeActor('provider', 'agent'));
    expect([...actions].sort()).toEqual(['assign', 'attach', 'comment', 'propose_solution', 'request_info', 'work_note']);
  });

  it('offers a consumer requester accept, reject, comment, attach and cancel on a resolved request', () => {
    const actions = allowedActions(exchangeIn('resolved'), makeActor('consumer', 'requester'));
    expect([...actions].sort()).toEqual(['accept', 'attach', 'cancel', 'comment', 'reject']);
  });
});

// ---------------------------------------------------------------------------------------------
// Assignment specifics
// ---------------------------------------------------------------------------------------------

describe('refusal messages', () => {
  // People read these (the Task View shows the API's message): they name the action in words.
  it('say in words what cannot be done to a request in its state', () => {
    const closed = exchangeIn('closed');
    const said = (type: ActionType, who: Who, role: Role) => refusal(closed, validActions[type], makeActor(who, role)).message;
    expect(said('attach', 'consumer', 'requester')).toBe('Cannot attach files to a request that is closed');
    expect(said('work_note', 'provider', 'agent')).toBe('Cannot add a work note to a request that is closed');
    expect(said('propose_solution', 'provider', 'agent')).toBe('Cannot propose a solution for a request that is closed');
    expect(said('accept', 'consumer', 'requester')).toBe('Cannot accept the solution of a request that is closed');
    expect(refusal(exchangeIn('received'), { type: 'auto_close' }).message).toBe('Cannot auto-close a request that is received');
  });

  it('say who may act when the caller may not', () => {
    const wip = exchangeIn('work_in_progress');
    expect(refusal(wip, validActions.work_note, makeActor('consumer', 'requester')).message).toBe('Only agent or admin users of the provider may add a work note to a request');
    expect(refusal(wip, validActions.cancel, makeActor('provider', 'agent')).message).toBe('Only requester or admin users of the consumer may cancel a request');
  });
});

describe('assign', () => {
  const agent = makeActor('provider', 'agent');
  const admin = makeActor('provider', 'admin');

  it('takes a received request into work for the assignee', () => {
    expect(decide(exchangeIn('received', null), { type: 'assign' }, agent)).toEqual({
      state: 'work_in_progress',
      assignedTo: { userId: agent.userId, name: agent.name },
    });
  });

  it('keeps the state when assigning a request already in work or awaiting info', () => {
    expect(decide(exchangeIn('awaiting_info', null), { type: 'assign' }, agent).state).toBe('awaiting_info');
    expect(decide(exchangeIn('work_in_progress', null), { type: 'assign' }, agent).state).toBe('work_in_progress');
  });

  it('refuses an agent with conflict naming whoever holds the request', () => {
    const err = refusal(exchangeIn('work_in_progress', otherAgent), { type: 'assign' }, agent);
    expect(err.code).toBe('conflict');
    expect(err.details).toMatchObject({ assignedTo: 'Other Agent (Globex)' });
    expect(err.message).toContain('Other Agent (Globex)');
  });

  it('lets an admin take over a request someone else holds', () => {
    expect(decide(exchangeIn('awaiting_info', otherAgent), { type: 'assign' }, admin)).toEqual({
      state: 'awaiting_info',
      assignedTo: { userId: admin.userId, name: admin.name },
    });
  });

  it('refuses assigning to whoever already holds it with invalid_transition, admin included', () => {
    for (const actor of [agent, admin]) {
      const view = exchangeIn('work_in_progress', { userId: actor.userId, name: actor.name });
      const err = refusal(view, { type: 'assign' }, actor);
      expect(err.code).toBe('invalid_transition');
      expect(err.details?.state).toBe('work_in_progress');
      expect(err.details?.allowedActions).toEqual(allowedActions(view, actor));
      expect(err.details?.allowedActions).not.toContain('assign');
    }
  });

  it('refuses a provider requester and consumer users with forbidden, even where the state would refuse too', () => {
    for (const state of consumerStates) {
      for (const actor of [makeActor('provider', 'requester'), ...roleList.map((r) => makeActor('consumer', r))]) {
        expect(refusal(exchangeIn(state, null), { type: 'assign' }, actor).code).toBe('forbidden');
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Attaching files
// ---------------------------------------------------------------------------------------------

describe('attach', () => {
  const internal = (files = [aFile()]): Action => ({ type: 'attach', attachments: files, visibility: 'internal' });

  it('keeps the state, whoever attaches, public by default or when asked', () => {
    for (const state of OPEN) {
      for (const actor of [makeActor('consumer', 'requester'), makeActor('provider', 'agent')]) {
        for (const visibility of [undefined, '', 'public']) {
          expect(decide(exchangeIn(state), { type: 'attach', attachments: [aFile()], ...(visibility === undefined ? {} : { visibility }) }, actor)).toEqual({ state });
        }
      }
    }
  });

  it('lets only provider agents and admins attach internal files', () => {
    for (const state of OPEN) {
      for (const role of ['agent', 'admin'] as const) expect(decide(exchangeIn(state), internal(), makeActor('provider', role))).toEqual({ state });
      for (const actor of [makeActor('provider', 'requester'), ...roleList.map((r) => makeActor('consumer', r))]) {
        const err = refusal(exchangeIn(state), internal(), actor);
        expect(err.code).toBe('forbidden');
        expect(err.details?.field).toBe('visibility');
      }
    }
  });

  it('refuses a visibility outside public and internal', () => {
    const err = refusal(exchangeIn('work_in_progress'), { type: 'attach', attachments: [aFile()], visibility: 'secret' }, makeActor('provider', 'agent'));
    expect(err).toMatchObject({ code: 'validation_failed', details: { field: 'visibility', allowed: ['public', 'internal'] } });
  });

  it('refuses a missing or empty list of files, and more than 20', () => {
    const agent = makeActor('provider', 'agent');
    for (const attachments of [undefined, [], 'screen.png', {}]) {
      const err = refusal(exchangeIn('work_in_progress'), { type: 'attach', attachments } as unknown as Action, agent);
      expect(err).toMatchObject({ code: 'validation_failed', details: { field: 'attachments' } });
    }
    const many = Array.from({ length: 21 }, () => aFile());
    expect(refusal(exchangeIn('work_in_progress'), { type: 'attach', attachments: many }, agent).details).toEqual({ field: 'attachments' });
    expect(decide(exchangeIn('work_in_progress'), { type: 'attach', attachments: many.slice(1) }, agent)).toEqual({ state: 'work_in_progress' });
  });

  it('refuses a file whose metadata is malformed, naming the field', () => {
    const agent = makeActor('provider', 'agent');
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ id: 'not-a-uuid' }, 'id'],
      [{ id: '3F2B8C4E-1D2A-4B6C-9E8F-0A1B2C3D4E5F' }, 'id'],
      [{ id: '3f2b8c4e-1d2a-4b6c-9e8f-000000000000' }, 'id'], // the first file's, below
      [{ fileName: '' }, 'fileName'],
      [{ fileName: '   ' }, 'fileName'],
      [{ fileName: 'a/b.txt' }, 'fileName'],
      [{ fileName: 'a\\b.txt' }, 'fileName'],
      [{ fileName: 'tab\there.txt' }, 'fileName'],
      [{ fileName: 'bell\u0007.txt' }, 'fileName'],
      [{ fileName: 'del\u007f.txt' }, 'fileName'],
      [{ fileName: 'c1\u0085.txt' }, 'fileName'],
      [{ fileName: '..' }, 'fileName'],
      [{ fileName: 'x'.repeat(256) }, 'fileName'],
      [{ size: 0 }, 'size'],
      [{ size: -1 }, 'size'],
      [{ size: 1.5 }, 'size'],
      [{ size: '12' }, 'size'],
      [{ contentType: 'not a type' }, 'contentType'],
      [{ contentType: 'Image/PNG' }, 'contentType'],
      [{ sha256: 'ab'.repeat(31) }, 'sha256'],
      [{ sha256: 'AB'.repeat(32) }, 'sha256'],
    ];
    for (const [override, field] of bad) {
      const err = refusal(exchangeIn('work_in_progress'), { type: 'attach', attachments: [aFile({ id: '3f2b8c4e-1d2a-4b6c-9e8f-000000000000' }), aFile(override)] }, agent);
      expect(err.code, JSON.stringify(override)).toBe('validation_failed');
      expect(err.details?.field, JSON.stringify(override)).toBe(`attachments.1.${field}`);
    }
    // At the limits: 255 characters (counted as characters, not UTF-16 units), any other Unicode.
    for (const fileName of ['x'.repeat(255), '😀'.repeat(255), 'Überweisung März.pdf', '.env', 'a b']) {
      expect(decide(exchangeIn('work_in_progress'), { type: 'attach', attachments: [aFile({ fileName })] }, agent)).toEqual({ state: 'work_in_progress' });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Payload validation
// ---------------------------------------------------------------------------------------------

describe('payload validation', () => {
  const agent = makeActor('provider', 'agent');
  const requester = makeActor('consumer', 'requester');
  const tooLong = 'x'.repeat(MAX_TEXT + 1);
  const longest = 'x'.repeat(MAX_TEXT);

  /** Each text field, with an actor and a state where the action is otherwise allowed. */
  const textCases: { label: string; field: string; state: ConsumerState; actor: Actor; make: (text: string) => Action }[] = [
    { label: 'comment body (provider)', field: 'body', state: 'work_in_progress', actor: agent, make: (body) => ({ type: 'comment', body }) },
    { label: 'comment body (consumer)', field: 'body', state: 'awaiting_info', actor: requester, make: (body) => ({ type: 'comment', body }) },
    { label: 'work note body', field: 'body', state: 'work_in_progress', actor: agent, make: (body) => ({ type: 'work_note', body }) },
    {
      label: 'information request question',
      field: 'question',
      state: 'work_in_progress',
      actor: agent,
      make: (question) => ({ type: 'request_info', question }),
    },
    {
      label: 'resolution notes',
      field: 'resolutionNotes',
      state: 'work_in_progress',
      actor: agent,
      make: (resolutionNotes) => ({ type: 'propose_solution', resolutionCode: 'solved', resolutionNotes }),
    },
    { label: 'rejection reason', field: 'reason', state: 'resolved', actor: requester, make: (reason) => ({ type: 'reject', reason }) },
    { label: 'cancellation reason', field: 'reason', state: 'work_in_progress', actor: requester, make: (reason) => ({ type: 'cancel', reason }) },
  ];

  for (const { label, field, state, actor, make } of textCases) {
    describe(label, () => {
      const refusedFor = (text: string) => refusal(exchangeIn(state), make(text), actor);

      const optional = label === 'cancellation reason';

      if (!optional) {
        it('refuses an empty text', () => {
          const err = refusedFor('');
          expect(err.code).toBe('validation_failed');
          expect(err.details?.field).toBe(field);
        });
      }

      it('refuses a whitespace-only text', () => {
        for (const blank of [' ', '   ', '\n\t ']) {
          const err = refusedFor(blank);
          expect(err.code).toBe('validation_failed');
          expect(err.details?.field).toBe(field);
        }
      });

      it(`refuses a text over ${MAX_TEXT} characters`, () => {
        const err = refusedFor(tooLong);
        expect(err.code).toBe('validation_failed');
        expect(err.details?.field).toBe(field);
      });

      it(`accepts a text of exactly ${MAX_TEXT} characters`, () => {
        expect(() => decide(exchangeIn(state), make(longest), actor)).not.toThrow();
      });

      it(optional ? 'refuses a non-text value' : 'refuses a missing or non-text value', () => {
        for (const value of optional ? [null, 42, {}] : [undefined, null, 42, {}]) {
          const err = refusedFor(value as unknown as string);
          expect(err.code).toBe('validation_failed');
        }
      });
    });
  }

  it('refuses a reject without a reason', () => {
    const err = refusal(exchangeIn('resolved'), { type: 'reject' } as unknown as Action, requester);
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('reason');
  });

  it('refuses a resolution code outside the list, naming the list', () => {
    for (const resolutionCode of ['fixed', '', 'SOLVED', 'solved ']) {
      const err = refusal(exchangeIn('work_in_progress'), { type: 'propose_solution', resolutionCode, resolutionNotes: 'done' }, agent);
      expect(err.code).toBe('validation_failed');
      expect(err.details?.field).toBe('resolutionCode');
      expect(err.details?.allowed).toEqual([...resolutionCodes]);
    }
  });

  it('accepts every listed resolution code and records it with the notes', () => {
    for (const code of resolutionCodes) {
      expect(
        decide(exchangeIn('awaiting_info'), { type: 'propose_solution', resolutionCode: code, resolutionNotes: 'notes' }, agent),
      ).toEqual({ state: 'resolved', resolution: { code, notes: 'notes' } });
    }
  });

  it('keeps texts as written (surrounding whitespace included) in the posted comment', () => {
    expect(decide(exchangeIn('work_in_progress'), { type: 'request_info', question: '  Which host?  ' }, agent).comment).toBe(
      '  Which host?  ',
    );
  });

  it('lets a cancel go without a reason, posting no comment', () => {
    for (const cancel of [{ type: 'cancel' }, { type: 'cancel', reason: '' }] as Action[]) {
      const t = decide(exchangeIn('received'), cancel, requester);
      expect(t.state).toBe('cancelled');
      expect(t.comment).toBeUndefined();
    }
  });

  it('refuses a third instance with forbidden even with an invalid payload', () => {
    const outsider = makeActor('third', 'admin');
    const invalid: Action[] = [
      { type: 'comment', body: '' },
      { type: 'work_note', body: ' ' },
      { type: 'request_info', question: tooLong },
      { type: 'propose_solution', resolutionCode: 'nope', resolutionNotes: '' },
      { type: 'reject', reason: '' },
    ];
    for (const action of invalid) expect(refusal(exchangeIn('work_in_progress'), action, outsider).code).toBe('forbidden');
  });
});

// ---------------------------------------------------------------------------------------------
// receive, sideOf
// ---------------------------------------------------------------------------------------------

describe('receive', () => {
  it('moves a new request to received when the system does it', () => {
    expect(decide(exchangeIn('new'), { type: 'receive' })).toEqual({ state: 'received' });
  });

  it('is refused from every other state with invalid_transition naming the state', () => {
    for (const state of consumerStates.filter((s) => s !== 'new')) {
      const err = refusal(exchangeIn(state), { type: 'receive' });
      expect(err.code).toBe('invalid_transition');
      expect(err.details?.state).toBe(state);
    }
  });

  it('is refused to every user, with forbidden, in every state', () => {
    for (const state of consumerStates) {
      for (const { actor } of userActorCases) expect(refusal(exchangeIn(state), { type: 'receive' }, actor).code).toBe('forbidden');
    }
  });
});

describe('user actions without a user', () => {
  it('are refused with forbidden', () => {
    for (const state of consumerStates) {
      for (const type of userActionTypes) expect(refusal(exchangeIn(state), validActions[type]).code).toBe('forbidden');
    }
  });
});

describe('sideOf()', () => {
  const view = exchangeIn('work_in_progress');

  it('places consumer and provider users on their side', () => {
    for (const role of roleList) {
      expect(sideOf(view, makeActor('consumer', role))).toBe('consumer');
      expect(sideOf(view, makeActor('provider', role))).toBe('provider');
    }
  });

  it('refuses a third instance with forbidden', () => {
    let thrown: unknown;
    try {
      sideOf(view, { instance: THIRD });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe('forbidden');
  });
});
