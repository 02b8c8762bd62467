import { invalidArgument } from './errors';

/**
 * Calendar matching as Temporal's schedules do it (service/worker/scheduler/calendar.go), and the cron
 * strings both schedules and cron workflows take. A calendar is a set of ranges per field; a time
 * matches when every field matches. Times have one-second resolution; zones go through Intl.
 */

export interface Range {
  start: number;
  end: number;
  step: number;
}

export interface StructuredCalendar {
  second: Range[];
  minute: Range[];
  hour: Range[];
  dayOfMonth: Range[];
  month: Range[];
  /** Empty: every year. */
  year: Range[];
  dayOfWeek: Range[];
  comment?: string;
}

/** The string form of a calendar (CalendarSpec), empty fields taking Temporal's defaults. */
export interface CalendarStrings {
  second?: string | null;
  minute?: string | null;
  hour?: string | null;
  dayOfMonth?: string | null;
  month?: string | null;
  year?: string | null;
  dayOfWeek?: string | null;
  comment?: string | null;
}

export interface Interval {
  everyMs: number;
  phaseMs: number;
}

const MIN_YEAR = 2000;
const MAX_YEAR = 2100;
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
type Mode = 'int' | 'year' | 'month' | 'dow';

function parseValue(s: string, min: number, max: number, mode: Mode): number {
  const lower = s.toLowerCase();
  const names = mode === 'month' && s.length >= 3 ? MONTHS : mode === 'dow' && s.length >= 2 ? DAYS : undefined;
  const named = names?.findIndex((n) => n.startsWith(lower)) ?? -1;
  const value = named >= 0 ? named + (mode === 'month' ? 1 : 0) : /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(value >= min && value <= max)) throw new Error('out of range');
  return value;
}

/** One field of a calendar string ("1-5/2,8", "*", "mon-fri") as ranges (makeRange in calendar.go). */
function makeRange(raw: string | null | undefined, field: string, def: string, min: number, max: number, mode: Mode): Range[] {
  const s = raw?.trim() || def;
  if (s === '*' && mode === 'year') return [];
  const ranges: Range[] = [];
  for (let part of s.split(',')) {
    let step = 1;
    const slash = part.split('/');
    if (slash.length > 2) throw new Error(`${field} has too many slashes`);
    if (slash.length === 2) {
      if (!/^\d+$/.test(slash[1]) || Number(slash[1]) < 1) throw new Error(`${field} has invalid Step`);
      [part, step] = [slash[0], Number(slash[1])];
    }
    let [start, end] = [min, max];
    if (part !== '*') {
      const dash = part.split('-');
      if (dash.length > 2) throw new Error(`${field} has too many dashes`);
      const check = <T>(fn: () => T, message: string): T => {
        try {
          return fn();
        } catch {
          throw new Error(message);
        }
      };
      start = check(() => parseValue(dash[0], min, max, mode), `${field} ${dash.length === 2 ? 'Start is' : 'is'} not in range [${min}-${max}]`);
      if (dash.length === 2) end = check(() => parseValue(dash[1], start, max, mode), `${field} End is before Start or not in range [${min}-${max}]`);
      else if (slash.length === 1) end = start;
    }
    // Sunday may be written 7: it becomes 0 (calendar.go's special case).
    if (mode === 'dow' && end === 7) {
      if ((7 - start) % step === 0 && (step > 1 || start > 1)) {
        ranges.push({ start: 0, end: 0, step: 1 });
        if (start === 7) continue;
      }
      end = 6;
    }
    ranges.push({ start, end, step });
  }
  return ranges;
}

/** A CalendarSpec (strings) as a StructuredCalendarSpec, with Temporal's defaults: second, minute and hour 0, the rest every. */
export function parseCalendar(cal: CalendarStrings): StructuredCalendar {
  return {
    second: makeRange(cal.second, 'Second', '0', 0, 59, 'int'),
    minute: makeRange(cal.minute, 'Minute', '0', 0, 59, 'int'),
    hour: makeRange(cal.hour, 'Hour', '0', 0, 23, 'int'),
    dayOfWeek: makeRange(cal.dayOfWeek, 'DayOfWeek', '*', 0, 7, 'dow'),
    dayOfMonth: makeRange(cal.dayOfMonth, 'DayOfMonth', '*', 1, 31, 'int'),
    month: makeRange(cal.month, 'Month', '*', 1, 12, 'month'),
    year: makeRange(cal.year, 'Year', '*', MIN_YEAR, MAX_YEAR, 'year'),
    comment: cal.comment ?? '',
  };
}

const PREDEFINED: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Go-style durations ("1h30m", "90s", "1.5h") in ms. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== s) throw new Error(`invalid duration "${s}"`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]], 0);
}

