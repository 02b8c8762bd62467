import Fastify, { type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import { randomUUID } from 'node:crypto';
import { sharedSchemaCompilers } from './schema-compilers';
import errors, { MAX_PARAM_LENGTH, clientErrorHandler, frameworkErrors } from './plugins/errors';
import auth from './plugins/auth';
import openapi from './plugins/openapi';
import healthRoutes from './routes/health';
import catalogRoutes from './routes/catalog';
import requestRoutes from './routes/requests';
import taskRoutes from './routes/tasks';
import attachmentRoutes from './routes/attachments';
import opsRoutes from './routes/ops';
import sessionRoutes from './routes/session';
import userRoutes from './routes/users';
import webApp from './plugins/web-app';
import eventRoutes, { type LiveOptions } from './routes/events';
import { DEFAULT_LIVE_STREAMS_MAX } from './live-streams';
import { DEFAULT_SESSION_IDLE_MINUTES, DEFAULT_SESSION_MAX_HOURS, SessionService, type SessionSettings } from '../services/sessions';
import storableText from './plugins/storable-text';
import rateLimit from './plugins/rate-limit';
import { DEFAULT_IDEMPOTENCY_TAKEOVER_MS } from './idempotency';
import type { ApiDeps } from './deps';
import type { TrustProxy } from '../config/settings';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_REQUEST_BYTES } from '../domain/attachments';
import type { AttachmentLimits } from '../services/attachments';

export const BODY_LIMIT_BYTES = 256 * 1024;
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 1200;

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  rateLimitPerMinute?: number;
  /**
   * How long an Idempotency-Key whose first attempt never answered (its process died) is refused as
   * "still being processed" before a retry takes it over (IDEMPOTENCY_TAKEOVER_SECONDS; default 30 s).
   */
  idempotencyTakeoverMs?: number;
  /**
   * Browser sessions: idle timeout (SESSION_IDLE_MINUTES; default 30 min), absolute lifetime
   * (SESSION_MAX_HOURS; default 12 h), the sign-in failure limits, and the clock (tests move it).
   */
  sessions?: Partial<SessionSettings>;
  /**
   * Which proxies' X-Forwarded-For/-Proto/-Host to believe (TRUST_PROXY): behind a TLS-terminating
   * proxy, the session cookie is Secure and sign-in limits count each client's own address.
   */
  trustProxy?: TrustProxy;
  /**
   * The built web app (app/web-build.ts) to serve under /app/, with `/` redirecting there. Omitted or
   * false: the API alone. buildService passes the standard build folder unless given false.
   */
  webRoot?: string | false;
  /**
   * The live event stream (GET /events): the most open streams in this process (LIVE_STREAMS_MAX;
   * default 2,000), and how often the events are read when no NOTIFY came (default 500 ms).
   */
  live?: Partial<LiveOptions>;
  /**
   * Uploads: the most bytes per file (ATTACHMENT_MAX_FILE_BYTES; default 25 MiB) and for all of a
   * request's files on one side (ATTACHMENT_MAX_REQUEST_BYTES; default 100 MiB), and the content
   * types accepted (ATTACHMENT_TYPES; default: any).
   */
  attachments?: Partial<AttachmentLimits>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Browser sessions and sign-in (services/sessions.ts). */
    sessions: SessionService;
  }
}

const hopsWithin = (hops: number) => (_address: string, hop: number) => hop < hops;

/** Builds the HTTP API: external plugins, then ours, then the routes (the fastify/demo layout). */
export async function buildApp(deps: ApiDeps, options: AppOptions = {}) {
  const takeoverMs = options.idempotencyTakeoverMs ?? DEFAULT_IDEMPOTENCY_TAKEOVER_MS;
  if (!Number.isFinite(takeoverMs) || takeoverMs <= 0) throw new Error(`idempotencyTakeoverMs must be a positive number of milliseconds, got ${takeoverMs}`);
  const app = Fastify({
    logger: options.logger ?? false,
    // A number of hops, as a function: the shape Fastify's types take for it.
    trustProxy: typeof options.trustProxy === 'number' ? hopsWithin(options.trustProxy) : (options.trustProxy ?? false),
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    schemaController: { compilersFactory: sharedSchemaCompilers },
    // Errors raised before a route runs answer in the product's shape too (api/plugins/errors.ts).
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    // The errors plugin answers requests that arrive while closing (503 unavailable, our shape).
    return503OnClosing: false,
  });
  // Read by idempotent() through request.server: each app keeps its own setting.
  app.decorate('idempotencyTakeoverMs', takeoverMs);
  const sessions = new SessionService(deps.instances, {
    idleMs: DEFAULT_SESSION_IDLE_MINUTES * 60_000,
    maxMs: DEFAULT_SESSION_MAX_HOURS * 3_600_000,
    ...options.sessions,
  });
  app.decorate('sessions', sessions);
  await app.register(openapi);
  await app.register(errors);
  // Parses cookies before the rate limit and auth hooks read the session cookie.
  await app.register(cookie);
  await app.register(rateLimit, { perMinute: options.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE });
  await app.register(auth, { instances: deps.instances, opsToken: deps.opsToken, sessions });
  await app.register(storableText);
  await app.register(healthRoutes, deps);
  await app.register(catalogRoutes, deps);
  await app.register(requestRoutes, deps);
  await app.register(taskRoutes, deps);
  await app.register(attachmentRoutes, {
    deps,
    limits: { maxFileBytes: DEFAULT_MAX_FILE_BYTES, maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES, types: [], ...options.attachments },
  });
  await app.register(opsRoutes, deps);
  await app.register(sessionRoutes, { sessions, instances: deps.instances });
  await app.register(userRoutes, deps);
  await app.register(eventRoutes, { instances: deps.instances, live: { maxStreams: DEFAULT_LIVE_STREAMS_MAX, ...options.live } });
  if (options.webRoot) await app.register(webApp, { root: options.webRoot });
  return app;
}
