import { status } from '@grpc/grpc-js';
import { api, decodeMessage, encodeMessage, long, msDuration, num, timestamp, timestampMs, type proto } from './proto';
import { ServiceError, alreadyExists, invalidArgument, notFound } from './errors';
import { validateAttributes } from './search-attributes';
import { CompiledSpec, canonicalizeSpec } from './schedule-spec';
import { ScheduleActions, catchupWindowMs, canTakeAction, resolveOverlap, type ScheduleRecord } from './schedule-actions';
import type { ClockTimer } from './clock';
import type { Journal, JournalRecord } from './journal';
import type { Engine } from './engine';

const { enums } = api;
type Schedule = proto.temporal.api.schedule.v1.ISchedule;
type CreateRequest = proto.temporal.api.workflowservice.v1.ICreateScheduleRequest;
type UpdateRequest = proto.temporal.api.workflowservice.v1.IUpdateScheduleRequest;
type Patch = proto.temporal.api.schedule.v1.ISchedulePatch;

const INITIAL_CONFLICT_TOKEN = 1;
const FUTURE_ACTIONS = 10;
const LIST_ACTIONS = 5;

const unimplemented = (field: string) => new ServiceError(status.UNIMPLEMENTED, `The dev server does not support ${field} on schedules.`);

/**
 * Schedules (Temporal's schedule API). The real server runs each as a hidden workflow; here each is a
 * record in memory, driven by the server's clock (so time skipping drives it too) and journaled whole
 * on every change, before the RPC that made it answers.
 */
export class Schedules {
  private readonly byKey = new Map<string, ScheduleRecord>();
  private readonly specs = new Map<ScheduleRecord, CompiledSpec>();
  private readonly timers = new Map<ScheduleRecord, ClockTimer>();
  private readonly actions: ScheduleActions;

  constructor(
    private readonly e: Engine,
    private readonly journal?: Journal,
  ) {
    this.actions = new ScheduleActions(
      e,
      (rec) => this.wake(rec),
      (rec) => this.byKey.get(key(rec.ns, rec.id)) === rec,
    );
  }

  create(ns: string, req: CreateRequest): void {
    if (!req.scheduleId) throw invalidArgument('ScheduleId is not set on request.');
    const existing = this.byKey.get(key(ns, req.scheduleId));
    if (existing) {
      if (req.requestId && existing.requestId === req.requestId) return;
      throw alreadyExists(`schedule "${req.scheduleId}" is already registered`, {
        typeName: 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure',
        value: { startRequestId: existing.requestId },
      });
    }
    const now = this.e.clock.now();
    const rec: ScheduleRecord = {
      ns,
      id: req.scheduleId,
      requestId: req.requestId ?? '',
      schedule: this.validated(ns, req.schedule),
      memo: req.memo,
      searchAttributes: { indexedFields: validateAttributes(req.searchAttributes, this.e.namespaces.get(ns).customAttributes) },
      info: { actionCount: 0, missedCatchupWindow: 0, overlapSkipped: 0, bufferDropped: 0, runningWorkflows: [], recentActions: [], createTime: now },
      buffer: [],
      lastProcessed: now,
      conflictToken: INITIAL_CONFLICT_TOKEN,
    };
    this.byKey.set(key(ns, rec.id), rec);
    this.compile(rec);
    if (req.initialPatch) this.applyPatch(rec, req.initialPatch);
    this.wake(rec);
  }

  describe(ns: string, id: string): proto.temporal.api.workflowservice.v1.IDescribeScheduleResponse {
    const rec = this.get(ns, id);
    const token = Buffer.alloc(8);
    token.writeBigUInt64BE(BigInt(rec.conflictToken));
    return {
      schedule: rec.schedule,
      info: { ...this.info(rec), futureActionTimes: this.futureTimes(rec, FUTURE_ACTIONS), bufferSize: long(rec.buffer.length) },
      memo: rec.memo,
      searchAttributes: rec.searchAttributes,
      conflictToken: token,
    };
  }

  update(ns: string, req: UpdateRequest): void {
    const rec = this.get(ns, req.scheduleId ?? '');
    if (req.conflictToken?.length && Buffer.from(req.conflictToken).readBigUInt64BE(0) !== BigInt(rec.conflictToken)) {
      throw new ServiceError(status.FAILED_PRECONDITION, 'mismatched conflict token');
    }
    rec.schedule = this.validated(ns, req.schedule);
    // Unset, they stay; set (even empty), they replace (updateCustomSearchAttributes).
    if (req.searchAttributes) rec.searchAttributes = { indexedFields: validateAttributes(req.searchAttributes, this.e.namespaces.get(ns).customAttributes) };
    if (req.memo) rec.memo = req.memo;
    rec.info.updateTime = this.e.clock.now();
    rec.conflictToken++;
    this.compile(rec);
    this.wake(rec);
  }

