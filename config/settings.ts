import { resolve } from 'node:path';
import { loadInstances, type InstanceConfig } from './instances';
import { temporalSettingsFromEnv, type TemporalSettings } from './temporal';
import { DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_REQUEST_BYTES } from '../domain/attachments';
import { parseDuration } from '../domain/durations';

/** Everything the service reads from its environment, with the documented defaults. */
export interface Settings {
  port: number;
  host: string;
  dataDir: string;
  instances: InstanceConfig[];
  /** Server-level PostgreSQL URL; each instance gets its own database there. Unset: embedded PGlite. */
  databaseUrl?: string;
  temporal: TemporalSettings;
  /** Port of the embedded Temporal dev server (only when TEMPORAL_ADDRESS is unset). */
  devServerPort: number;
  /**
   * The embedded dev server's HTTP port (Temporal's HTTP API, later its UI): TEMPORAL_DEV_SERVER_UI_PORT,
   * a port (0: any free one) or `off`; unset: the dev server's port + 1000 (8233).
   */
  devServerUiPort?: number | false;
  /** How long the embedded dev server keeps closed workflow runs (TEMPORAL_DEV_SERVER_RETENTION, e.g. 24h or 7d). */
  devServerRetentionMs: number;
  taskQueue: string;
  logLevel: string;
  /** Bearer token for the operator routes (/ops/...); unset disables them. */
  opsToken?: string;
  /** The Temporal UI the operations page links each request to (TEMPORAL_UI_URL); unset: the embedded dev server's, if it serves one. */
  temporalUiUrl?: string;
  rateLimitPerMinute: number;
  /** Workflows the worker keeps in memory between tasks (WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows: number;
  /** How long a retry waits before taking over an Idempotency-Key whose first attempt died (IDEMPOTENCY_TAKEOVER_SECONDS). */
  idempotencyTakeoverSeconds: number;
  /** How long an action waits for the workflow's decision before answering 503 (ACTION_TIMEOUT_SECONDS). */
  actionTimeoutSeconds: number;
  /** A browser session unused for this long ends (SESSION_IDLE_MINUTES). */
  sessionIdleMinutes: number;
  /** A browser session ends this long after sign-in (SESSION_MAX_HOURS). */
  sessionMaxHours: number;
  /** Which proxies' X-Forwarded-* headers to believe (TRUST_PROXY); false: none. */
  trustProxy: TrustProxy;
  /** Open live event streams (GET /events) one API process holds; more are refused with 503 (LIVE_STREAMS_MAX). */
  liveStreamsMax: number;
  /** The most bytes per uploaded file (ATTACHMENT_MAX_FILE_BYTES). */
  attachmentMaxFileBytes: number;
  /** The most bytes of all a request's files on one side (ATTACHMENT_MAX_REQUEST_BYTES). */
  attachmentMaxRequestBytes: number;
  /** Media types uploads may have, e.g. image/png or image/* (ATTACHMENT_TYPES, comma-separated); empty: any. */
  attachmentTypes: string[];
}

/** Fastify's `trustProxy`: all proxies, a number of hops, or the proxies' addresses and subnets (comma-separated). */
export type TrustProxy = boolean | number | string;

function trustProxy(env: NodeJS.ProcessEnv): TrustProxy {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (!/^[0-9A-Fa-f.:/]+(\s*,\s*[0-9A-Fa-f.:/]+)*$/.test(raw)) {
    throw new Error(`TRUST_PROXY must be true, false, a number of hops, or comma-separated addresses or subnets, got "${raw}"`);
  }
  return raw;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  return n;
}

function uiPort(env: NodeJS.ProcessEnv): number | false | undefined {
  const raw = (env.TEMPORAL_DEV_SERVER_UI_PORT ?? '').trim();
  if (raw === '') return undefined;
  if (raw === 'off') return false;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new Error(`TEMPORAL_DEV_SERVER_UI_PORT must be a port number (0-65535) or off, got "${raw}"`);
  return Number(raw);
}

function retention(env: NodeJS.ProcessEnv): number {
  const raw = (env.TEMPORAL_DEV_SERVER_RETENTION ?? '').trim();
  if (raw === '') return 24 * 3_600_000;
  try {
    return parseDuration(raw, 'TEMPORAL_DEV_SERVER_RETENTION');
  } catch {
    throw new Error(`TEMPORAL_DEV_SERVER_RETENTION must be a positive duration such as 24h, 7d, 90m or PT12H, got "${raw}"`);
  }
}

/** TEMPORAL_UI_URL without a trailing slash: the page appends `/namespaces/...` to it. */
function temporalUiUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = (env.TEMPORAL_UI_URL ?? '').trim().replace(/\/+$/, '');
  if (raw === '') return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(raw)) throw new Error(`TEMPORAL_UI_URL must be an http(s) URL, got "${raw}"`);
  return raw;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return n;
}

/** ATTACHMENT_TYPES: comma-separated media types (`type/subtype` or `type/*`), lower-cased; empty: any. */
function mediaTypes(env: NodeJS.ProcessEnv): string[] {
  const types = (env.ATTACHMENT_TYPES ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const bad = types.find((t) => !/^[a-z0-9!#$&^_.+-]+\/([a-z0-9!#$&^_.+-]+|\*)$/.test(t));
  if (bad) throw new Error(`ATTACHMENT_TYPES must be comma-separated media types such as image/png or image/*, got "${bad}"`);
  return types;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    port: int(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.DATA_DIR || './data'),
    instances: loadInstances(env.INSTANCES_FILE || undefined),
    databaseUrl: env.DATABASE_URL || undefined,
    temporal: temporalSettingsFromEnv(env),
    devServerPort: int(env, 'TEMPORAL_DEV_SERVER_PORT', 7233),
    devServerUiPort: uiPort(env),
    devServerRetentionMs: retention(env),
    taskQueue: env.TASK_QUEUE || 'service-exchange',
    logLevel: env.LOG_LEVEL || 'info',
    opsToken: env.OPS_TOKEN || undefined,
    temporalUiUrl: temporalUiUrl(env),
    rateLimitPerMinute: positiveInt(env, 'RATE_LIMIT_PER_MINUTE', 1200),
    // Each cached request holds about 340 KB; an action on one not cached replays its history first
    // (about 30 ms here). The SDK's default, 2,310 with a 4 GiB heap, let the worker grow to ~780 MB.
    maxCachedWorkflows: positiveInt(env, 'WORKER_MAX_CACHED_WORKFLOWS', 500),
    idempotencyTakeoverSeconds: positiveInt(env, 'IDEMPOTENCY_TAKEOVER_SECONDS', 30),
    actionTimeoutSeconds: positiveInt(env, 'ACTION_TIMEOUT_SECONDS', 20),
    sessionIdleMinutes: positiveInt(env, 'SESSION_IDLE_MINUTES', 30),
    sessionMaxHours: positiveInt(env, 'SESSION_MAX_HOURS', 12),
    trustProxy: trustProxy(env),
    liveStreamsMax: positiveInt(env, 'LIVE_STREAMS_MAX', 2000),
    attachmentMaxFileBytes: positiveInt(env, 'ATTACHMENT_MAX_FILE_BYTES', DEFAULT_MAX_FILE_BYTES),
    attachmentMaxRequestBytes: positiveInt(env, 'ATTACHMENT_MAX_REQUEST_BYTES', DEFAULT_MAX_REQUEST_BYTES),
    attachmentTypes: mediaTypes(env),
  };
}
