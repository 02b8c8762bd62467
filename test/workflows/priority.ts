// Workflows for the task queue priority conformance tests.
import type { Priority } from '@temporalio/common';
import { continueAsNew, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

export interface PriorityReport {
  workflow?: Priority;
  activity?: Priority;
  child?: Priority;
}

/**
 * What this run, an activity scheduled with `activity` and a child started with `child` are given
 * (the activity `priorityOfActivity` answers its own); with `continues`, the report of the run that
 * many continue-as-news later.
 */
export async function priorityReport(activity: Priority | null, child: Priority | null, continues = 0): Promise<PriorityReport> {
  if (continues > 0) return await continueAsNew<typeof priorityReport>(activity, child, continues - 1);
  const { priorityOfActivity } = proxyActivities<{ priorityOfActivity(): Promise<Priority | undefined> }>({
    startToCloseTimeout: '1 minute',
    ...(activity ? { priority: activity } : {}),
  });
  return {
    workflow: workflowInfo().priority,
    activity: await priorityOfActivity(),
    child: await executeChild(ownPriority, child ? { priority: child } : {}),
  };
}

/** Its own priority. */
export async function ownPriority(): Promise<Priority | undefined> {
  return workflowInfo().priority;
}
