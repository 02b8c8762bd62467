// Workflows for the cron and schedule conformance tests.
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';

/**
 * Counts its runs through the last completion result: returns the previous run's result + 1. The run that
 * would return `failOn` fails once (a run that sees the failure as `lastFailure` succeeds).
 */
export async function cronCounter(failOn = 0): Promise<number> {
  const { lastResult, lastFailure } = workflowInfo();
  const n = ((lastResult as number | undefined) ?? 0) + 1;
  if (n === failOn && !lastFailure) throw ApplicationFailure.nonRetryable(`failing run ${n}`, 'CronFailure');
  return n;
}

/** What the run was given: its cron schedule, last result, last failure message and workflow id. */
export async function cronInfo(): Promise<{ cronSchedule?: string; lastResult?: unknown; lastFailure?: string; workflowId: string }> {
  const info = workflowInfo();
  return { cronSchedule: info.cronSchedule, lastResult: info.lastResult, lastFailure: info.lastFailure?.message, workflowId: info.workflowId };
}

/** What a scheduled run was given: its workflow id, last result, memo and the schedule that started it. */
export async function scheduledInfo(): Promise<{ workflowId: string; lastResult?: unknown; memo?: Record<string, unknown>; scheduledBy?: unknown; scheduledAt?: unknown }> {
  const info = workflowInfo();
  return {
    workflowId: info.workflowId,
    lastResult: info.lastResult,
    memo: info.memo,
    scheduledBy: info.searchAttributes?.TemporalScheduledById?.[0],
    scheduledAt: info.searchAttributes?.TemporalScheduledStartTime?.[0],
  };
}
