/**
 * Every refusal in the product carries a code and a human message. The code decides the HTTP
 * status (api/errors.ts) and the ApplicationFailure type when it crosses the workflow boundary.
 */
export type ErrorCode =
  | 'bad_request' // 400: malformed request
  | 'unauthorized' // 401: no or unknown token
  | 'forbidden' // 403: role or instance may not do this
  | 'not_found' // 404: no such thing visible to the caller
  | 'invalid_transition' // 409: the task's state does not allow the action
  | 'conflict' // 409: someone else got there first
  | 'payload_too_large' // 413: over a size limit (a body, a file, a request's files)
  | 'unsupported_media_type' // 415: a body or a file of a type not accepted
  | 'range_not_satisfiable' // 416: a byte range outside the file asked for
  | 'idempotency_conflict' // 422: an Idempotency-Key reused with a different body
  | 'validation_failed' // 422: well-formed but invalid content
  | 'rate_limited' // 429
  | 'unavailable'; // 503: a dependency is down; safe to retry

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const errorCodes: readonly ErrorCode[] = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'invalid_transition',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'range_not_satisfiable',
  'idempotency_conflict',
  'validation_failed',
  'rate_limited',
  'unavailable',
];

export const isErrorCode = (value: unknown): value is ErrorCode => errorCodes.includes(value as ErrorCode);
