// The API over real HTTP (undici), to 127.0.0.1 only.
import { Pool } from 'undici';

export interface ApiResult<T> {
  status: number;
  body: T;
  /** Request sent -> whole response body read. */
  ms: number;
}

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path} answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

export class ApiClient {
  private readonly pool: Pool;

  constructor(origin: string, connections: number) {
    const url = new URL(origin);
    if (url.hostname !== '127.0.0.1') throw new Error(`the bench only talks to 127.0.0.1, not ${url.hostname}`);
    // Keep-alive connections, one per request in flight (the bench's concurrency).
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  /** Sends one call; anything but 2xx throws an ApiError. */
  async call<T = any>(method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<ApiResult<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const started = performance.now();
    const res = await this.pool.request({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    const ms = performance.now() - started;
    const parsed = text ? JSON.parse(text) : undefined;
    if (res.statusCode < 200 || res.statusCode >= 300) throw new ApiError(method, path, res.statusCode, parsed);
    return { status: res.statusCode, body: parsed as T, ms };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
