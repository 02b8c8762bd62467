// The operator's sign-in for the operations page: the OPS_TOKEN, kept in sessionStorage (this tab
// only, gone when it closes) and sent as a Bearer header on /ops calls only, through a client of its
// own. Users' sessions are per instance and cookie-based; the operator token belongs to no instance,
// so it never touches them (nor they it).
import createClient, { type Middleware } from 'openapi-fetch';
import { call, type ApiError } from './api';
import type { paths } from './api-types';

const KEY = 'sx-operator-token';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;
export type Overview = Json<paths['/ops/overview']['get']['responses'][200]>;
export type ReconcileReport = Json<paths['/ops/reconcile']['get']['responses'][200]>;

export const operator = $state<{ token: string | null }>({ token: sessionStorage.getItem(KEY) });

const bearer: Middleware = {
  onRequest({ request }) {
    if (operator.token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${operator.token}`);
    return request;
  },
};

const opsClient = createClient<paths>({ baseUrl: location.origin });
opsClient.use(bearer);

/** Signs in with a token if the API takes it as the operator's; throws its ApiError (401, 403) if not. */
export async function operatorSignIn(token: string): Promise<Overview> {
  const overview = await call(opsClient.GET('/ops/overview', { headers: { Authorization: `Bearer ${token}` } }));
  operator.token = token;
  sessionStorage.setItem(KEY, token);
  return overview;
}

export function operatorSignOut(): void {
  operator.token = null;
  sessionStorage.removeItem(KEY);
}

/** A 401 or 403: the token is not (or no longer) the operator's. */
export const refused = (err: unknown) => [401, 403].includes((err as ApiError).status);

export const fetchOverview = () => call(opsClient.GET('/ops/overview'));
export const runReconcile = () => call(opsClient.GET('/ops/reconcile'));
