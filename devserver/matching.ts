/**
 * Task matching: long-polling workers meet tasks on named queues. A task is a claim function,
 * called only when a poller takes it, so a task that went stale while queued (its workflow
 * closed, its activity cancelled) is skipped instead of handed out.
 */
import { DEFAULT_PRIORITY_KEY } from './priority';
import { RateLimit } from './rate-limit';

export type Claim<P, R> = (poller: P) => R | undefined;

interface Poller<P, R> {
  info: P;
  deliver(result: R | undefined): void;
  alive(): boolean;
}

interface Queued<P, R> {
  claim: Claim<P, R>;
  /** The priority key (devserver/priority.ts): lower goes first, first in first out within a key. */
  priority: number;
}

interface Queue<P, R> {
  pollers: Poller<P, R>[];
  tasks: Queued<P, R>[];
  /** Set by a poll that asks for one (an activity poll's `maxTasksPerSecond`). */
  limit?: RateLimit;
  /** Armed while tasks and pollers wait for the limit's next token. */
  retry?: NodeJS.Timeout;
}

/** How long a poller is listed after its last poll, as the real server's poller history keeps it. */
const POLLER_TTL_MS = 5 * 60_000;

export class Matching<P extends PollerInfo, R> {
  private readonly queues = new Map<string, Queue<P, R>>();
  /** Per queue: each poller identity's last poll, for DescribeTaskQueue. */
  private readonly lastPolls = new Map<string, Map<string, number>>();

  constructor(private readonly now: () => number = Date.now) {}

  private queue(name: string): Queue<P, R> {
    let q = this.queues.get(name);
    if (!q) {
      q = { pollers: [], tasks: [] };
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Waits for a task; resolves undefined when `timeoutMs` passes. `alive` says whether the caller is
   * still there; `ratePerSecond`, when given, becomes the queue's dispatch rate limit.
   */
  poll(name: string, info: P, timeoutMs: number, alive: () => boolean, ratePerSecond?: number): Promise<R | undefined> {
    const q = this.queue(name);
    if (!this.lastPolls.has(name)) this.lastPolls.set(name, new Map());
    this.lastPolls.get(name)!.set(info.identity, this.now());
    if (ratePerSecond && ratePerSecond > 0) {
      if (q.limit) q.limit.setRate(ratePerSecond, this.now());
      else q.limit = new RateLimit(ratePerSecond, this.now());
    }
    while (q.tasks.length && this.mayDispatch(q)) {
      const result = q.tasks.shift()!.claim(info);
      if (result !== undefined) {
        q.limit?.take();
        return Promise.resolve(result);
      }
    }
    return new Promise((resolve) => {
      const poller: Poller<P, R> = {
        info,
        deliver: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        alive,
      };
      const timer = setTimeout(() => {
        const idx = q.pollers.indexOf(poller);
        if (idx >= 0) q.pollers.splice(idx, 1);
        resolve(undefined);
      }, timeoutMs);
      q.pollers.push(poller);
      if (q.tasks.length) this.dispatchLater(q);
    });
  }

  /** Offers a task: handed to a waiting poller at once, or queued, in priority order, until one arrives. */
  offer(name: string, claim: Claim<P, R>, priority = DEFAULT_PRIORITY_KEY): void {
    const q = this.queue(name);
    // After every task of the same or a higher priority: the backlog is short, a scan is enough.
    let at = q.tasks.length;
    while (at > 0 && q.tasks[at - 1].priority > priority) at--;
    q.tasks.splice(at, 0, { claim, priority });
    this.dispatch(q);
  }

  private mayDispatch(q: Queue<P, R>): boolean {
    return !q.limit || q.limit.available(this.now());
  }

  /**
   * Hands queued tasks to waiting pollers, first task first, as many as the rate limit allows now; the
   * rest once it allows more. A task that went stale is dropped and its poller waits on.
   */
  private dispatch(q: Queue<P, R>): void {
    while (q.tasks.length && q.pollers.length && this.mayDispatch(q)) {
      const poller = q.pollers.shift()!;
      if (!poller.alive()) {
        poller.deliver(undefined);
        continue;
      }
      const result = q.tasks.shift()!.claim(poller.info);
      if (result === undefined) {
        q.pollers.unshift(poller);
        continue;
      }
      q.limit?.take();
      poller.deliver(result);
    }
    if (q.tasks.length && q.pollers.length) this.dispatchLater(q);
  }

  private dispatchLater(q: Queue<P, R>): void {
    if (q.retry || !q.limit) return;
    q.retry = setTimeout(() => {
      q.retry = undefined;
      this.dispatch(q);
    }, q.limit.waitMs(this.now()));
  }

  /** True when some live poller is waiting on the queue right now. */
  hasPoller(name: string): boolean {
    const q = this.queues.get(name);
    return !!q && q.pollers.some((p) => p.alive());
  }

  /** The identities that polled the queue lately, with when they last did. */
  recentPollers(name: string): { identity: string; lastAccessTime: number }[] {
    const since = this.now() - POLLER_TTL_MS;
    return [...(this.lastPolls.get(name) ?? [])].filter(([, at]) => at >= since).map(([identity, at]) => ({ identity, lastAccessTime: at }));
  }

  /** Removes queued tasks for which `drop` is true and returns them (to re-offer elsewhere). */
  drain(name: string, drop: (claim: Claim<P, R>) => boolean = () => true): Claim<P, R>[] {
    const q = this.queues.get(name);
    if (!q) return [];
    const dropped = q.tasks.filter((t) => drop(t.claim));
    q.tasks = q.tasks.filter((t) => !dropped.includes(t));
    return dropped.map((t) => t.claim);
  }

  /** Answers every waiting poller with "no task" (server shutdown). */
  close(): void {
    for (const q of this.queues.values()) {
      clearTimeout(q.retry);
      for (const p of q.pollers.splice(0)) p.deliver(undefined);
    }
  }
}

/** Who polls: what a started task records as its worker. */
export interface PollerInfo {
  identity: string;
}

/** A task queue's key in Matching: queue names are per namespace. */
export const queueKey = (ns: string, name: string) => `${ns}\u0000${name}`;
