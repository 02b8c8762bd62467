// A standalone activity's run as the dev server keeps it (devserver/standalone-activities.ts runs it):
// its fields, how Describe and PollActivityExecution show it, and how the journal holds it.
import { api, decodeMessage, encodeMessage, long, msDuration, timestamp, type Failure, type Payload, type Payloads, type proto } from './proto';
import type { Priority } from './priority';

const { enums } = api;
const Status = enums.v1.ActivityExecutionStatus;
const { RetryState, PendingActivityState } = enums.v1;
type Header = proto.temporal.api.common.v1.IHeader;
type UserMetadata = proto.temporal.api.sdk.v1.IUserMetadata;
export type Outcome = proto.temporal.api.activity.v1.IActivityExecutionOutcome;

/** One run of a standalone activity: what the journal keeps of it, whole. */
export interface StandaloneActivity {
  ns: string;
  activityId: string;
  runId: string;
  requestId: string;
  activityType: string;
  taskQueue: string;
  scheduleToCloseMs: number;
  scheduleToStartMs: number;
  startToCloseMs: number;
  heartbeatMs: number;
  startDelayMs: number;
  retryPolicy: proto.temporal.api.common.v1.IRetryPolicy;
  priority?: Priority;
  input?: Payloads;
  header?: Header;
  userMetadata?: UserMetadata;
  searchAttributes: Record<string, Payload>;
  scheduleTime: number;
  /** scheduled: waiting for its dispatch time or a worker; started: a worker runs the attempt; closed: it has an outcome. */
  phase: 'scheduled' | 'started' | 'closed';
  attempt: number;
  /** When the current attempt is (or was) handed to workers: after the start delay, or after a retry's backoff. */
  dispatchAt: number;
  startedTime?: number;
  identity?: string;
  lastHeartbeatTime?: number;
  heartbeatDetails?: Payloads;
  heartbeatCount: number;
  lastFailure?: Failure;
  lastAttemptCompleteTime?: number;
  retryIntervalMs?: number;
  cancel?: { identity: string; requestId: string; reason: string };
  terminateRequestId?: string;
  status: number;
  closeTime?: number;
  result?: Payloads;
  failure?: Failure;
  retryState?: number;
  /** Counts changes: Describe's long-poll token. */
  transitions: number;
}

export const statusName = (s: number) =>
  ({ 1: 'Running', 2: 'Completed', 3: 'Failed', 4: 'Canceled', 5: 'Terminated', 6: 'TimedOut', 7: 'Paused' })[s] ?? 'Unspecified';

/** What PollActivityExecution and Describe give a closed run: its result, or its failure and retry state. */
export function outcomeOf(rec: StandaloneActivity): Outcome | undefined {
  if (rec.phase !== 'closed') return undefined;
  if (rec.status === Status.ACTIVITY_EXECUTION_STATUS_COMPLETED) return { result: rec.result ?? { payloads: [] } };
  return { failure: rec.failure, retryState: rec.retryState ?? RetryState.RETRY_STATE_UNSPECIFIED };
}