  patch(ns: string, id: string, patch: Patch | null | undefined): void {
    const rec = this.get(ns, id);
    this.applyPatch(rec, patch ?? {});
    this.wake(rec);
  }

  delete(ns: string, id: string): void {
    const rec = this.get(ns, id);
    this.byKey.delete(key(ns, id));
    this.timers.get(rec)?.cancel();
    this.timers.delete(rec);
    this.specs.delete(rec);
    this.write({ t: 'schedule-deleted', ns, id });
  }

  /** Every schedule of a namespace, newest first, as ListSchedules gives them. */
  list(ns: string): proto.temporal.api.schedule.v1.IScheduleListEntry[] {
    return [...this.byKey.values()]
      .filter((r) => r.ns === ns)
      .sort((a, b) => b.info.createTime - a.info.createTime || (a.id < b.id ? -1 : 1))
      .map((rec) => ({
        scheduleId: rec.id,
        memo: rec.memo,
        searchAttributes: rec.searchAttributes,
        info: {
          spec: rec.schedule.spec,
          workflowType: rec.schedule.action?.startWorkflow?.workflowType,
          notes: rec.schedule.state?.notes,
          paused: !!rec.schedule.state?.paused,
          recentActions: rec.info.recentActions.slice(-LIST_ACTIONS),
          futureActionTimes: this.futureTimes(rec, LIST_ACTIONS),
        },
      }));
  }

  matchingTimes(ns: string, id: string, startMs: number, endMs: number): number[] {
    const spec = this.specs.get(this.get(ns, id))!;
    const out: number[] = [];
    for (let n = spec.next(startMs); n && n.next <= endMs && out.length < 1000; n = spec.next(n.next)) out.push(n.next);
    return out;
  }

  // ---------------------------------------------------------------- persistence

  /** A schedule's journaled state (recovery replays these; the last one of a schedule wins). */
  restore(ns: string, id: string, state: string): void {
    this.byKey.set(key(ns, id), deserialize(state));
  }

  forget(ns: string, id: string): void {
    this.byKey.delete(key(ns, id));
  }

  /** Every schedule as the journal records it, for a snapshot of the live state. */
  *records(): Iterable<JournalRecord> {
    for (const rec of this.byKey.values()) yield { t: 'schedule', ns: rec.ns, id: rec.id, s: serialize(rec) };
  }

  /** After recovery: watch the runs again, take the actions missed while down (within the catchup window), and sleep until the next. */
  resume(): void {
    for (const rec of this.byKey.values()) {
      this.compile(rec);
      for (const ref of rec.info.runningWorkflows) this.actions.watch(rec, ref);
      this.wake(rec);
    }
  }

  // ---------------------------------------------------------------- the schedule's loop

  /** Takes what is due (actions, backfills, the buffer), journals the schedule, and sleeps until its next action time. */
  private wake(rec: ScheduleRecord): void {
    if (this.byKey.get(key(rec.ns, rec.id)) !== rec) return;
    const spec = this.specs.get(rec)!;
    const now = this.e.clock.now();
    const next = this.actions.processTimeRange(rec, spec, rec.lastProcessed, now, enums.v1.ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, false);
    rec.lastProcessed = Math.max(rec.lastProcessed, now);
    this.actions.processBuffer(rec);
    this.write({ t: 'schedule', ns: rec.ns, id: rec.id, s: serialize(rec) });
    this.timers.get(rec)?.cancel();
    this.timers.delete(rec);
    // As the real server: no timer while paused or out of actions.
    if (next !== undefined && canTakeAction(rec, false, false)) this.timers.set(rec, this.e.clock.at(next, () => this.wake(rec)));
  }

  private applyPatch(rec: ScheduleRecord, patch: Patch): void {
    const spec = this.specs.get(rec)!;
    if (patch.triggerImmediately) {
      const now = timestampMs(patch.triggerImmediately.scheduledTime) || this.e.clock.now();
      this.actions.addStart(rec, now, now, patch.triggerImmediately.overlapPolicy ?? 0, true);
    }
    for (const b of patch.backfillRequest ?? []) {
      // The start time is inclusive (the real server's InclusiveBackfillStartTime).
      this.actions.processTimeRange(rec, spec, timestampMs(b.startTime) - 1, timestampMs(b.endTime), b.overlapPolicy ?? 0, true);
    }
    const state = (rec.schedule.state ??= {});
    if (patch.pause) [state.paused, state.notes] = [true, patch.pause];
    if (patch.unpause) [state.paused, state.notes] = [false, patch.unpause];
    if (patch.pause || patch.unpause) rec.conflictToken++;
  }

  private compile(rec: ScheduleRecord): void {
    this.specs.set(rec, new CompiledSpec(rec.schedule.spec ?? {}, `${rec.ns}-${rec.id}`));
  }

