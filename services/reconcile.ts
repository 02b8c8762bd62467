// Reconciliation: walks every exchanged request in every instance's database, reads its counterpart in
// the other instance and its workflow, and reports drift (domain/drift.ts decides what differs).
import { WorkflowClient, WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { snapshotQuery, type ExchangeSnapshot } from '../workflows/definitions';
import {
  compareExchange,
  type Difference,
  type DriftAttachment,
  type DriftComment,
  type DriftEscalation,
  type DriftResult,
  type DriftSide,
  type ProviderTaskRecord,
  type ParentTaskRecord,
  type WorkflowStatus,
} from '../domain/drift';
import type { InstanceDatabases } from '../db/instances';
import { mapLimit } from '../app/concurrency';

export interface DriftedRequest {
  workflowId: string;
  consumerInstance: string;
  /** The consumer's Provider Task number (for a parent task with no consumer record: the number it points at). */
  consumerNumber: string;
  providerInstance: string;
  providerNumber: string | null;
  differences: Difference[];
}

export interface ReconcileReport {
  /** Requests examined: every consumer Provider Task, plus provider parent tasks with no consumer record. */
  checked: number;
  inSync: number;
  /** Requests whose only differences are writes their workflow still has queued (a system in motion). */
  pending: number;
  drifted: DriftedRequest[];
  /** The requests counted in `pending`, with the differences their queued writes will resolve. */
  pendingRequests: DriftedRequest[];
  /** Requests whose workflow exists but could not be read (e.g. no worker answered the query): compared database to database only. */
  workflowUnavailable: number;
}

export interface ReconcileOptions {
  /** Rows read per query (default 200). */
  pageSize?: number;
  /** Workflows read at the same time (default 8). */
  concurrency?: number;
  /** How long a snapshot query of an open workflow may take (default 10 s). */
  queryTimeoutMs?: number;
  /** Re-reads of a running request that looks drifted, after these pauses: a change may have landed between reads. */
  recheckDelaysMs?: number[];
  /** Query open workflows (default true). False when no worker can answer, e.g. a dev server this process started. */
  queryRunning?: boolean;
  progress?: (message: string) => void;
}

// What the two sides' task rows must agree on, beside each side's own link to the other.
const AGREED_COLUMNS = ['state', 'assigned_to_name', 'resolution_code', 'resolution_notes', 'priority', 'escalation_level'] as const;
const CONSUMER_COLUMNS = ['number', 'workflow_id', 'provider_instance', 'provider_number', ...AGREED_COLUMNS] as const;
const PROVIDER_COLUMNS = ['number', 'workflow_id', 'consumer_instance', 'consumer_number', ...AGREED_COLUMNS] as const;
const COMMENT_COLUMNS = ['id', 'task_number', 'seq', 'visibility', 'author_name', 'body', 'origin_instance'] as const;
const ESCALATION_COLUMNS = ['id', 'task_number', 'sla', 'level', 'priority'] as const;

type ConsumerRow = ProviderTaskRecord & { provider_instance: string };
type ProviderRow = ParentTaskRecord & { consumer_instance: string };

interface WorkflowRead {
  status: WorkflowStatus;
  snapshot: ExchangeSnapshot | null;
}

const groupBy = <T>(items: T[], key: (item: T) => string) => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Compares every exchanged request across the instances' databases and its workflow. */
export async function reconcile(instances: InstanceDatabases, temporal: Client, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const pageSize = options.pageSize ?? 200;
  const concurrency = options.concurrency ?? 8;
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  const recheckDelays = options.recheckDelaysMs ?? [250, 1000];
  const progress = options.progress ?? (() => {});
  const queryRunning = options.queryRunning ?? true;
  // A plain workflow client: reading a completed workflow's result must not let a testing
  // client's time-skipping clock jump ahead.
  const workflows = new WorkflowClient({
    connection: temporal.connection,
    namespace: temporal.options.namespace,
    dataConverter: temporal.options.dataConverter,
  });
  const report: ReconcileReport = { checked: 0, inSync: 0, pending: 0, drifted: [], pendingRequests: [], workflowUnavailable: 0 };
  const known = new Set(instances.ids);

  /** The workflow's snapshot: a completed one's result (no worker needed), otherwise a query. */
  async function readWorkflow(workflowId: string): Promise<WorkflowRead & { unavailable: boolean }> {
    const handle = workflows.getHandle(workflowId);
    let statusName: string;
    try {
      statusName = (await temporal.withDeadline(Date.now() + queryTimeoutMs, () => handle.describe())).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5)) return { status: 'missing', snapshot: null, unavailable: false };
      throw err;
    }
    const status: WorkflowStatus = statusName === 'RUNNING' || statusName === 'PAUSED' ? 'running' : 'closed';
    if (statusName === 'COMPLETED') {
      try {
        return { status, snapshot: await temporal.withDeadline(Date.now() + queryTimeoutMs, () => handle.result()), unavailable: false };
      } catch {
        // fall through to the query
      }
    }
    if (status === 'running' && !queryRunning) return { status, snapshot: null, unavailable: true };
    try {
      const snapshot = await temporal.withDeadline(Date.now() + queryTimeoutMs, () => handle.query(snapshotQuery));
      return { status, snapshot, unavailable: false };
    } catch {
      return { status, snapshot: null, unavailable: true };
    }
  }

  async function commentsOf(instance: string, numbers: string[]) {
    if (!numbers.length) return new Map<string, DriftComment[]>();
    const rows = await instances
      .db(instance)
      .selectFrom('comments')
      .select([...COMMENT_COLUMNS])
      .where('task_number', 'in', numbers)
      .where('visibility', '=', 'public')
      .execute();
    return groupBy(rows, (r) => r.task_number) as Map<string, DriftComment[]>;
  }

  /** The public files of these tasks, each with the SHA-256 of its stored bytes (null: missing or incomplete). */
  async function attachmentsOf(instance: string, numbers: string[]) {
    if (!numbers.length) return new Map<string, DriftAttachment[]>();
    const rows = await instances
      .db(instance)
      .selectFrom('attachments as a')
      .leftJoin('attachment_contents as c', (j) => j.onRef('c.id', '=', 'a.id').on('c.complete', '=', true))
      .select(['a.id', 'a.task_number', 'a.seq', 'a.visibility', 'a.file_name', 'a.size', 'a.sha256', 'c.sha256 as stored_sha256'])
      .where('a.task_number', 'in', numbers)
      .where('a.visibility', '=', 'public')
      .execute();
    return groupBy(
      rows.map((r) => ({ ...r, size: Number(r.size) })),
      (r) => r.task_number,
    ) as Map<string, DriftAttachment[]>;
  }

  async function escalationsOf(instance: string, numbers: string[]) {
    if (!numbers.length) return new Map<string, DriftEscalation[]>();
    const rows = await instances.db(instance).selectFrom('escalations').select([...ESCALATION_COLUMNS]).where('task_number', 'in', numbers).execute();
    return groupBy(rows, (r) => r.task_number) as Map<string, DriftEscalation[]>;
  }

  interface Loaded {
    consumer: DriftSide<ConsumerRow>;
    provider: DriftSide<ProviderRow> | null;
    /** Differences found while loading (unknown provider instance, duplicate parent tasks). */
    extra: Difference[];
  }

  /** Both sides of the consumer's Provider Tasks `numbers` (those that still exist). */
  async function loadConsumerRequests(consumerId: string, numbers: string[]): Promise<Loaded[]> {
    if (!numbers.length) return [];
    const rows = (await instances
      .db(consumerId)
      .selectFrom('consumer_provider_tasks')
      .select([...CONSUMER_COLUMNS])
      .where('number', 'in', numbers)
      .orderBy('number')
      .execute()) as ConsumerRow[];
    const comments = await commentsOf(consumerId, rows.map((r) => r.number));
    const escalations = await escalationsOf(consumerId, rows.map((r) => r.number));
    const attachments = await attachmentsOf(consumerId, rows.map((r) => r.number));
    const loaded: Loaded[] = rows.map((r) => ({
      consumer: { task: r, comments: comments.get(r.number) ?? [], escalations: escalations.get(r.number) ?? [], attachments: attachments.get(r.number) ?? [] },
      provider: null,
      extra: [],
    }));
    for (const [providerId, group] of groupBy(loaded, (l) => l.consumer.task.provider_instance)) {
      if (!known.has(providerId)) {
        for (const l of group) {
          l.extra.push({
            field: 'provider_instance',
            consumer: providerId,
            provider: null,
            message: `${l.consumer.task.number} names provider instance ${providerId}, which is not configured here`,
          });
        }
        continue;
      }
      const parents = (await instances
        .db(providerId)
        .selectFrom('provider_parent_tasks')
        .select([...PROVIDER_COLUMNS])
        .where('consumer_instance', '=', consumerId)
        .where('consumer_number', 'in', group.map((l) => l.consumer.task.number))
        .orderBy('number')
        .execute()) as ProviderRow[];
      const byConsumerNumber = groupBy(parents, (p) => p.consumer_number);
      const chosen: ProviderRow[] = [];
      for (const l of group) {
        const candidates = byConsumerNumber.get(l.consumer.task.number) ?? [];
        const parent = candidates.find((p) => p.workflow_id === l.consumer.task.workflow_id) ?? candidates[0];
        if (candidates.length > 1) {
          l.extra.push({
            field: 'provider_task',
            consumer: l.consumer.task.number,
            provider: candidates.map((p) => p.number),
            message: `${candidates.length} parent tasks at ${providerId} point at ${l.consumer.task.number}: ${candidates.map((p) => p.number).join(', ')}`,
          });
        }
        if (parent) {
          chosen.push(parent);
          l.provider = { task: parent, comments: [], escalations: [], attachments: [] };
        }
      }
      const providerComments = await commentsOf(providerId, chosen.map((p) => p.number));
      const providerEscalations = await escalationsOf(providerId, chosen.map((p) => p.number));
      const providerAttachments = await attachmentsOf(providerId, chosen.map((p) => p.number));
      for (const l of group) {
        if (!l.provider) continue;
        l.provider.comments = providerComments.get(l.provider.task.number) ?? [];
        l.provider.escalations = providerEscalations.get(l.provider.task.number) ?? [];
        l.provider.attachments = providerAttachments.get(l.provider.task.number) ?? [];
      }
    }
    return loaded;
  }

  function record(entry: DriftedRequest, result: DriftResult, unavailable: boolean) {
    report.checked++;
    if (unavailable) report.workflowUnavailable++;
    if (result.differences.length) report.drifted.push({ ...entry, differences: result.differences });
    else if (result.pending.length) {
      report.pending++;
      report.pendingRequests.push({ ...entry, differences: result.pending });
    } else report.inSync++;
  }

  /** Compares one loaded request; a running one that looks drifted is read again before it counts. */
  async function checkConsumerRequest(consumerId: string, first: Loaded, firstWorkflow: WorkflowRead & { unavailable: boolean }) {
    let loaded: Loaded | undefined = first;
    let wf = firstWorkflow;
    const compare = (l: Loaded, w: WorkflowRead) => {
      const result = compareExchange({ consumer: l.consumer, provider: l.provider, workflow: w.snapshot, workflowStatus: w.status });
      return { differences: [...l.extra, ...result.differences], pending: result.pending };
    };
    let result = compare(loaded, wf);
    for (const delay of recheckDelays) {
      if (!result.differences.length || wf.status !== 'running') break;
      await sleep(delay);
      const number = loaded.consumer.task.number;
      [loaded] = await loadConsumerRequests(consumerId, [number]);
      if (!loaded) return; // deleted meanwhile: no longer a request to check
      wf = await readWorkflow(loaded.consumer.task.workflow_id);
      result = compare(loaded, wf);
    }
    record(
      {
        workflowId: loaded.consumer.task.workflow_id,
        consumerInstance: consumerId,
        consumerNumber: loaded.consumer.task.number,
        providerInstance: loaded.consumer.task.provider_instance,
        providerNumber: loaded.provider?.task.number ?? loaded.consumer.task.provider_number,
        differences: [],
      },
      result,
      wf.unavailable,
    );
  }

  // ---- 1. every consumer Provider Task, with its parent task and workflow
  for (const consumerId of instances.ids) {
    let after = '';
    let seen = 0;
    for (;;) {
      const page = await instances
        .db(consumerId)
        .selectFrom('consumer_provider_tasks')
        .select('number')
        .where('number', '>', after)
        .orderBy('number')
        .limit(pageSize)
        .execute();
      if (!page.length) break;
      after = page[page.length - 1].number;
      const loaded = await loadConsumerRequests(consumerId, page.map((r) => r.number));
      await mapLimit(loaded, concurrency, async (l) => checkConsumerRequest(consumerId, l, await readWorkflow(l.consumer.task.workflow_id)));
      seen += page.length;
      progress(`${consumerId}: ${seen} Provider Task(s) checked — ${report.drifted.length} drifted, ${report.pending} pending so far`);
      if (page.length < pageSize) break;
    }
  }

  // ---- 2. parent tasks no consumer record points at (orphans)
  for (const providerId of instances.ids) {
    let after = '';
    let seen = 0;
    for (;;) {
      const page = (await instances
        .db(providerId)
        .selectFrom('provider_parent_tasks')
        .select([...PROVIDER_COLUMNS])
        .where('number', '>', after)
        .orderBy('number')
        .limit(pageSize)
        .execute()) as ProviderRow[];
      if (!page.length) break;
      after = page[page.length - 1].number;
      const orphans: Array<{ parent: ProviderRow; extra: Difference[] }> = [];
      for (const [consumerId, group] of groupBy(page, (p) => p.consumer_instance)) {
        if (!known.has(consumerId)) {
          for (const parent of group) {
            orphans.push({
              parent,
              extra: [{ field: 'consumer_instance', consumer: null, provider: consumerId, message: `${parent.number} names consumer instance ${consumerId}, which is not configured here` }],
            });
          }
          continue;
        }
        const consumers = await instances
          .db(consumerId)
          .selectFrom('consumer_provider_tasks')
          .select(['number', 'provider_instance'])
          .where('number', 'in', group.map((p) => p.consumer_number))
          .execute();
        const linked = new Set(consumers.filter((c) => c.provider_instance === providerId).map((c) => c.number));
        for (const parent of group) if (!linked.has(parent.consumer_number)) orphans.push({ parent, extra: [] });
      }
      await mapLimit(orphans, concurrency, async ({ parent, extra }) => {
        let wf = await readWorkflow(parent.workflow_id);
        const compare = () => compareExchange({ consumer: null, provider: { task: parent, comments: [] }, workflow: wf.snapshot, workflowStatus: wf.status });
        let result = compare();
        for (const delay of recheckDelays) {
          if (!result.differences.length || wf.status !== 'running' || extra.length) break;
          // The consumer's record may have been written since it was looked for: then check it as a request.
          await sleep(delay);
          const [created] = await loadConsumerRequests(parent.consumer_instance, [parent.consumer_number]);
          if (created?.consumer.task.provider_instance === providerId) {
            return checkConsumerRequest(parent.consumer_instance, created, await readWorkflow(created.consumer.task.workflow_id));
          }
          wf = await readWorkflow(parent.workflow_id);
          result = compare();
        }
        record(
          {
            workflowId: parent.workflow_id,
            consumerInstance: parent.consumer_instance,
            // The number it points at; the differences say that no such Provider Task exists.
            consumerNumber: parent.consumer_number,
            providerInstance: providerId,
            providerNumber: parent.number,
            differences: [],
          },
          { differences: [...extra, ...result.differences], pending: result.pending },
          wf.unavailable,
        );
      });
      seen += page.length;
      progress(`${providerId}: ${seen} parent task(s) checked for a consumer record — ${report.drifted.length} drifted so far`);
      if (page.length < pageSize) break;
    }
  }

  const byRequest = (a: DriftedRequest, b: DriftedRequest) =>
    a.consumerInstance.localeCompare(b.consumerInstance) || a.consumerNumber.localeCompare(b.consumerNumber) || (a.providerNumber ?? '').localeCompare(b.providerNumber ?? '');
  report.drifted.sort(byRequest);
  report.pendingRequests.sort(byRequest);
  return report;
}
