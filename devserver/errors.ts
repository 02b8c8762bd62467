import { status } from '@grpc/grpc-js';

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

export const notFound = (message: string) => new ServiceError(status.NOT_FOUND, message);
export const invalidArgument = (message: string) => new ServiceError(status.INVALID_ARGUMENT, message);
export const alreadyExists = (message: string, details?: ServiceError['details']) =>
  new ServiceError(status.ALREADY_EXISTS, message, details);
