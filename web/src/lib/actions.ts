// The Actions menu: every action the API may list in `allowedActions`, how it is offered and sent.
import { resolutionCodes } from '$domain/model';
import type { paths } from './api-types';

export type ActionType = 'assign' | 'comment' | 'work_note' | 'request_info' | 'propose_solution' | 'accept' | 'reject' | 'cancel';

type ActionPath = {
  [P in keyof paths]: P extends `/tasks/{number}/${string}` ? (paths[P] extends { post: unknown } ? P : never) : never;
}[keyof paths];

export interface ActionSpec {
  /** The button in the menu. */
  label: string;
  /** POST /tasks/:number/<path>. */
  path: ActionPath;
  /** The form the button opens; without one, the button acts at once. */
  fields?: Array<{ name: string; label: string; kind: 'text' | 'choice'; required: boolean; hint?: string }>;
  /** The form's submit button. */
  submit: string;
  /** While it is sent. */
  pending: string;
  /** Once done. */
  done: string;
}

export const RESOLUTION_CODES = resolutionCodes;

export const ACTIONS: Record<ActionType, ActionSpec> = {
  assign: { label: 'Assign to me', path: '/tasks/{number}/assign', submit: 'Assign to me', pending: 'Assigning to you…', done: 'Assigned to you.' },
  comment: {
    label: 'Comment',
    path: '/tasks/{number}/comments',
    fields: [{ name: 'body', label: 'Comment', kind: 'text', required: true, hint: 'Public: both organizations see it.' }],
    submit: 'Post comment',
    pending: 'Posting your comment…',
    done: 'Comment posted.',
  },
  work_note: {
    label: 'Work note',
    path: '/tasks/{number}/work-notes',
    fields: [{ name: 'body', label: 'Work note (internal)', kind: 'text', required: true, hint: 'Internal: only your organization sees it; it never reaches the consumer.' }],
    submit: 'Add work note',
    pending: 'Adding the work note…',
    done: 'Work note added (internal).',
  },
  request_info: {
    label: 'Request info',
    path: '/tasks/{number}/request-info',
    fields: [{ name: 'question', label: 'Question', kind: 'text', required: true, hint: 'The consumer sees it as a comment; the request waits for their answer.' }],
    submit: 'Send question',
    pending: 'Sending the question…',
    done: 'Question sent: awaiting info.',
  },
  propose_solution: {
    label: 'Propose solution',
    path: '/tasks/{number}/propose-solution',
    fields: [
      { name: 'resolutionCode', label: 'Resolution code', kind: 'choice', required: true },
      { name: 'resolutionNotes', label: 'Resolution notes', kind: 'text', required: true },
    ],
    submit: 'Propose solution',
    pending: 'Proposing the solution…',
    done: 'Solution proposed: resolved, waiting for the consumer to accept.',
  },
  accept: { label: 'Accept', path: '/tasks/{number}/accept', submit: 'Accept solution', pending: 'Accepting…', done: 'Solution accepted: the request is closed.' },
  reject: {
    label: 'Reject',
    path: '/tasks/{number}/reject',
    fields: [{ name: 'reason', label: 'Reason for rejecting', kind: 'text', required: true, hint: 'Posted as a comment; the request goes back to work.' }],
    submit: 'Reject solution',
    pending: 'Rejecting…',
    done: 'Solution rejected: back to work in progress.',
  },
  cancel: {
    label: 'Cancel request',
    path: '/tasks/{number}/cancel',
    fields: [{ name: 'reason', label: 'Reason (optional)', kind: 'text', required: false }],
    submit: 'Cancel request',
    pending: 'Cancelling…',
    done: 'Request cancelled.',
  },
};

export const actionLabel = (action: string) => (ACTIONS as Record<string, ActionSpec | undefined>)[action]?.label ?? action;

/** The menu's order. */
export const ACTION_ORDER: ActionType[] = ['assign', 'comment', 'work_note', 'request_info', 'propose_solution', 'accept', 'reject', 'cancel'];
