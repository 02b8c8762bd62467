import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Db } from '../connect';
import type { Role } from '../../domain/model';
import type { User } from '../schema';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * API tokens look like `sx.<instance>.<tokenId>.<secret>`. Only a SHA-256 of the secret is stored;
 * the instance and token id find the user, and the secret is compared in constant time.
 */
export function parseToken(token: string): { instance: string; tokenId: string; secret: string } | undefined {
  const m = /^sx\.([a-z][a-z0-9-]{0,30})\.([a-f0-9]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { instance: m[1], tokenId: m[2], secret: m[3] } : undefined;
}

export async function createUser(db: Db, instance: string, u: { name: string; email: string; role: Role }): Promise<{ user: User; token: string }> {
  const tokenId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const user = await db
    .insertInto('users')
    .values({ id: randomUUID(), name: u.name, email: u.email, role: u.role, token_id: tokenId, token_hash: sha256(secret).toString('hex') })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { user, token: `sx.${instance}.${tokenId}.${secret}` };
}

export async function userForToken(db: Db, tokenId: string, secret: string): Promise<User | undefined> {
  const user = await db.selectFrom('users').selectAll().where('token_id', '=', tokenId).executeTakeFirst();
  if (!user) return undefined;
  const expected = Buffer.from(user.token_hash, 'hex');
  const actual = sha256(secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? user : undefined;
}
