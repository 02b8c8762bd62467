import { status } from '@grpc/grpc-js';
import { encodeMessage } from './proto';

/** An error the dev server answers with, carrying the gRPC status code the real server uses. */
export class ServiceError extends Error {
  constructor(
    readonly code: status,
    message: string,
    /** Encoded google.rpc.Status details (typed Temporal error details), when the real server sends them. */
    readonly details?: { typeName: string; value: object },
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** An error's typed details as a google.rpc.Status carries them: google.protobuf.Any messages. */
export function statusDetails(err: ServiceError): { type_url: string; value: Uint8Array }[] {
  const d = err.details;
  return d ? [{ type_url: `type.googleapis.com/${d.typeName}`, value: encodeMessage(d.typeName, d.value) }] : [];
}

export const notFound = (message: string) => new ServiceError(status.NOT_FOUND, message);
export const invalidArgument = (message: string) => new ServiceError(status.INVALID_ARGUMENT, message);
export const alreadyExists = (message: string, details?: ServiceError['details']) =>
  new ServiceError(status.ALREADY_EXISTS, message, details);

/** Any failure as the status the client gets: a ServiceError as it is, anything else INTERNAL (and logged, being a bug). */
export function asServiceError(err: unknown, log: (msg: string) => void): ServiceError {
  if (err instanceof ServiceError) return err;
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  return new ServiceError(status.INTERNAL, (err as Error)?.message ?? 'internal error');
}
