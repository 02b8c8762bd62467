// The users an admin manages. Adding one and setting a password are typed from the generated API
// types; the list (GET /users) is being added to the API in parallel (branch apiq): until
// api-types.d.ts is regenerated with it, its call is typed here, and an API without it answers 404.
import { ApiError, call, client, type User } from './api';

/** The instance's users, or undefined when this API has no list yet. */
export async function listUsers(): Promise<User[] | undefined> {
  const get = client.GET as unknown as (path: '/users') => Promise<{ data?: unknown; error?: unknown; response: Response }>;
  try {
    const data = await call(get('/users'));
    const list = Array.isArray(data) ? data : (data as { items?: unknown; users?: unknown }).items ?? (data as { users?: unknown }).users;
    return Array.isArray(list) ? (list as User[]) : undefined;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return undefined;
    throw err;
  }
}
