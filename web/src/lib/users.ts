// The users an admin manages: the list (GET /users), typed from the generated API types.
import { call, client } from './api';
import type { paths } from './api-types';

export type ListedUser = paths['/users']['get']['responses'][200]['content']['application/json']['items'][number];

/** The admin's instance's users, by name. */
export async function listUsers(): Promise<ListedUser[]> {
  return (await call(client.GET('/users'))).items;
}
