// The library's Nexus pages edit an endpoint's description as text (`spec.descriptionString`); the API
// keeps it as a payload. These convert between the two, as Temporal's UI app does around the pages.
import type { NetworkError } from '@temporalio/ui/types/global';
import type { NexusEndpoint, NexusEndpointSpec } from '@temporalio/ui/types/nexus';

/** The server's rule for endpoint names (devserver/nexus-endpoints.ts), for the form's check. */
export const NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9\-_]*$/;
export const NAME_HINT = 'A letter, then letters, digits, dashes or underscores.';

const utf8ToBase64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const base64ToUtf8 = (b64: string) => new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

/** The form's spec as the API's JSON takes it: the description as a json/plain payload, nothing the API does not know. */
export function specForRequest(spec: NexusEndpointSpec | undefined): NexusEndpointSpec {
  const text = spec?.descriptionString;
  const description = text ? { metadata: { encoding: utf8ToBase64('json/plain') }, data: utf8ToBase64(JSON.stringify(text)) } : undefined;
  // Bytes are base64 strings in the API's JSON, not the Uint8Array the proto type says.
  return { name: spec?.name, description, target: { worker: spec?.target?.worker } } as unknown as NexusEndpointSpec;
}

/** An endpoint as the API gives it, with its description as text for the pages. */
export function withDescriptionText(endpoint: NexusEndpoint): NexusEndpoint {
  const data = (endpoint.spec?.description as { data?: string } | undefined)?.data;
  let descriptionString = '';
  try {
    descriptionString = data ? String(JSON.parse(base64ToUtf8(data))) : '';
  } catch {
    descriptionString = '';
  }
  return { ...endpoint, spec: { ...endpoint.spec, descriptionString } };
}

/** The namespaces the form offers as targets. */
export const targetNamespaces = (namespaces: Array<{ namespaceInfo?: { name?: string | null } | null }>) =>
  namespaces.flatMap((n) => (n.namespaceInfo?.name ? [{ namespace: n.namespaceInfo.name }] : []));

/** What the pages show for a refused request. */
export function requestError(err: unknown): NetworkError {
  const e = err as Partial<NetworkError> & { body?: { message?: string } };
  return {
    statusCode: e.statusCode ?? 0,
    statusText: e.statusText || 'Error',
    response: e.response ?? new Response(),
    message: e.body?.message || e.message || String(err),
  };
}
