// Watches the other side's database for a change an action made on one side: a comment (by its task and body), a task
// reaching a state, a parent task appearing. One batched query per instance and kind every `pollMs`
// for everything awaited at the time, so the watching does not swamp the databases it watches.
import type { InstanceDatabases } from '../db/instances';
import { sleep } from './stats';

/** How far along a task is; a later state counts as having seen an earlier one. */
const RANK: Record<string, number> = { new: 0, received: 1, work_in_progress: 2, awaiting_info: 2, resolved: 3, closed: 4, cancelled: 4 };
/** The provider's parent task starts at `new`, which is the consumer's `received`. */
const providerRank = (state: string) => (state === 'new' ? 1 : RANK[state]);

export type Probe =
  // A comment by its task there and its body (unique per run): the API shows per-side ids, not the stored one.
  | { kind: 'comment'; instance: string; taskNumber: string; body: string }
  | { kind: 'state'; instance: string; side: 'consumer' | 'provider'; number: string; state: string }
  | { kind: 'parent'; instance: string; workflowId: string };

export interface Seen {
  /** performance.now() when the poll that saw it returned (an upper bound: never early). */
  at: number;
  /** The parent task's number, for `parent` probes. */
  value?: string;
}

interface Waiter {
  probe: Probe;
  resolve: (seen: Seen) => void;
  reject: (err: Error) => void;
  deadline: number;
}

export class ReplicationWatcher {
  private waiters: Waiter[] = [];
  private running = false;
  /** Duration of each poll round (all queries of a round run together): the measurement's resolution. */
  readonly roundMs: number[] = [];

  constructor(
    private readonly instances: InstanceDatabases,
    private readonly pollMs: number,
    private readonly timeoutMs = 120_000,
  ) {}

  /** Resolves when the change is visible in that database. */
  wait(probe: Probe): Promise<Seen> {
    return new Promise<Seen>((resolve, reject) => {
      this.waiters.push({ probe, resolve, reject, deadline: performance.now() + this.timeoutMs });
      if (!this.running) void this.loop();
    });
  }

  get pending(): number {
    return this.waiters.length;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.waiters.length) {
        const batch = this.waiters;
        this.waiters = [];
        const started = performance.now();
        let found: Map<Waiter, { value?: string }>;
        try {
          found = await this.poll(batch);
        } catch (err) {
          for (const w of batch) w.reject(err as Error);
          continue;
        }
        const at = performance.now();
        this.roundMs.push(at - started);
        const still: Waiter[] = [];
        for (const w of batch) {
          const hit = found.get(w);
          if (hit) w.resolve({ at, value: hit.value });
          else if (at > w.deadline) w.reject(new Error(`not replicated within ${this.timeoutMs} ms: ${JSON.stringify(w.probe)}`));
          else still.push(w);
        }
        // Waiters added while this round polled are polled next round.
        this.waiters = [...still, ...this.waiters];
        if (this.waiters.length) await sleep(this.pollMs);
      }
    } finally {
      this.running = false;
    }
  }

  private async poll(batch: Waiter[]): Promise<Map<Waiter, { value?: string }>> {
    const found = new Map<Waiter, { value?: string }>();
    const groups = new Map<string, Waiter[]>();
    for (const w of batch) {
      const key = `${w.probe.instance}/${w.probe.kind}/${w.probe.kind === 'state' ? w.probe.side : ''}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(w);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const first = group[0].probe;
        const db = this.instances.db(first.instance);
        if (first.kind === 'comment') {
          const probes = group.map((w) => w.probe as Extract<Probe, { kind: 'comment' }>);
          const numbers = [...new Set(probes.map((p) => p.taskNumber))];
          const rows = await db.selectFrom('comments').select(['task_number', 'body']).where('task_number', 'in', numbers).execute();
          const seen = new Set(rows.map((r) => `${r.task_number}\n${r.body}`));
          for (const w of group) {
            const p = w.probe as Extract<Probe, { kind: 'comment' }>;
            if (seen.has(`${p.taskNumber}\n${p.body}`)) found.set(w, {});
          }
        } else if (first.kind === 'parent') {
          const ids = group.map((w) => (w.probe as Extract<Probe, { kind: 'parent' }>).workflowId);
          const rows = await db.selectFrom('provider_parent_tasks').select(['workflow_id', 'number']).where('workflow_id', 'in', ids).execute();
          const byId = new Map(rows.map((r) => [r.workflow_id, r.number]));
          for (const w of group) {
            const number = byId.get((w.probe as Extract<Probe, { kind: 'parent' }>).workflowId);
            if (number) found.set(w, { value: number });
          }
        } else {
          const numbers = group.map((w) => (w.probe as Extract<Probe, { kind: 'state' }>).number);
          const rows =
            first.side === 'consumer'
              ? await db.selectFrom('consumer_provider_tasks').select(['number', 'state']).where('number', 'in', numbers).execute()
              : await db.selectFrom('provider_parent_tasks').select(['number', 'state']).where('number', 'in', numbers).execute();
          const state = new Map(rows.map((r) => [r.number, r.state as string]));
          for (const w of group) {
            const p = w.probe as Extract<Probe, { kind: 'state' }>;
            const current = state.get(p.number);
            if (current === undefined) continue;
            const reached = p.side === 'consumer' ? RANK[current] >= RANK[p.state] : providerRank(current) >= providerRank(p.state);
            if (reached) found.set(w, {});
          }
        }
      }),
    );
    return found;
  }
}
