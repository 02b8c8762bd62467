import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../connect';
import type { Role } from '../../domain/model';
import type { User } from '../schema';
import { DomainError } from '../../domain/errors';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** The stored form of a token's secret: hex SHA-256. */
export const secretHash = (secret: string) => sha256(secret).toString('hex');

/** Compares a secret with its stored SHA-256 (hex) in constant time. */
export function secretMatches(storedHex: string, secret: string): boolean {
  const expected = Buffer.from(storedHex, 'hex');
  const actual = sha256(secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * API tokens look like `sx.<instance>.<tokenId>.<secret>` (browser sessions: `sxs.…`, see
 * db/repositories/sessions.ts). Only a SHA-256 of the secret is stored; the instance and token id
 * find the user, and the secret is compared in constant time.
 */
export function parseToken(token: string, prefix = 'sx'): { instance: string; tokenId: string; secret: string } | undefined {
  const m = /^([a-z]+)\.([a-z][a-z0-9-]{0,30})\.([a-f0-9]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return m && m[1] === prefix ? { instance: m[2], tokenId: m[3], secret: m[4] } : undefined;
}

/** A fresh token id and secret, and the token built from them. */
export function newToken(instance: string, prefix = 'sx'): { tokenId: string; secret: string; token: string } {
  const tokenId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { tokenId, secret, token: `${prefix}.${instance}.${tokenId}.${secret}` };
}

const isUniqueViolation = (err: unknown) => (err as { code?: string })?.code === '23505';

/** Creates a user with an API token and, given one, a password hash. A taken email is `409 conflict`. */
export async function createUser(
  db: Db,
  instance: string,
  u: { name: string; email: string; role: Role; passwordHash?: string },
): Promise<{ user: User; token: string }> {
  const { tokenId, secret, token } = newToken(instance);
  try {
    const user = await db
      .insertInto('users')
      .values({ id: randomUUID(), name: u.name, email: u.email, role: u.role, token_id: tokenId, token_hash: secretHash(secret), password_hash: u.passwordHash ?? null })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { user, token };
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('conflict', `A user with the email ${u.email} already exists in this instance`, { field: 'email' });
    throw err;
  }
}

export async function userForToken(db: Db, tokenId: string, secret: string): Promise<User | undefined> {
  const user = await db.selectFrom('users').selectAll().where('token_id', '=', tokenId).executeTakeFirst();
  return user && secretMatches(user.token_hash, secret) ? user : undefined;
}

/** The user with this email, whatever its case (emails are unique per instance, case-insensitively). */
export async function userByEmail(db: Db, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
}

/** The instance's users by name, with whether each has a password: never a hash or a token. */
export async function listUsers(db: Db): Promise<Array<Pick<User, 'id' | 'name' | 'email' | 'role'> & { has_password: boolean }>> {
  return db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'role', sql<boolean>`password_hash is not null`.as('has_password')])
    .orderBy('name')
    .orderBy('email')
    .execute();
}

export async function userById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Sets a user's password hash and ends the user's browser sessions. False when there is no such user. */
export async function setPasswordHash(db: Db, id: string, passwordHash: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
    await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    return true;
  });
}
