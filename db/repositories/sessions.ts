import { randomUUID } from 'node:crypto';
import type { Db } from '../connect';
import type { User } from '../schema';
import { newToken, parseToken, secretHash, secretMatches } from './users';

/** Session tokens (the cookie's value): `sxs.<instance>.<sessionId>.<secret>`; only a SHA-256 of the secret is stored. */
export const SESSION_TOKEN_PREFIX = 'sxs';

export const parseSessionToken = (token: string) => parseToken(token, SESSION_TOKEN_PREFIX);

export async function createSession(db: Db, instance: string, userId: string, now: Date, expiresAt: Date): Promise<string> {
  const { tokenId, secret, token } = newToken(instance, SESSION_TOKEN_PREFIX);
  await db
    .insertInto('sessions')
    .values({ id: tokenId, user_id: userId, token_hash: secretHash(secret), created_at: now, last_seen_at: now, expires_at: expiresAt })
    .execute();
  return token;
}

export interface SessionRow {
  id: string;
  user: User;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** The session with this id whose secret matches, with its user; undefined otherwise. */
export async function findSession(db: Db, sessionId: string, secret: string): Promise<SessionRow | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select(['sessions.id as session_id', 'sessions.token_hash as session_hash', 'sessions.last_seen_at', 'sessions.expires_at'])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
  if (!row || !secretMatches(row.session_hash, secret)) return undefined;
  const { session_id, session_hash: _hash, last_seen_at, expires_at, ...user } = row;
  return { id: session_id, user, lastSeenAt: new Date(last_seen_at), expiresAt: new Date(expires_at) };
}

export async function touchSession(db: Db, sessionId: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).execute();
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Failed sign-ins since `since`, for this account and for this address. */
export async function countSignInFailures(db: Db, account: string, address: string, since: Date) {
  const count = (column: 'account' | 'address', value: string) =>
    db
      .selectFrom('sign_in_failures')
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min('failed_at').as('oldest')])
      .where(column, '=', value)
      .where('failed_at', '>', since)
      .executeTakeFirstOrThrow()
      .then((r) => ({ n: Number(r.n), oldest: r.oldest ? new Date(r.oldest) : undefined }));
  const [byAccount, byAddress] = await Promise.all([count('account', account), count('address', address)]);
  return { byAccount, byAddress };
}

/** Records a failed sign-in, and forgets those older than `forgetBefore` (they no longer count). */
export async function recordSignInFailure(db: Db, account: string, address: string, now: Date, forgetBefore: Date): Promise<void> {
  await db.insertInto('sign_in_failures').values({ id: randomUUID(), account, address, failed_at: now }).execute();
  await db.deleteFrom('sign_in_failures').where('failed_at', '<=', forgetBefore).execute();
}

/** A successful sign-in clears the account's failures (the address's still count). */
export async function clearAccountFailures(db: Db, account: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('account', '=', account).execute();
}
