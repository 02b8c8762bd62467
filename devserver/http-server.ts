// The dev server's HTTP port (the UI port, 8233 by default, as `temporal server start-dev` has it):
// Temporal's HTTP API under /api/v1 now; the Temporal UI's pages will be served beside it, so that
// they call their own origin, as Temporal's UI server does.
import Fastify from 'fastify';
import { status } from '@grpc/grpc-js';
import { callRoute, errorAnswer, httpRoutes } from './http-api';
import { ServiceError } from './errors';
import type { Services } from './grpc-server';
import type { CallContext } from './rpc-common';

export interface HttpServer {
  /** host:port it listens on. */
  readonly address: string;
  /** http://host:port */
  readonly url: string;
  close(): Promise<void>;
}

const flag = (query: Record<string, string[]>, name: string) => name in query;

/** Query parameters as lists: a repeated field is given by repeating its parameter. */
function queryLists(query: unknown): Record<string, string[]> {
  return Object.fromEntries(Object.entries((query ?? {}) as Record<string, string | string[]>).map(([k, v]) => [k, [v].flat()]));
}

export async function startHttpServer(options: { host: string; port: number; services: Services; grpcAddress: string; log: (msg: string) => void }): Promise<HttpServer> {
  // Long polls (a history with waitNewEvent) must not hold a shutdown: close drops open connections.
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 4 * 1024 * 1024 });
  // Bodies are read as text and parsed by the JSON mapping, whatever their content type (curl -d
  // sends a form type), as grpc-gateway does.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  for (const route of httpRoutes()) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const query = queryLists(request.query);
        let closedEarly = false;
        reply.raw.on('close', () => (closedEarly = !reply.raw.writableFinished));
        const context: CallContext = { getDeadline: () => Infinity, get cancelled() { return closedEarly; } };
        const params = route.pathFields.map((_, i) => (request.params as Record<string, string>)[`p${i}`]);
        const answer = await callRoute(
          route,
          options.services,
          { params, query, body: typeof request.body === 'string' ? request.body : '', context, json: { payloadShorthand: flag(query, 'payloadShorthand') } },
          options.log,
        );
        return reply
          .code(answer.status)
          .type('application/json')
          .send(JSON.stringify(answer.body, null, flag(query, 'pretty') ? 2 : undefined));
      },
    });
  }

  app.get('/', async () => ({
    server: 'Service Exchange embedded Temporal dev server',
    grpc: options.grpcAddress,
    httpApi: '/api/v1 (Temporal HTTP API: e.g. /api/v1/namespaces, /api/v1/namespaces/default/workflows?query=...)',
    ui: 'The Temporal UI is not served here yet.',
  }));

  // What Fastify refuses before a route (a body over the limit, a malformed URL) in the same shape.
  app.setErrorHandler(async (err: { statusCode?: number; message: string }, _request, reply) => {
    const code = (err.statusCode ?? 500) < 500 ? status.INVALID_ARGUMENT : status.INTERNAL;
    return reply.code(err.statusCode ?? 500).type('application/json').send(JSON.stringify({ code, message: err.message }));
  });

  // grpc-gateway's answer to a path no route matches.
  app.setNotFoundHandler(async (_request, reply) => {
    const answer = errorAnswer(new ServiceError(status.NOT_FOUND, 'Not Found'));
    return reply.code(answer.status).type('application/json').send(JSON.stringify(answer.body));
  });

  await app.listen({ host: options.host, port: options.port });
  const { port } = app.server.address() as { port: number };
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return { address, url: `http://${address}`, close: () => app.close() };
}