/** DescribeActivityExecution's info, as the real server builds it (buildActivityExecutionInfo). */
export function executionInfoOf(
  rec: StandaloneActivity,
  now: number,
  include: { heartbeatDetails?: boolean | null; lastFailure?: boolean | null } = {},
): proto.temporal.api.activity.v1.IActivityExecutionInfo {
  const closed = rec.phase === 'closed';
  const waitingToDispatch = rec.phase === 'scheduled' && rec.dispatchAt > now;
  const ms = (v: number) => (v > 0 ? msDuration(v) : undefined);
  return {
    activityId: rec.activityId,
    runId: rec.runId,
    activityType: { name: rec.activityType },
    status: rec.status,
    runState: closed
      ? PendingActivityState.PENDING_ACTIVITY_STATE_UNSPECIFIED
      : rec.cancel
        ? PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
        : rec.phase === 'started'
          ? PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
          : PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED,
    taskQueue: rec.taskQueue,
    scheduleToCloseTimeout: ms(rec.scheduleToCloseMs),
    scheduleToStartTimeout: ms(rec.scheduleToStartMs),
    startToCloseTimeout: ms(rec.startToCloseMs),
    heartbeatTimeout: ms(rec.heartbeatMs),
    retryPolicy: rec.retryPolicy,
    heartbeatDetails: include.heartbeatDetails ? rec.heartbeatDetails : undefined,
    lastHeartbeatTime: rec.lastHeartbeatTime ? timestamp(rec.lastHeartbeatTime) : undefined,
    lastStartedTime: rec.startedTime ? timestamp(rec.startedTime) : undefined,
    attempt: rec.attempt,
    executionDuration: closed ? msDuration(rec.closeTime! - rec.scheduleTime) : undefined,
    scheduleTime: timestamp(rec.scheduleTime),
    expirationTime: rec.scheduleToCloseMs > 0 ? timestamp(rec.scheduleTime + rec.startDelayMs + rec.scheduleToCloseMs) : undefined,
    closeTime: closed ? timestamp(rec.closeTime!) : undefined,
    lastFailure: include.lastFailure ? rec.lastFailure : undefined,
    lastWorkerIdentity: rec.identity,
    currentRetryInterval: waitingToDispatch && rec.retryIntervalMs ? msDuration(rec.retryIntervalMs) : undefined,
    lastAttemptCompleteTime: rec.lastAttemptCompleteTime ? timestamp(rec.lastAttemptCompleteTime) : undefined,
    nextAttemptScheduleTime: waitingToDispatch ? timestamp(rec.dispatchAt) : undefined,
    priority: rec.priority,
    stateTransitionCount: long(rec.transitions),
    searchAttributes: { indexedFields: rec.searchAttributes },
    header: rec.header,
    userMetadata: rec.userMetadata,
    canceledReason: rec.cancel?.reason,
    totalHeartbeatCount: long(rec.heartbeatCount),
    startDelay: ms(rec.startDelayMs),
    executionTime: timestamp(rec.scheduleTime + rec.startDelayMs),
  };
}

// Protobuf messages are kept encoded in the journal, as schedules keep theirs.
const MESSAGES: Record<string, string> = {
  retryPolicy: 'temporal.api.common.v1.RetryPolicy',
  priority: 'temporal.api.common.v1.Priority',
  input: 'temporal.api.common.v1.Payloads',
  header: 'temporal.api.common.v1.Header',
  userMetadata: 'temporal.api.sdk.v1.UserMetadata',
  heartbeatDetails: 'temporal.api.common.v1.Payloads',
  lastFailure: 'temporal.api.failure.v1.Failure',
  result: 'temporal.api.common.v1.Payloads',
  failure: 'temporal.api.failure.v1.Failure',
};

export function serializeActivity(rec: StandaloneActivity): string {
  const out: Record<string, unknown> = { ...rec };
  for (const [field, type] of Object.entries(MESSAGES)) {
    const value = (rec as unknown as Record<string, object | undefined>)[field];
    out[field] = value ? Buffer.from(encodeMessage(type, value)).toString('base64') : undefined;
  }
  out.searchAttributes = Buffer.from(encodeMessage('temporal.api.common.v1.SearchAttributes', { indexedFields: rec.searchAttributes })).toString('base64');
  return JSON.stringify(out);
}

export function deserializeActivity(state: string): StandaloneActivity {
  const raw = JSON.parse(state) as Record<string, unknown>;
  for (const [field, type] of Object.entries(MESSAGES)) {
    if (typeof raw[field] === 'string') raw[field] = decodeMessage(type, Buffer.from(raw[field] as string, 'base64'));
  }
  const attrs = decodeMessage<proto.temporal.api.common.v1.ISearchAttributes>('temporal.api.common.v1.SearchAttributes', Buffer.from(raw.searchAttributes as string, 'base64'));
  raw.searchAttributes = attrs.indexedFields ?? {};
  return raw as unknown as StandaloneActivity;
}
