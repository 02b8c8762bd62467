/**
 * The dev server's clock. It runs in real time, plus an offset that Temporal's TestService
 * ("time skipping") advances: while nothing holds a lock, the clock jumps straight to the next
 * timer. As in Temporal's test server (SelfAdvancingTimerImpl) there is one lock count: clients
 * (LockTimeSkipping), pending workflow and activity tasks and sleeps each add one, and time skips
 * only at zero. So an activity that calls UnlockTimeSkippingWithSleep gives up the lock its own
 * task holds. A fresh clock starts locked (as the test server does), so ordinary clients see plain
 * real time; a testing client unlocks it while it awaits a result.
 */
export interface ClockTimer {
  cancel(): void;
}

interface Entry {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
  /** Fires when the clock gets there, but time never skips to it (retention: the test server's time stands still for it). */
  passive: boolean;
}

export class VirtualClock {
  private offset = 0;
  private locks = 1;
  private entries: Entry[] = [];
  private seq = 0;
  private realTimer?: NodeJS.Timeout;
  private skipScheduled = false;
  private closed = false;

  constructor(
    private readonly onError: (err: unknown) => void = () => {},
    /** Called with the new offset each time the clock skips (to journal it). */
    private readonly onSkip: (offset: number) => void = () => {},
  ) {}

  /** The offset a previous process had skipped to (from the journal), so time never goes back. */
  restoreOffset(offset: number): void {
    this.offset = Math.max(this.offset, offset);
  }

  /** How far time skipping has moved this clock ahead of real time. */
  get skippedMs(): number {
    return this.offset;
  }

  now(): number {
    return Date.now() + this.offset;
  }

  /** Runs `fire` once the clock reaches `at` (epoch ms, clock time); a passive timer is no target for time skipping. */
  at(at: number, fire: () => void, passive = false): ClockTimer {
    const entry: Entry = { at, seq: this.seq++, fire, cancelled: false, passive };
    // Sorted insert: timers are few per server and mostly appended in order.
    let i = this.entries.length;
    while (i > 0 && (this.entries[i - 1].at > at || (this.entries[i - 1].at === at && this.entries[i - 1].seq > entry.seq))) i--;
    this.entries.splice(i, 0, entry);
    if (i === 0) this.arm();
    this.maybeSkip();
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        const idx = this.entries.indexOf(entry);
        if (idx >= 0) this.entries.splice(idx, 1);
      },
    };
  }

  after(ms: number, fire: () => void): ClockTimer {
    return this.at(this.now() + Math.max(0, ms), fire);
  }

  /** Locks time for work a worker must do (a pending workflow or activity task). Returns its release. */
  hold(): () => void {
    this.locks++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A client may already have taken this lock away (the count is shared): then there is none to give back.
      this.unlockSkipping();
    };
  }

  lockSkipping(): void {
    this.locks++;
  }

  /** Gives up one lock; false (and nothing changes) when none is held. */
  unlockSkipping(): boolean {
    if (this.locks === 0) return false;
    this.locks--;
    this.maybeSkip();
    return true;
  }

  /**
   * UnlockTimeSkippingWithSleep: gives up one lock until `ms` have passed on this clock, then takes it
   * back in the timer itself, so time cannot skip beyond the sleep. Undefined when no lock is held.
   */
  unlockFor(ms: number): Promise<void> | undefined {
    if (this.locks === 0) return undefined;
    const done = new Promise<void>((resolve) =>
      this.after(ms, () => {
        this.locks++;
        resolve();
      }),
    );
    this.unlockSkipping();
    return done;
  }

  close(): void {
    this.closed = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.entries = [];
  }

  private arm(): void {
    if (this.closed) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const next = this.entries[0];
    if (!next) return;
    const delay = Math.min(Math.max(0, next.at - this.now()), 2 ** 31 - 1);
    this.realTimer = setTimeout(() => this.fireDue(), delay);
  }

  private fireDue(): void {
    const now = this.now();
    while (this.entries.length && this.entries[0].at <= now) {
      const entry = this.entries.shift()!;
      try {
        entry.fire();
      } catch (err) {
        this.onError(err);
      }
    }
    this.arm();
    this.maybeSkip();
  }

  private maybeSkip(): void {
    if (this.skipScheduled || this.closed) return;
    this.skipScheduled = true;
    // Deferred so that work created by the current call stack (new tasks, new timers) is counted first.
    setImmediate(() => {
      this.skipScheduled = false;
      if (this.closed || this.locks > 0) return;
      // Passive timers are few (retention arms one), so finding the first active one is cheap.
      const next = this.entries.find((e) => !e.passive);
      if (!next) return;
      const now = this.now();
      if (next.at > now) {
        this.offset += next.at - now;
        this.onSkip(this.offset);
      }
      this.fireDue();
    });
  }
}
