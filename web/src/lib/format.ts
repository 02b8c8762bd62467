// How the pages show the API's values to people: state names, priorities, times in the user's own
// time zone (Intl, the browser's locale and zone), durations.

const words = (s: string) => s.replace(/_/g, ' ');
const capitalized = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

const STATE_LABELS: Record<string, string> = {
  new: 'New',
  received: 'Received',
  work_in_progress: 'Work in Progress',
  awaiting_info: 'Awaiting Info',
  resolved: 'Resolved',
  closed: 'Closed',
  cancelled: 'Cancelled',
};
export const stateLabel = (state: string) => STATE_LABELS[state] ?? capitalized(words(state));
/** The states in the order a request moves through them. */
export const stateOrder = (a: string, b: string) => {
  const rank = (s: string) => (s in STATE_LABELS ? Object.keys(STATE_LABELS).indexOf(s) : Infinity);
  return rank(a) - rank(b) || a.localeCompare(b);
};

const PRIORITY_LABELS: Record<number, string> = { 1: 'Critical', 2: 'High', 3: 'Moderate', 4: 'Low' };
export const priorityLabel = (p: number) => `${p} – ${PRIORITY_LABELS[p] ?? 'Unknown'}`;

const KIND_LABELS: Record<string, string> = {
  help_request: 'Help requests',
  service_affecting_issue: 'Service-affecting issues',
  change_request: 'Change requests',
};
export const kindLabel = (kind: string) => KIND_LABELS[kind] ?? capitalized(words(kind));

const RESOLUTION_LABELS: Record<string, string> = {
  solved: 'Solved',
  workaround: 'Workaround',
  not_reproducible: 'Not reproducible',
  duplicate: 'Duplicate',
  rejected_by_provider: 'Rejected by provider',
};
export const resolutionLabel = (code: string) => RESOLUTION_LABELS[code] ?? capitalized(words(code));

const SLA_LABELS: Record<string, string> = {
  response: 'Response',
  resolution: 'Resolution',
  acceptance: 'Acceptance',
  responseTime: 'Response time',
  resolutionTime: 'Resolution time',
  acceptanceWindow: 'Acceptance window',
};
export const slaLabel = (name: string) => SLA_LABELS[name] ?? capitalized(words(name));

const TYPE_LABELS: Record<string, string> = { provider_task: 'Provider Task', case: 'Case', incident: 'Incident', change: 'Change' };
export const taskTypeLabel = (type: string) => TYPE_LABELS[type] ?? capitalized(words(type));

export const roleLabel = (role: string) => capitalized(role);

/** A date and time in the user's locale and time zone, e.g. "12 Mar 2026, 14:05". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A time of day to the second, in the user's locale and time zone, e.g. "2:05:09 PM". */
export const formatClock = (iso: string) => new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' }).format(new Date(iso));

/** The user's time zone, as shown beside times ("Europe/Berlin"). */
export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Milliseconds of an ISO-8601 duration (P1DT2H3M4S, PT4H, P2W); NaN when it is not one. */
export function parseIsoDuration(iso: string): number {
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m) return Number.NaN;
  const [w, d, h, min, s] = m.slice(1).map((x) => (x ? Number(x) : 0)) as [number, number, number, number, number];
  return ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
}

/** A duration for people: "3 d 4 h", "2 h 05 min", "4 min 09 s", "45 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const total = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return `${h} h ${pad(m)} min`;
  if (m) return `${m} min ${pad(s)} s`;
  return `${s} s`;
}

/** An SLA target as written in a catalog item ("4h", "PT4H"), for people. */
export function formatTarget(target: string | undefined): string {
  if (!target) return '';
  const short = /^(\d+)\s*([smhdw])$/i.exec(target.trim());
  if (short) {
    const unit = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' }[short[2]!.toLowerCase() as 's']!;
    const n = Number(short[1]);
    return `${n} ${unit}${n === 1 ? '' : 's'}`;
  }
  const ms = parseIsoDuration(target.toUpperCase());
  return Number.isNaN(ms) ? target : formatDuration(ms);
}

/** What an audit entry's action did, for people. */
export function auditLabel(action: string): string {
  const labels: Record<string, string> = {
    submitted: 'Submitted',
    received: 'Received',
    receive: 'Received by the provider',
    linked: 'Linked to the provider\'s task',
    assign: 'Assigned',
    comment: 'Commented',
    work_note: 'Work note',
    request_info: 'Requested info',
    propose_solution: 'Proposed a solution',
    accept: 'Accepted',
    reject: 'Rejected the solution',
    cancel: 'Cancelled',
    escalate: 'Escalated (SLA breached)',
    remind: 'Reminder sent',
    auto_close: 'Closed automatically (acceptance window ended)',
  };
  return labels[action] ?? capitalized(words(action));
}