  /** The schedule as it is kept and described: canonical spec, resolved policies; its action checked as the real server checks it. */
  private validated(ns: string, schedule: Schedule | null | undefined): Schedule {
    const s = schedule ?? {};
    const a = s.action?.startWorkflow;
    if (a) {
      if (!a.workflowType?.name) throw invalidArgument('WorkflowType is not set on request.');
      if (!a.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
      if (a.cronSchedule) throw invalidArgument('Scheduled workflow must not contain CronSchedule');
      const reuse = a.workflowIdReusePolicy ?? 0;
      if (reuse && reuse !== enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE) {
        throw invalidArgument('WorkflowIdReusePolicy is not allowed.');
      }
      if (a.versioningOverride) throw unimplemented('action.startWorkflow.versioningOverride');
      validateAttributes(a.searchAttributes, this.e.namespaces.get(ns).customAttributes);
    }
    if (s.policies?.keepOriginalWorkflowId) throw unimplemented('policies.keepOriginalWorkflowId');
    const rec = { schedule: s } as ScheduleRecord;
    return {
      spec: canonicalizeSpec(s.spec),
      action: s.action ?? {},
      policies: {
        overlapPolicy: resolveOverlap(rec, s.policies?.overlapPolicy),
        catchupWindow: msDuration(catchupWindowMs(rec)),
        pauseOnFailure: !!s.policies?.pauseOnFailure,
      },
      state: {
        notes: s.state?.notes ?? '',
        paused: !!s.state?.paused,
        limitedActions: !!s.state?.limitedActions,
        remainingActions: s.state?.limitedActions ? long(num(s.state.remainingActions)) : long(0),
      },
    };
  }

  private info(rec: ScheduleRecord): proto.temporal.api.schedule.v1.IScheduleInfo {
    const i = rec.info;
    return {
      actionCount: long(i.actionCount),
      missedCatchupWindow: long(i.missedCatchupWindow),
      overlapSkipped: long(i.overlapSkipped),
      bufferDropped: long(i.bufferDropped),
      runningWorkflows: i.runningWorkflows,
      recentActions: i.recentActions,
      createTime: timestamp(i.createTime),
      updateTime: i.updateTime ? timestamp(i.updateTime) : undefined,
    };
  }

  /** The next action times (getFutureActionTimes): no more than the actions left, none before the last update. */
  private futureTimes(rec: ScheduleRecord, count: number) {
    const spec = this.specs.get(rec)!;
    const state = rec.schedule.state;
    const n = state?.limitedActions ? Math.min(count, num(state.remainingActions)) : count;
    const out = [];
    for (let t = spec.next(rec.lastProcessed); t && out.length < n; t = spec.next(t.next)) {
      if ((rec.info.updateTime ?? 0) <= t.next) out.push(timestamp(t.next));
    }
    return out;
  }

  private get(ns: string, id: string): ScheduleRecord {
    const rec = this.byKey.get(key(ns, id));
    if (!rec) throw notFound('schedule not found');
    return rec;
  }

  private write(rec: JournalRecord): void {
    this.journal?.write([rec]);
  }
}

const key = (ns: string, id: string) => `${ns}\u0000${id}`;

// Proto parts are journaled protobuf-encoded (base64), the rest as JSON.
const b64 = (typeName: string, value: object | null | undefined) => (value ? Buffer.from(encodeMessage(typeName, value)).toString('base64') : undefined);
const unb64 = <T>(typeName: string, value: string | undefined) => (value ? decodeMessage<T>(typeName, Buffer.from(value, 'base64')) : undefined);

function serialize(rec: ScheduleRecord): string {
  return JSON.stringify({
    ...rec,
    schedule: b64('temporal.api.schedule.v1.Schedule', rec.schedule),
    memo: b64('temporal.api.common.v1.Memo', rec.memo),
    searchAttributes: b64('temporal.api.common.v1.SearchAttributes', rec.searchAttributes),
    info: { ...rec.info, recentActions: rec.info.recentActions.map((r) => b64('temporal.api.schedule.v1.ScheduleActionResult', r)) },
    lastCompletionResult: b64('temporal.api.common.v1.Payloads', rec.lastCompletionResult),
    continuedFailure: b64('temporal.api.failure.v1.Failure', rec.continuedFailure),
  });
}

function deserialize(state: string): ScheduleRecord {
  const raw = JSON.parse(state);
  return {
    ...raw,
    schedule: unb64('temporal.api.schedule.v1.Schedule', raw.schedule),
    memo: unb64('temporal.api.common.v1.Memo', raw.memo),
    searchAttributes: unb64('temporal.api.common.v1.SearchAttributes', raw.searchAttributes),
    info: { ...raw.info, recentActions: raw.info.recentActions.map((r: string) => unb64('temporal.api.schedule.v1.ScheduleActionResult', r)) },
    lastCompletionResult: unb64('temporal.api.common.v1.Payloads', raw.lastCompletionResult),
    continuedFailure: unb64('temporal.api.failure.v1.Failure', raw.continuedFailure),
  };
}
