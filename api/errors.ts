import { WorkflowNotFoundError, WorkflowUpdateFailedError, isGrpcServiceError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError, isErrorCode, type ErrorCode } from '../domain/errors';

/** The one mapping from error codes to HTTP statuses. */
export const httpStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_transition: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  idempotency_conflict: 422,
  validation_failed: 422,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: ErrorCode | 'internal'; message: string; details?: Record<string, unknown> };
}

/** Turns what a workflow update or the Temporal client threw into the product's error, when it is one. */
export function fromTemporal(err: unknown): DomainError | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && isErrorCode(err.cause.type)) {
    const details = (err.cause.details?.[0] ?? undefined) as Record<string, unknown> | undefined;
    return new DomainError(err.cause.type, err.cause.message, details);
  }
  if (err instanceof WorkflowNotFoundError) return new DomainError('not_found', 'The request is no longer active');
  if (isGrpcServiceError(err) || (err as Error)?.name === 'ServiceError') {
    return new DomainError('unavailable', 'The workflow service is unavailable; try again shortly');
  }
  return undefined;
}