export interface ParsedCron {
  calendar?: StructuredCalendar;
  interval?: Interval;
  /** From a CRON_TZ= or TZ= prefix; empty when absent. */
  timezone: string;
  /** robfig/cron's rule (cron workflows): with both day fields restricted, a day matches either. */
  dayOrDay: boolean;
}

/** A cron string as Temporal parses it (parseCronString): 5 to 7 fields, @every, @hourly and the like, a zone prefix, a # comment. */
export function parseCronString(input: string): ParsedCron {
  let c = input.trim();
  let timezone = '';
  if (c.startsWith('TZ=') || c.startsWith('CRON_TZ=')) {
    const space = c.indexOf(' ');
    if (space < 0) throw new Error('CronString has time zone but missing fields');
    timezone = c.slice(c.indexOf('=') + 1, space);
    c = c.slice(space + 1);
  }
  const hash = c.indexOf('#');
  const comment = hash >= 0 ? c.slice(hash + 1).trim() : '';
  c = (hash >= 0 ? c.slice(0, hash) : c).trim();
  if (c.startsWith('@every')) {
    const [every, phase] = (c.split(/\s+/)[1] ?? '').split('/');
    if (!every) throw new Error('CronString does not have interval after @every');
    return { interval: { everyMs: parseGoDuration(every), phaseMs: phase ? parseGoDuration(phase) : 0 }, timezone, dayOrDay: false };
  }
  const f = (PREDEFINED[c] ?? c).split(/\s+/).filter(Boolean);
  const cal: CalendarStrings | undefined =
    f.length === 5
      ? { minute: f[0], hour: f[1], dayOfMonth: f[2], month: f[3], dayOfWeek: f[4] }
      : f.length === 6
        ? { minute: f[0], hour: f[1], dayOfMonth: f[2], month: f[3], dayOfWeek: f[4], year: f[5] }
        : f.length === 7
          ? { second: f[0], minute: f[1], hour: f[2], dayOfMonth: f[3], month: f[4], dayOfWeek: f[5], year: f[6] }
          : undefined;
  if (!cal) throw new Error('CronString does not have 5-7 fields');
  // robfig treats a day field as unrestricted when it is "*" or "?" without a step above 1.
  const restricted = (s?: string | null) => !/^[*?](\/1)?$/.test(s ?? '*');
  return { calendar: parseCalendar({ ...cal, comment }), timezone, dayOrDay: restricted(cal.dayOfMonth) && restricted(cal.dayOfWeek) };
}

