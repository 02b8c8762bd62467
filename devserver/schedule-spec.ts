import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { durationMs, msDuration, timestampMs, type proto } from './proto';
import { ServiceError, invalidArgument } from './errors';
import { CompiledCalendar, checkTimezone, nextIntervalTime, parseCalendar, parseCronString, type Range, type StructuredCalendar } from './calendar-spec';

type ScheduleSpec = proto.temporal.api.schedule.v1.IScheduleSpec;
type StructuredCalendarSpec = proto.temporal.api.schedule.v1.IStructuredCalendarSpec;
type RangeMsg = proto.temporal.api.schedule.v1.IRange;

const MAX_YEAR = 2100;

const toRanges = (ranges: RangeMsg[] | null | undefined): Range[] =>
  (ranges ?? []).map((r) => ({ start: r.start ?? 0, end: Math.max(r.end ?? 0, r.start ?? 0), step: r.step || 1 }));

function fromStructured(c: StructuredCalendarSpec): StructuredCalendar {
  return {
    second: toRanges(c.second),
    minute: toRanges(c.minute),
    hour: toRanges(c.hour),
    dayOfMonth: toRanges(c.dayOfMonth),
    month: toRanges(c.month),
    year: toRanges(c.year),
    dayOfWeek: toRanges(c.dayOfWeek),
    comment: c.comment ?? '',
  };
}

/** As the real server describes ranges (CleanSpec): end and step always set. */
const rangeMsg = (r: Range): RangeMsg => ({ start: r.start, end: r.end, step: r.step });

function toStructured(c: StructuredCalendar): StructuredCalendarSpec {
  return {
    second: c.second.map(rangeMsg),
    minute: c.minute.map(rangeMsg),
    hour: c.hour.map(rangeMsg),
    dayOfMonth: c.dayOfMonth.map(rangeMsg),
    month: c.month.map(rangeMsg),
    year: c.year.map(rangeMsg),
    dayOfWeek: c.dayOfWeek.map(rangeMsg),
    comment: c.comment,
  };
}

function validateCalendar(c: StructuredCalendar): void {
  const errs: string[] = [];
  const check = (ranges: Range[], field: string, min: number, max: number) => {
    for (const r of ranges) {
      if (r.start < min || r.start > max) errs.push(`${field} Start is not in range [${min}-${max}]`);
      if (r.end < r.start || r.end > max) errs.push(`${field} End is before Start or not in range [${min}-${max}]`);
    }
  };
  check(c.second, 'Second', 0, 59);
  check(c.minute, 'Minute', 0, 59);
  check(c.hour, 'Hour', 0, 23);
  check(c.dayOfMonth, 'DayOfMonth', 1, 31);
  check(c.month, 'Month', 1, 12);
  check(c.year, 'Year', 2000, MAX_YEAR);
  check(c.dayOfWeek, 'DayOfWeek', 0, 6);
  if ((c.comment ?? '').length > 200) errs.push('comment is too long');
  if (errs.length) throw new Error(`invalid calendar spec: ${errs.join(', ')}`);
}

/**
 * The spec as the real server keeps and describes it (canonicalizeSpec in spec.go): calendar strings
 * and cron strings become structured calendars and intervals, a cron string's zone the spec's.
 * Throws INVALID_ARGUMENT ("Invalid schedule spec: ...").
 */
