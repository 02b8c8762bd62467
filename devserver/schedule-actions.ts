import { randomUUID } from 'node:crypto';
import { newWorkflowParams } from './runs';
import { api, durationMs, long, num, timestamp, type Failure, type Payload, type Payloads, type proto } from './proto';
import { ServiceError } from './errors';
import type { CompiledSpec } from './schedule-spec';
import type { Execution } from './execution';
import type { Engine } from './engine';

// What a schedule does as time passes (the real server's scheduler workflow, service/worker/scheduler/workflow.go
// and buffer.go): the action times in a time range, the overlap buffer, the starts, and the runs it watches.

const { enums } = api;
const Overlap = enums.v1.ScheduleOverlapPolicy;
const Status = enums.v1.WorkflowExecutionStatus;
type ActionResult = proto.temporal.api.schedule.v1.IScheduleActionResult;
type WorkflowRef = { workflowId: string; runId: string };

export const DEFAULT_CATCHUP_WINDOW_MS = 365 * 86_400_000;
const MIN_CATCHUP_WINDOW_MS = 10_000;
const MAX_BUFFER = 1000;
const RECENT_ACTIONS = 10;

export interface BufferedStart {
  nominal: number;
  actual: number;
  overlap: number;
  manual: boolean;
}

/** One schedule: what it was created with and what it has done. Persisted whole (schedules.ts). */
export interface ScheduleRecord {
  ns: string;
  id: string;
  requestId: string;
  schedule: proto.temporal.api.schedule.v1.ISchedule;
  memo?: proto.temporal.api.common.v1.IMemo | null;
  searchAttributes?: proto.temporal.api.common.v1.ISearchAttributes | null;
  info: {
    actionCount: number;
    missedCatchupWindow: number;
    overlapSkipped: number;
    bufferDropped: number;
    runningWorkflows: WorkflowRef[];
    recentActions: ActionResult[];
    createTime: number;
    updateTime?: number;
  };
  buffer: BufferedStart[];
  lastProcessed: number;
  conflictToken: number;
  lastCompletionResult?: Payloads | null;
  continuedFailure?: Failure | null;
}

export function catchupWindowMs(rec: ScheduleRecord): number {
  const cw = rec.schedule.policies?.catchupWindow;
  return cw ? Math.max(MIN_CATCHUP_WINDOW_MS, durationMs(cw)) : DEFAULT_CATCHUP_WINDOW_MS;
}

export function resolveOverlap(rec: ScheduleRecord, policy: number | null | undefined): number {
  return policy || rec.schedule.policies?.overlapPolicy || Overlap.SCHEDULE_OVERLAP_POLICY_SKIP;
}

/** Whether a scheduled (not manual) action may be taken now: not paused, and actions left; `take` spends one. */
export function canTakeAction(rec: ScheduleRecord, manual: boolean, take: boolean): boolean {
  const state = rec.schedule.state ?? {};
  if (manual) return true;
  if (state.paused) return false;
  if (!state.limitedActions) return true;
  if (num(state.remainingActions) <= 0) return false;
  if (take) {
    state.remainingActions = long(num(state.remainingActions) - 1);
    rec.conflictToken++;
  }
  return true;
}

const payload = (value: unknown, type: string): Payload => ({
  metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from(type) },
  data: Buffer.from(JSON.stringify(value)),
});

