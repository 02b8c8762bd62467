import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_PARAMS, hashPassword, passwordParams, setPasswordCostForTests, verifyNothing, verifyPassword } from '../../services/passwords';

// The stored form is scrypt$N$r$p$salt$hash; verification recomputes with the stored parameters.
describe('password hashes', () => {
  it('store the parameters and a random salt, never the password', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    const { N, r, p } = passwordParams();
    expect(a).toMatch(new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
  });

  it('verify the right password, and refuse a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('refuse a tampered hash: another hash, salt or cost, or a malformed one', async () => {
    const stored = await hashPassword('correct horse battery');
    const [scheme, N, r, p, salt, hash] = stored.split('$');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const tampered = [
      [scheme, N, r, p, salt, flip(hash)],
      [scheme, N, r, p, flip(salt), hash],
      [scheme, String(Number(N) / 2), r, p, salt, hash],
      [scheme, N, r, '2', salt, hash],
      [scheme, '12345', r, p, salt, hash], // not a power of two
      [scheme, String(2 ** 24), r, p, salt, hash], // more work than a check may cost
      ['bcrypt', N, r, p, salt, hash],
      [scheme, N, r, p, salt],
    ].map((parts) => parts.join('$'));
    for (const t of [...tampered, '', 'plain text', `${stored}x`.replace(/x$/, '!')]) {
      expect(await verifyPassword('correct horse battery', t), t).toBe(false);
    }
  });

  it('at the production cost (N = 2^15, r = 8, p = 1), too', async () => {
    const testCost = Math.log2(passwordParams().N);
    setPasswordCostForTests(Math.log2(DEFAULT_PASSWORD_PARAMS.N));
    try {
      const stored = await hashPassword('correct horse battery');
      expect(stored.startsWith(`scrypt$${2 ** 15}$8$1$`)).toBe(true);
      expect(await verifyPassword('correct horse battery', stored)).toBe(true);
      expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    } finally {
      setPasswordCostForTests(testCost);
    }
  });

  it('verifyNothing does the work of a check and always refuses', async () => {
    expect(await verifyNothing('anything')).toBe(false);
  });
});
