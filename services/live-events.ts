import type { InstanceDatabases } from '../db/instances';
import { DomainError } from '../domain/errors';
import { TASK_EVENTS_CHANNEL, taskEventBounds, taskEventsAfter, type TaskEvent } from '../db/repositories/task-events';

/**
 * The live stream's events, per instance, for everyone subscribed in this process. Events come from
 * the instance's task_events table, which triggers fill in the transactions that change tasks, so a
 * change made through any API process or worker reaches subscribers of every API process. While an
 * instance has subscribers, one tail reads its new events (one query per wake-up) and hands each to
 * all of them; a NOTIFY wakes it at once, and it reads every `pollMs` anyway, in case a notification
 * was lost (the listening connection broke). Without subscribers, it neither reads nor listens.
 */
export class LiveEvents {
  private readonly tails = new Map<string, InstanceTail>();
  /** Tails stopped but maybe still finishing a read: close() waits for them. */
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly instances: InstanceDatabases,
    private readonly options: LiveEventsOptions = {},
  ) {}

  /**
   * Subscribes to an instance's events: `subscriber.start` once, with where the stream starts and the
   * events missed since `lastSeen` (the client's Last-Event-ID), then `subscriber.event` for each later
   * event, in order, each once. Returns the unsubscribe function. Throws `unavailable` when the
   * instance's database does not answer.
   */
  async subscribe(instance: string, lastSeen: number | undefined, subscriber: Subscriber): Promise<() => void> {
    if (this.closed) throw new DomainError('unavailable', 'The service is shutting down; retry shortly');
    let tail = this.tails.get(instance);
    if (!tail) {
      tail = new InstanceTail(this.instances, instance, this.options);
      this.tails.set(instance, tail);
    }
    const own = tail;
    // Registered before anything is read: what the tail reads from now on is kept until the start is known.
    const entry = new Subscription(subscriber);
    own.subscribers.add(entry);
    const unsubscribe = () => {
      own.subscribers.delete(entry);
      if (own.subscribers.size === 0 && this.tails.get(instance) === own) {
        this.tails.delete(instance);
        const stopped = own.stop();
        this.stopping.add(stopped);
        void stopped.finally(() => this.stopping.delete(stopped));
      }
    };
    try {
      await own.ready;
      entry.begin(await startOf(this.instances, instance, lastSeen, this.options.maxCatchUp ?? DEFAULT_MAX_CATCH_UP));
    } catch (err) {
      unsubscribe();
      if (err instanceof DomainError) throw err;
      throw new DomainError('unavailable', `The live events of ${instance} cannot be read now; retry shortly`, { retryAfter: 5 });
    }
    return unsubscribe;
  }

  /** Stops every tail (their listening connections too) and waits for reads in flight. */
  async close(): Promise<void> {
    this.closed = true;
    const tails = [...this.tails.values()];
    this.tails.clear();
    await Promise.all([...tails.map((t) => t.stop()), ...this.stopping]);
  }
}

