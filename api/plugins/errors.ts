import http from 'node:http';
import type { Socket } from 'node:net';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors';
import { MAX_FILES_PER_UPLOAD } from '../../domain/attachments';
import { fromTemporal, httpStatus, type ErrorBody } from '../errors';

/**
 * The longest path parameter the router lets through to a route (Fastify's `routerOptions.maxParamLength`,
 * in UTF-16 code units of the decoded segment; Fastify's default is 100). The longest id a route
 * accepts is an /ops workflow id of 300 characters, which is up to 600 code units: every parameter a
 * schema accepts reaches its route, whose schema then names it when it is too long.
 */
export const MAX_PARAM_LENGTH = 1000;

/** Seconds a client is asked to wait (Retry-After) when the process is shutting down. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 5;

const errorBody = (code: ErrorBody['error']['code'], message: string, details?: Record<string, unknown>): ErrorBody =>
  ({ error: details ? { code, message, details } : { code, message } });

/** What @fastify/multipart raises while an upload is read (api/routes/attachments.ts), in the product's words. */
const multipartErrors: Record<string, { status: number; code: ErrorBody['error']['code']; message: string }> = {
  FST_FILES_LIMIT: { status: 413, code: 'payload_too_large', message: `An upload takes at most ${MAX_FILES_PER_UPLOAD} files` },
  FST_PARTS_LIMIT: { status: 413, code: 'payload_too_large', message: 'The upload has too many parts' },
  FST_FIELDS_LIMIT: { status: 413, code: 'payload_too_large', message: 'The upload has too many fields' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send the files as multipart/form-data' },
  FST_MP_PREMATURE_CLOSE: { status: 400, code: 'bad_request', message: 'The upload ended before all of it arrived' },
  FST_PROTO_VIOLATION: { status: 400, code: 'bad_request', message: 'A form field of the upload has a reserved name' },
  FST_INVALID_JSON_FIELD_ERROR: { status: 400, code: 'bad_request', message: 'A form field of the upload is not valid JSON, as its Content-Type says it is' },
};

/**
 * Fastify's `frameworkErrors`: errors the router raises before any route, hook or error handler runs
 * (a broken percent-escape in the path, a path parameter over MAX_PARAM_LENGTH).
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    // Longer than any id a route accepts: what a route's schema says of any id that is too long.
    reply.status(422).send(errorBody('validation_failed', `A path parameter is longer than ${MAX_PARAM_LENGTH} characters`, { field: 'params' }));
    return;
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    reply.status(400).send(errorBody('bad_request', 'The URL is malformed: a path segment is not valid percent-encoded UTF-8'));
    return;
  }
  reply.log.error({ err }, 'router error');
  reply.status(500).send(errorBody('internal', 'Something went wrong on our side; it has been logged'));
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before Fastify sees a request
 * (headers over Node's limit, a request that is not HTTP, a request that took too long to arrive).
 * There is no request or reply yet, so the answer is written on the socket, which is then closed.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time']
        : [400, 'The request is not valid HTTP'];
  this.log.debug({ err }, 'client error');
  const body = JSON.stringify(errorBody('bad_request', message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * Every error leaves as {error: {code, message, details?}}. Client mistakes get their 4xx with the
 * reason; anything unexpected is logged in full and answered with a 500 that reveals nothing.
 * Errors raised before a route (router, HTTP parser) are answered by `frameworkErrors` and
 * `clientErrorHandler` above, which buildApp passes to Fastify.
 */
export default fp(async function errors(app: FastifyInstance) {
  // Shutting down (app.close()): requests still arriving on open connections get 503 unavailable
  // in the product's shape, with Connection: close, instead of Fastify's own return503OnClosing answer
  // (buildApp turns that off). preClose runs as soon as close() begins, before the server stops listening.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close').header('retry-after', String(SHUTDOWN_RETRY_AFTER_SECONDS));
    throw new DomainError('unavailable', 'The service is shutting down; retry shortly', { retryAfter: SHUTDOWN_RETRY_AFTER_SECONDS });
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const domain = err instanceof DomainError ? err : fromTemporal(err);
    if (domain) {
      if (domain.code === 'unavailable') request.log.warn({ err }, 'dependency unavailable');
      // A refusal that says when to come back (a sign-in limit) says it in Retry-After too.
      const retryAfter = domain.details?.retryAfter;
      if (typeof retryAfter === 'number' && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfter));
      return reply.status(httpStatus[domain.code]).send({ error: { code: domain.code, message: domain.message, details: domain.details } } satisfies ErrorBody);
    }
    if (err.validation) {
      const first = err.validation[0];
      const params = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
      const missing = params?.missingProperty;
      // An unknown field is named too, not just "must NOT have additional properties".
      const extra = missing ? undefined : params?.additionalProperty;
      const named = missing ?? extra;
      const path = [err.validationContext, ...(first?.instancePath ?? '').split('/').filter(Boolean), ...(named ? [named] : [])].join('.');
      const message = missing ? `${path} is required` : extra ? `${path} is not an accepted field` : `${path} ${first?.message ?? 'is invalid'}`;
      return reply.status(422).send({ error: { code: 'validation_failed', message, details: { field: path } } } satisfies ErrorBody);
    }
    const upload = multipartErrors[err.code];
    if (upload) return reply.status(upload.status).send(errorBody(upload.code, upload.message));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Malformed JSON or an empty JSON body (400), a body over the limit (413), an unsupported content
      // type (415) and the like: Fastify's message names the problem.
      const code = err.statusCode === 413 ? 'payload_too_large' : err.statusCode === 415 ? 'unsupported_media_type' : 'bad_request';
      return reply.status(err.statusCode).send(errorBody(code, err.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'Something went wrong on our side; it has been logged' } } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } } satisfies ErrorBody),
  );
});