// ---------------------------------------------------------------- time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws for a zone name Intl does not know. */
export function checkTimezone(tz: string): void {
  if (tz && tz !== 'UTC') formatter(tz);
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  return f;
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function wallAt(ms: number, tz: string): Wall {
  if (!tz || tz === 'UTC') {
    const t = new Date(ms);
    return { y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds() };
  }
  const p = Object.fromEntries(formatter(tz).formatToParts(ms).map((x) => [x.type, Number(x.value)]));
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

const wallAsUtc = (w: Wall) => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);

/** The instant a wall-clock time names in a zone (a time a DST jump skips lands an hour later, as Go's time.Date). */
function instantOf(w: Wall, tz: string): number {
  const guess = wallAsUtc(w);
  if (!tz || tz === 'UTC') return guess;
  const offset = (ms: number) => wallAsUtc(wallAt(ms, tz)) - Math.floor(ms / 1000) * 1000;
  return guess - offset(guess - offset(guess));
}

const daysInMonth = (mo: number, y: number) => new Date(Date.UTC(y, mo, 0)).getUTCDate();
const weekday = (y: number, mo: number, d: number) => new Date(Date.UTC(y, mo - 1, d)).getUTCDay();

// ---------------------------------------------------------------- matching

function bitMatcher(ranges: Range[]): (v: number) => boolean {
  const set = new Set<number>();
  for (const r of ranges) for (let v = r.start; v <= Math.max(r.end, r.start); v += r.step || 1) set.add(v);
  return (v) => set.has(v);
}

/** A calendar ready to match times in its zone (compiledCalendar in calendar.go). */
export class CompiledCalendar {
  private readonly year: (v: number) => boolean;
  private readonly month: (v: number) => boolean;
  private readonly dom: (v: number) => boolean;
  private readonly dow: (v: number) => boolean;
  private readonly hour: (v: number) => boolean;
  private readonly minute: (v: number) => boolean;
  private readonly second: (v: number) => boolean;

  constructor(
    cal: StructuredCalendar,
    private readonly tz = '',
    private readonly dayOrDay = false,
  ) {
    this.year = cal.year.length ? bitMatcher(cal.year) : () => true;
    this.month = bitMatcher(cal.month);
    this.dom = bitMatcher(cal.dayOfMonth);
    this.dow = bitMatcher(cal.dayOfWeek);
    this.hour = bitMatcher(cal.hour);
    this.minute = bitMatcher(cal.minute);
    this.second = bitMatcher(cal.second);
  }

  private day(y: number, mo: number, d: number): boolean {
    const [a, b] = [this.dom(d), this.dow(weekday(y, mo, d))];
    return this.dayOrDay ? a || b : a && b;
  }

  matches(ms: number): boolean {
    const w = wallAt(ms, this.tz);
    return this.year(w.y) && this.month(w.mo) && this.day(w.y, w.mo, w.d) && this.hour(w.h) && this.minute(w.mi) && this.second(w.s);
  }

  /**
   * The first matching whole second after `afterMs`, or undefined past year 2100. Searches field by
   * field, outside in, as calendar.go does. (A wall time that a DST change repeats matches once, the first time.)
   */
  next(afterMs: number): number | undefined {
    const w = wallAt(afterMs, this.tz);
    w.s++;
    for (;;) {
      if (w.s >= 60) [w.mi, w.s] = [w.mi + 1, 0];
      if (w.mi >= 60) [w.h, w.mi] = [w.h + 1, 0];
      if (w.h >= 24) [w.d, w.h] = [w.d + 1, 0];
      if (w.d > daysInMonth(w.mo, w.y)) [w.mo, w.d] = [w.mo + 1, 1];
      if (w.mo > 12) [w.y, w.mo] = [w.y + 1, 1];
      if (w.y > MAX_YEAR) return undefined;
      if (!this.year(w.y)) {
        Object.assign(w, { y: w.y + 1, mo: 1, d: 1, h: 0, mi: 0, s: 0 });
        continue;
      }
      if (!this.month(w.mo)) {
        Object.assign(w, { mo: w.mo + 1, d: 1, h: 0, mi: 0, s: 0 });
        continue;
      }
      if (!this.day(w.y, w.mo, w.d)) {
        Object.assign(w, { d: w.d + 1, h: 0, mi: 0, s: 0 });
        continue;
      }
      if (!this.hour(w.h)) {
        Object.assign(w, { h: w.h + 1, mi: 0, s: 0 });
        continue;
      }
      if (!this.minute(w.mi)) {
        Object.assign(w, { mi: w.mi + 1, s: 0 });
        continue;
      }
      if (!this.second(w.s)) {
        w.s++;
        continue;
      }
      const at = instantOf(w, this.tz);
      // A wall time a DST jump skips does not exist: go on from the next hour.
      if (wallAt(at, this.tz).h !== w.h || at <= afterMs) {
        Object.assign(w, { h: w.h + 1, mi: 0, s: 0 });
        continue;
      }
      return at;
    }
  }
}

/** The next time of an interval spec after `afterMs` (nextIntervalTime in spec.go: multiples of `every` since the epoch, plus the phase). */
export function nextIntervalTime(iv: Interval, afterMs: number): number {
  const every = Math.max(Math.floor(iv.everyMs / 1000), 1);
  const phase = Math.max(Math.floor(iv.phaseMs / 1000), 0);
  const ts = Math.floor(afterMs / 1000);
  return ((Math.trunc((ts - phase) / every) + 1) * every + phase) * 1000;
}

// ---------------------------------------------------------------- cron workflows

/**
 * A workflow's cronSchedule, as the real server reads it with robfig/cron's standard parser: five
 * fields (or @every, @hourly...), in UTC unless CRON_TZ= names a zone. Throws INVALID_ARGUMENT.
 */
export function compileCronSchedule(cron: string): (afterMs: number) => number | undefined {
  let parsed: ParsedCron;
  try {
    parsed = parseCronString(cron);
    checkTimezone(parsed.timezone);
  } catch {
    throw invalidArgument('invalid CronSchedule.');
  }
  const fields = cron.replace(/^(CRON_)?TZ=\S+\s+/, '').trim();
  if (!fields.startsWith('@') && fields.split(/\s+/).length !== 5) throw invalidArgument('invalid CronSchedule.');
  const { interval, calendar, timezone, dayOrDay } = parsed;
  // robfig's @every: the delay after the (whole-second) previous time, at least a second.
  if (interval) return (after) => Math.floor(after / 1000) * 1000 + Math.max(1000, Math.floor(interval.everyMs / 1000) * 1000);
  const compiled = new CompiledCalendar(calendar!, timezone, dayOrDay);
  return (after) => compiled.next(after);
}

/**
 * How long the next run of a cron workflow waits (GetBackoffForNextSchedule in common/backoff/cron.go):
 * until the first tick after the run's scheduled time that is not before now, rounded up to whole seconds.
 */
export function cronBackoffMs(cron: string, scheduledMs: number, nowMs: number): number | undefined {
  const next = compileCronSchedule(cron);
  let at: number | undefined;
  if (nowMs < scheduledMs) at = scheduledMs;
  else for (at = next(scheduledMs); at !== undefined && at < nowMs; ) at = next(at);
  return at === undefined ? undefined : Math.ceil((at - nowMs) / 1000) * 1000;
}
