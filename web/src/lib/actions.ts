// The Actions menu: every action the API may list in `allowedActions` that is sent as a form, how it
// is offered and sent. What an action is (its path, its fields, which are required, the choices) comes
// from the action registry the API is built from (domain/actions.ts); only the words people read are
// kept here, and an action without them is still offered, under its own name. Actions whose body
// carries files (attach) are not in the menu: they are uploads, not forms.
import { MAX_TEXT, actionSpecs, jsonActionTypes, type FieldSpec, type JsonActionType } from '$domain/actions';

export type ActionType = JsonActionType;

export interface ActionField {
  name: string;
  label: string;
  kind: 'text' | 'choice';
  required: boolean;
  /** A choice's values. */
  choices: readonly string[];
  hint?: string;
}

export interface ActionSpec {
  /** The button in the menu. */
  label: string;
  /** The path under /tasks/{number}/ the action is POSTed to. */
  path: string;
  /** The form the button opens; empty: the button acts at once. */
  fields: ActionField[];
  /** The form's submit button. */
  submit: string;
  /** While it is sent. */
  pending: string;
  /** Once done. */
  done: string;
}

/** The longest text a field takes (the API's limit). */
export const MAX_FIELD_LENGTH = MAX_TEXT;

type Words = Omit<ActionSpec, 'path' | 'fields'> & { fields?: Record<string, { label: string; hint?: string }> };

const WORDS: Partial<Record<ActionType, Words>> = {
  assign: { label: 'Assign to me', submit: 'Assign to me', pending: 'Assigning to you…', done: 'Assigned to you.' },
  comment: {
    label: 'Comment',
    fields: { body: { label: 'Comment', hint: 'Public: both organizations see it.' } },
    submit: 'Post comment',
    pending: 'Posting your comment…',
    done: 'Comment posted.',
  },
  work_note: {
    label: 'Work note',
    fields: { body: { label: 'Work note (internal)', hint: 'Internal: only your organization sees it; it never reaches the consumer.' } },
    submit: 'Add work note',
    pending: 'Adding the work note…',
    done: 'Work note added (internal).',
  },
  request_info: {
    label: 'Request info',
    fields: { question: { label: 'Question', hint: 'The consumer sees it as a comment; the request waits for their answer.' } },
    submit: 'Send question',
    pending: 'Sending the question…',
    done: 'Question sent: awaiting info.',
  },
  propose_solution: {
    label: 'Propose solution',
    fields: { resolutionCode: { label: 'Resolution code' }, resolutionNotes: { label: 'Resolution notes' } },
    submit: 'Propose solution',
    pending: 'Proposing the solution…',
    done: 'Solution proposed: resolved, waiting for the consumer to accept.',
  },
  accept: { label: 'Accept', submit: 'Accept solution', pending: 'Accepting…', done: 'Solution accepted: the request is closed.' },
  reject: {
    label: 'Reject',
    fields: { reason: { label: 'Reason for rejecting', hint: 'Posted as a comment; the request goes back to work.' } },
    submit: 'Reject solution',
    pending: 'Rejecting…',
    done: 'Solution rejected: back to work in progress.',
  },
  cancel: {
    label: 'Cancel request',
    fields: { reason: { label: 'Reason (optional)' } },
    submit: 'Cancel request',
    pending: 'Cancelling…',
    done: 'Request cancelled.',
  },
};

const named = (s: string) => {
  const words = s.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words[0]!.toUpperCase() + words.slice(1);
};

function specOf(type: ActionType): ActionSpec {
  const registry = actionSpecs[type];
  const words = WORDS[type] ?? { label: named(type), submit: named(type), pending: `${named(type)}…`, done: 'Done.' };
  const fields = Object.entries(registry.fields as Readonly<Record<string, Exclude<FieldSpec, { kind: 'attachments' }>>>).map(([name, f]): ActionField => ({
    name,
    label: words.fields?.[name]?.label ?? named(name),
    hint: words.fields?.[name]?.hint,
    kind: f.kind,
    required: !f.optional,
    choices: f.kind === 'choice' ? f.values : [],
  }));
  return { ...words, path: registry.http.path, fields };
}

export const ACTIONS = Object.fromEntries(jsonActionTypes.map((type) => [type, specOf(type)])) as Record<ActionType, ActionSpec>;

export const actionLabel = (action: string) => (ACTIONS as Record<string, ActionSpec | undefined>)[action]?.label ?? named(action);

/** The menu's order: the registry's. */
export const ACTION_ORDER: readonly ActionType[] = jsonActionTypes;
