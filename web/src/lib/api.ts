// Every API call of the web app goes through this client: openapi-fetch, typed by the declarations
// generated from the API's OpenAPI document (api-types.d.ts, `npm run api:types`). Same origin, so
// the browser sends the session cookie with each call.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './api-types';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;

export type User = Json<paths['/session']['get']['responses'][200]>;
export type Role = User['role'];
export type Catalog = Json<paths['/catalog']['get']['responses'][200]>;
export type CatalogItem = Catalog['remote'][number];
export type FormField = CatalogItem['form'][number];
export type NewCatalogItem = NonNullable<paths['/catalog/items']['post']['requestBody']>['content']['application/json'];
export type NewRequest = NonNullable<paths['/requests']['post']['requestBody']>['content']['application/json'];
export type Task = Json<paths['/tasks/{number}']['get']['responses'][200]>;
export type TaskList = Json<paths['/tasks']['get']['responses'][200]>;
export type TaskListItem = TaskList['items'][number];
export type TaskListQuery = NonNullable<paths['/tasks']['get']['parameters']['query']>;
export type Comment = Task['comments'][number];
export type Sla = Task['slas'][number];
export type NewUser = NonNullable<paths['/users']['post']['requestBody']>['content']['application/json'];

/** An error the API answered ({error: {code, message, details}}), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The field the API named (details.field), without the `body.`/`querystring.` prefix: `variables.category`. */
  get field(): string | undefined {
    const f = this.details.field;
    return typeof f === 'string' ? f.replace(/^(body|querystring|params)\./, '') : undefined;
  }
}

const listeners = new Set<(error: ApiError) => void>();

/** Called with every 401 an API call gets (the session ended), except from the sign-in routes themselves. */
export function onUnauthorized(listener: (error: ApiError) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function toApiError(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (e && typeof e.message === 'string') {
    return new ApiError(status, typeof e.code === 'string' ? e.code : 'error', e.message, (e.details as Record<string, unknown>) ?? {});
  }
  return new ApiError(status, 'error', `The server answered ${status}`);
}

const unauthorizedWatch: Middleware = {
  async onResponse({ request, response }) {
    if (response.status !== 401) return undefined;
    const path = new URL(request.url).pathname;
    if (path === '/session') return undefined;
    const error = toApiError(401, await response.clone().json().catch(() => undefined));
    for (const listener of listeners) listener(error);
    return undefined;
  },
};

export const client = createClient<paths>({ baseUrl: typeof location === 'undefined' ? '' : location.origin });
client.use(unauthorizedWatch);

/** Awaits an openapi-fetch call: its data, or an ApiError with the API's message. */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch (err) {
    throw new ApiError(0, 'network', `Could not reach the server (${(err as Error).message}). Check your connection and try again.`);
  }
  if (result.response.ok) return result.data as T;
  if (result.response.status === 429 && !result.error) {
    throw new ApiError(429, 'rate_limited', 'Too many requests; wait a moment and try again');
  }
  throw toApiError(result.response.status, result.error);
}

/** A random Idempotency-Key (crypto.randomUUID needs a secure context; plain http on a LAN address is not one). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * One Idempotency-Key per filled-in form: sending the same body again (a double click, a retry after
 * a lost answer) reuses the key, so the API does it once; a changed body gets a new key (the API
 * refuses a key reused with another body).
 */
export class IdempotencyKeys {
  #body: string | undefined;
  #key = newIdempotencyKey();

  for(body: unknown): string {
    const json = JSON.stringify(body ?? null);
    if (this.#body !== undefined && this.#body !== json) this.#key = newIdempotencyKey();
    this.#body = json;
    return this.#key;
  }

  /** After a success: the next fill is a new request. */
  reset(): void {
    this.#body = undefined;
    this.#key = newIdempotencyKey();
  }
}
