import { api, durationMs, msDuration, type Failure, type RetryPolicy } from './proto';

const RetryState = api.enums.v1.RetryState;

/** The policy the real server applies when the caller left fields unset. */
export function withRetryDefaults(policy: RetryPolicy | null | undefined): RetryPolicy {
  const initial = durationMs(policy?.initialInterval) || 1000;
  return {
    initialInterval: msDuration(initial),
    backoffCoefficient: policy?.backoffCoefficient || 2,
    maximumInterval: msDuration(durationMs(policy?.maximumInterval) || initial * 100),
    maximumAttempts: policy?.maximumAttempts ?? 0,
    nonRetryableErrorTypes: policy?.nonRetryableErrorTypes ?? [],
  };
}

/** What is wrong with a retry policy, in the real server's words (retrypolicy.Validate), or undefined. */
export function retryPolicyProblem(policy: RetryPolicy): string | undefined {
  const initial = durationMs(policy.initialInterval);
  const maximum = durationMs(policy.maximumInterval);
  if (initial < 0) return 'InitialInterval cannot be negative on retry policy.';
  if ((policy.backoffCoefficient ?? 0) < 1) return 'BackoffCoefficient cannot be less than 1 on retry policy.';
  if (maximum < 0) return 'MaximumInterval cannot be negative on retry policy.';
  if (maximum > 0 && maximum < initial) return 'MaximumInterval cannot be less than InitialInterval on retry policy.';
  if ((policy.maximumAttempts ?? 0) < 0) return 'MaximumAttempts cannot be negative on retry policy.';
  return undefined;
}

export interface RetryDecision {
  /** Delay before the next attempt; undefined when no further attempt is made. */
  delayMs?: number;
  retryState: number;
}

/**
 * Decides whether attempt `attempt` (1-based, just failed) is retried, following Temporal's rules:
 * non-retryable failures and types stop, maximumAttempts caps, an explicit nextRetryDelay wins over
 * exponential backoff, and no retry is started that would begin after the expiration time.
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  failure: Failure | undefined,
  now: number,
  expiresAt: number | undefined,
): RetryDecision {
  const info = failure?.applicationFailureInfo;
  if (info?.nonRetryable || (info?.type && policy.nonRetryableErrorTypes?.includes(info.type))) {
    return { retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE };
  }
  const max = policy.maximumAttempts ?? 0;
  if (max > 0 && attempt >= max) return { retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED };
  const initial = durationMs(policy.initialInterval) || 1000;
  const maximum = durationMs(policy.maximumInterval) || initial * 100;
  const backoff = Math.min(initial * Math.pow(policy.backoffCoefficient || 2, attempt - 1), maximum);
  const delayMs = info?.nextRetryDelay ? durationMs(info.nextRetryDelay) : backoff;
  if (expiresAt !== undefined && now + delayMs >= expiresAt) return { retryState: RetryState.RETRY_STATE_TIMEOUT };
  return { delayMs, retryState: RetryState.RETRY_STATE_IN_PROGRESS };
}
