import { DomainError } from '../domain/errors';
import type { InstanceDatabases } from '../db/instances';
import type { User } from '../db/schema';
import { userByEmail } from '../db/repositories/users';
import {
  clearAccountFailures,
  countSignInFailures,
  createSession,
  deleteSession,
  findSession,
  parseSessionToken,
  recordSignInFailure,
  touchSession,
} from '../db/repositories/sessions';
import { verifyNothing, verifyPassword } from './passwords';

export interface SessionSettings {
  /** A session unused for this long has ended (SESSION_IDLE_MINUTES; default 30 min). */
  idleMs: number;
  /** A session ends this long after sign-in, however much it is used (SESSION_MAX_HOURS; default 12 h). */
  maxMs: number;
  /** The clock sessions and sign-in failures are judged by; tests move it. */
  now?: () => Date;
  /** Failed sign-ins allowed within `failureWindowMs` per account (email) and per client address. */
  maxFailuresPerAccount?: number;
  maxFailuresPerAddress?: number;
  failureWindowMs?: number;
}

export const DEFAULT_SESSION_IDLE_MINUTES = 30;
export const DEFAULT_SESSION_MAX_HOURS = 12;
export const SIGN_IN_LIMITS = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000 };
/** last_seen_at is written at most this often per session: an active session is not one write per request. */
const TOUCH_EVERY_MS = 60_000;

export const SIGN_IN_FAILED = 'email or password is incorrect';

export interface SignedIn {
  instance: string;
  user: User;
  /** The session token: the cookie's value. */
  token: string;
}

export interface SessionCaller {
  instance: string;
  user: User;
  sessionId: string;
}

/** Signs people in with email and password, and finds the session behind a cookie. */
export class SessionService {
  readonly idleMs: number;
  readonly maxMs: number;
  private readonly limits: { perAccount: number; perAddress: number; windowMs: number };

  constructor(
    private readonly instances: InstanceDatabases,
    private readonly settings: SessionSettings,
  ) {
    for (const [name, v] of [['idleMs', settings.idleMs], ['maxMs', settings.maxMs]] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new Error(`sessions.${name} must be a positive number of milliseconds, got ${v}`);
    }
    this.idleMs = settings.idleMs;
    this.maxMs = settings.maxMs;
    this.limits = {
      perAccount: settings.maxFailuresPerAccount ?? SIGN_IN_LIMITS.perAccount,
      perAddress: settings.maxFailuresPerAddress ?? SIGN_IN_LIMITS.perAddress,
      windowMs: settings.failureWindowMs ?? SIGN_IN_LIMITS.windowMs,
    };
  }

  now(): Date {
    return this.settings.now?.() ?? new Date();
  }

  /**
   * Checks an email and password. `instance` names the instance to sign in to; without it, every
   * instance holding that email is tried, and the one whose password matches is chosen. Failures
   * are counted in the databases of the instances tried, and refused with 429 past the limits.
   */
  async signIn(input: { email: string; password: string; instance?: string; address: string }): Promise<SignedIn> {
    const account = input.email.trim().toLowerCase();
    if (input.instance !== undefined && !this.instances.ids.includes(input.instance)) {
      throw new DomainError('validation_failed', `instance: no instance ${input.instance} here`, { field: 'instance' });
    }
    const tried = input.instance ? [input.instance] : this.instances.ids;
    const now = this.now();
    const since = new Date(now.getTime() - this.limits.windowMs);
    await this.refuseWhenLimited(tried, account, input.address, now, since);

    const candidates = (await Promise.all(tried.map(async (instance) => ({ instance, user: await userByEmail(this.instances.db(instance), account) })))).filter(
      (c): c is { instance: string; user: User } => !!c.user?.password_hash,
    );
    const matching: typeof candidates = [];
    if (candidates.length === 0) await verifyNothing(input.password);
    for (const c of candidates) if (await verifyPassword(input.password, c.user.password_hash!)) matching.push(c);

    if (matching.length === 0) {
      await Promise.all(tried.map((instance) => recordSignInFailure(this.instances.db(instance), account, input.address, now, since)));
      throw new DomainError('unauthorized', SIGN_IN_FAILED);
    }
    if (matching.length > 1) {
      // Only someone who knows the password of two accounts gets here: naming the instances leaks nothing.
      throw new DomainError('validation_failed', `instance: this email signs in to ${matching.map((m) => m.instance).join(' and ')}; name one`, {
        field: 'instance',
      });
    }
    const [{ instance, user }] = matching;
    const db = this.instances.db(instance);
    await clearAccountFailures(db, account);
    const token = await createSession(db, instance, user.id, now, new Date(now.getTime() + this.maxMs));
    return { instance, user, token };
  }

  private async refuseWhenLimited(tried: string[], account: string, address: string, now: Date, since: Date): Promise<void> {
    const counts = await Promise.all(tried.map((instance) => countSignInFailures(this.instances.db(instance), account, address, since)));
    let retryAt: number | undefined;
    for (const { byAccount, byAddress } of counts) {
      for (const [c, limit] of [[byAccount, this.limits.perAccount], [byAddress, this.limits.perAddress]] as const) {
        if (c.n >= limit && c.oldest) retryAt = Math.max(retryAt ?? 0, c.oldest.getTime() + this.limits.windowMs);
      }
    }
    if (retryAt === undefined) return;
    const retryAfter = Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000));
    throw new DomainError('rate_limited', `Too many failed sign-ins; try again in ${retryAfter} seconds`, { retryAfter });
  }

  /**
   * The session behind a cookie's token: 401 when it is unknown, idle too long, or past its lifetime.
   * `touch: false` checks without counting as use (an open live stream is not someone at work).
   */
  async authenticate(token: string, options: { touch?: boolean } = {}): Promise<SessionCaller> {
    const parsed = parseSessionToken(token);
    if (!parsed || !this.instances.ids.includes(parsed.instance)) throw new DomainError('unauthorized', 'The session is not valid; sign in again (POST /session)');
    const db = this.instances.db(parsed.instance);
    const session = await findSession(db, parsed.tokenId, parsed.secret);
    if (!session) throw new DomainError('unauthorized', 'The session is not valid; sign in again (POST /session)');
    const now = this.now().getTime();
    if (now >= session.expiresAt.getTime() || now - session.lastSeenAt.getTime() >= this.idleMs) {
      await deleteSession(db, session.id);
      throw new DomainError('unauthorized', 'The session has expired; sign in again (POST /session)', { reason: 'session_expired' });
    }
    if (options.touch !== false && now - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) await touchSession(db, session.id, new Date(now));
    return { instance: parsed.instance, user: session.user, sessionId: session.id };
  }

  async signOut(instance: string, sessionId: string): Promise<void> {
    await deleteSession(this.instances.db(instance), sessionId);
  }
}
