// The dev server's HTTP port (the UI port, 8233 by default, as `temporal server start-dev` has it):
// Temporal's HTTP API under /api/v1 and, beside it, the Temporal UI's pages (temporal-ui/, built by
// app/web-build.ts), so that they call their own origin, as Temporal's UI server does. The settings
// the pages read first (GET /api/v1/settings) are the UI server's own, not part of the gRPC mapping.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
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

/**
 * The version of Temporal's UI server whose settings this port answers with: that of the
 * @temporalio/ui library the pages are built from. The pages compare it with 2.23.0 to decide how to
 * encode workflow ids in their URLs (older servers decoded them twice).
 */
export const UI_SERVER_VERSION = '2.38.0';

/**
 * What Temporal's UI server answers at /api/v1/settings (its config, in its Go field names), for a
 * local development server without auth or codec: writes are allowed as on `temporal server
 * start-dev`, except what this dev server does not implement (batch operations).
 */
export function uiSettings(): Record<string, unknown> {
  return {
    Auth: { Enabled: false, Options: null },
    BannerText: '',
    DefaultNamespace: 'default',
    ShowTemporalSystemNamespace: false,
    FeedbackURL: '',
    NotifyOnNewVersion: false,
    Codec: { Endpoint: '', PassAccessToken: false, IncludeCredentials: false, DefaultErrorMessage: '', DefaultErrorLink: '' },
    Version: UI_SERVER_VERSION,
    DisableWriteActions: false,
    WorkflowTerminateDisabled: false,
    WorkflowCancelDisabled: false,
    WorkflowSignalDisabled: false,
    WorkflowUpdateDisabled: false,
    WorkflowResetDisabled: false,
    BatchActionsDisabled: true,
    StartWorkflowDisabled: false,
    HideWorkflowQueryErrors: false,
    RefreshWorkflowCountsDisabled: false,
  };
}

/** Content-hashed files (`_app/immutable/…`) never change under their name: cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export async function startHttpServer(options: {
  host: string;
  port: number;
  services: Services;
  grpcAddress: string;
  /** The Temporal UI's build (index.html and _app/), served at /; omitted or not built: no pages. */
  uiRoot?: string;
  log: (msg: string) => void;
}): Promise<HttpServer> {
  // Long polls (a history with waitNewEvent) must not hold a shutdown: close drops open connections.
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 4 * 1024 * 1024 });
  // Bodies are read as text and parsed by the JSON mapping, whatever their content type (curl -d
  // sends a form type), as grpc-gateway does.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  addApiRoutes(app, options.services, options.log);
  await addUiRoutes(app, options.uiRoot, options.grpcAddress);

  // What Fastify refuses before a route (a body over the limit, a malformed URL) in the same shape.
  app.setErrorHandler(async (err: { statusCode?: number; message: string }, _request, reply) => {
    const code = (err.statusCode ?? 500) < 500 ? status.INVALID_ARGUMENT : status.INTERNAL;
    return reply.code(err.statusCode ?? 500).type('application/json').send(JSON.stringify({ code, message: err.message }));
  });

  await app.listen({ host: options.host, port: options.port });
  const { port } = app.server.address() as { port: number };
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return { address, url: `http://${address}`, close: () => app.close() };
}

/** Temporal's HTTP API (the protos' routes onto the gRPC handlers), the UI's settings, and a run's history as one JSON file. */
function addApiRoutes(app: FastifyInstance, services: Services, log: (msg: string) => void): void {
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
          services,
          { params, query, body: typeof request.body === 'string' ? request.body : '', context, json: { payloadShorthand: flag(query, 'payloadShorthand') } },
          log,
        );
        return reply
          .code(answer.status)
          .type('application/json')
          .send(JSON.stringify(answer.body, null, flag(query, 'pretty') ? 2 : undefined));
      },
    });
  }

  app.get('/api/v1/settings', async (_request, reply) => reply.type('application/json').send(JSON.stringify(uiSettings())));

  // The UI's "View raw history" link (a run's history address + .json, opened in a new tab): the whole
  // history as one JSON document, {"events": [...]}, as `temporal workflow show --output json` writes it.
  const historyRoute = httpRoutes().find((r) => r.rpc === 'GetWorkflowExecutionHistory' && r.method === 'GET')!;
  app.get('/namespaces/:ns/workflows/:wid/:rid/history.json', async (request, reply) => {
    const { ns, wid, rid } = request.params as Record<string, string>;
    const context: CallContext = { getDeadline: () => Infinity, cancelled: false };
    const events: unknown[] = [];
    for (let token: string | undefined; ; ) {
      const query: Record<string, string[]> = { 'execution.runId': [rid], ...(token ? { nextPageToken: [token] } : {}) };
      const answer = await callRoute(historyRoute, services, { params: [ns, wid], query, body: '', context, json: {} }, log);
      if (answer.status !== 200) return reply.code(answer.status).type('application/json').send(JSON.stringify(answer.body));
      const page = answer.body as { history?: { events?: unknown[] }; nextPageToken?: string };
      events.push(...(page.history?.events ?? []));
      if (!page.nextPageToken) break;
      token = page.nextPageToken;
    }
    return reply.type('application/json').send(JSON.stringify({ events }, null, 2));
  });
}

/** The Temporal UI's pages (its build at `uiRoot`), or a note saying it is not built; unknown addresses answer as grpc-gateway does. */
async function addUiRoutes(app: FastifyInstance, root: string | undefined, grpcAddress: string): Promise<void> {
  const uiRoot = root && existsSync(join(root, 'index.html')) ? root : undefined;
  if (uiRoot) {
    await app.register(fastifyStatic, {
      root: uiRoot,
      // One route per file of the build, found at start: no wildcard route to shadow the API's 404s.
      wildcard: false,
      cacheControl: false,
      setHeaders: (res, path) => res.header('cache-control', path.includes('/_app/immutable/') ? IMMUTABLE : 'no-cache'),
    });
  } else {
    app.get('/', async () => ({
      server: 'Service Exchange embedded Temporal dev server',
      grpc: grpcAddress,
      httpApi: '/api/v1 (Temporal HTTP API: e.g. /api/v1/namespaces, /api/v1/namespaces/default/workflows?query=...)',
      ui: 'The Temporal UI is not built: `npm start` or `npm run build:web` builds it (temporal-ui/).',
    }));
  }

  const notFound = (reply: FastifyReply) => {
    const answer = errorAnswer(new ServiceError(status.NOT_FOUND, 'Not Found'));
    return reply.code(answer.status).type('application/json').send(JSON.stringify(answer.body));
  };
  // grpc-gateway's answer to an /api path no route matches (and to a file the UI's build does not
  // have); any other page address is the UI's: its index.html, whose router shows the page.
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (!uiRoot || request.method !== 'GET' || path === '/api' || path.startsWith('/api/') || path.startsWith('/_app/')) return notFound(reply);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', uiRoot);
  });
}
