import type { ServiceDeps } from '../services/deps';

/** What the routes need from the outside world: the services' needs, and the operator token. */
export interface ApiDeps extends ServiceDeps {
  /** Bearer token for the /ops routes (OPS_TOKEN); without it those routes answer 403 to everyone. */
  opsToken?: string;
  /** The Temporal UI the operations page links requests to (TEMPORAL_UI_URL, or the embedded dev server's). */
  temporalUiUrl?: string;
}