export function canonicalizeSpec(spec: ScheduleSpec | null | undefined): ScheduleSpec {
  const s = spec ?? {};
  if (s.timezoneData?.length) throw new ServiceError(status.UNIMPLEMENTED, 'The dev server does not support ScheduleSpec.timezoneData; use timezoneName.');
  try {
    const calendars = (s.structuredCalendar ?? []).map(fromStructured);
    const excludes = (s.excludeStructuredCalendar ?? []).map(fromStructured);
    const intervals = [...(s.interval ?? [])];
    calendars.push(...(s.calendar ?? []).map(parseCalendar));
    excludes.push(...(s.excludeCalendar ?? []).map(parseCalendar));
    let timezone = s.timezoneName ?? '';
    let cronZone: string | undefined;
    for (const cron of s.cronString ?? []) {
      const parsed = parseCronString(cron);
      if (cronZone !== undefined && parsed.timezone !== cronZone) throw new Error('conflicting timezone names');
      cronZone = parsed.timezone;
      if (parsed.calendar) calendars.push(parsed.calendar);
      if (parsed.interval) intervals.push({ interval: msDuration(parsed.interval.everyMs), phase: parsed.interval.phaseMs ? msDuration(parsed.interval.phaseMs) : undefined });
    }
    if (cronZone) {
      if (timezone && timezone !== cronZone) throw new Error('conflicting timezone names');
      timezone = cronZone;
    }
    calendars.forEach(validateCalendar);
    for (const iv of intervals) {
      const [every, phase] = [durationMs(iv.interval), durationMs(iv.phase)];
      if (every < 1000) throw new Error('interval is too small');
      if (phase < 0) throw new Error('phase is negative');
      if (phase >= every) throw new Error('phase cannot be greater than Interval');
    }
    checkTimezone(timezone);
    return {
      structuredCalendar: calendars.map(toStructured),
      interval: intervals,
      excludeStructuredCalendar: excludes.map(toStructured),
      startTime: s.startTime,
      endTime: s.endTime,
      jitter: s.jitter,
      timezoneName: timezone,
    };
  } catch (err) {
    throw invalidArgument(`Invalid schedule spec: ${(err as Error).message}`);
  }
}

export interface NextTime {
  /** The time the spec names. */
  nominal: number;
  /** The nominal time plus jitter: when the action is taken. */
  next: number;
}

/** A canonical spec ready to give action times (CompiledSpec in spec.go). */
export class CompiledSpec {
  private readonly calendars: CompiledCalendar[];
  private readonly excludes: CompiledCalendar[];
  private readonly intervals: { everyMs: number; phaseMs: number }[];
  private readonly startMs: number;
  private readonly endMs?: number;
  private readonly jitterMs: number;

  constructor(
    spec: ScheduleSpec,
    private readonly jitterSeed: string,
  ) {
    const tz = spec.timezoneName ?? '';
    this.calendars = (spec.structuredCalendar ?? []).map((c) => new CompiledCalendar(fromStructured(c), tz));
    this.excludes = (spec.excludeStructuredCalendar ?? []).map((c) => new CompiledCalendar(fromStructured(c), tz));
    this.intervals = (spec.interval ?? []).map((iv) => ({ everyMs: durationMs(iv.interval), phaseMs: durationMs(iv.phase) }));
    this.startMs = spec.startTime ? timestampMs(spec.startTime) : 0;
    this.endMs = spec.endTime ? timestampMs(spec.endTime) : undefined;
    this.jitterMs = durationMs(spec.jitter);
  }

  private rawNext(after: number): number | undefined {
    const times = [...this.calendars.map((c) => c.next(after)), ...this.intervals.map((iv) => nextIntervalTime(iv, after))];
    const defined = times.filter((t): t is number => t !== undefined);
    return defined.length ? Math.min(...defined) : undefined;
  }

  /** The first action time after `after` that the spec names and no exclusion matches, within start and end times. */
  next(after: number): NextTime | undefined {
    let from = Math.max(after, this.startMs - 1000);
    for (;;) {
      const nominal = this.rawNext(from);
      if (nominal === undefined || (this.endMs !== undefined && nominal > this.endMs) || new Date(nominal).getUTCFullYear() > MAX_YEAR) return undefined;
      if (!this.excludes.some((x) => x.matches(nominal))) return { nominal, next: nominal + this.jitter(nominal) };
      from = nominal;
    }
  }

  /**
   * Jitter as the real server bounds it (never past the next nominal time) and keeps it deterministic per
   * schedule and time; the hash is the dev server's own (sha256, not farmhash), so the values differ.
   */
  private jitter(nominal: number): number {
    if (this.jitterMs <= 0) return 0;
    const following = this.rawNext(nominal);
    const max = following === undefined ? this.jitterMs : Math.min(this.jitterMs, following - nominal);
    const hash = createHash('sha256').update(`${nominal}:${this.jitterSeed}`).digest().readUInt32BE(0);
    return Math.floor((hash * max) / 2 ** 32);
  }
}