/** Go's time.RFC3339 of a whole second in UTC: 2024-01-02T03:04:05Z. */
export const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export class ScheduleActions {
  constructor(
    private readonly e: Engine,
    /** Called when a watched run closes, so the schedule processes its buffer again. */
    private readonly onRunClosed: (rec: ScheduleRecord) => void,
    /** Whether the record is still the live schedule (not deleted or replaced). */
    private readonly isLive: (rec: ScheduleRecord) => boolean,
  ) {}

  /**
   * Buffers the actions whose times fall in (start, end]; returns the next action time after `end`
   * (processTimeRange). Scheduled ones past the catchup window are counted as missed, not taken.
   */
  processTimeRange(rec: ScheduleRecord, spec: CompiledSpec, start: number, end: number, overlap: number, manual: boolean): number | undefined {
    if (!canTakeAction(rec, manual, false)) return spec.next(end)?.next;
    const updateTime = rec.info.updateTime ?? 0;
    let n = spec.next(start);
    for (; n && n.next <= end; n = spec.next(n.next)) {
      if (!manual && updateTime > n.next) continue;
      if (!manual && end - n.next > catchupWindowMs(rec)) {
        rec.info.missedCatchupWindow++;
        continue;
      }
      this.addStart(rec, n.nominal, n.next, overlap, manual);
    }
    return n?.next;
  }

  addStart(rec: ScheduleRecord, nominal: number, actual: number, overlap: number, manual: boolean): void {
    if (rec.buffer.length >= MAX_BUFFER) rec.info.bufferDropped++;
    else rec.buffer.push({ nominal, actual, overlap, manual });
  }

  /** Starts what the buffer and the overlap policies allow (ProcessBuffer), and cancels or terminates what they ask to. */
  processBuffer(rec: ScheduleRecord): void {
    const action = rec.schedule.action?.startWorkflow;
    if (!action || !rec.buffer.length) {
      rec.buffer = [];
      return;
    }
    const running = rec.info.runningWorkflows.length > 0;
    const overlapping: BufferedStart[] = [];
    const rest: BufferedStart[] = [];
    let nonOverlapping: BufferedStart | undefined;
    let cancel = false;
    let terminate = false;
    for (const start of rec.buffer) {
      const policy = resolveOverlap(rec, start.overlap);
      if (policy === Overlap.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) overlapping.push(start);
      else if (!running && !nonOverlapping) nonOverlapping = start;
      else if (policy === Overlap.SCHEDULE_OVERLAP_POLICY_SKIP) rec.info.overlapSkipped++;
      else if (policy === Overlap.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE) {
        if (rest.length === 0) rest.push(start);
        else rec.info.overlapSkipped++;
      } else if (policy === Overlap.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL) rest.push(start);
      else if (!running) nonOverlapping = start; // CANCEL_OTHER, TERMINATE_OTHER: only the one about to start overlaps
      else {
        if (policy === Overlap.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER) cancel = true;
        else terminate = true;
        rest.push(start);
      }
    }
    rec.buffer = rest;
    const starts = cancel || terminate ? [] : overlapping;
    for (const start of nonOverlapping ? [...starts, nonOverlapping] : starts) {
      if (!canTakeAction(rec, start.manual, true)) continue;
      const result = this.start(rec, action, start);
      if (!result) continue;
      rec.info.actionCount++;
      rec.info.recentActions = [...rec.info.recentActions, result].slice(-RECENT_ACTIONS);
      // As the real server: runs started over others (ALLOW_ALL) are not tracked.
      if (start === nonOverlapping) this.watch(rec, { workflowId: result.startWorkflowResult!.workflowId!, runId: result.startWorkflowResult!.runId! });
    }
    for (const ref of terminate || cancel ? rec.info.runningWorkflows : []) {
      const exec = this.e.findRun(rec.ns, ref.workflowId);
      if (!exec?.running) continue;
      if (terminate) this.e.terminate(exec, 'terminated by schedule overlap policy', null, identity(rec));
      else this.e.requestCancel(exec, 'cancelled by schedule overlap policy', identity(rec));
    }
  }

  /** Starts the action's workflow for one buffered start; undefined when the start is refused (it is dropped, as the real server drops it). */
  private start(rec: ScheduleRecord, a: proto.temporal.api.workflow.v1.INewWorkflowExecutionInfo, start: BufferedStart): ActionResult | undefined {
    const workflowId = `${a.workflowId}-${rfc3339(start.nominal)}`;
    // ALLOW_ALL runs do not take part in the last result and failure.
    const carried = start.overlap !== Overlap.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL;
    try {
      const { runId } = this.e.runs.startWorkflow({
        ns: rec.ns,
        workflowId,
        ...newWorkflowParams(a),
        identity: identity(rec),
        requestId: randomUUID(),
        reusePolicy: start.manual
          ? enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE
          : enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
        systemAttributes: {
          TemporalScheduledStartTime: payload(rfc3339(start.nominal), 'Datetime'),
          TemporalScheduledById: payload(rec.id, 'Keyword'),
        },
        lastCompletionResult: carried ? rec.lastCompletionResult : undefined,
        continuedFailure: carried ? rec.continuedFailure : undefined,
      });
      return {
        scheduleTime: timestamp(start.actual),
        actualTime: timestamp(this.e.clock.now()),
        startWorkflowResult: { workflowId, runId },
        startWorkflowStatus: Status.WORKFLOW_EXECUTION_STATUS_RUNNING,
      };
    } catch (err) {
      if (err instanceof ServiceError) return undefined;
      throw err;
    }
  }

  /** Tracks a started run (following its retries and continuations) until its chain closes. */
  watch(rec: ScheduleRecord, ref: WorkflowRef): void {
    if (!rec.info.runningWorkflows.some((r) => r.workflowId === ref.workflowId)) rec.info.runningWorkflows.push(ref);
    const follow = async (): Promise<void> => {
      await Promise.resolve(); // never re-enter the caller (a closed run reports after it returns)
      for (;;) {
        const exec = this.e.findRun(rec.ns, ref.workflowId);
        if (!this.isLive(rec)) return;
        if (exec?.running && exec.firstRunId === ref.runId) {
          await exec.nextChange();
          continue;
        }
        this.closed(rec, ref, exec?.firstRunId === ref.runId ? exec : undefined);
        return;
      }
    };
    void follow();
  }

  /** A watched run closed: its status, the last result or failure, pause on failure; then the buffer goes on (processWatcherResult). */
  private closed(rec: ScheduleRecord, ref: WorkflowRef, exec: Execution | undefined): void {
    rec.info.runningWorkflows = rec.info.runningWorkflows.filter((r) => r.workflowId !== ref.workflowId);
    const status = exec?.status ?? Status.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
    const recent = rec.info.recentActions.find((r) => r.startWorkflowResult?.workflowId === ref.workflowId);
    if (recent) recent.startWorkflowStatus = status;
    const close = exec?.closeEvent;
    const failure = close?.workflowExecutionFailedEventAttributes?.failure;
    const state = (rec.schedule.state ??= {});
    if (rec.schedule.policies?.pauseOnFailure && !state.paused && (status === Status.WORKFLOW_EXECUTION_STATUS_FAILED || status === Status.WORKFLOW_EXECUTION_STATUS_TIMED_OUT)) {
      state.paused = true;
      state.notes =
        status === Status.WORKFLOW_EXECUTION_STATUS_FAILED
          ? `paused due to workflow failure: ${ref.workflowId}: ${failure?.message ?? ''}`
          : `paused due to workflow timeout: ${ref.workflowId}`;
      rec.conflictToken++;
    }
    if (close?.workflowExecutionCompletedEventAttributes) {
      rec.lastCompletionResult = close.workflowExecutionCompletedEventAttributes.result ?? { payloads: [] };
      rec.continuedFailure = undefined;
    } else if (failure) {
      rec.continuedFailure = failure;
    }
    this.onRunClosed(rec);
  }
}

export const identity = (rec: ScheduleRecord) => `temporal-scheduler-${rec.ns}-${rec.id}`;
