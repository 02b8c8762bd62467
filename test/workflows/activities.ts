// Workflows for the activities conformance tests. Activity implementations live in the test file
// (each test passes its own to its worker); these workflows only call them by name.
import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';

type AnyActivity = (...args: unknown[]) => Promise<unknown>;

/** Calls activity `name` once with `options`; its failure (if any) fails the workflow unchanged. */
export async function actCall(name: string, options: ActivityOptions, ...args: unknown[]): Promise<unknown> {
  const acts = proxyActivities<Record<string, AnyActivity>>(options);
  return await acts[name](...args);
}

/** Calls activity `name` `count` times at once (with its index) and returns the results in order. */
export async function actParallel(name: string, options: ActivityOptions, count: number): Promise<unknown[]> {
  const acts = proxyActivities<Record<string, AnyActivity>>(options);
  return await Promise.all(Array.from({ length: count }, (_, i) => acts[name](i)));
}

/** Runs local activities `names` one after another and returns their results in order. */
export async function actLocalCalls(names: string[], options: LocalActivityOptions, arg: unknown): Promise<unknown[]> {
  const acts = proxyLocalActivities<Record<string, AnyActivity>>(options);
  const results: unknown[] = [];
  for (const name of names) results.push(await acts[name](arg));
  return results;
}

export interface CancelOutcome {
  /** What the workflow saw from the activity: 'completed', 'cancelled', or the error's name. */
  outcome: string;
  errorName?: string;
  causeName?: string;
  /** The ActivityFailure's retry state, when the call failed with one. */
  retryState?: string;
}

/**
 * Starts activity `name` in its own cancellation scope (waiting for the activity to confirm cancellation),
 * cancels the scope after `cancelAfterMs`, and reports how the activity call ended.
 */
export async function actCancelAfter(name: string, options: ActivityOptions, cancelAfterMs: number): Promise<CancelOutcome> {
  const acts = proxyActivities<Record<string, AnyActivity>>({
    ...options,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const scope = new CancellationScope();
  const call = scope.run(() => acts[name]());
  await sleep(cancelAfterMs);
  scope.cancel();
  try {
    await call;
    return { outcome: 'completed' };
  } catch (err) {
    const e = err as Error & { cause?: Error; retryState?: string };
    return { outcome: isCancellation(err) ? 'cancelled' : e.name, errorName: e.name, causeName: e.cause?.name, retryState: e.retryState };
  }
}
