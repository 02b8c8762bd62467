/** A workflow's page in the Temporal UI at `base` (TEMPORAL_UI_URL, no trailing slash), or null when there is no UI to link to. */
export const workflowUiUrl = (base: string | undefined, namespace: string, workflowId: string): string | null =>
  base ? `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : null;
