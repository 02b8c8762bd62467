// Who is signed in, decided by GET /session (the httpOnly cookie is invisible to the page), and what
// each role may open. A 401 from any API call ends the session here and shows the sign-in page.
import { goto } from '$app/navigation';
import { base } from '$app/paths';
import { page } from '$app/state';
import { ApiError, call, client, onUnauthorized, type Role, type User } from './api';

export const auth = $state<{
  user: User | null;
  /** GET /session has answered (until then the layout shows nothing but a loading line). */
  checked: boolean;
  /** Why the sign-in page is shown, e.g. "Your session ended". */
  notice: string | null;
  /** Which side(s) this user's instance plays: it orders from a remote catalog, it has its own items. */
  consumer: boolean;
  provider: boolean;
  /** Signing out: the layout must not send the page to sign in with `?next=` (signOut goes there itself). */
  leaving: boolean;
}>({ user: null, checked: false, notice: null, consumer: false, provider: false, leaving: false });

/** The areas of the app, and the roles that may open each. */
export type Area = 'consumer' | 'agent' | 'admin';
const AREA_ROLES: Record<Area, readonly Role[]> = {
  consumer: ['requester', 'admin'],
  agent: ['agent', 'admin'],
  admin: ['admin'],
};
export const mayOpen = (area: Area, user: User | null = auth.user) => !!user && AREA_ROLES[area].includes(user.role);

/** The page a user starts on. */
export function homePath(user: User | null = auth.user): string {
  if (!user) return `${base}/sign-in`;
  if (user.role === 'agent') return `${base}/queue`;
  if (user.role === 'admin' && auth.provider && !auth.consumer) return `${base}/queue`;
  return `${base}/catalog`;
}

async function learnSides(user: User) {
  // Requesters order, agents fulfil; an admin's instance may do either, as its catalog shows.
  auth.consumer = user.role !== 'agent';
  auth.provider = user.role !== 'requester';
  if (user.role !== 'admin') return;
  try {
    const catalog = await call(client.GET('/catalog'));
    auth.consumer = catalog.remote.length > 0 || catalog.own.length === 0;
    auth.provider = catalog.own.length > 0 || catalog.remote.length === 0;
  } catch {
    // Both, when it cannot be told.
  }
}

// The API sets this readable cookie beside the httpOnly session cookie (api/plugins/auth.ts).
const SIGNED_IN_COOKIE = 'sx_signed_in';
const maybeSignedIn = () => document.cookie.split(';').some((c) => c.trim().startsWith(`${SIGNED_IN_COOKIE}=`));

/** Asks the API who is signed in (once, when the app loads); without a session cookie there is no one to ask about. */
export async function loadSession(): Promise<void> {
  if (!maybeSignedIn()) {
    auth.user = null;
    auth.checked = true;
    return;
  }
  try {
    const user = await call(client.GET('/session'));
    await learnSides(user);
    auth.user = user;
  } catch (err) {
    auth.user = null;
    if (err instanceof ApiError && err.details.reason === 'session_expired') auth.notice = 'Your session ended. Sign in again to continue.';
    else if (err instanceof ApiError && err.status !== 401) auth.notice = err.message;
  } finally {
    auth.checked = true;
  }
}

export async function signIn(email: string, password: string): Promise<User> {
  const user = await call(client.POST('/session', { body: { email, password } }));
  await learnSides(user);
  auth.user = user;
  auth.notice = null;
  return user;
}

export async function signOut(): Promise<void> {
  try {
    await call(client.DELETE('/session'));
  } catch {
    // Signed out on the server or not, this browser forgets the user.
  }
  auth.leaving = true;
  try {
    auth.user = null;
    auth.notice = 'You signed out.';
    await goto(`${base}/sign-in`);
  } finally {
    auth.leaving = false;
  }
}

/** The path to come back to after signing in again. */
const here = () => page.url.pathname + page.url.search;

onUnauthorized(() => {
  if (!auth.user) return;
  auth.user = null;
  auth.notice = 'Your session ended. Sign in again to continue.';
  const next = here();
  void goto(`${base}/sign-in${next.startsWith(`${base}/sign-in`) ? '' : `?next=${encodeURIComponent(next)}`}`);
});
