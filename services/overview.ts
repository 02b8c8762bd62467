// The operations overview: the whole exchange and each instance pair (consumer → provider) at a
// glance: requests by state, write backlog per side, failing writes, SLA breaches and escalations,
// and each instance database's health.
import { mapLimit } from '../app/concurrency';
import { consumerRequestCounts } from '../db/repositories/request-counts';
import { isOpen, type ConsumerState } from '../domain/model';
import { checkHealth } from './health';
import { listRequests } from './operations';
import { readWriteBacklog, type WriteBacklog } from './write-backlog';
import type { ServiceDeps } from './deps';

/** Running requests whose write backlog one overview reads (each a describe and a query). */
export const OVERVIEW_RUNNING_MAX = 500;
const BACKLOG_CONCURRENCY = 8;

export interface SideBacklog {
  /** Writes queued for this side, over all running requests. */
  pending: number;
  /** When the oldest of them was accepted. */
  oldestPendingAt: string | null;
}

export interface OverviewCounts {
  total: number;
  byState: Record<string, number>;
  /** Open requests per escalation level (1 and up). */
  escalations: Record<string, number>;
  /** Running requests with an SLA clock breached. */
  breached: number;
  backlog: { consumer: SideBacklog; provider: SideBacklog };
  /** Running requests with a write Temporal is retrying. */
  failing: number;
}

/** A running request that needs a look: writes queued or failing, an SLA breached, or escalated. */
export interface OverviewRequest {
  workflowId: string;
  number: string;
  providerNumber: string | null;
  state: string;
  escalationLevel: number;
  slaBreached: boolean;
  sync: WriteBacklog;
}

export interface Overview {
  generatedAt: string;
  /** Where the page links each request's workflow: `${url}/namespaces/${namespace}/workflows/${id}`; url null: no Temporal UI known. */
  temporalUi: { url: string | null; namespace: string };
  totals: OverviewCounts;
  pairs: Array<{ consumer: string; provider: string; counts: OverviewCounts; requests: OverviewRequest[] }>;
  databases: Awaited<ReturnType<typeof checkHealth>>['instances'];
  /** Instances whose counts could not be read (their database is down): their pairs' states are missing. */
  countsUnavailable: string[];
  /** Running requests whose backlog was read; truncated: there were more than OVERVIEW_RUNNING_MAX. */
  running: { read: number; truncated: boolean };
}

const emptyCounts = (): OverviewCounts => ({
  total: 0,
  byState: {},
  escalations: {},
  breached: 0,
  backlog: { consumer: { pending: 0, oldestPendingAt: null }, provider: { pending: 0, oldestPendingAt: null } },
  failing: 0,
});

const earliest = (a: string | null, b: string | null) => (a && b ? (a < b ? a : b) : (a ?? b));
const add = (map: Record<string, number>, key: string, n: number) => (map[key] = (map[key] ?? 0) + n);

/**
 * States and escalations come from the instances' databases: one grouped query per instance, the
 * record each side shows (Temporal's workflow count groups by ExecutionStatus only). Backlogs,
 * failing writes and breaches are live facts of running workflows: listed by visibility, each
 * backlog read from its workflow, a few at a time and at most OVERVIEW_RUNNING_MAX.
 */
export async function exchangeOverview(deps: ServiceDeps, temporalUiUrl: string | undefined): Promise<Overview> {
  const [health, counted, running] = await Promise.all([
    checkHealth(deps),
    Promise.all(deps.instances.ids.map((id) => consumerRequestCounts(deps.instances.db(id)).then((rows) => ({ id, rows }), () => ({ id, rows: null })))),
    listRequests(deps, `ExecutionStatus = 'Running'`, OVERVIEW_RUNNING_MAX + 1),
  ]);
  const read = running.slice(0, OVERVIEW_RUNNING_MAX);
  const backlogs = await mapLimit(read, BACKLOG_CONCURRENCY, (r) => readWriteBacklog(deps.temporal, r.workflowId));

  const totals = emptyCounts();
  const pairs = new Map<string, Overview['pairs'][number]>();
  const pair = (consumer: string, provider: string) => {
    const key = `${consumer}\u0000${provider}`;
    if (!pairs.has(key)) pairs.set(key, { consumer, provider, counts: emptyCounts(), requests: [] });
    return pairs.get(key)!;
  };

  for (const { id, rows } of counted) {
    for (const row of rows ?? []) {
      for (const c of [totals, pair(id, row.provider).counts]) {
        c.total += row.count;
        add(c.byState, row.state, row.count);
        if (row.escalationLevel > 0 && isOpen(row.state as ConsumerState)) add(c.escalations, String(row.escalationLevel), row.count);
      }
    }
  }

  read.forEach((r, i) => {
    const attrs = r.searchAttributes;
    const sync = backlogs[i];
    const entry: OverviewRequest = {
      workflowId: r.workflowId,
      number: String(attrs.ProviderTaskNumber ?? ''),
      providerNumber: typeof attrs.ParentTaskNumber === 'string' ? attrs.ParentTaskNumber : null,
      state: String(attrs.ExchangeState ?? ''),
      escalationLevel: Number(attrs.EscalationLevel ?? 0),
      slaBreached: attrs.SlaBreached === true,
      sync,
    };
    const p = pair(String(attrs.ConsumerInstance), String(attrs.ProviderInstance));
    for (const c of [totals, p.counts]) {
      if (entry.slaBreached) c.breached++;
      if (sync.status === 'failing') c.failing++;
      for (const side of ['consumer', 'provider'] as const) {
        c.backlog[side].pending += sync.pending?.[side] ?? 0;
        c.backlog[side].oldestPendingAt = earliest(c.backlog[side].oldestPendingAt, sync.oldestPendingAt[side]);
      }
    }
    if (sync.status !== 'in_sync' || entry.slaBreached || entry.escalationLevel > 0) p.requests.push(entry);
  });

  return {
    generatedAt: new Date().toISOString(),
    temporalUi: { url: temporalUiUrl ?? null, namespace: deps.temporal.options.namespace },
    totals,
    pairs: [...pairs.values()].sort((a, b) => a.consumer.localeCompare(b.consumer) || a.provider.localeCompare(b.provider)),
    databases: health.instances,
    countsUnavailable: counted.filter((c) => c.rows === null).map((c) => c.id),
    running: { read: read.length, truncated: running.length > OVERVIEW_RUNNING_MAX },
  };
}