export interface LiveEventsOptions {
  /** How often an instance's events are read while someone is subscribed, when no NOTIFY came sooner (default 500 ms). */
  pollMs?: number;
  /** The most missed events a resuming subscriber is sent; beyond that it is told to reload (default 1,000). */
  maxCatchUp?: number;
  /** Told when reading an instance's events fails, and when it works again. */
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export const DEFAULT_POLL_MS = 500;
const DEFAULT_MAX_CATCH_UP = 1_000;
/** Events read per query; a full batch is followed by another read at once. */
const BATCH = 500;
/** After the listening connection broke, how long until listening is tried again (polling goes on meanwhile). */
const LISTEN_RETRY_MS = 5_000;

/** Where a subscription starts. */
export type Start =
  /** Live after `position`; `missed`: the events after the client's Last-Event-ID, in order. */
  | { kind: 'live'; position: number; missed: TaskEvent[] }
  /** The client's Last-Event-ID is older than what is kept (or unknown here): it reloads everything, then live after `position`. */
  | { kind: 'reset'; position: number };

export interface Subscriber {
  start(start: Start): void;
  event(event: TaskEvent): void;
}

async function startOf(instances: InstanceDatabases, instance: string, lastSeen: number | undefined, maxCatchUp: number): Promise<Start> {
  const db = instances.db(instance);
  const { oldest, newest } = await taskEventBounds(db);
  if (lastSeen === undefined) return { kind: 'live', position: newest, missed: [] };
  // An id this database never gave out (another database's, or one restored from a backup), or one pruned since.
  if (lastSeen > newest || lastSeen < oldest - 1) return { kind: 'reset', position: newest };
  const missed = await taskEventsAfter(db, lastSeen, maxCatchUp + 1);
  // Reloading is cheaper for the client than replaying this many changes.
  if (missed.length > maxCatchUp) return { kind: 'reset', position: missed[missed.length - 1].id };
  return { kind: 'live', position: missed.length ? missed[missed.length - 1].id : lastSeen, missed };
}

/** One subscriber: events read before its start is known wait; after it, only later ones pass, once. */
class Subscription {
  private waiting: TaskEvent[] | undefined = [];
  private position = 0;

  constructor(private readonly subscriber: Subscriber) {}

  begin(start: Start): void {
    this.subscriber.start(start);
    this.position = start.position;
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const event of waiting) this.offer(event);
  }

  offer(event: TaskEvent): void {
    if (this.waiting) {
      this.waiting.push(event);
      return;
    }
    if (event.id <= this.position) return;
    this.position = event.id;
    this.subscriber.event(event);
  }
}

/** Reads one instance's new events while it has subscribers. */
class InstanceTail {
  readonly subscribers = new Set<Subscription>();
  /** Resolves once the tail knows where the table ends; rejects if the database did not answer. */
  readonly ready: Promise<void>;
  private readonly loop: Promise<void>;
  private cursor = 0;
  private stopped = false;
  private woken = false;
  private wake: (() => void) | undefined;
  private unlisten: Promise<(() => Promise<void>) | undefined> | undefined;
  private listenFailedAt = 0;
  private failing = false;

  constructor(
    private readonly instances: InstanceDatabases,
    private readonly instance: string,
    private readonly options: LiveEventsOptions,
  ) {
    this.listen();
    this.ready = taskEventBounds(instances.db(instance)).then(({ newest }) => {
      this.cursor = newest;
    });
    this.loop = this.ready.then(
      () => this.run(),
      () => {},
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const unlisten = await this.unlisten;
    await Promise.all([unlisten?.(), this.loop]);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.sleep();
      if (this.stopped) return;
      if (!this.unlisten && Date.now() - this.listenFailedAt >= LISTEN_RETRY_MS) this.listen();
      try {
        let batch: TaskEvent[];
        do {
          batch = await taskEventsAfter(this.instances.db(this.instance), this.cursor, BATCH);
          for (const event of batch) {
            this.cursor = event.id;
            for (const subscription of this.subscribers) subscription.offer(event);
          }
        } while (batch.length === BATCH && !this.stopped);
        if (this.failing) this.options.log?.info({ instance: this.instance }, 'live events are read again');
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.options.log?.warn({ err, instance: this.instance }, 'live events cannot be read; retrying');
        this.failing = true;
      }
    }
  }

  /** Until a NOTIFY (or one that came during the last read) or `pollMs`. */
  private sleep(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs ?? DEFAULT_POLL_MS);
      this.wake = done;
    });
  }

  private notified = () => {
    if (this.wake) this.wake();
    else this.woken = true;
  };

  private listen(): void {
    const broke = () => {
      this.unlisten = undefined;
      this.listenFailedAt = Date.now();
    };
    this.unlisten = this.instances.listen(this.instance, TASK_EVENTS_CHANNEL, this.notified, broke).catch(() => {
      broke();
      return undefined;
    });
  }
}
