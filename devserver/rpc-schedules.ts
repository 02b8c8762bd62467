import { timestamp, timestampMs } from './proto';
import { invalidArgument } from './errors';
import { decodeAttribute } from './search-attributes';
import { VisibilityQueryError, compileVisibilityQuery, type RecordValue } from './visibility-query';
import { pageToken, readPageToken, type Handlers, type RequestOf } from './rpc-common';
import type { Engine } from './engine';
import type { NamespaceState } from './namespaces';
import type { proto } from './proto';

type ScheduleListEntry = proto.temporal.api.schedule.v1.IScheduleListEntry;

/** WorkflowService: schedules (create, describe, update, patch, delete, list, matching times). */
export function scheduleHandlers(engine: Engine): Handlers {
  const { namespaces, schedules } = engine;
  const nsOf = (name: string) => namespaces.get(name).name;
  return {
    CreateSchedule: (req: RequestOf<'CreateScheduleRequest'>) => {
      if (!req.requestId) throw invalidArgument('RequestId is not set on request.');
      const ns = nsOf(req.namespace);
      schedules.create(ns, req);
      return { conflictToken: schedules.describe(ns, req.scheduleId).conflictToken };
    },
    DescribeSchedule: (req: RequestOf<'DescribeScheduleRequest'>) => schedules.describe(nsOf(req.namespace), req.scheduleId),
    UpdateSchedule: (req: RequestOf<'UpdateScheduleRequest'>) => {
      schedules.update(nsOf(req.namespace), req);
      return {};
    },
    PatchSchedule: (req: RequestOf<'PatchScheduleRequest'>) => {
      schedules.patch(nsOf(req.namespace), req.scheduleId, req.patch);
      return {};
    },
    DeleteSchedule: (req: RequestOf<'DeleteScheduleRequest'>) => {
      schedules.delete(nsOf(req.namespace), req.scheduleId);
      return {};
    },
    ListSchedules: (req: RequestOf<'ListSchedulesRequest'>) => {
      const ns = namespaces.get(req.namespace);
      const kinds = new Map([...ns.customAttributes, ['ScheduleId', 'Keyword'] as const, ['TemporalSchedulePaused', 'Bool'] as const]);
      let query;
      try {
        query = compileVisibilityQuery(req.query ?? '', kinds);
      } catch (err) {
        if (err instanceof VisibilityQueryError) throw invalidArgument(err.message);
        throw err;
      }
      const all = schedules.list(ns.name).filter((entry) => query.matches(scheduleReader(entry, ns)));
      const from = readPageToken<{ from: number }>(req.nextPageToken)?.from ?? 0;
      const size = req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
      const page = all.slice(from, from + size);
      return { schedules: page, nextPageToken: from + page.length < all.length ? pageToken({ from: from + page.length }) : undefined };
    },
    ListScheduleMatchingTimes: (req: RequestOf<'ListScheduleMatchingTimesRequest'>) => {
      if (!req.startTime || !req.endTime) throw invalidArgument('missing or invalid query');
      const times = schedules.matchingTimes(nsOf(req.namespace), req.scheduleId, timestampMs(req.startTime), timestampMs(req.endTime));
      return { startTime: times.map(timestamp) };
    },
  };
}

/**
 * What a list query reads of a schedule: its id, whether it is paused, its search attributes; and as
 * the real server's scheduler workflow (one per schedule, running, in the TemporalScheduler division),
 * which a count of workflows in that division finds (the Temporal UI's schedules count).
 */
export function scheduleReader(entry: ScheduleListEntry, ns: NamespaceState): (name: string) => RecordValue {
  return (name) => {
    if (name === 'ScheduleId') return entry.scheduleId ?? undefined;
    if (name === 'TemporalSchedulePaused') return !!entry.info?.paused;
    if (name === 'TemporalNamespaceDivision') return 'TemporalScheduler';
    if (name === 'ExecutionStatus') return 'Running';
    if (name === 'WorkflowId') return `temporal-sys-scheduler:${entry.scheduleId}`;
    if (name === 'WorkflowType') return 'temporal-sys-scheduler-workflow';
    const payload = entry.searchAttributes?.indexedFields?.[name];
    const kind = ns.customAttributes.get(name);
    return payload && kind ? decodeAttribute(kind, payload) : undefined;
  };
}
