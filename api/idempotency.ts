import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors';
import { httpStatus } from './errors';
import type { Db } from '../db/connect';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * A first attempt that died mid-way (its process was killed) leaves its key "in progress": retries
 * are refused with `409 conflict` until this long after it began, then one takes over, reusing what
 * the first attempt reserved. Taking over is safe even if the first attempt still runs: an action is
 * a workflow update whose id is the key (Temporal runs it once), and a submission's reserved number
 * names one workflow. Operators set it with IDEMPOTENCY_TAKEOVER_SECONDS (buildApp's
 * `idempotencyTakeoverMs`).
 */
export const DEFAULT_IDEMPOTENCY_TAKEOVER_MS = 30_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** How long a key stays "in progress" before a retry may take it over; set by buildApp. */
    idempotencyTakeoverMs?: number;
  }
}

/** The request's Idempotency-Key, if it sent one; refuses one that is not 1 to 200 characters. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new DomainError('bad_request', 'Idempotency-Key must be 1 to 200 characters');
  }
  return key;
}

/**
 * Runs a mutating request at most once per Idempotency-Key (per user): a repeat with the same body
 * gets the stored response, a repeat with another body is refused. `reserve` (e.g. a Provider Task
 * number) runs when `run` first asks for the reservation, after its checks, so a refused request
 * uses none; with a key it runs once per key and is stored with it before `run` goes on, so every
 * attempt addresses the same resource instead of creating a second one. `body`: what a repeat must
 * repeat, when it is not the parsed body (an upload's files, known by their hashes).
 */
export async function idempotent(
  request: FastifyRequest,
  db: Db,
  userId: string,
  run: (reserved: () => Promise<string>) => Promise<StoredResponse>,
  reserve?: () => Promise<string>,
  body: unknown = request.body,
): Promise<StoredResponse> {
  const key = idempotencyKey(request);
  const noReservation = () => Promise.reject(new Error('this request reserves nothing'));
  if (key === undefined) return run(reserve ?? noReservation);
  const hash = createHash('sha256').update(`${request.method} ${request.routeOptions.url}\n${JSON.stringify(request.params)}\n${JSON.stringify(body ?? null)}`).digest('hex');
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({ user_id: userId, key, request_hash: hash, resource: null, status_code: null, response: null })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .returning('key')
    .executeTakeFirst();
  let stored: string | null = null;
  if (!inserted) {
    const row = await db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', key).executeTakeFirstOrThrow();
    if (row.request_hash !== hash) {
      throw new DomainError('idempotency_conflict', 'This Idempotency-Key was already used with a different request', { idempotencyKey: key });
    }
    if (row.status_code !== null) return { status: row.status_code, body: row.response };
    const released = (row.response as { released?: boolean } | null)?.released === true;
    const takeoverMs = request.server.idempotencyTakeoverMs ?? DEFAULT_IDEMPOTENCY_TAKEOVER_MS;
    if (!released && Date.now() - new Date(row.created_at).getTime() < takeoverMs) {
      throw new DomainError('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly', { idempotencyKey: key });
    }
    stored = row.resource;
  }
  // Stored before run goes on with it: whatever an attempt creates under the reservation, a later
  // attempt with the key finds under the same one.
  const reserved = async (): Promise<string> => {
    if (stored !== null) return stored;
    if (!reserve) return noReservation();
    const resource = await reserve();
    await db.updateTable('idempotency_keys').set({ resource }).where('user_id', '=', userId).where('key', '=', key).execute();
    return (stored = resource);
  };
  let result: StoredResponse;
  try {
    result = await run(reserved);
  } catch (err) {
    if (err instanceof DomainError && httpStatus[err.code] < 500) {
      // A refusal is the answer to this request: a retry gets the same refusal.
      result = { status: httpStatus[err.code], body: { error: { code: err.code, message: err.message, details: err.details } } };
    } else {
      // Not an answer (a dependency is down...): release the key so a retry goes on at once, with
      // the same reservation, since this attempt may have got further than it could tell.
      await db
        .updateTable('idempotency_keys')
        .set({ response: JSON.stringify({ released: true }) })
        .where('user_id', '=', userId)
        .where('key', '=', key)
        .execute();
      throw err;
    }
  }
  await db
    .updateTable('idempotency_keys')
    .set({ status_code: result.status, response: JSON.stringify(result.body) })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .execute();
  return result;
}

/** Sends a stored (or fresh) response; its status is whichever the route answered the first time. */
export function sendStored(reply: FastifyReply, response: StoredResponse): FastifyReply {
  return reply.status(response.status as never).send(response.body as never);
}
