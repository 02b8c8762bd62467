// Reconciliation: walks every exchanged request in every instance's database, reads its counterpart in
// the other instance and its workflow, and reports drift (domain/drift.ts decides what differs).
import type { Client } from '@temporalio/client';
import { compareExchange, type Difference, type DriftResult, type DriftSide } from '../domain/drift';
import type { InstanceDatabases } from '../db/instances';
import {
  consumerTaskLinks,
  consumerTaskNumbersAfter,
  consumerTasks,
  escalations as escalationsOf,
  parentTasksAfter,
  parentTasksPointingAt,
  publicAttachments,
  publicComments,
  type ConsumerTaskRow,
  type ParentTaskRow,
} from '../db/repositories/drift-reads';
import { mapLimit } from '../app/concurrency';
import { workflowReader, type WorkflowRead } from './reconcile-workflows';

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

/** One request's two sides as loaded, with differences found while loading them. */
interface Loaded {
  consumer: DriftSide<ConsumerTaskRow>;
  provider: DriftSide<ParentTaskRow> | null;
  /** An unknown provider instance, duplicate parent tasks. */
  extra: Difference[];
}

/** A parent task no consumer record points at. */
interface Orphan {
  parent: ParentTaskRow;
  extra: Difference[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Rows page by page, by key order: `read(after)` answers at most `pageSize` rows after the key `after`. */
async function* pages<T>(read: (after: string) => Promise<T[]>, key: (row: T) => string, pageSize: number): AsyncGenerator<T[]> {
  for (let after = ''; ; ) {
    const page = await read(after);
    if (!page.length) return;
    yield page;
    if (page.length < pageSize) return;
    after = key(page[page.length - 1]);
  }
}

const byRequest = (a: DriftedRequest, b: DriftedRequest) =>
  a.consumerInstance.localeCompare(b.consumerInstance) || a.consumerNumber.localeCompare(b.consumerNumber) || (a.providerNumber ?? '').localeCompare(b.providerNumber ?? '');

/** Compares every exchanged request across the instances' databases and its workflow. */
export async function reconcile(instances: InstanceDatabases, temporal: Client, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const readWorkflow = workflowReader(temporal, { queryTimeoutMs: options.queryTimeoutMs ?? 10_000, queryRunning: options.queryRunning ?? true });
  return new Reconciliation(instances, readWorkflow, options).run();
}

class Reconciliation {
  private readonly report: ReconcileReport = { checked: 0, inSync: 0, pending: 0, drifted: [], pendingRequests: [], workflowUnavailable: 0 };
  private readonly known: Set<string>;
  private readonly pageSize: number;
  private readonly concurrency: number;
  private readonly recheckDelays: number[];
  private readonly progress: (message: string) => void;

  constructor(
    private readonly instances: InstanceDatabases,
    private readonly readWorkflow: (workflowId: string) => Promise<WorkflowRead>,
    options: ReconcileOptions,
  ) {
    this.known = new Set(instances.ids);
    this.pageSize = options.pageSize ?? 200;
    this.concurrency = options.concurrency ?? 8;
    this.recheckDelays = options.recheckDelaysMs ?? [250, 1000];
    this.progress = options.progress ?? (() => {});
  }

  async run(): Promise<ReconcileReport> {
    for (const consumerId of this.instances.ids) await this.checkProviderTasksOf(consumerId);
    for (const providerId of this.instances.ids) await this.checkOrphansAt(providerId);
    this.report.drifted.sort(byRequest);
    this.report.pendingRequests.sort(byRequest);
    return this.report;
  }

  /** Every Provider Task of this consumer, with its parent task and workflow. */
  private async checkProviderTasksOf(consumerId: string): Promise<void> {
    const db = this.instances.db(consumerId);
    let seen = 0;
    for await (const numbers of pages((after) => consumerTaskNumbersAfter(db, after, this.pageSize), (n) => n, this.pageSize)) {
      const loaded = await this.loadConsumerRequests(consumerId, numbers);
      await mapLimit(loaded, this.concurrency, async (l) => this.checkConsumerRequest(consumerId, l, await this.readWorkflow(l.consumer.task.workflow_id)));
      seen += numbers.length;
      this.progress(`${consumerId}: ${seen} Provider Task(s) checked — ${this.report.drifted.length} drifted, ${this.report.pending} pending so far`);
    }
  }

  /** This provider's parent tasks that no consumer record points at. */
  private async checkOrphansAt(providerId: string): Promise<void> {
    const db = this.instances.db(providerId);
    let seen = 0;
    for await (const page of pages((after) => parentTasksAfter(db, after, this.pageSize), (p) => p.number, this.pageSize)) {
      const orphans = await this.orphansIn(providerId, page);
      await mapLimit(orphans, this.concurrency, (orphan) => this.checkOrphan(providerId, orphan));
      seen += page.length;
      this.progress(`${providerId}: ${seen} parent task(s) checked for a consumer record — ${this.report.drifted.length} drifted so far`);
    }
  }

  /** The parent tasks of `page` whose consumer holds no Provider Task that names this provider. */
  private async orphansIn(providerId: string, page: ParentTaskRow[]): Promise<Orphan[]> {
    const orphans: Orphan[] = [];
    for (const [consumerId, group] of groupBy(page, (p) => p.consumer_instance)) {
      if (!this.known.has(consumerId)) {
        for (const parent of group) {
          orphans.push({
            parent,
            extra: [{ field: 'consumer_instance', consumer: null, provider: consumerId, message: `${parent.number} names consumer instance ${consumerId}, which is not configured here` }],
          });
        }
        continue;
      }
      const consumers = await consumerTaskLinks(this.instances.db(consumerId), group.map((p) => p.consumer_number));
      const linked = new Set(consumers.filter((c) => c.provider_instance === providerId).map((c) => c.number));
      for (const parent of group) if (!linked.has(parent.consumer_number)) orphans.push({ parent, extra: [] });
    }
    return orphans;
  }

  /** Compares an orphan with its workflow; one whose consumer record appears meanwhile is checked as a request. */
  private async checkOrphan(providerId: string, { parent, extra }: Orphan): Promise<void> {
    let wf = await this.readWorkflow(parent.workflow_id);
    const compare = () => compareExchange({ consumer: null, provider: { task: parent, comments: [] }, workflow: wf.snapshot, workflowStatus: wf.status });
    let result = compare();
    for (const delay of this.recheckDelays) {
      if (!result.differences.length || wf.status !== 'running' || extra.length) break;
      // The consumer's record may have been written since it was looked for: then check it as a request.
      await sleep(delay);
      const [created] = await this.loadConsumerRequests(parent.consumer_instance, [parent.consumer_number]);
      if (created?.consumer.task.provider_instance === providerId) {
        return this.checkConsumerRequest(parent.consumer_instance, created, await this.readWorkflow(created.consumer.task.workflow_id));
      }
      wf = await this.readWorkflow(parent.workflow_id);
      result = compare();
    }
    const entry = {
      workflowId: parent.workflow_id,
      consumerInstance: parent.consumer_instance,
      // The number it points at; the differences say that no such Provider Task exists.
      consumerNumber: parent.consumer_number,
      providerInstance: providerId,
      providerNumber: parent.number,
    };
    this.record(entry, { differences: [...extra, ...result.differences], pending: result.pending }, wf.unavailable);
  }

  /** Compares one loaded request; a running one that looks drifted is read again before it counts. */
  private async checkConsumerRequest(consumerId: string, first: Loaded, firstWorkflow: WorkflowRead): Promise<void> {
    let loaded: Loaded | undefined = first;
    let wf = firstWorkflow;
    const compare = (l: Loaded, w: WorkflowRead) => {
      const result = compareExchange({ consumer: l.consumer, provider: l.provider, workflow: w.snapshot, workflowStatus: w.status });
      return { differences: [...l.extra, ...result.differences], pending: result.pending };
    };
    let result = compare(loaded, wf);
    for (const delay of this.recheckDelays) {
      if (!result.differences.length || wf.status !== 'running') break;
      await sleep(delay);
      [loaded] = await this.loadConsumerRequests(consumerId, [loaded.consumer.task.number]);
      if (!loaded) return; // deleted meanwhile: no longer a request to check
      wf = await this.readWorkflow(loaded.consumer.task.workflow_id);
      result = compare(loaded, wf);
    }
    const { task } = loaded.consumer;
    const entry = {
      workflowId: task.workflow_id,
      consumerInstance: consumerId,
      consumerNumber: task.number,
      providerInstance: task.provider_instance,
      providerNumber: loaded.provider?.task.number ?? task.provider_number,
    };
    this.record(entry, result, wf.unavailable);
  }

  private record(entry: Omit<DriftedRequest, 'differences'>, result: DriftResult, unavailable: boolean): void {
    const { report } = this;
    report.checked++;
    if (unavailable) report.workflowUnavailable++;
    if (result.differences.length) report.drifted.push({ ...entry, differences: result.differences });
    else if (result.pending.length) {
      report.pending++;
      report.pendingRequests.push({ ...entry, differences: result.pending });
    } else report.inSync++;
  }

  /** Both sides of the consumer's Provider Tasks `numbers` (those that still exist). */
  private async loadConsumerRequests(consumerId: string, numbers: string[]): Promise<Loaded[]> {
    const rows = await consumerTasks(this.instances.db(consumerId), numbers);
    const details = await this.detailsOf(consumerId, rows.map((r) => r.number));
    const loaded: Loaded[] = rows.map((task) => ({ consumer: { task, ...details(task.number) }, provider: null, extra: [] }));
    for (const [providerId, group] of groupBy(loaded, (l) => l.consumer.task.provider_instance)) {
      if (this.known.has(providerId)) await this.loadParents(consumerId, providerId, group);
      else {
        for (const l of group) {
          const message = `${l.consumer.task.number} names provider instance ${providerId}, which is not configured here`;
          l.extra.push({ field: 'provider_instance', consumer: providerId, provider: null, message });
        }
      }
    }
    return loaded;
  }

  /** Fills in each request's provider side: the parent task pointing at it (its own workflow's, if several do). */
  private async loadParents(consumerId: string, providerId: string, group: Loaded[]): Promise<void> {
    const parents = await parentTasksPointingAt(this.instances.db(providerId), consumerId, group.map((l) => l.consumer.task.number));
    const byConsumerNumber = groupBy(parents, (p) => p.consumer_number);
    const chosen: Array<{ l: Loaded; parent: ParentTaskRow }> = [];
    for (const l of group) {
      const candidates = byConsumerNumber.get(l.consumer.task.number) ?? [];
      const parent = candidates.find((p) => p.workflow_id === l.consumer.task.workflow_id) ?? candidates[0];
      if (candidates.length > 1) {
        const numbers = candidates.map((p) => p.number);
        const message = `${candidates.length} parent tasks at ${providerId} point at ${l.consumer.task.number}: ${numbers.join(', ')}`;
        l.extra.push({ field: 'provider_task', consumer: l.consumer.task.number, provider: numbers, message });
      }
      if (parent) chosen.push({ l, parent });
    }
    const details = await this.detailsOf(providerId, chosen.map((c) => c.parent.number));
    for (const { l, parent } of chosen) l.provider = { task: parent, ...details(parent.number) };
  }

  /** The public comments, escalations and public files of these tasks at `instance`, by task number. */
  private async detailsOf(instance: string, numbers: string[]) {
    const db = this.instances.db(instance);
    const byTask = <T extends { task_number: string }>(rows: T[]) => groupBy(rows, (r) => r.task_number);
    const comments = byTask(await publicComments(db, numbers));
    const escalations = byTask(await escalationsOf(db, numbers));
    const attachments = byTask(await publicAttachments(db, numbers));
    return (number: string) => ({ comments: comments.get(number) ?? [], escalations: escalations.get(number) ?? [], attachments: attachments.get(number) ?? [] });
  }
}
