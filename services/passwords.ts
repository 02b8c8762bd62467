import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are stored only as `scrypt$N$r$p$<salt>$<hash>` (salt and hash in base64url): Node's
 * built-in scrypt, a random 16-byte salt per password, and the cost parameters beside the hash, so
 * raising the cost later leaves existing hashes verifiable. N = 2^15, r = 8 (32 MiB), p = 1.
 */
export const DEFAULT_PASSWORD_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

let params: { N: number; r: number; p: number } = DEFAULT_PASSWORD_PARAMS;

/** The parameters new hashes get. */
export const passwordParams = () => params;

/**
 * Test processes only (test/harness/runtime.ts): a cheaper N for the hashes they make, so suites that
 * sign in dozens of times stay fast. Stored hashes carry their own parameters, so checks are unchanged.
 */
export function setPasswordCostForTests(log2N: number): void {
  params = { ...DEFAULT_PASSWORD_PARAMS, N: 2 ** log2N };
}

const derive = (password: string, salt: Buffer, params: { N: number; r: number; p: number }, length: number) =>
  new Promise<Buffer>((resolve, reject) => {
    const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
    scrypt(password.normalize('NFC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = params;
  const hash = await derive(password, salt, { N, r, p }, KEY_LENGTH);
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{43,})$/;

/** True when `password` matches `stored`. A malformed stored hash (or excessive parameters) never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // A power of two, and no more than this process is willing to spend on one check.
  if (N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(m[4], 'base64url');
  const expected = Buffer.from(m[5], 'base64url');
  const actual = await derive(password, salt, { N, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}

let dummy: { params: typeof params; hash: Promise<string> } | undefined;

/**
 * Spends the same work as checking a real password, for sign-ins whose email matches nobody: a
 * failure then takes as long whether or not the account exists.
 */
export async function verifyNothing(password: string): Promise<false> {
  // Made with the current parameters, the ones a real account's hash has.
  if (dummy?.params !== params) dummy = { params, hash: hashPassword(randomBytes(16).toString('hex')) };
  await verifyPassword(password, await dummy.hash);
  return false;
}
