// A workflow without a run: its latest run (the library asks the server which one that is).
import { error, redirect } from '@sveltejs/kit';
import { fetchWorkflowForRunId } from '@temporalio/ui/services/workflow-service';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, params, fetch }) => {
  const { runId } = await fetchWorkflowForRunId({ namespace: params.namespace, workflowId: params.workflow }, fetch);
  if (!runId) error(404, `no run of workflow ${params.workflow}`);
  redirect(302, `${url.pathname}/${runId}`);
};
